/**
 * Multi-objective Bayesian optimisation as BoTorch/Ax do it: one GP per objective and per
 * constraint (Matérn-5/2 ARD, MAP hyper-parameters, inputs in the unit cube, outputs
 * standardised), acquisition = log EHVI over the front of posterior means × P(feasible),
 * maximised by multi-start L-BFGS-B from the best of many raw candidates. Batches and
 * pending configurations use the kriging believer: each chosen or pending point is added
 * to the models as a fantasy observation at its posterior mean, which keeps the mean and
 * removes the variance there, so the next candidate goes elsewhere.
 *
 * The first `initialSamples` configurations come from scrambled Sobol' (the random strategy).
 */

import { UserError } from "../../common/errors.js";
import { createRandom, type Random } from "../../common/rng.js";
import { minimize } from "../../math/lbfgs.js";
import { ConstrainedLogEhvi, LogExpectedHypervolumeImprovement, nonDominatedBoxes } from "../acquisition.js";
import { GaussianProcess, type GpHyperparameters } from "../gp.js";
import { hypervolume } from "../hypervolume.js";
import { paretoFront } from "../pareto.js";
import type { Configuration, SearchSpace } from "../space.js";
import { checkObservation, type Observation, type Strategy, type StrategyOptions } from "../strategy.js";
import { RandomSearch } from "./random.js";

/**
 * Settings of {@link BayesianOptimization}; the defaults are those measured in BENCHMARKS.md ("Bayesian optimisation").
 *
 * @example
 * ```ts
 * import { BayesianOptimization, type BayesianOptimizationOptions, zdt1 } from "equipoise/search";
 * const settings: BayesianOptimizationOptions = { initialSamples: 10, rawSamples: 256, restarts: 4, trustRegion: 0.2 };
 * const problem = zdt1(4);
 * const bo = new BayesianOptimization(problem.space, { numObjectives: 2, seed: 0, referencePoint: problem.referencePoint, ...settings });
 * ```
 */
export interface BayesianOptimizationOptions {
  /** Sobol' configurations before the first model-based one (default 2·(dimension + 1)). */
  initialSamples?: number;
  /** Random candidates scored before local optimisation (default 512). */
  rawSamples?: number;
  /** Best raw candidates refined by L-BFGS-B (default 8). */
  restarts?: number;
  /** L-BFGS-B iterations per restart (default 60). */
  acquisitionIterations?: number;
  /** Random restarts of the hyper-parameter fit besides the warm start and the default start (default 1). */
  fitRestarts?: number;
  /**
   * Trust region (TuRBO/MORBO-style): candidates are searched within this half-width (in the
   * unit cube) around the best observed configurations (Pareto points inside the reference
   * box, else the points nearest to it). The width halves after max(4, dimension)
   * consecutive evaluations without hypervolume gain, doubles back (up to this value) after
   * 3 consecutive gains, and restarts at this value when it falls below 1/64 of it. Without
   * it, EHVI spends its first evaluations on the corners of the cube, where the posterior
   * variance is largest (on DTLZ2 at 40 evaluations: 0.20 → 0.38 hypervolume). 0 or false
   * searches the whole cube, as plain BoTorch does (default 0.2).
   *
   * The region confines ordered coordinates (floats, integers) only. A categorical choice
   * stays free, as in CASMOPOLITAN's trust regions for mixed spaces (Wan et al. 2021):
   * neighbouring intervals of its coordinate are not similar choices, and a box of
   * half-width 0.2 around a choice of two or three could never reach the others, so the
   * search would keep the categories of its first Pareto points for good.
   */
  trustRegion?: number | false;
}

interface StoredObservation {
  point: Float64Array;
  objectives: number[];
  constraints: number[];
}

interface Models {
  objectives: GaussianProcess[];
  constraints: GaussianProcess[];
  /** Number of observations the models were fitted on. */
  count: number;
}

interface Candidate {
  point: Float64Array;
  value: number;
}

