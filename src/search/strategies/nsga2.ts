/**
 * NSGA-II (Deb, Pratap, Agarwal & Meyarivan, IEEE TEC 2002) on the unit-cube
 * encoding of the search space: constrained non-dominated sorting and crowding
 * distance for survival, binary tournaments on (rank, crowding), simulated binary
 * crossover (SBX, Deb & Agrawal 1995) and polynomial mutation with the bounded
 * forms of Deb's reference implementation. Categorical coordinates mutate by
 * random reset, since a small move inside a category's bin changes nothing.
 *
 * Asynchronous, any batch size: instead of generations, every ask selects the
 * parents from the best `populationSize` of ALL evaluations told so far (the
 * elitist (μ + λ) survival of NSGA-II applied to the whole archive), so results
 * can arrive in any order and workers never wait for a generation to finish.
 * The first `populationSize` proposals (told + pending) are a scrambled Sobol'
 * design.
 */
import { createRandom, type Random } from "../../common/rng.js";
import { crowdingDistance, nonDominatedSort } from "../pareto.js";
import type { Configuration, SearchSpace } from "../space.js";
import {
  checkObservation,
  constraintViolation,
  type Observation,
  type Strategy,
  type StrategyOptions,
} from "../strategy.js";
import { RandomSearch } from "./random.js";

/**
 * Settings of {@link Nsga2} (pymoo's defaults).
 *
 * @example
 * ```ts
 * import { Nsga2, type Nsga2Options, zdt1 } from "equipoise/search";
 * const options: Nsga2Options = { numObjectives: 2, seed: 0, populationSize: 40, crossoverProbability: 0.9, mutationEta: 20 };
 * const nsga2 = new Nsga2(zdt1(4).space, options);
 * ```
 */
export interface Nsga2Options extends StrategyOptions {
  /** Parents kept from the archive; also the size of the initial design. Default 20. */
  populationSize?: number;
  /** Probability that a pair of parents is crossed (default 0.9). */
  crossoverProbability?: number;
  /** SBX distribution index: larger keeps children closer to the parents (default 15, as pymoo). */
  crossoverEta?: number;
  /** Polynomial-mutation distribution index (default 20, as pymoo). */
  mutationEta?: number;
  /** Per-coordinate mutation probability (default 1 / dimension). */
  mutationProbability?: number;
}

interface Member {
  x: Float64Array;
  objectives: number[];
  violation: number;
}

interface Parent {
  x: Float64Array;
  rank: number;
  crowding: number;
}

/** Tries to find a configuration not yet evaluated or pending before accepting a repeat. */
const MAX_RETRIES = 20;

/**
 * NSGA-II (Deb et al. 2002) with constrained domination, SBX crossover and polynomial mutation; its
 * first population is a Sobol' design.
 *
 * @example
 * ```ts
 * import { Nsga2, zdt1 } from "equipoise/search";
 * const problem = zdt1(4);
 * const nsga2 = new Nsga2(problem.space, { numObjectives: 2, seed: 0, populationSize: 8 });
 * const configs = nsga2.ask(8); // the first population: a Sobol' design
 * nsga2.tell(configs.map((config) => ({ config, objectives: problem.evaluate(config).objectives })));
 * ```
 */
export class Nsga2 implements Strategy {
  readonly name = "nsga2";
  private readonly random: Random;
  private readonly initialDesign: RandomSearch;
  private readonly archive: Member[] = [];
  private readonly seen = new Set<string>();
  private parents: Parent[] | null = null;
  private readonly populationSize: number;
  private readonly crossoverProbability: number;
  private readonly crossoverEta: number;
  private readonly mutationEta: number;
  private readonly mutationProbability: number;
  private readonly categorical: boolean[];

  constructor(
    private readonly space: SearchSpace,
    private readonly options: Nsga2Options,
  ) {
    this.random = createRandom(options.seed);
    this.initialDesign = new RandomSearch(space, { ...options, seed: this.random.uint32() });
    this.populationSize = options.populationSize ?? 20;
    if (!Number.isInteger(this.populationSize) || this.populationSize < 2) {
      throw new RangeError(`nsga2: populationSize must be an integer >= 2, got ${this.populationSize}`);
    }
    this.crossoverProbability = options.crossoverProbability ?? 0.9;
    this.crossoverEta = options.crossoverEta ?? 15;
    this.mutationEta = options.mutationEta ?? 20;
    this.mutationProbability = options.mutationProbability ?? 1 / space.dimension;
    this.categorical = space.parameters.map((p) => p.kind === "categorical");
  }

  ask(n: number, pending: Configuration[] = []): Configuration[] {
    for (const config of pending) this.seen.add(this.space.key(config));
    const out: Configuration[] = [];
    const initialCount = Math.max(0, Math.min(n, this.populationSize - this.archive.length - pending.length));
    if (initialCount > 0) out.push(...this.initialDesign.ask(initialCount, pending));
    for (const config of out) this.seen.add(this.space.key(config));
    while (out.length < n) {
      // Nothing evaluated yet (all pending): more of the design is the only sensible proposal.
      const config =
        this.archive.length < 2 ? this.initialDesign.ask(1, [...pending, ...out])[0] : this.offspring();
      this.seen.add(this.space.key(config));
      out.push(config);
    }
    return out;
  }

