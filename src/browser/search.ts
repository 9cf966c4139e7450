/**
 * The optimiser without its stores: search spaces, ask/tell strategies (random, NSGA-II,
 * GP-BO), Pareto fronts, hypervolumes, Sobol' points and the test problems. A browser
 * page keeps its own study (the in-browser explorer keeps one in sql.js); `Study` and
 * `optimize` of `equipoise/search` open SQLite or PostgreSQL stores and are Node-only.
 */
export {
  ConstrainedLogEhvi,
  hypervolumeImprovement,
  LogExpectedHypervolumeImprovement,
  nonDominatedBoxes,
} from "../search/acquisition.js";
export { GaussianProcess, type GpHyperparameters, logMarginalLikelihood } from "../search/gp.js";
export { hypervolume, hypervolumeContributions } from "../search/hypervolume.js";
export {
  constrainedDominates,
  crowdingDistance,
  dominates,
  nonDominatedSort,
  type Point,
  paretoFront,
} from "../search/pareto.js";
export { c2dtlz2, dtlz2, dtlz2Objectives, type TestProblem, zdt1 } from "../search/problems.js";
export { SOBOL_MAX_DIMENSION, SobolSequence } from "../search/sobol.js";
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
} from "../search/space.js";
export { BayesianOptimization, type BayesianOptimizationOptions } from "../search/strategies/bo.js";
export {
  createStrategy,
  Nsga2,
  type Nsga2Options,
  RandomSearch,
  type StrategyName,
  strategyNames,
} from "../search/strategies/index.js";
export {
  checkObservation,
  constraintViolation,
  type Observation,
  type Strategy,
  type StrategyOptions,
} from "../search/strategy.js";
