/**
 * From trained signals to findings: each requested membership attack scores the
 * candidates (attacks/), each score vector is evaluated with its intervals, ε bound
 * and per-group exposure (evaluate.ts), attribute inference runs on the target's
 * outputs, and the verdict sets the strongest audited bound against the accountant's ε.
 */
import { UserError } from "../common/errors.js";
import type { Matrix, SensitiveAttribute } from "../data/types.js";
import { attributeInference } from "./attacks/attribute.js";
import { GLOBAL_VARIANCE_BELOW, liraScores } from "./attacks/lira.js";
import { rmiaScores } from "./attacks/rmia.js";
import { MIN_SHADOWS, type PopulationSignals, type ShadowSignals } from "./attacks/signals.js";
import type { AttackReport, AttributeInference, MembershipAttack, Verdict } from "./document.js";
import { DEFAULT_FPR_LEVELS, evaluateAttack } from "./evaluate.js";

/**
 * Every attack an audit can run, membership and attribute inference.
 *
 * @example
 * ```ts
 * import { AUDIT_ATTACKS } from "equipoise/audit";
 * AUDIT_ATTACKS; // ["loss", "lira", "lira-offline", "rmia", "rmia-offline", "attribute"]
 * const wanted = "lira";
 * AUDIT_ATTACKS.some((attack) => attack === wanted); // true: a valid --attack name
 * ```
 */
export const AUDIT_ATTACKS = ["loss", "lira", "lira-offline", "rmia", "rmia-offline", "attribute"] as const;
/**
 * One of {@link AUDIT_ATTACKS}.
 *
 * @example
 * ```ts
 * import { type AttackInput, type AuditAttack, runAttacks } from "equipoise/audit";
 * declare const input: AttackInput; // see experimentAttackInput
 * const attacks: AuditAttack[] = ["loss", "lira-offline", "attribute"]; // membership attacks and attribute inference
 * const findings = runAttacks(attacks, input);
 * ```
 */
export type AuditAttack = (typeof AUDIT_ATTACKS)[number];
/**
 * The attacks an audit runs unless told otherwise.
 *
 * @example
 * ```ts
 * import { DEFAULT_ATTACKS } from "equipoise/audit";
 * DEFAULT_ATTACKS; // ["loss", "lira", "lira-offline", "rmia", "attribute"]: every attack but "rmia-offline"
 * ```
 */
export const DEFAULT_ATTACKS: readonly AuditAttack[] = ["loss", "lira", "lira-offline", "rmia", "attribute"];

/** Which attacks need shadow (reference) models. */
export function needsShadows(attack: AuditAttack): boolean {
  return attack !== "loss" && attack !== "attribute";
}

/** One line per problem with an attack list: unknown names, or shadows too few for one of them. */
export function checkAttacks(attacks: readonly string[], shadows: number): AuditAttack[] {
  if (attacks.length === 0) throw new UserError("--attack needs at least one attack");
  for (const attack of attacks) {
    if (!(AUDIT_ATTACKS as readonly string[]).includes(attack)) {
      throw new UserError(`unknown attack '${attack}'; known: ${AUDIT_ATTACKS.join(", ")}`);
    }
  }
  const withShadows = attacks.filter((a) => needsShadows(a as AuditAttack));
  if (withShadows.length > 0 && shadows < MIN_SHADOWS) {
    throw new UserError(
      `the ${withShadows.join(", ")} attack${withShadows.length > 1 ? "s need" : " needs"} at least ${MIN_SHADOWS} shadow models; --shadows is ${shadows}`,
    );
  }
  return [...new Set(attacks)] as AuditAttack[];
}

