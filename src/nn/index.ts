/** The neural engine: backends, layers with explicit backward passes, per-example gradients, models. */
export { type BackendInfo, type BackendName, backendNames, currentBackend, initBackend } from "./backend.js";
export { type AdamStep, DenseKernels, type HostBuffer, hostKernelsAvailable } from "./host-kernels/index.js";
export {
  createLayer,
  type KroneckerFactors,
  type Layer,
  type LayerConfig,
  type ParameterSpec,
} from "./layers/index.js";
export type {
  ForwardContext,
  ForwardResult,
  FusableActivation,
  LayerCache,
  Padding,
  PerExampleRules,
  Shape,
} from "./layers/layer.js";
export {
  type LossKind,
  labelTensor,
  logitLoss,
  lossGradient,
  perExampleLosses,
  predictedClasses,
} from "./losses.js";
export { type Reading, readLater, readNow, type TensorValues, takeValues } from "./reads.js";
export { type Architecture, type BackwardOptions, BatchPass, Sequential } from "./sequential.js";
export {
  MODEL_FORMAT,
  type ModelFile,
  modelFromJSON,
  modelToJSON,
  type SavedModel,
} from "./serialize.js";
export { architectureFor, buildModel, modelSpecHelp } from "./spec.js";
