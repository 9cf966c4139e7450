/**
 * Privacy audit: membership inference (loss threshold, LiRA online and offline, RMIA)
 * with shadow models trained through the training recipe, attribute inference,
 * held-out empirical ε lower bounds, the one-run canary audit of DP-SGD, and
 * per-group exposure — every figure with its interval, and the audited bound always
 * beside the accountant's ε.
 */
export { type AttributeInferenceInput, attributeColumns, attributeInference } from "./attacks/attribute.js";
export { GLOBAL_VARIANCE_BELOW, type LiraOptions, liraScores } from "./attacks/lira.js";
export { type RmiaOptions, type RmiaResult, rmiaScores, tuneOfflineA } from "./attacks/rmia.js";
export { MIN_SHADOWS, type PopulationSignals, type ShadowSignals } from "./attacks/signals.js";
export {
  CANARY_DESIGNS,
  type CanaryAuditOptions,
  type CanaryDesign,
  canaryAudit,
  guessGrid,
} from "./canaries.js";
export * from "./document.js";
export { DEFAULT_FPR_LEVELS, type EvaluationOptions, evaluateAttack, MIN_GROUP_CLASS } from "./evaluate.js";
export {
  type AuditTask,
  DEFAULT_POPULATION,
  type ExperimentOptions,
  type ExperimentSignals,
  experimentAttackInput,
  experimentSignals,
  membershipExperiment,
  randomHalf,
  recipeForModel,
} from "./experiment.js";
export { AUDIT_CSS, renderAuditFragment, renderAuditPage } from "./html.js";
export {
  type MembershipRisk,
  type MembershipRiskData,
  type MembershipRiskOptions,
  membershipRisk,
} from "./membership-risk.js";
export { auditModel, type ModelAuditOptions } from "./model-audit.js";
export {
  type AttackFindings,
  type AttackInput,
  AUDIT_ATTACKS,
  type AuditAttack,
  checkAttacks,
  DEFAULT_ATTACKS,
  runAttacks,
  verdictOf,
} from "./run-attacks.js";
export { type ModelSignals, modelLogits, modelSignals } from "./scoring.js";
export { type RunJobsOptions, runJobs, type TrainingEngine } from "./shadow-pool.js";
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
export { type AuditTrainingData, type TrainedSignals, type TrainingJob, trainAndScore } from "./training.js";
