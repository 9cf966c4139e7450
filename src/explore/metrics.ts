/**
 * The explorer's names for the one model-metrics type of fit/metrics.ts (kept so
 * that the study summary and the report converter compile unchanged; new code
 * imports from fit/).
 */
import type { ModelMetrics } from "../fit/metrics.js";

export { type GroupMetrics, majorityAccuracy, modelMetrics as splitMetrics } from "../fit/metrics.js";
export type SplitMetrics = ModelMetrics;