/**
 * Multi-objective Bayesian optimisation: one Gaussian process per objective and constraint, and the
 * exact log expected hypervolume improvement times the probability of feasibility, optimised within
 * a trust region around the best points.
 *
 * @example
 * ```ts
 * import { BayesianOptimization, zdt1 } from "equipoise/search";
 * const problem = zdt1(4);
 * const bo = new BayesianOptimization(problem.space, { numObjectives: 2, seed: 0, referencePoint: [1.1, 1.1] });
 * const [config] = bo.ask(1);
 * bo.tell([{ config, objectives: problem.evaluate(config).objectives }]);
 * ```
 */
export class BayesianOptimization implements Strategy {
  readonly name = "bo";
  private readonly numObjectives: number;
  private readonly numConstraints: number;
  private readonly referencePoint: number[] | undefined;
  private readonly initialSamples: number;
  private readonly rawSamples: number;
  private readonly restarts: number;
  private readonly acquisitionIterations: number;
  private readonly fitRestarts: number;
  private readonly initialTrustRadius: number;
  private trustRadius: number;
  private successes = 0;
  private failures = 0;
  private readonly options: StrategyOptions;
  private readonly random: Random;
  private readonly initialDesign: RandomSearch;
  /** Per coordinate: whether the trust region confines it (ordered parameters only). */
  private readonly confined: boolean[];
  private readonly observations: StoredObservation[] = [];
  private readonly seen = new Set<string>();
  private models: Models | null = null;
  private previousHyperparameters: GpHyperparameters[] | null = null;

  constructor(
    private readonly space: SearchSpace,
    options: StrategyOptions & BayesianOptimizationOptions,
  ) {
    this.options = options;
    this.numObjectives = options.numObjectives;
    this.numConstraints = options.numConstraints ?? 0;
    if (!Number.isInteger(this.numObjectives) || this.numObjectives < 1) {
      throw new UserError(`bo: numObjectives must be a positive integer, got ${options.numObjectives}`);
    }
    if (options.referencePoint && options.referencePoint.length !== this.numObjectives) {
      throw new UserError(
        `bo: the reference point has ${options.referencePoint.length} values, expected ${this.numObjectives}`,
      );
    }
    this.referencePoint = options.referencePoint;
    this.initialSamples = positiveInteger(
      "initialSamples",
      options.initialSamples,
      2 * (space.dimension + 1),
    );
    this.rawSamples = positiveInteger("rawSamples", options.rawSamples, 512);
    this.restarts = positiveInteger("restarts", options.restarts, 8);
    this.acquisitionIterations = positiveInteger("acquisitionIterations", options.acquisitionIterations, 60);
    this.fitRestarts = options.fitRestarts ?? 1;
    const trust = options.trustRegion ?? 0.2;
    if (trust !== false && !(trust >= 0 && trust <= 1))
      throw new UserError(`bo: trustRegion must be in [0, 1] or false, got ${trust}`);
    this.initialTrustRadius = trust === false ? 0 : trust;
    this.trustRadius = this.initialTrustRadius;
    this.random = createRandom(options.seed);
    this.initialDesign = new RandomSearch(space, { ...options, seed: this.random.uint32() });
    this.confined = space.parameters.map((parameter) => parameter.kind !== "categorical");
  }

  tell(observations: Observation[]): void {
    const before = this.observations.length;
    const modelBased = before >= this.initialSamples;
    const volumeBefore =
      modelBased && this.initialTrustRadius > 0 ? this.observedHypervolume(this.observations) : 0;
    for (const observation of observations) {
      checkObservation(observation, this.options);
      this.seen.add(this.space.key(observation.config));
      const constraints = observation.constraints ?? [];
      // A non-finite value cannot be modelled by a GP; the configuration still counts as seen.
      if (![...observation.objectives, ...constraints].every(Number.isFinite)) continue;
      this.observations.push({
        point: this.space.encode(observation.config),
        objectives: [...observation.objectives],
        constraints: [...constraints],
      });
    }
    this.initialDesign.tell(observations);
    if (modelBased && this.initialTrustRadius > 0 && this.observations.length > before) {
      this.updateTrustRegion(this.observedHypervolume(this.observations) > volumeBefore * (1 + 1e-9));
    }
  }

