/** Differential privacy: accountants, noise calibration, mechanisms, secure noise (and DP-SGD). */
// The light part (no tensor engine, no Node-only modules) has its own entry point.
export * from "./accounting.js";
export {
  type ClipAndNoise,
  type ClipAndNoiseOptions,
  clipAndNoise,
  clipFactor,
  clipFactors,
  jointNoiseMultiplier,
} from "./clip-and-noise.js";
export {
  type ClippingMode,
  type ClippingObservation,
  type ClippingObserver,
  clippingObservation,
  type DpSgdGradientComputer,
  type DpSgdOptions,
  type DpSgdTimings,
  dpSgdGradient,
} from "./dp-sgd.js";
export {
  type MakePrivateOptions,
  makePrivate,
  type PrivacyReport,
  type PrivateGradientFactory,
  type PrivateStepPlan,
  type PrivateTraining,
  planPrivateSteps,
  privacyReportOf,
  privateNoiseSource,
} from "./privacy-engine.js";
export * from "./private-preprocessing.js";
