/** Differential privacy: accountants, noise calibration, mechanisms, secure noise (and DP-SGD). */
export * from "./accountants/index.js";
export { chiSquareTest, kolmogorovSmirnov, type TestResult } from "./analysis/goodness-of-fit.js";
export { type GaussianStepGroup, type PrvEpsilon, type PrvOptions, prvEpsilon } from "./analysis/prv.js";
export {
  composedRdp,
  DEFAULT_RDP_ORDERS,
  type RdpPrivacySpent,
  rdpToEpsilon,
  sampledGaussianRdp,
} from "./analysis/rdp.js";
export * from "./calibration.js";
export {
  type ClipAndNoise,
  type ClipAndNoiseOptions,
  clipAndNoise,
  clipFactors,
} from "./clip-and-noise.js";
export { type ClippingMode, type DpSgdGradientComputer, type DpSgdOptions, dpSgdGradient } from "./dp-sgd.js";
export * from "./mechanisms/index.js";
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
export { createSecureRandom, SecureRandom } from "./secure-random.js";