/**
 * The signals attacks read: the target's φ of every candidate, membership, shadows' and population
 * signals, and the candidates' features and groups.
 *
 * @example
 * ```ts
 * import { type AttackInput, type AuditTask, type ExperimentSignals, experimentAttackInput, runAttacks } from "equipoise/audit";
 * declare const auditTask: AuditTask; declare const signals: ExperimentSignals; // see experimentSignals
 * const input: AttackInput = experimentAttackInput(auditTask, signals, { seed: 0 });
 * input.target.phi.length; // one φ per candidate
 * input.shadows.phi.length; // K shadows
 * const findings = runAttacks(["loss", "lira"], { ...input, fprLevels: [0.001, 0.01, 0.1] });
 * ```
 */
export interface AttackInput {
  /** φ of every candidate under the target, and its logits (row-major [rows, outputs]). */
  target: { phi: Float64Array; logits?: ArrayLike<number>; outputs: number };
  /** 1 for the candidates the target trained on. */
  isMember: Uint8Array;
  shadows: ShadowSignals;
  population?: PopulationSignals;
  /** The candidates' features and sensitive attributes (for per-group figures and attribute inference). */
  features: Matrix;
  featureNames: readonly string[];
  sensitive: readonly SensitiveAttribute[];
  delta: number;
  seed: number;
  bootstrapReplicates?: number;
  fprLevels?: readonly number[];
  /** Feature columns hidden from attribute inference besides the attribute's own. */
  hide?: readonly string[];
}

/**
 * Every attack's figures and the attribute inference, before the document is assembled.
 *
 * @example
 * ```ts
 * import { type AttackFindings, type AttackInput, runAttacks } from "equipoise/audit";
 * declare const input: AttackInput; // see experimentAttackInput
 * const findings: AttackFindings = runAttacks(["loss", "lira", "attribute"], input);
 * findings.attacks.map((report) => `${report.label}: AUC ${report.auc.value}`); // the two membership attacks
 * findings.attribute?.attackers; // attribute inference, when asked for
 * findings.boundConfidence; // 0.975: each of the 2 ε bounds, so that the larger holds at 95 %
 * ```
 */
export interface AttackFindings {
  attacks: AttackReport[];
  attribute?: AttributeInference;
  /** Confidence of each attack's ε bound, chosen so that the largest of them holds at 95 %. */
  boundConfidence: number;
  /** What a reader should know about these findings. */
  notes: string[];
  seconds: number;
}

function labelOf(attack: MembershipAttack, shadows: number): string {
  switch (attack) {
    case "loss":
      return "Loss threshold";
    case "lira":
      return `LiRA online, K = ${shadows}`;
    case "lira-offline":
      return `LiRA offline, K = ${shadows}`;
    case "rmia":
      return `RMIA, K = ${shadows}`;
    case "rmia-offline":
      return `RMIA offline, K = ${shadows}`;
  }
}

function scoresOf(
  attack: MembershipAttack,
  input: AttackInput,
): { scores: Float64Array; settings: Record<string, number | string | boolean> } {
  const shadows = input.shadows.phi.length;
  const variance = shadows < GLOBAL_VARIANCE_BELOW ? "global" : "per-example";
  switch (attack) {
    case "loss":
      return {
        scores: input.target.phi,
        settings: { signal: "logit-scaled confidence φ (= −loss, monotone)" },
      };
    case "lira":
    case "lira-offline": {
      const online = attack === "lira";
      return {
        scores: liraScores(input.target.phi, input.shadows, { online }),
        settings: { shadows, online, variance },
      };
    }
    case "rmia":
    case "rmia-offline": {
      const online = attack === "rmia";
      const result = rmiaScores(input.target.phi, input.shadows, input.population, { online });
      return {
        scores: result.scores,
        settings: {
          shadows,
          online,
          gamma: result.gamma,
          offlineA: result.offlineA,
          population: result.populationSize,
        },
      };
    }
  }
}

/**
 * Runs the given attacks on already computed signals (to re-attack one set of trained models several ways).
 *
 * @example
 * ```ts
 * import { type AttackInput, runAttacks } from "equipoise/audit";
 * declare const input: AttackInput; // see experimentAttackInput, signals already computed
 * const findings = runAttacks(["loss", "lira", "rmia"], input);
 * findings.attacks.map((report) => report.epsilonLowerBound); // each at findings.boundConfidence
 * ```
 */
