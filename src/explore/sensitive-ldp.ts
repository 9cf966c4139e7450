/**
 * `explore --sensitive-ldp EPS`: the whole study run as if the primary sensitive
 * attribute had been collected under ε-local DP with k-ary randomized response
 * (src/interplay/ldp.ts). Every split holds only the reported values: the fairness
 * penalty and DPSGD-F's groups train on them, and every fairness figure the study
 * computes — the gaps the search sees, the reference model's gaps that normalise them,
 * the per-group rates of the per-group cost of privacy — is debiased by inverting the
 * channel (unbiased for the group counts; the rates are ratios of unbiased counts,
 * consistent). The responses are simulated from the true values with a seeded generator
 * (reproducible, so a study can be resumed): an experiment on what LDP collection would
 * cost, not a deployment, where each person randomises on their own device.
 */
import { createRandom } from "../common/rng.js";
import type { SensitiveAttribute } from "../data/types.js";
import type { GroupMetrics, ModelMetrics } from "../fit/metrics.js";
import { modelMetrics } from "../fit/metrics.js";
import {
  debiasedRates,
  estimateFairnessFromLdp,
  type LocallyPrivateAttribute,
  privatiseAttribute,
  randomizedResponseChannel,
} from "../interplay/ldp.js";
import type { TrialData } from "./trial.js";

export const LDP_NOTE =
  "sensitive attribute reported under local DP (randomized response): its fairness gaps and group rates are debiased estimates from the reported values";

/** A fixed offset so the responses' stream is not the search's or a trial's. */
const RESPONSE_STREAM = 0x5eed1d9;

/** The study's data with the primary attribute of every split replaced by its randomized responses. */
export function privatiseStudyData(data: TrialData, epsilon: number, seed: number): TrialData {
  const random = createRandom((seed ^ RESPONSE_STREAM) >>> 0);
  const replace = (split: TrialData["train"]) => ({
    ...split,
    sensitive: split.sensitive.map((attribute, index) =>
      index === data.primary ? privatiseAttribute(attribute, epsilon, random) : attribute,
    ),
  });
  return {
    ...data,
    train: replace(data.train),
    validation: replace(data.validation),
    test: replace(data.test),
  };
}

function ldpOf(attribute: SensitiveAttribute | undefined): LocallyPrivateAttribute["ldp"] | undefined {
  return (attribute as Partial<LocallyPrivateAttribute> | undefined)?.ldp;
}

/**
 * `modelMetrics`, except that when the primary attribute holds randomized responses its
 * gaps and its per-group rates are the channel-inverted estimates. Accuracy by group is
 * P(ŷ = y | A = a), debiased as the rate of the "correct" indicator over all rows; the
 * group count is the estimated one, rounded.
 */
export function studyMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  sensitive: readonly SensitiveAttribute[],
  primary: number,
  epsilon: number,
): ModelMetrics {
  const metrics = modelMetrics(yTrue, yPred, sensitive, primary, epsilon);
  const attribute = sensitive[primary];
  const ldp = ldpOf(attribute);
  if (!ldp || !Number.isFinite(metrics.dpDifference)) return metrics;
  const estimate = estimateFairnessFromLdp({ yTrue, yPred, reported: attribute, epsilon: ldp.epsilon });
  const channel = randomizedResponseChannel(ldp.epsilon, attribute.categories.length);
  const correct = Float64Array.from(yPred, (p, i) => (p === yTrue[i] ? 1 : 0));
  const accuracy = debiasedRates(correct, attribute.codes, () => true, channel, 0.95);
  const groups: Record<string, GroupMetrics> = {};
  estimate.groups.forEach((group, a) => {
    if (!(group.estimatedCount > 0)) return;
    groups[group.group] = {
      count: Math.round(group.estimatedCount),
      accuracy: accuracy.rates[a].estimate,
      selectionRate: group.selectionRate.estimate,
      tpr: group.tpr.estimate,
      fpr: group.fpr.estimate,
    };
  });
  return {
    ...metrics,
    dpDifference: estimate.demographicParityDifference.estimate,
    eoDifference: estimate.equalizedOddsDifference.estimate,
    eopDifference: estimate.equalOpportunityDifference.estimate,
    perGroup: { ...metrics.perGroup, [attribute.name]: groups },
  };
}
