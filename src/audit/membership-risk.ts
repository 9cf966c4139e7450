/**
 * A membership-risk figure cheap enough to be an objective or a constraint of the
 * explorer (`--objectives accuracy,epsilon,dp,mia`): the AUC of a membership attack on
 * a trial's model, members being a sample of its training rows and non-members as
 * many held-out rows (the explorer's validation split).
 *
 * Cost: the loss attack (the default) reads the model's φ on at most `candidates`
 * rows — two forward passes, milliseconds, and no training when the trial's model is
 * passed in. LiRA offline adds K shadow fits of the same recipe on the training rows
 * that are not candidates (so every candidate is OUT of every shadow): K times the
 * trial's own training time.
 */
import { UserError } from "../common/errors.js";
import { createRandom, permutation } from "../common/rng.js";
import { selectSplit } from "../data/split.js";
import type { Split } from "../data/types.js";
import { fitRecipe, parseRecipe, type Recipe, type RecipeInput } from "../fit/index.js";
import type { Sequential } from "../nn/index.js";
import { liraScores } from "./attacks/lira.js";
import { recipeForModel } from "./experiment.js";
import { modelSignals } from "./scoring.js";
import { RankedScores } from "./statistics/roc.js";

/**
 * The rows {@link membershipRisk} attacks: the training split and held-out rows.
 *
 * @example
 * ```ts
 * import { type MembershipRiskData, membershipRisk } from "equipoise/audit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // from prepareTask (equipoise/data)
 * const data: MembershipRiskData = { train: task.train, holdout: task.test, numClasses: task.numClasses, inputShape: [task.train.X.cols] };
 * membershipRisk({ model: "logreg" }, data);
 * ```
 */
export interface MembershipRiskData {
  /** The rows the model trains (or trained) on. */
  train: Split;
  /** Rows it never sees (the validation split). */
  holdout: Split;
  numClasses: number;
  inputShape: readonly number[];
}

/**
 * Settings of {@link membershipRisk}.
 *
 * @example
 * ```ts
 * import { type MembershipRiskData, type MembershipRiskOptions, membershipRisk } from "equipoise/audit";
 * declare const data: MembershipRiskData; // see MembershipRiskData
 * const options: MembershipRiskOptions = { attack: "lira-offline", shadows: 4, candidates: 1000, seed: 0 };
 * const risk = membershipRisk({ model: "mlp:64", epochs: 5 }, data, options); // fits the model and 4 shadows
 * ```
 */
export interface MembershipRiskOptions {
  /** The trial's trained model (trained with `recipe` on `data.train`); fitted here when absent. */
  model?: Sequential;
  attack?: "loss" | "lira-offline";
  /** Shadow models of LiRA offline (default 4). */
  shadows?: number;
  /** At most this many candidates, half members and half non-members (default 2,000). */
  candidates?: number;
  seed?: number;
}

/**
 * A membership-inference figure of one trained model, labelled as not covered by ε.
 *
 * @example
 * ```ts
 * import { type MembershipRisk, type MembershipRiskData, membershipRisk } from "equipoise/audit";
 * declare const data: MembershipRiskData; // see MembershipRiskData
 * const risk: MembershipRisk = membershipRisk({ model: "logreg" }, data, { seed: 0 });
 * risk.auc; // 0.5: no leakage, 1: every member recognised
 * risk.tprAt1Percent; // members recognised at FPR ≤ 1 %
 * risk.notCoveredByEpsilon; // the caveat to print beside it (MEMBERSHIP_RISK_NOT_COVERED)
 * ```
 */
export interface MembershipRisk {
  attack: "loss" | "lira-offline";
  /** Attack AUC: 0.5 is no leakage, 1 is every member recognised. */
  auc: number;
  /** TPR at FPR ≤ 1 % (largest TPR among ROC points with FPR ≤ 0.01). */
  tprAt1Percent: number;
  members: number;
  nonMembers: number;
  /** Models fitted for this figure (0 when the trial's model was given and the attack is the loss attack). */
  modelsFitted: number;
  seconds: number;
  /**
   * The figure is a statistic of training and held-out rows computed without noise: for
   * a private trial it is NOT covered by the trial's ε, and whatever stores or prints it
   * must say so (as for validation metrics).
   */
  notCoveredByEpsilon: string;
}

/**
 * The note every membership-risk figure carries: it reads the rows without noise, so ε does not cover it.
 *
 * @example
 * ```ts
 * import { MEMBERSHIP_RISK_NOT_COVERED, type MembershipRisk } from "equipoise/audit";
 * declare const risk: MembershipRisk; // from membershipRisk
 * console.log(`attack AUC ${risk.auc.toFixed(3)} (${MEMBERSHIP_RISK_NOT_COVERED})`);
 * risk.notCoveredByEpsilon === MEMBERSHIP_RISK_NOT_COVERED; // true
 * ```
 */
