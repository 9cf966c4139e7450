/**
 * The audit document: everything an audit found, as one JSON value (`--json`, the
 * file `equipoise report --audit` reads). One zod schema is the source of the types
 * the statistics produce and of the validation of a document read back; numbers
 * follow the project's JSON convention (common/json.ts: ∞ → "Infinity", NaN → null),
 * decoded by position.
 *
 * Light: zod only (no tensor engine, no Node modules).
 */
import { z } from "zod";
import { UserError } from "../common/errors.js";
import { decodeJsonNumber } from "../common/json.js";

/** The `format` field of every audit document. */
export const AUDIT_FORMAT = "equipoise-audit";
/** The version of the audit document's schema. */
export const AUDIT_VERSION = 1;

/** A number as written by toJson: finite, "Infinity", "-Infinity" or null (NaN). */
const num = z
  .union([z.number(), z.null(), z.literal("Infinity"), z.literal("-Infinity")])
  .transform((value) => decodeJsonNumber(value));
const count = z.number().int().nonnegative();

/** A figure with its 95 % interval: { value, lo, hi }. */
export const estimateSchema = z.object({ value: num, lo: num, hi: num });
/** A proportion successes / trials with its Clopper–Pearson interval. */
export const proportionSchema = z.object({ successes: count, trials: count, value: num, lo: num, hi: num });
/**
 * The largest true-positive rate among ROC points with false-positive rate at most `fpr`, with its interval.
 */
export const tprAtFprSchema = estimateSchema.extend({ fpr: num });

const heldOutRuleSchema = z.object({
  /** Guess the class `guesses` when the score is ≥ threshold (member) or ≤ threshold (non-member). */
  threshold: num,
  guesses: z.enum(["member", "non-member"]),
  tpr: proportionSchema,
  fpr: proportionSchema,
});

const classSizes = z.object({ members: count, nonMembers: count });

/**
 * An empirical ε lower bound: the threshold rule chosen on one half of the candidates, its TPR and FPR
 * measured on the other, and ε ≥ log((TPR_lo − δ)/FPR_hi) at the stated confidence.
 */
export const epsilonLowerBoundSchema = heldOutRuleSchema.extend({
  value: num,
  positive: z.boolean(),
  delta: num,
  confidence: num,
  calibrationSize: classSizes,
  evaluationSize: classSizes,
});

/** Membership advantage TPR − FPR of a rule chosen on one half and measured on the other. */
export const advantageSchema = heldOutRuleSchema.extend({ value: num, lo: num, hi: num });

/**
 * One sensitive group's exposure to an attack: its AUC and TPR at low FPR, members and non-members counted.
 */
export const groupExposureSchema = z.object({
  group: z.string(),
  members: count,
  nonMembers: count,
  auc: estimateSchema,
  tprAtFpr: z.array(tprAtFprSchema),
  small: z.boolean(),
});

/** The exposure of every group of one sensitive attribute, and the gap between the extremes. */
export const attributeExposureSchema = z.object({
  attribute: z.string(),
  groups: z.array(groupExposureSchema),
  gap: z.object({ most: z.string(), least: z.string(), auc: estimateSchema }).nullable(),
});

/**
 * How well one attack separates members from non-members: ROC, AUC, TPR at low FPR, advantage, ε lower bound.
 */
export const attackEvaluationSchema = z.object({
  candidates: classSizes,
  auc: estimateSchema,
  tprAtFpr: z.array(tprAtFprSchema),
  roc: z.object({ fpr: z.array(num), tpr: z.array(num) }),
  advantage: advantageSchema,
  epsilonLowerBound: epsilonLowerBoundSchema,
  perGroup: z.array(attributeExposureSchema),
});

/** The membership-inference attacks an audit can run. */
export const MEMBERSHIP_ATTACKS = ["loss", "lira", "lira-offline", "rmia", "rmia-offline"] as const;
/** One of {@link MEMBERSHIP_ATTACKS}. */
export type MembershipAttack = (typeof MEMBERSHIP_ATTACKS)[number];

/** One attack's evaluation in an audit document, with its label and per-group exposure. */
export const attackReportSchema = attackEvaluationSchema.extend({
  attack: z.enum(MEMBERSHIP_ATTACKS),
  /** How a reader would name it: "LiRA online, K = 64". */
  label: z.string(),
  settings: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  seconds: num,
});

/**
 * The attribute-inference attackers compared: the majority class, features alone, the model's output
 * alone, and both.
 */
export const ATTRIBUTE_ATTACKERS = ["majority", "features", "output", "both"] as const;

/** Attribute inference of a sensitive attribute: the accuracy of each attacker on members and non-members. */
export const attributeInferenceSchema = z.object({
  attribute: z.string(),
  categories: z.array(z.string()),
  /** Feature columns removed from the attacker's view (the attribute's own encoding). */
  hiddenFeatures: z.array(z.string()),
  protocol: z.string(),
  attackers: z.array(
    z.object({
      attacker: z.enum(ATTRIBUTE_ATTACKERS),
      description: z.string(),
      members: proportionSchema,
      nonMembers: proportionSchema,
    }),
  ),
});