export function runAttacks(attacks: readonly AuditAttack[], input: AttackInput): AttackFindings {
  const started = performance.now();
  const membership = attacks.filter((a): a is MembershipAttack => a !== "attribute");
  const boundConfidence = 1 - 0.05 / Math.max(1, membership.length);
  const reports: AttackReport[] = membership.map((attack, k) => {
    const begun = performance.now();
    const { scores, settings } = scoresOf(attack, input);
    const evaluation = evaluateAttack(scores, input.isMember, {
      delta: input.delta,
      seed: input.seed + 7919 * (k + 1),
      fprLevels: input.fprLevels ?? DEFAULT_FPR_LEVELS,
      groups: input.sensitive,
      boundConfidence,
      ...(input.bootstrapReplicates ? { bootstrap: { replicates: input.bootstrapReplicates } } : {}),
    });
    return {
      attack,
      label: labelOf(attack, input.shadows.phi.length),
      settings,
      ...evaluation,
      seconds: (performance.now() - begun) / 1000,
    };
  });
  let attribute: AttributeInference | undefined;
  if (attacks.includes("attribute")) {
    const sensitive = input.sensitive[0];
    if (!sensitive) {
      throw new UserError("the attribute attack needs a sensitive attribute of the data (--sensitive COL)");
    }
    if (!input.target.logits) throw new Error("attribute inference needs the target's logits");
    attribute = attributeInference({
      features: input.features,
      featureNames: input.featureNames,
      logits: input.target.logits,
      outputs: input.target.outputs,
      phi: input.target.phi,
      attribute: sensitive,
      isMember: input.isMember,
      seed: input.seed,
      ...(input.hide ? { hide: input.hide } : {}),
    });
  }
  const notes: string[] = [];
  const features = attribute?.attackers.find((a) => a.attacker === "features");
  if (features && Math.min(features.members.value, features.nonMembers.value) >= 0.995) {
    notes.push(
      `the non-sensitive features give away '${attribute!.attribute}' almost exactly (${(features.members.value * 100).toFixed(1)} %): a feature column probably encodes it (a column it was derived from?); hide it with --hide COL`,
    );
  }
  return {
    attacks: reports,
    ...(attribute ? { attribute } : {}),
    boundConfidence,
    notes,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The strongest audited bound set against the accountant's ε. */
export function verdictOf(
  accountantEpsilon: number,
  delta: number,
  bounds: readonly { value: number; source: string }[],
  confidence: number,
): Verdict {
  const best = bounds.reduce((a, b) => (b.value > a.value ? b : a), { value: 0, source: "no attack" });
  const shown = (v: number) => (v === Number.POSITIVE_INFINITY ? "∞" : v.toFixed(3));
  const percent = `${Number((confidence * 100).toFixed(2))} % confidence`;
  const failed = best.value > accountantEpsilon;
  let message: string;
  if (failed) {
    message = `AUDIT FAILED: ${best.source} proves ε ≥ ${shown(best.value)} (${percent}), above the accountant's ε = ${shown(accountantEpsilon)} — the training or its privacy accounting is wrong`;
  } else if (accountantEpsilon === Number.POSITIVE_INFINITY) {
    message =
      best.value > 0
        ? `not private (ε = ∞): ${best.source} proves the model leaks membership, ε ≥ ${shown(best.value)} (${percent})`
        : `not private (ε = ∞); no attack proves a positive ε at ${percent}`;
  } else {
    message =
      best.value > 0
        ? `consistent: the audited lower bound ε ≥ ${shown(best.value)} (${best.source}, ${percent}) is below the accountant's ε = ${shown(accountantEpsilon)}`
        : `consistent: no attack proves a positive ε at ${percent}; the accountant's ε = ${shown(accountantEpsilon)} is an upper bound`;
  }
  return {
    accountantEpsilon,
    delta,
    lowerBound: best.value,
    source: best.source,
    confidence,
    failed,
    message,
  };
}