  tell(observations: Observation[]): void {
    for (const observation of observations) {
      checkObservation(observation, this.options);
      this.archive.push({
        x: this.space.encode(observation.config),
        objectives: observation.objectives.map((v) => (Number.isNaN(v) ? Number.POSITIVE_INFINITY : v)),
        violation: constraintViolation(observation.constraints),
      });
      this.seen.add(this.space.key(observation.config));
    }
    this.initialDesign.tell(observations);
    this.parents = null;
  }

  /** The surviving population with each member's front rank and crowding distance. */
  private selectParents(): Parent[] {
    if (this.parents) return this.parents;
    const fronts = nonDominatedSort(
      this.archive.map((m) => m.objectives),
      this.archive.map((m) => m.violation),
    );
    const parents: Parent[] = [];
    for (let rank = 0; rank < fronts.length && parents.length < this.populationSize; rank++) {
      const front = fronts[rank];
      const crowding = crowdingDistance(
        this.archive.map((m) => m.objectives),
        front,
      );
      const order = front.map((_, i) => i).sort((a, b) => crowding[b] - crowding[a]);
      for (const i of order.slice(0, this.populationSize - parents.length)) {
        parents.push({ x: this.archive[front[i]].x, rank, crowding: crowding[i] });
      }
    }
    this.parents = parents;
    return parents;
  }

  private offspring(): Configuration {
    const parents = this.selectParents();
    let config: Configuration = {};
    for (let attempt = 0; attempt <= MAX_RETRIES; attempt++) {
      const a = this.tournament(parents);
      let b = this.tournament(parents);
      for (let t = 0; t < 5 && b === a; t++) b = this.tournament(parents);
      const child = this.crossover(a.x, b.x);
      this.mutate(child);
      config = this.space.decode(child);
      if (!this.seen.has(this.space.key(config))) break;
    }
    return config;
  }

  /** Binary tournament with the crowded-comparison operator. */
  private tournament(parents: Parent[]): Parent {
    const a = parents[this.random.integer(parents.length)];
    const b = parents[this.random.integer(parents.length)];
    if (a.rank !== b.rank) return a.rank < b.rank ? a : b;
    if (a.crowding !== b.crowding) return a.crowding > b.crowding ? a : b;
    return this.random.uniform() < 0.5 ? a : b;
  }

  /** SBX on [0, 1] per coordinate (each with probability 1/2); returns one of the two children. */
  private crossover(x1: Float64Array, x2: Float64Array): Float64Array {
    const child1 = Float64Array.from(x1);
    const child2 = Float64Array.from(x2);
    if (this.random.uniform() < this.crossoverProbability) {
      const eta = this.crossoverEta;
      for (let i = 0; i < x1.length; i++) {
        if (this.random.uniform() > 0.5 || Math.abs(x1[i] - x2[i]) < 1e-14) continue;
        const low = Math.min(x1[i], x2[i]);
        const high = Math.max(x1[i], x2[i]);
        const u = this.random.uniform();
        const spread = (beta: number) => {
          const alpha = 2 - beta ** -(eta + 1);
          return u <= 1 / alpha ? (u * alpha) ** (1 / (eta + 1)) : (1 / (2 - u * alpha)) ** (1 / (eta + 1));
        };
        const betaLow = spread(1 + (2 * low) / (high - low));
        const betaHigh = spread(1 + (2 * (1 - high)) / (high - low));
        let c1 = clamp01(0.5 * (low + high - betaLow * (high - low)));
        let c2 = clamp01(0.5 * (low + high + betaHigh * (high - low)));
        if (this.random.uniform() < 0.5) [c1, c2] = [c2, c1];
        child1[i] = c1;
        child2[i] = c2;
      }
    }
    return this.random.uniform() < 0.5 ? child1 : child2;
  }

  /** Deb's bounded polynomial mutation on [0, 1]; random reset for categorical coordinates. */
  private mutate(x: Float64Array): void {
    const power = 1 / (this.mutationEta + 1);
    for (let i = 0; i < x.length; i++) {
      if (this.random.uniform() >= this.mutationProbability) continue;
      if (this.categorical[i]) {
        x[i] = this.random.uniform();
        continue;
      }
      const y = x[i];
      const u = this.random.uniform();
      let delta: number;
      if (u < 0.5) {
        const value = 2 * u + (1 - 2 * u) * (1 - y) ** (this.mutationEta + 1);
        delta = value ** power - 1;
      } else {
        const value = 2 * (1 - u) + 2 * (u - 0.5) * y ** (this.mutationEta + 1);
        delta = 1 - value ** power;
      }
      x[i] = clamp01(y + delta);
    }
  }
}

function clamp01(x: number): number {
  return x < 0 ? 0 : Math.min(x, 1);
}
