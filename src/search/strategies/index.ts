/** The strategies by name, so a study file (which stores the name) can rebuild its strategy. */
import { UserError } from "../../common/errors.js";
import type { SearchSpace } from "../space.js";
import type { Strategy, StrategyOptions } from "../strategy.js";
import { Nsga2, type Nsga2Options } from "./nsga2.js";
import { RandomSearch } from "./random.js";

export { Nsga2, type Nsga2Options } from "./nsga2.js";
export { RandomSearch } from "./random.js";

/**
 * The strategies {@link createStrategy} makes: "random" (scrambled Sobol'), "nsga2", "bo" (GP-BO).
 *
 * @example
 * ```ts
 * import { strategyNames } from "equipoise/search";
 * strategyNames; // ["random", "nsga2", "bo"]
 * const valid = (strategyNames as readonly string[]).includes("nsga2"); // true
 * ```
 */
export const strategyNames = ["random", "nsga2", "bo"] as const;
/**
 * "random", "nsga2" or "bo".
 *
 * @example
 * ```ts
 * import { createStrategy, type StrategyName, zdt1 } from "equipoise/search";
 * const name: StrategyName = "bo";
 * const strategy = await createStrategy(name, zdt1(4).space, { numObjectives: 2, seed: 0 });
 * ```
 */
export type StrategyName = (typeof strategyNames)[number];

/**
 * `options` may carry strategy-specific settings (e.g. populationSize for nsga2).
 * Async because Bayesian optimisation (and its numerics) is loaded only when asked for.
 *
 * @example
 * ```ts
 * import { createStrategy, zdt1 } from "equipoise/search";
 * const problem = zdt1(4);
 * const strategy = await createStrategy("nsga2", problem.space, { numObjectives: 2, seed: 0, populationSize: 8 });
 * const [config] = strategy.ask(1);
 * strategy.tell([{ config, objectives: problem.evaluate(config).objectives }]);
 * ```
 */
export async function createStrategy(
  name: string,
  space: SearchSpace,
  options: StrategyOptions & Record<string, unknown>,
): Promise<Strategy> {
  switch (name) {
    case "random":
      return new RandomSearch(space, options);
    case "nsga2":
      return new Nsga2(space, options as Nsga2Options);
    case "bo":
      return new (await import("./bo.js")).BayesianOptimization(space, options);
    default:
      throw new UserError(`unknown search strategy '${name}' (known: ${strategyNames.join(", ")})`);
  }
}
