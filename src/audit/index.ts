/**
 * Privacy audit: membership inference (loss threshold, LiRA online and offline, RMIA)
 * with shadow models trained through the training recipe, attribute inference,
 * held-out empirical ε lower bounds, the one-run canary audit of DP-SGD, and
 * per-group exposure — every figure with its interval, and the audited bound always
 * beside the accountant's ε. What needs no tensor engine is also in ./light.ts.
 */
export {
  CANARY_DESIGNS,
  type CanaryAuditOptions,
  type CanaryDesign,
  canaryAudit,
  DEFAULT_CANARIES,
} from "./canaries.js";
export {
  type AuditTask,
  DEFAULT_POPULATION,
  type ExperimentOptions,
  type ExperimentSignals,
  experimentAttackInput,
  experimentSignals,
  membershipExperiment,
  recipeForModel,
} from "./experiment.js";
export * from "./light.js";
export {
  MEMBERSHIP_RISK_NOT_COVERED,
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
  DEFAULT_ATTACKS,
  runAttacks,
} from "./run-attacks.js";
export { type ModelSignals, modelLogits, modelSignals } from "./scoring.js";
export type { RunJobsOptions, TrainingEngine } from "./shadow-pool.js";
export type { BootstrapOptions } from "./statistics/bootstrap.js";
export type { HeldOutOptions, HeldOutResult } from "./statistics/held-out.js";
export type { TrainedSignals } from "./training.js";
