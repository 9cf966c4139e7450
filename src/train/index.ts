/** Training: the loop, optimizers, samplers, the gradient strategy and evaluation. */

export {
  type EnsembleMember,
  type EnsembleOptions,
  type EnsembleResult,
  type MemberBatch,
  type OutputGradientRule,
  trainEnsemble,
} from "./ensemble.js";
export {
  type Evaluation,
  type EvaluationData,
  evaluateModel,
  evaluateModelReading,
  type GroupAccuracy,
  type Predictions,
  predict,
  predictReading,
} from "./evaluate.js";
export {
  type GradientBatch,
  type GradientComputer,
  type GradientResult,
  gradientReading,
  type HostBatchView,
  type HostGradientRule,
  type HostModelView,
  meanGradient,
  type PrivateGradientStep,
} from "./gradient.js";
export { hostKernelsSupport, type StepEngine } from "./host-dense.js";
export {
  type AdamUpdatePath,
  createOptimizer,
  type LearningRateSchedule,
  learningRateAt,
  type Optimizer,
  type OptimizerConfig,
} from "./optimizers.js";
export {
  type BatchSampler,
  createSampler,
  poissonBatches,
  type SamplingKind,
  shuffledBatches,
} from "./samplers.js";
export {
  type EarlyStopping,
  type EpochRecord,
  parametersAreFinite,
  type TrainingData,
  TrainingDivergedError,
  type TrainingEvent,
  type TrainingResult,
  type TrainOptions,
  trainModel,
  trainModelReading,
} from "./trainer.js";
