/**
 * The light surface of privacy (`equipoise/privacy/accounting`): accountants, their analysis,
 * noise calibration, the floating-point-safe mechanisms and noise sources, and private
 * selection. It loads neither the tensor engine, nor SQLite, nor Node-only modules (the
 * secure generator is Web Crypto's), so it runs in browsers and in light tools;
 * test/privacy/accounting.test.ts holds it to that.
 */
export * from "./accountants/index.js";
export {
  additionCanYield,
  impossibleFraction,
  textbookLaplaceCanYield,
  textbookLaplaceNoise,
} from "./analysis/floating-point.js";
export { chiSquareTest, kolmogorovSmirnov, type TestResult } from "./analysis/goodness-of-fit.js";
export {
  DEFAULT_PRV_MAX_GRID_SIZE,
  type GaussianStepGroup,
  type NeighbouringDirection,
  type PrvEpsilon,
  PrvGridTooLarge,
  type PrvOptions,
  prvEpsilon,
} from "./analysis/prv.js";
export {
  composedRdp,
  DEFAULT_RDP_ORDERS,
  OPACUS_RDP_ORDERS,
  type RdpPrivacySpent,
  rdpGridEdgeWarning,
  rdpToDelta,
  rdpToEpsilon,
  sampledGaussianRdp,
} from "./analysis/rdp.js";
export * from "./calibration.js";
export * from "./mechanisms/index.js";
export {
  type GaussianNoise,
  NOISE_LATTICE_BITS,
  noiseLatticeSpacing,
  secureGaussianNoise,
  seededGaussianNoise,
  snappedNoiseMultiplier,
} from "./noise.js";
export { createSecureRandom, SecureRandom } from "./secure-random.js";
export * from "./selection.js";
