/**
 * The optimiser without its stores: search spaces, ask/tell strategies (random, NSGA-II,
 * GP-BO), Pareto fronts, hypervolumes, Sobol' points and the test problems. Nothing here
 * touches Node: `equipoise/browser` exports exactly this, and `equipoise/search` adds
 * `Study`, `optimize` and the SQLite/PostgreSQL stores to it.
 */
export {
  ConstrainedLogEhvi,
  hypervolumeImprovement,
  LogExpectedHypervolumeImprovement,
  nonDominatedBoxes,
} from "./acquisition.js";
export { GaussianProcess, type GpHyperparameters, logMarginalLikelihood } from "./gp.js";
export { hypervolume, hypervolumeContributions } from "./hypervolume.js";
export {
  constrainedDominates,
  crowdingDistance,
  dominates,
  nonDominatedSort,
  type Point,
  paretoFront,
} from "./pareto.js";
export { c2dtlz2, dtlz2, dtlz2Objectives, type TestProblem, zdt1 } from "./problems.js";
export { SOBOL_MAX_DIMENSION, SobolSequence } from "./sobol.js";
export {
  type CategoricalParameter,
  type Condition,
  type Configuration,
  type FloatParameter,
  type IntParameter,
  type Parameter,
  type ParameterValue,
  SearchSpace,
  type SearchSpaceJSON,
} from "./space.js";
export { BayesianOptimization, type BayesianOptimizationOptions } from "./strategies/bo.js";
export {
  createStrategy,
  Nsga2,
  type Nsga2Options,
  RandomSearch,
  type StrategyName,
  strategyNames,
} from "./strategies/index.js";
export {
  checkObservation,
  constraintViolation,
  type Observation,
  type Strategy,
  type StrategyOptions,
} from "./strategy.js";