/**
 * A one-run canary audit (Steinke, Nasr & Jagielski 2023): canaries, guesses, correct guesses and the ε lower bound.
 */
export const canaryAuditSchema = z.object({
  canaries: count,
  included: count,
  design: z.string(),
  guesses: count,
  correct: count,
  chosen: z.object({ in: count, out: count }),
  tried: z.array(z.object({ in: count, out: count })),
  significance: num,
  epsilonLowerBound: num,
  trainRows: count,
  seconds: num,
});

/**
 * The audit's verdict: whether an audited lower bound exceeds the accountant's ε (a failed audit), and why.
 */
export const verdictSchema = z.object({
  /** The accountant's ε of the audited training (∞ when not private). */
  accountantEpsilon: num,
  delta: num,
  /** The largest audited lower bound, and where it comes from. */
  lowerBound: num,
  source: z.string(),
  confidence: num,
  /** The lower bound exceeds the accountant's ε: the training or the accounting is wrong. */
  failed: z.boolean(),
  message: z.string(),
});

/**
 * The audit document (`equipoise audit --json`, `--out`): the target and its accountant's ε, the
 * setup, every attack's figures, attribute inference, canaries, and the verdict.
 */
export const auditDocumentSchema = z.object({
  format: z.literal(AUDIT_FORMAT),
  version: z.literal(AUDIT_VERSION),
  kind: z.enum(["experiment", "model", "canaries"]),
  created: z.string(),
  data: z.object({ name: z.string(), features: count, sensitive: z.array(z.string()) }),
  /** The training recipe of the target and every shadow (fit/recipe.ts, normalised). */
  recipe: z.record(z.string(), z.unknown()),
  target: z.object({
    model: z.string(),
    trainRows: count,
    epsilon: num,
    delta: num,
    privacy: z.record(z.string(), z.unknown()).optional(),
  }),
  setup: z.object({
    candidates: count,
    members: count,
    nonMembers: count,
    shadows: count,
    /** Rows the target and the shadows draw their training sets from. */
    pool: count,
    /** Population rows no model trained on (RMIA's z-samples). */
    population: count,
    seed: count,
    engine: z.string(),
    trainingSeconds: num,
    attackSeconds: num,
  }),
  attacks: z.array(attackReportSchema),
  attribute: attributeInferenceSchema.optional(),
  canaries: canaryAuditSchema.optional(),
  verdict: verdictSchema,
  notes: z.array(z.string()),
});

/** A figure with its 95 % interval. */
export type Estimate = z.output<typeof estimateSchema>;
/** A proportion with its Clopper–Pearson interval. */
export type Proportion = z.output<typeof proportionSchema>;
/** TPR at a bounded FPR, with its interval. */
export type TprAtFpr = z.output<typeof tprAtFprSchema>;
/** An empirical ε lower bound (see {@link epsilonLowerBoundSchema}). */
export type EpsilonLowerBound = z.output<typeof epsilonLowerBoundSchema>;
/** Membership advantage on held-out candidates. */
export type HeldOutAdvantage = z.output<typeof advantageSchema>;
/** One group's exposure to an attack. */
export type GroupExposure = z.output<typeof groupExposureSchema>;
/** Exposure by group of one sensitive attribute. */
export type AttributeExposure = z.output<typeof attributeExposureSchema>;
/** One attack's figures. */
export type AttackEvaluation = z.output<typeof attackEvaluationSchema>;
/** One attack's figures in an audit document. */
export type AttackReport = z.output<typeof attackReportSchema>;
/** Attribute inference results. */
export type AttributeInference = z.output<typeof attributeInferenceSchema>;
/** A one-run canary audit's results. */
export type CanaryAudit = z.output<typeof canaryAuditSchema>;
/** The audit's verdict. */
export type Verdict = z.output<typeof verdictSchema>;
/** The audit document (see {@link auditDocumentSchema}). */
export type AuditDocument = z.output<typeof auditDocumentSchema>;

/**
 * An audit document from untrusted JSON, or one line naming the first problem.
 *
 * @example
 * ```ts
 * import { parseAuditDocument } from "equipoise/audit/light";
 * import { readFileSync } from "node:fs";
 * const doc = parseAuditDocument(JSON.parse(readFileSync("audit.json", "utf8")), "audit.json");
 * parseAuditDocument({}, "x.json"); // UserError: x.json is not an Equipoise audit document: ... at format
 * ```
 */
export function parseAuditDocument(json: unknown, source = "audit file"): AuditDocument {
  const parsed = auditDocumentSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
  throw new UserError(`${source} is not an Equipoise audit document: ${issue.message}${where}`);
}
