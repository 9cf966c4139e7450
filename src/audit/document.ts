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

/**
 * The `format` field of every audit document.
 *
 * @example
 * ```ts
 * import { AUDIT_FORMAT } from "equipoise/audit/light";
 * import { readFileSync } from "node:fs";
 * AUDIT_FORMAT; // "equipoise-audit"
 * const json = JSON.parse(readFileSync("audit.json", "utf8"));
 * if (json.format !== AUDIT_FORMAT) console.error("not an audit document");
 * ```
 */
export const AUDIT_FORMAT = "equipoise-audit";
/**
 * The version of the audit document's schema.
 *
 * @example
 * ```ts
 * import { AUDIT_FORMAT, AUDIT_VERSION, type AuditDocument } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // from membershipExperiment, auditModel, canaryAudit or parseAuditDocument
 * AUDIT_VERSION; // 1
 * doc.format === AUDIT_FORMAT && doc.version === AUDIT_VERSION; // true: parseAuditDocument refuses other versions
 * ```
 */
export const AUDIT_VERSION = 1;

/** A number as written by toJson: finite, "Infinity", "-Infinity" or null (NaN). */
const num = z
  .union([z.number(), z.null(), z.literal("Infinity"), z.literal("-Infinity")])
  .transform((value) => decodeJsonNumber(value));
const count = z.number().int().nonnegative();

/**
 * A figure with its 95 % interval: { value, lo, hi }.
 *
 * @example
 * ```ts
 * import { estimateSchema } from "equipoise/audit/light";
 * estimateSchema.parse({ value: 0.61, lo: 0.58, hi: 0.64 }); // { value: 0.61, lo: 0.58, hi: 0.64 }
 * estimateSchema.parse({ value: "Infinity", lo: 2, hi: null }); // { value: Infinity, lo: 2, hi: NaN }: the JSON convention
 * estimateSchema.safeParse({ value: 0.61 }).success; // false: lo and hi are required
 * ```
 */
export const estimateSchema = z.object({ value: num, lo: num, hi: num });
/**
 * A proportion successes / trials with its Clopper–Pearson interval.
 *
 * @example
 * ```ts
 * import { proportion, proportionSchema } from "equipoise/audit/light";
 * proportionSchema.parse(proportion(8, 10)); // { successes: 8, trials: 10, value: 0.8, lo: ≈ 0.444, hi: ≈ 0.975 }
 * proportionSchema.safeParse({ successes: 8.5, trials: 10, value: 0.85, lo: 0.5, hi: 1 }).success; // false: counts are whole numbers
 * ```
 */
export const proportionSchema = z.object({ successes: count, trials: count, value: num, lo: num, hi: num });
/**
 * The largest true-positive rate among ROC points with false-positive rate at most `fpr`, with its interval.
 *
 * @example
 * ```ts
 * import { tprAtFprSchema } from "equipoise/audit/light";
 * tprAtFprSchema.parse({ fpr: 0.001, value: 0.02, lo: 0.01, hi: 0.04 }); // TPR 2 % at FPR ≤ 0.1 %
 * tprAtFprSchema.safeParse({ value: 0.02, lo: 0.01, hi: 0.04 }).success; // false: fpr is missing
 * ```
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
 *
 * @example
 * ```ts
 * import { toJson } from "equipoise";
 * import { type AuditDocument, epsilonLowerBoundSchema } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const bound = epsilonLowerBoundSchema.parse(JSON.parse(toJson(doc.attacks[0].epsilonLowerBound)));
 * bound.value; // ε ≥ this, at bound.confidence
 * epsilonLowerBoundSchema.safeParse({ value: 0.3 }).success; // false: the rule, its rates and sizes are required
 * ```
 */
export const epsilonLowerBoundSchema = heldOutRuleSchema.extend({
  value: num,
  positive: z.boolean(),
  delta: num,
  confidence: num,
  calibrationSize: classSizes,
  evaluationSize: classSizes,
});

/**
 * Membership advantage TPR − FPR of a rule chosen on one half and measured on the other.
 *
 * @example
 * ```ts
 * import { toJson } from "equipoise";
 * import { advantageSchema, type AuditDocument } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const advantage = advantageSchema.parse(JSON.parse(toJson(doc.attacks[0].advantage)));
 * advantage.value; // TPR − FPR on the evaluation half, in [advantage.lo, advantage.hi]
 * advantageSchema.safeParse({ value: 0.1, lo: 0, hi: 0.2 }).success; // false: the rule (threshold, guesses, tpr, fpr) is missing
 * ```
 */
