/**
 * The audit's light surface: the audit document (schema, types, parsing), its HTML
 * renderer, the statistics and the attacks' arithmetic on signals — everything that
 * reads or shows an audit without training a model. It loads neither the tensor
 * engine nor Node-only modules (tested), so a report or the dashboard can import it.
 */
export { type AttributeInferenceInput, attributeColumns, attributeInference } from "./attacks/attribute.js";
export { GLOBAL_VARIANCE_BELOW, type LiraOptions, liraScores } from "./attacks/lira.js";
export { type RmiaOptions, type RmiaResult, rmiaScores, tuneOfflineA } from "./attacks/rmia.js";
export { MIN_SHADOWS, type PopulationSignals, type ShadowSignals } from "./attacks/signals.js";
export * from "./document.js";
export { DEFAULT_FPR_LEVELS, type EvaluationOptions, evaluateAttack, MIN_GROUP_CLASS } from "./evaluate.js";
export { AUDIT_CSS, renderAuditFragment, renderAuditPage } from "./html.js";
export { crossEntropyOf, labelProbability, logitScaledConfidence } from "./signal.js";
export { bootstrapIntervals, quantile } from "./statistics/bootstrap.js";
export { clopperPearson, type Interval, proportion } from "./statistics/clopper-pearson.js";
export { heldOutAnalysis, stratifiedHalves } from "./statistics/held-out.js";
export {
  type GuessCounts,
  type OneRunOutcome,
  oneRunAudit,
  oneRunEpsilonLowerBound,
  oneRunPValue,
} from "./statistics/one-run.js";
export { areaUnder, RankedScores, type RocCurve, rocCurve, thinCurve, tprAtFprOf } from "./statistics/roc.js";
