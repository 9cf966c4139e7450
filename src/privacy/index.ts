/** Differential privacy: accountants, noise calibration, mechanisms, secure noise (and DP-SGD). */
// The light part (no tensor engine, no Node-only modules) has its own entry point.
export * from "./accounting.js";
export {
  type ClipAndNoise,
  type ClipAndNoiseOptions,
  clipAndNoise,
  clipFactors,
} from "./clip-and-noise.js";
export { type ClippingMode, type DpSgdGradientComputer, type DpSgdOptions, dpSgdGradient } from "./dp-sgd.js";
export {
  type MakePrivateOptions,
  makePrivate,
  type PrivacyReport,
  type PrivateStepPlan,
  type PrivateTraining,
  planPrivateSteps,
  privacyReportOf,
  privateNoiseSource,
} from "./privacy-engine.js";
export * from "./private-preprocessing.js";