  private updateTrustRegion(improved: boolean): void {
    if (improved) {
      this.successes++;
      this.failures = 0;
    } else {
      this.failures++;
      this.successes = 0;
    }
    if (this.successes >= 3) {
      this.trustRadius = Math.min(this.initialTrustRadius, 2 * this.trustRadius);
      this.successes = 0;
    } else if (this.failures >= Math.max(4, this.space.dimension)) {
      this.trustRadius /= 2;
      this.failures = 0;
      if (this.trustRadius < this.initialTrustRadius / 64) this.trustRadius = this.initialTrustRadius;
    }
  }

  /** Hypervolume of the feasible observations (reference as given or inferred now). */
  private observedHypervolume(observations: StoredObservation[]): number {
    const feasible = observations.filter((o) => o.constraints.every((c) => c <= 0)).map((o) => o.objectives);
    if (feasible.length === 0) return 0;
    return hypervolume(feasible, this.referencePoint ?? this.inferReferencePoint());
  }

  ask(n: number, pending: Configuration[] = []): Configuration[] {
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`ask: n must be a non-negative integer, got ${n}`);
    const out: Configuration[] = [];
    const inFlight = this.observations.length + pending.length;
    const fromDesign = Math.min(n, Math.max(0, this.initialSamples - inFlight));
    if (fromDesign > 0 || this.observations.length < 2) {
      const count = this.observations.length < 2 ? n : fromDesign;
      out.push(...this.initialDesign.ask(count, pending));
      if (out.length === n) return out;
    }

    const models = this.fittedModels();
    const random = this.random.fork();
    const taken = new Set(this.seen);
    for (const config of [...pending, ...out]) taken.add(this.space.key(config));
    // Kriging believer: earlier proposals become observations at their posterior means.
    let fantasies = [...pending, ...out].map((config) => this.space.encode(config));
    let objectiveModels = models.objectives;
    let constraintModels = models.constraints;
    if (fantasies.length > 0) {
      [objectiveModels, constraintModels] = [
        withFantasies(objectiveModels, fantasies),
        withFantasies(constraintModels, fantasies),
      ];
    }
    const reference = this.referencePoint ?? this.inferReferencePoint();

