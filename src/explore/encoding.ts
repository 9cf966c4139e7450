/**
 * The explorer's names for the model-metrics JSON codec of fit/metrics.ts (kept so
 * that the study summary and the explorer compile unchanged; new code imports from fit/).
 */
export {
  decodeModelMetrics as decodeSplitMetrics,
  encodeModelMetrics as encodeSplitMetrics,
  type StoredModelMetrics as StoredTrialMetrics,
} from "../fit/metrics.js";
