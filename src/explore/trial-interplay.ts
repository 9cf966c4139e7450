/**
 * What a trial measures beyond its own metrics when the study asks for it (issue 13
 * item 1, issue 11 item 7):
 *  - the per-group cost of privacy of a private trial against its MATCHED model — the
 *    trial's own recipe and seed (same initialisation, same Poisson batches, same
 *    fairness penalty and class weights) without clipping or noise — on the validation
 *    split (what the search may see) and on the test split (what the report shows). The
 *    matched model is one more (non-private, hence cheaper) fit per private trial; it is
 *    not cached across trials because no two trials share a seed, and the seed is part
 *    of what makes the comparison a matched one;
 *  - the membership risk of the trial's model: the AUC of the loss attack
 *    (src/audit/membership-risk.ts), members a sample of its training rows, non-members
 *    as many validation rows (search) or test rows (report).
 * Both read rows without noise: neither is covered by the trial's ε, and every stored
 * figure carries that label.
 */
import { MEMBERSHIP_RISK_NOT_COVERED, membershipRisk } from "../audit/membership-risk.js";
import { decodeJsonNumber } from "../common/json.js";
import type { Split } from "../data/index.js";
import { fitRecipe, type Recipe } from "../fit/index.js";
import { encodeModelMetrics, type ModelMetrics, type StoredModelMetrics } from "../fit/metrics.js";
import type { FitData } from "../fit/plan.js";
import { matchedRecipe, privacyCostOfTrial, type TrialPrivacyCost } from "../interplay/cost.js";
import { PRIVACY_COST_NOT_COVERED } from "../interplay/explorer-levers.js";
import type { Sequential } from "../nn/index.js";
import { predict } from "../train/index.js";
import { studyMetrics } from "./sensitive-ldp.js";

export { PRIVACY_COST_NOT_COVERED };

/**
 * The per-group cost of privacy of one private trial, on both splits.
 *
 * @example
 * ```ts
 * import { summariseStudy, type TrialPrivacyCostRecord } from "equipoise/explore";
 * import { Study } from "equipoise/search";
 * const summary = summariseStudy(await (await Study.openReadOnly("adult.db")).snapshot());
 * const cost: TrialPrivacyCostRecord | undefined = summary.decoded[0].privacyCost; // private trials only
 * if (cost) console.log(cost.test.accuracyCostDisparity, cost.test.gaps.dp.change, cost.notCoveredByEpsilon);
 * ```
 */
export interface TrialPrivacyCostRecord {
  validation: TrialPrivacyCost;
  test: TrialPrivacyCost;
  /** The matched model's metrics (ε = ∞: it is not private). */
  matched: { validation: StoredModelMetrics; test: StoredModelMetrics };
  notCoveredByEpsilon: string;
}

/**
 * The loss attack's AUC on both splits' non-members.
 *
 * @example
 * ```ts
 * import { summariseStudy, type TrialMembershipRecord } from "equipoise/explore";
 * import { Study } from "equipoise/search";
 * const summary = summariseStudy(await (await Study.openReadOnly("adult.db")).snapshot());
 * const risk: TrialMembershipRecord | undefined = summary.decoded[0].membership; // when mia is measured
 * if (risk) console.log(`loss attack AUC ${risk.testAuc} against ${risk.members} members`);
 * ```
 */
export interface TrialMembershipRecord {
  attack: "loss";
  validationAuc: number;
  testAuc: number;
  members: number;
  /** Which released model was attacked, when the trial releases several (a mixture). */
  attacked?: string;
  notCoveredByEpsilon: string;
}

/**
 * Trains the matched model of a private trial and compares the two on `attribute`
 * (the primary sensitive attribute). `score` evaluates a model as the trial does.
 */
export function trialPrivacyCost(
  privateRecipe: Recipe,
  fitData: FitData,
  splits: { validation: Split; test: Split },
  primary: number,
  privateMetrics: { validation: ModelMetrics; test: ModelMetrics },
): TrialPrivacyCostRecord {
  const matched = fitRecipe(matchedRecipe(privateRecipe), fitData);
  try {
    const score = (split: Split) =>
      studyMetrics(
        split.y,
        predict(matched.model, split.X).classes,
        split.sensitive,
        primary,
        Number.POSITIVE_INFINITY,
      );
    const matchedMetrics = { validation: score(splits.validation), test: score(splits.test) };
    return privacyCostRecord(privateMetrics, matchedMetrics, splits.test.sensitive[primary].name);
  } finally {
    matched.model.dispose();
  }
}

/** The stored per-group cost of privacy: a private trial's metrics against its matched model's, on both splits. */
export function privacyCostRecord(
  privateMetrics: { validation: ModelMetrics; test: ModelMetrics },
  matched: { validation: ModelMetrics; test: ModelMetrics },
  attribute: string,
): TrialPrivacyCostRecord {
  return {
    validation: privacyCostOfTrial(privateMetrics.validation, matched.validation, attribute),
    test: privacyCostOfTrial(privateMetrics.test, matched.test, attribute),
    matched: { validation: encodeModelMetrics(matched.validation), test: encodeModelMetrics(matched.test) },
    notCoveredByEpsilon: PRIVACY_COST_NOT_COVERED,
  };
}

/** The loss attack on the trial's model (no training: milliseconds). */
export function trialMembershipRisk(
  model: Sequential,
  splits: { train: Split; validation: Split; test: Split },
  shape: { numClasses: number; inputShape: number[] },
  recipe: Recipe,
  seed: number,
): TrialMembershipRecord {
  const against = (holdout: Split) =>
    membershipRisk(recipe, { train: splits.train, holdout, ...shape }, { model, attack: "loss", seed });
  const validation = against(splits.validation);
  const test = against(splits.test);
  return {
    attack: "loss",
    validationAuc: validation.auc,
    testAuc: test.auc,
    members: validation.members,
    notCoveredByEpsilon: MEMBERSHIP_RISK_NOT_COVERED,
  };
}

/** What a trial stores of these measurements (decoded from the study, or fresh from a worker). */
export interface StoredMeasurements {
  privacyCost?: {
    validation?: { accuracyCostDisparity?: unknown };
    test?: { accuracyCostDisparity?: unknown };
  };
  membership?: { validationAuc?: unknown; testAuc?: unknown };
}

/**
 * A split's metrics with the trial's privacy cost gap and membership AUC added, as the
 * objectives read them. A trial without a privacy cost (non-private) has a gap of 0: it
 * costs no group anything; an undefined disparity (fewer than two groups with rows)
 * counts as 0 too.
 */
export function withMeasuredMetrics<M extends object>(
  metrics: M,
  stored: StoredMeasurements,
  split: "validation" | "test",
): M & { privacyCostGap: number; membershipAuc?: number } {
  const disparity = decodeJsonNumber(stored.privacyCost?.[split]?.accuracyCostDisparity);
  const auc = stored.membership ? decodeJsonNumber(stored.membership[`${split}Auc`]) : undefined;
  return {
    ...metrics,
    privacyCostGap: Number.isFinite(disparity) ? disparity : 0,
    ...(auc !== undefined ? { membershipAuc: auc } : {}),
  };
}