    while (out.length < n) {
      const front = this.posteriorFront(objectiveModels, constraintModels, fantasies);
      const acquisition = new ConstrainedLogEhvi(
        objectiveModels,
        constraintModels,
        new LogExpectedHypervolumeImprovement(nonDominatedBoxes(front, reference)),
      );
      const candidates = this.optimizeAcquisition(acquisition, random, reference);
      let chosen: Configuration | null = null;
      let chosenPoint: Float64Array | null = null;
      for (const candidate of candidates) {
        const config = this.space.decode(candidate.point);
        if (taken.has(this.space.key(config))) continue;
        chosen = config;
        chosenPoint = this.space.encode(config);
        break;
      }
      if (!chosen || !chosenPoint) {
        // Every candidate rounds to a known configuration (small discrete spaces): fall back to Sobol'.
        chosen = this.initialDesign.ask(1, [...pending, ...out])[0];
        chosenPoint = this.space.encode(chosen);
      }
      taken.add(this.space.key(chosen));
      out.push(chosen);
      if (out.length < n) {
        objectiveModels = withFantasies(objectiveModels, [chosenPoint]);
        constraintModels = withFantasies(constraintModels, [chosenPoint]);
        fantasies = [...fantasies, chosenPoint];
      }
    }
    return out;
  }

  /** GPs on the current observations, refitted only when observations arrived since the last fit. */
  private fittedModels(): Models {
    if (this.models && this.models.count === this.observations.length) return this.models;
    const d = this.space.dimension;
    const count = this.observations.length;
    const data = new Float64Array(count * d);
    this.observations.forEach((o, i) => {
      data.set(o.point, i * d);
    });
    const inputs = { data, n: count, d };
    const random = this.random.fork();
    const fit = (values: Float64Array, index: number) =>
      GaussianProcess.fit(inputs, values, {
        random,
        initial: this.previousHyperparameters?.[index],
        restarts: this.previousHyperparameters ? this.fitRestarts : this.fitRestarts + 2,
      });
    const objectives: GaussianProcess[] = [];
    for (let j = 0; j < this.numObjectives; j++) {
      objectives.push(
        fit(
          Float64Array.from(this.observations, (o) => o.objectives[j]),
          j,
        ),
      );
    }
    const constraints: GaussianProcess[] = [];
    for (let c = 0; c < this.numConstraints; c++) {
      constraints.push(
        fit(
          Float64Array.from(this.observations, (o) => o.constraints[c]),
          this.numObjectives + c,
        ),
      );
    }
    this.previousHyperparameters = [...objectives, ...constraints].map((gp) => gp.hyperparameters);
    this.models = { objectives, constraints, count };
    return this.models;
  }

  /**
   * Posterior means at the observed (and fantasised) points that are feasible, as the front
   * to improve on: with noisy observations the means are a better estimate than the noisy
   * values themselves (the role NEHVI's integration over the baseline plays in BoTorch).
   */
  private posteriorFront(
    objectiveModels: GaussianProcess[],
    constraintModels: GaussianProcess[],
    fantasies: Float64Array[],
  ): number[][] {
    const points: number[][] = [];
    const consider = (x: Float64Array, feasible: boolean) => {
      if (feasible) points.push(objectiveModels.map((gp) => gp.predict(x).mean));
    };
    for (const o of this.observations)
      consider(
        o.point,
        o.constraints.every((c) => c <= 0),
      );
    for (const x of fantasies)
      consider(
        x,
        constraintModels.every((gp) => gp.predict(x).mean <= 0),
      );
    return paretoFront(points).map((i) => points[i]);
  }

  /**
   * BoTorch's infer_reference_point for minimisation: the nadir of the observed feasible
   * front pushed out by 10% of the front's range (by 10% of |nadir| where the range is 0).
   */
  private inferReferencePoint(): number[] {
    const feasible = this.observations.filter((o) => o.constraints.every((c) => c <= 0));
    const pool = (feasible.length > 0 ? feasible : this.observations).map((o) => o.objectives);
    const front = paretoFront(pool).map((i) => pool[i]);
    const reference: number[] = [];
    for (let j = 0; j < this.numObjectives; j++) {
      let best = Number.POSITIVE_INFINITY;
      let worst = Number.NEGATIVE_INFINITY;
      for (const p of front) {
        best = Math.min(best, p[j]);
        worst = Math.max(worst, p[j]);
      }
      const range = worst - best;
      reference.push(worst + 0.1 * (range > 0 ? range : Math.abs(worst) > 0 ? Math.abs(worst) : 1));
    }
    return reference;
  }

  /** Locally optimised candidates, best first, followed by the remaining raw candidates. */
  private optimizeAcquisition(
    acquisition: ConstrainedLogEhvi,
    random: Random,
    reference: number[],
  ): Candidate[] {
    const d = this.space.dimension;
    const raw: (Candidate & { anchor: number })[] = [];
    const score = (point: Float64Array, anchor: number) => {
      const value = acquisition.evaluate(point);
      raw.push({ point, value: Number.isNaN(value) ? Number.NEGATIVE_INFINITY : value, anchor });
    };
    const radius = Math.max(this.trustRadius, 0);
    const trustAnchors = radius ? this.trustAnchors(reference) : [];
    const { confined } = this;
    const localCount = Math.floor(this.rawSamples / 4);
    for (let s = 0; s < this.rawSamples - localCount; s++) {
      const point = new Float64Array(d);
      if (radius && trustAnchors.length > 0) {
        const a = random.integer(trustAnchors.length);
        const anchor = trustAnchors[a];
        for (let k = 0; k < d; k++) {
          const lo = confined[k] ? Math.max(0, anchor[k] - radius) : 0;
          const hi = confined[k] ? Math.min(1, anchor[k] + radius) : 1;
          point[k] = lo + (hi - lo) * random.uniform();
        }
        score(point, a);
        continue;
      }
      for (let k = 0; k < d; k++) point[k] = random.uniform();
      score(point, -1);
    }
    // Perturbations of the current Pareto-optimal configurations: the acquisition's optima
    // often sit close to the front in input space, where uniform samples rarely land.
    const anchors = radius && trustAnchors.length > 0 ? trustAnchors : this.paretoPoints();
    for (let s = 0; s < localCount && anchors.length > 0; s++) {
      const a = random.integer(anchors.length);
      const anchor = anchors[a];
      const point = new Float64Array(d);
      const scale = random.uniform() < 0.5 ? 0.02 : 0.1;
      for (let k = 0; k < d; k++) point[k] = Math.min(1, Math.max(0, anchor[k] + scale * random.normal()));
      score(point, radius && trustAnchors.length > 0 ? a : -1);
    }
    raw.sort((a, b) => b.value - a.value);

    const negated = (x: Float64Array, grad: Float64Array) => {
      const value = acquisition.evaluate(x, grad);
      for (let k = 0; k < d; k++) grad[k] = -grad[k];
      return Number.isFinite(value) ? -value : Number.POSITIVE_INFINITY;
    };
    const refined: Candidate[] = [];
    for (const start of raw.slice(0, this.restarts)) {
      if (!Number.isFinite(start.value)) break;
      const lower = new Float64Array(d);
      const upper = new Float64Array(d).fill(1);
      if (radius && start.anchor >= 0) {
        const anchor = trustAnchors[start.anchor];
        for (let k = 0; k < d; k++) {
          if (!confined[k]) continue;
          lower[k] = Math.max(0, anchor[k] - radius);
          upper[k] = Math.min(1, anchor[k] + radius);
        }
      }
      const result = minimize(negated, start.point, {
        lower,
        upper,
        maxIterations: this.acquisitionIterations,
        gradientTolerance: 1e-6,
        functionTolerance: 1e-9,
      });
      refined.push({ point: result.x, value: -result.value });
    }
    refined.sort((a, b) => b.value - a.value);
    return [...refined, ...raw];
  }

  /** Trust-region centres: observed Pareto points inside the reference box, else those nearest to it. */
  private trustAnchors(reference: number[]): Float64Array[] {
    const feasible = this.observations.filter((o) => o.constraints.every((c) => c <= 0));
    const pool = feasible.length > 0 ? feasible : this.observations;
    const front = paretoFront(pool.map((o) => o.objectives)).map((i) => pool[i]);
    const excess = (o: StoredObservation) =>
      o.objectives.reduce((s, v, j) => s + Math.max(0, v - reference[j]), 0);
    const inside = front.filter((o) => excess(o) === 0);
    if (inside.length > 0) return inside.map((o) => o.point);
    return [...pool]
      .sort((a, b) => excess(a) - excess(b))
      .slice(0, 3)
      .map((o) => o.point);
  }

  /** Encoded inputs of the feasible observations on the observed Pareto front. */
  private paretoPoints(): Float64Array[] {
    const feasible = this.observations.filter((o) => o.constraints.every((c) => c <= 0));
    const pool = feasible.length > 0 ? feasible : this.observations;
    return paretoFront(pool.map((o) => o.objectives)).map((i) => pool[i].point);
  }
}

function withFantasies(models: GaussianProcess[], points: Float64Array[]): GaussianProcess[] {
  if (points.length === 0) return models;
  const d = points[0].length;
  const data = new Float64Array(points.length * d);
  points.forEach((p, i) => {
    data.set(p, i * d);
  });
  return models.map((gp) => {
    const means = Float64Array.from(points, (p) => gp.predict(p).mean);
    return gp.withObservations(data, means);
  });
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw new UserError(`bo: ${name} must be a positive integer, got ${value}`);
  return value;
}