export const MEMBERSHIP_RISK_NOT_COVERED =
  "membership risk: an attack's AUC on training and held-out rows, computed without noise, is NOT covered by epsilon";

/**
 * A cheap membership-inference figure of a trained model (the explorer's `mia` objective): the loss
 * attack's AUC from two forward passes over at most 2,000 rows, or LiRA offline with a few extra fits.
 *
 * @example
 * ```ts
 * import { membershipRisk } from "equipoise/audit";
 * import type { PreparedTask } from "equipoise/data";
 * declare const task: PreparedTask; // from prepareTask; the holdout rows are never trained on
 * const data = { train: task.train, holdout: task.test, numClasses: 2, inputShape: [task.train.X.cols] };
 * const risk = membershipRisk({ model: "logreg" }, data, { seed: 0 });
 * risk.auc; // 0.5 is no leakage; NOT covered by ε for a private recipe (risk.notCoveredByEpsilon)
 * ```
 */
export function membershipRisk(
  recipe: RecipeInput | Recipe,
  data: MembershipRiskData,
  options: MembershipRiskOptions = {},
): MembershipRisk {
  const started = performance.now();
  const normalised = parseRecipe(recipe);
  const attack = options.attack ?? "loss";
  const seed = options.seed ?? 0;
  const random = createRandom(seed);
  const half = Math.floor((options.candidates ?? 2000) / 2);
  // LiRA offline's shadows train on the training rows that are not candidates: keep half of them.
  const trainable = attack === "lira-offline" ? Math.floor(data.train.X.rows / 2) : data.train.X.rows;
  const count = Math.min(half, trainable, data.holdout.X.rows);
  if (count < 2) throw new UserError("membership risk needs at least 2 training and 2 held-out rows");
  const trainOrder = permutation(data.train.X.rows, random);
  const memberRows = trainOrder.slice(0, count).sort();
  const nonMemberRows = permutation(data.holdout.X.rows, random).slice(0, count).sort();
  const members = selectSplit(data.train, memberRows);
  const nonMembers = selectSplit(data.holdout, nonMemberRows);
  const cols = members.X.cols;
  const features = new Float32Array(2 * count * cols);
  features.set(members.X.data.subarray(0, count * cols));
  features.set(nonMembers.X.data.subarray(0, count * cols), count * cols);
  const labels = new Float32Array(2 * count);
  labels.set(members.y);
  labels.set(nonMembers.y, count);
  const candidates = { X: { rows: 2 * count, cols, data: features }, y: labels };
  const isMember = Uint8Array.from({ length: 2 * count }, (_, i) => (i < count ? 1 : 0));
  let modelsFitted = 0;
  const fitData = (train: Split) => ({ train, numClasses: data.numClasses, inputShape: data.inputShape });
  const scoreWith = (model: Sequential) => modelSignals(model, candidates.X, candidates.y).phi;
  let targetPhi: Float64Array;
  if (options.model) {
    targetPhi = scoreWith(options.model);
  } else {
    const fit = fitRecipe(normalised, fitData(data.train));
    modelsFitted++;
    try {
      targetPhi = scoreWith(fit.model);
    } finally {
      fit.model.dispose();
    }
  }
  let scores = targetPhi;
  if (attack === "lira-offline") {
    const k = options.shadows ?? 4;
    if (!(Number.isInteger(k) && k >= 2))
      throw new UserError(`LiRA offline needs at least 2 shadows, got ${k}`);
    // Shadows train on the training rows that are not candidates: every candidate is OUT of all of them.
    const outside = selectSplit(data.train, trainOrder.slice(count).sort());
    const phi: Float64Array[] = [];
    for (let s = 0; s < k; s++) {
      const fit = fitRecipe(recipeForModel(normalised, random.uint32() >>> 1), fitData(outside));
      modelsFitted++;
      try {
        phi.push(scoreWith(fit.model));
      } finally {
        fit.model.dispose();
      }
    }
    scores = liraScores(
      targetPhi,
      { phi, inTraining: phi.map(() => new Uint8Array(2 * count)) },
      { online: false },
    );
  }
  const [auc, tprAt1Percent] = new RankedScores(scores, isMember).summary([0.01]);
  return {
    attack,
    auc,
    tprAt1Percent,
    members: count,
    nonMembers: count,
    modelsFitted,
    seconds: (performance.now() - started) / 1000,
    notCoveredByEpsilon: MEMBERSHIP_RISK_NOT_COVERED,
  };
}