export const advantageSchema = heldOutRuleSchema.extend({ value: num, lo: num, hi: num });

/**
 * One sensitive group's exposure to an attack: its AUC and TPR at low FPR, members and non-members counted.
 *
 * @example
 * ```ts
 * import { groupExposureSchema } from "equipoise/audit/light";
 * const exposure = groupExposureSchema.parse({
 *   group: "Female", members: 120, nonMembers: 118, small: false,
 *   auc: { value: 0.56, lo: 0.49, hi: 0.63 }, tprAtFpr: [{ fpr: 0.01, value: 0.03, lo: 0, hi: 0.08 }],
 * });
 * groupExposureSchema.safeParse({ ...exposure, members: -1 }).success; // false: counts are ≥ 0
 * ```
 */
export const groupExposureSchema = z.object({
  group: z.string(),
  members: count,
  nonMembers: count,
  auc: estimateSchema,
  tprAtFpr: z.array(tprAtFprSchema),
  small: z.boolean(),
});

/**
 * The exposure of every group of one sensitive attribute, and the gap between the extremes.
 *
 * @example
 * ```ts
 * import { attributeExposureSchema } from "equipoise/audit/light";
 * const sex = attributeExposureSchema.parse({ attribute: "sex", groups: [], gap: null }); // gap: null when no two groups are large enough
 * sex.gap; // null
 * attributeExposureSchema.safeParse({ attribute: "sex", groups: [] }).success; // false: gap must be given (null or the gap)
 * ```
 */
export const attributeExposureSchema = z.object({
  attribute: z.string(),
  groups: z.array(groupExposureSchema),
  gap: z.object({ most: z.string(), least: z.string(), auc: estimateSchema }).nullable(),
});

/**
 * How well one attack separates members from non-members: ROC, AUC, TPR at low FPR, advantage, ε lower bound.
 *
 * @example
 * ```ts
 * import { toJson } from "equipoise";
 * import { type AuditDocument, attackEvaluationSchema } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const evaluation = attackEvaluationSchema.parse(JSON.parse(toJson(doc.attacks[0])));
 * evaluation.auc.value; // the attack's AUC (the report's extra fields, attack and label, are dropped)
 * attackEvaluationSchema.safeParse({ auc: { value: 0.5, lo: 0.4, hi: 0.6 } }).success; // false
 * ```
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

/**
 * The membership-inference attacks an audit can run.
 *
 * @example
 * ```ts
 * import { MEMBERSHIP_ATTACKS } from "equipoise/audit/light";
 * MEMBERSHIP_ATTACKS; // ["loss", "lira", "lira-offline", "rmia", "rmia-offline"]
 * MEMBERSHIP_ATTACKS.filter((attack) => attack !== "loss"); // those that need shadow models
 * ```
 */
export const MEMBERSHIP_ATTACKS = ["loss", "lira", "lira-offline", "rmia", "rmia-offline"] as const;
/**
 * One of {@link MEMBERSHIP_ATTACKS}.
 *
 * @example
 * ```ts
 * import type { AuditDocument, MembershipAttack } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const attack: MembershipAttack = "lira-offline";
 * doc.attacks.find((report) => report.attack === attack)?.auc;
 * ```
 */
export type MembershipAttack = (typeof MEMBERSHIP_ATTACKS)[number];

/**
 * One attack's evaluation in an audit document, with its label and per-group exposure.
 *
 * @example
 * ```ts
 * import { toJson } from "equipoise";
 * import { type AuditDocument, attackReportSchema } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const report = attackReportSchema.parse(JSON.parse(toJson(doc.attacks[0])));
 * report.label; // e.g. "LiRA online, K = 64"
 * attackReportSchema.safeParse({ ...report, attack: "shokri" }).success; // false: not one of MEMBERSHIP_ATTACKS
 * ```
 */
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
 *
 * @example
 * ```ts
 * import { ATTRIBUTE_ATTACKERS, type AuditDocument } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * ATTRIBUTE_ATTACKERS; // ["majority", "features", "output", "both"]
 * for (const a of doc.attribute?.attackers ?? []) console.log(a.attacker, a.members.value, a.nonMembers.value);
 * ```
 */
