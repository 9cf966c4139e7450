/**
 * The one interface every search strategy implements (random, NSGA-II, Bayesian
 * optimisation). A strategy proposes configurations (`ask`) and learns from
 * finished evaluations (`tell`); it never evaluates anything itself, so one
 * runner, one study file and any number of workers serve every strategy.
 */
import type { Configuration } from "./space.js";

/**
 * A finished evaluation told to a strategy.
 *
 * @example
 * ```ts
 * import { type Observation, RandomSearch, zdt1 } from "equipoise/search";
 * const problem = zdt1(4);
 * const search = new RandomSearch(problem.space, { numObjectives: 2, seed: 0 });
 * const [config] = search.ask(1);
 * const observation: Observation = { config, objectives: problem.evaluate(config).objectives }; // minimised
 * search.tell([observation]);
 * ```
 */
export interface Observation {
  config: Configuration;
  /** Every objective MINIMISED (negate a quantity to maximise). */
  objectives: number[];
  /** Feasible iff every value is <= 0. */
  constraints?: number[];
}

/**
 * What every strategy is built with: the numbers of objectives and constraints, and its seed.
 *
 * @example
 * ```ts
 * import { createStrategy, type StrategyOptions, zdt1 } from "equipoise/search";
 * const options: StrategyOptions = { numObjectives: 2, numConstraints: 0, seed: 7, referencePoint: [1.1, 1.1] };
 * const strategy = await createStrategy("bo", zdt1(4).space, { ...options });
 * ```
 */
export interface StrategyOptions {
  numObjectives: number;
  numConstraints?: number;
  seed: number;
  /** For hypervolume-based strategies; objectives are minimised, so a point worse than every useful one. */
  referencePoint?: number[];
}

/**
 * A search strategy: it proposes configurations (`ask`) and learns from results (`tell`); it never
 * evaluates anything itself, so a page or a worker can drive it.
 *
 * @example
 * ```ts
 * import { createStrategy, type Strategy, zdt1 } from "equipoise/search";
 * const problem = zdt1(4);
 * const strategy: Strategy = await createStrategy("random", problem.space, { numObjectives: 2, seed: 0 });
 * const configs = strategy.ask(4);
 * strategy.tell(configs.map((config) => ({ config, objectives: problem.evaluate(config).objectives })));
 * ```
 */
export interface Strategy {
  readonly name: string;
  /**
   * `n` new configurations. `pending` are configurations proposed earlier (by this
   * or another worker) whose results are not known yet; a strategy should not
   * propose them again and may account for them (e.g. fantasies in BO).
   */
  ask(n: number, pending?: Configuration[]): Configuration[];
  /** Finished evaluations; failed trials are simply not told. */
  tell(observations: Observation[]): void;
}

/**
 * Total constraint violation: the sum of the positive parts (0 when feasible).
 *
 * @example
 * ```ts
 * import { constraintViolation } from "equipoise/search";
 * constraintViolation([-1, 0.5, 0.25]); // 0.75: only the violated constraints count
 * constraintViolation(undefined); // 0
 * ```
 */
export function constraintViolation(constraints: ArrayLike<number> | undefined): number {
  if (!constraints) return 0;
  let total = 0;
  for (let i = 0; i < constraints.length; i++) {
    const c = constraints[i];
    // NaN counts as infinitely violated: an unknown constraint value is not feasible.
    if (Number.isNaN(c)) return Number.POSITIVE_INFINITY;
    if (c > 0) total += c;
  }
  return total;
}

/**
 * Checks an observation's shape against the strategy options; throws a RangeError naming the mismatch.
 *
 * @example
 * ```ts
 * import { checkObservation } from "equipoise/search";
 * checkObservation({ config: {}, objectives: [1] }, { numObjectives: 2, seed: 0 });
 * // throws a RangeError: "observation has 1 objective values, the strategy expects 2"
 * ```
 */
export function checkObservation(observation: Observation, options: StrategyOptions): void {
  if (observation.objectives.length !== options.numObjectives) {
    throw new RangeError(
      `observation has ${observation.objectives.length} objective values, the strategy expects ${options.numObjectives}`,
    );
  }
  const expected = options.numConstraints ?? 0;
  const got = observation.constraints?.length ?? 0;
  if (got !== expected)
    throw new RangeError(`observation has ${got} constraint values, the strategy expects ${expected}`);
}