export const ATTRIBUTE_ATTACKERS = ["majority", "features", "output", "both"] as const;

/**
 * Attribute inference of a sensitive attribute: the accuracy of each attacker on members and non-members.
 *
 * @example
 * ```ts
 * import { toJson } from "equipoise";
 * import { type AuditDocument, attributeInferenceSchema } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const inference = attributeInferenceSchema.parse(JSON.parse(toJson(doc.attribute)));
 * inference.attribute; // e.g. "sex"
 * attributeInferenceSchema.safeParse({ attribute: "sex" }).success; // false: categories, hidden features, protocol and attackers are required
 * ```
 */
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
 *
 * @example
 * ```ts
 * import { toJson } from "equipoise";
 * import { type AuditDocument, canaryAuditSchema } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // from canaryAudit
 * const canaries = canaryAuditSchema.parse(JSON.parse(toJson(doc.canaries)));
 * canaries.epsilonLowerBound; // the one-run bound, from canaries.correct of canaries.guesses
 * canaryAuditSchema.safeParse({ ...canaries, canaries: 1.5 }).success; // false: a count must be a whole number
 * ```
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
 *
 * @example
 * ```ts
 * import { verdictSchema } from "equipoise/audit/light";
 * const verdict = verdictSchema.parse({
 *   accountantEpsilon: "Infinity", delta: 1e-5, lowerBound: 0, source: "no attack", confidence: 0.95,
 *   failed: false, message: "not private (ε = ∞); no attack proves a positive ε at 95 % confidence",
 * });
 * verdict.accountantEpsilon; // Infinity, decoded from the JSON convention
 * verdictSchema.safeParse({ ...verdict, failed: "no" }).success; // false
 * ```
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
 *
 * @example
 * ```ts
 * import { auditDocumentSchema } from "equipoise/audit/light";
 * import { readFileSync } from "node:fs";
 * const result = auditDocumentSchema.safeParse(JSON.parse(readFileSync("audit.json", "utf8")));
 * if (result.success) result.data.verdict.message;
 * else result.error.issues[0].path; // where the document is wrong (parseAuditDocument turns this into one line)
 * auditDocumentSchema.safeParse({ format: "equipoise-model" }).success; // false
 * ```
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

/**
 * A figure with its 95 % interval.
 *
 * @example
 * ```ts
 * import type { AuditDocument, Estimate } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const auc: Estimate = doc.attacks[0].auc;
 * console.log(`AUC ${auc.value.toFixed(3)} [${auc.lo.toFixed(3)}, ${auc.hi.toFixed(3)}]`); // 95 % bootstrap interval
 * ```
 */
export type Estimate = z.output<typeof estimateSchema>;
/**
 * A proportion with its Clopper–Pearson interval.
 *
 * @example
 * ```ts
 * import { type Proportion, proportion } from "equipoise/audit/light";
 * const rate: Proportion = proportion(8, 10);
 * rate.value; // 0.8
 * [rate.lo, rate.hi]; // ≈ [0.444, 0.975], the exact 95 % interval
 * ```
 */
export type Proportion = z.output<typeof proportionSchema>;
/**
 * TPR at a bounded FPR, with its interval.
 *
 * @example
 * ```ts
 * import type { AuditDocument, TprAtFpr } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const atLowFpr: TprAtFpr[] = doc.attacks[0].tprAtFpr; // at FPR 0.1 % and 1 % by default
 * for (const t of atLowFpr) console.log(`TPR ${t.value} at FPR ≤ ${t.fpr}`);
 * ```
 */
export type TprAtFpr = z.output<typeof tprAtFprSchema>;
/**
 * An empirical ε lower bound (see {@link epsilonLowerBoundSchema}).
 *
 * @example
 * ```ts
 * import type { AuditDocument, EpsilonLowerBound } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const bound: EpsilonLowerBound = doc.attacks[0].epsilonLowerBound;
 * bound.positive ? `ε ≥ ${bound.value} at ${bound.confidence}` : "no positive bound";
 * bound.tpr; bound.fpr; // the rule's rates on the evaluation half, with their intervals
 * ```
 */
export type EpsilonLowerBound = z.output<typeof epsilonLowerBoundSchema>;
/**
 * Membership advantage on held-out candidates.
 *
 * @example
 * ```ts
 * import type { AuditDocument, HeldOutAdvantage } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const advantage: HeldOutAdvantage = doc.attacks[0].advantage;
 * `${advantage.value} [${advantage.lo}, ${advantage.hi}]`; // TPR − FPR, 0: no better than guessing
 * ```
 */
export type HeldOutAdvantage = z.output<typeof advantageSchema>;
/**
 * One group's exposure to an attack.
 *
 * @example
 * ```ts
 * import type { AuditDocument, GroupExposure } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const groups: GroupExposure[] = doc.attacks[0].perGroup[0]?.groups ?? [];
 * for (const g of groups) console.log(g.group, g.auc.value, g.small ? "(too small for the gap)" : "");
 * ```
 */
export type GroupExposure = z.output<typeof groupExposureSchema>;
/**
 * Exposure by group of one sensitive attribute.
 *
 * @example
 * ```ts
 * import type { AttributeExposure, AuditDocument } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const bySex: AttributeExposure | undefined = doc.attacks[0].perGroup.find((a) => a.attribute === "sex");
 * bySex?.gap?.auc.value; // AUC of the most exposed group minus the least exposed one's
 * ```
 */
export type AttributeExposure = z.output<typeof attributeExposureSchema>;
/**
 * One attack's figures.
 *
 * @example
 * ```ts
 * import { type AttackEvaluation, evaluateAttack } from "equipoise/audit/light";
 * declare const scores: Float64Array; declare const isMember: Uint8Array; // an attack's scores, 1 = member
 * const evaluation: AttackEvaluation = evaluateAttack(scores, isMember, { delta: 1e-5 });
 * evaluation.auc; evaluation.tprAtFpr; evaluation.epsilonLowerBound; // each with its interval
 * ```
 */
export type AttackEvaluation = z.output<typeof attackEvaluationSchema>;
/**
 * One attack's figures in an audit document.
 *
 * @example
 * ```ts
 * import type { AttackReport, AuditDocument } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const reports: AttackReport[] = doc.attacks;
 * reports.map((r) => `${r.label}: AUC ${r.auc.value}, ε ≥ ${r.epsilonLowerBound.value} (${r.seconds} s)`);
 * ```
 */
export type AttackReport = z.output<typeof attackReportSchema>;
/**
 * Attribute inference results.
 *
 * @example
 * ```ts
 * import type { AttributeInference, AuditDocument } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const inference: AttributeInference | undefined = doc.attribute;
 * const both = inference?.attackers.find((a) => a.attacker === "both");
 * const features = inference?.attackers.find((a) => a.attacker === "features"); // both − features: what the model adds
 * ```
 */
export type AttributeInference = z.output<typeof attributeInferenceSchema>;
/**
 * A one-run canary audit's results.
 *
 * @example
 * ```ts
 * import type { AuditDocument, CanaryAudit } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // from canaryAudit
 * const canaries: CanaryAudit | undefined = doc.canaries;
 * if (canaries) console.log(`${canaries.correct}/${canaries.guesses} right: ε ≥ ${canaries.epsilonLowerBound}`);
 * ```
 */
export type CanaryAudit = z.output<typeof canaryAuditSchema>;
/**
 * The audit's verdict.
 *
 * @example
 * ```ts
 * import type { AuditDocument, Verdict } from "equipoise/audit/light";
 * declare const doc: AuditDocument; // see AuditDocument
 * const verdict: Verdict = doc.verdict;
 * if (verdict.failed) console.error(verdict.message); // an audited bound above the accountant's ε: a bug
 * else console.log(`ε ≥ ${verdict.lowerBound} (${verdict.source}) vs the accountant's ε = ${verdict.accountantEpsilon}`);
 * ```
 */
export type Verdict = z.output<typeof verdictSchema>;
/**
 * The audit document (see {@link auditDocumentSchema}).
 *
 * @example
 * ```ts
 * import { type AuditDocument, parseAuditDocument, renderAuditPage } from "equipoise/audit/light";
 * import { readFileSync, writeFileSync } from "node:fs";
 * const doc: AuditDocument = parseAuditDocument(JSON.parse(readFileSync("audit.json", "utf8")), "audit.json");
 * doc.kind; // "experiment", "model" or "canaries"
 * doc.target.epsilon; // the accountant's ε, beside doc.verdict.lowerBound
 * writeFileSync("audit.html", renderAuditPage(doc));
 * ```
 */
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
