/**
 * What a finished (or interrupted) explorer study amounts to, computed from a
 * snapshot of the study alone (a pure function): the Pareto trials judged on
 * validation metrics and scored on test, hypervolumes and their history. Shared by
 * `explore` and `report`.
 */
import { UserError } from "../common/errors.js";
import type { GaussianRelease, PreprocessingMode, PreprocessorJSON } from "../data/index.js";
import { decodeModelMetrics, type ModelMetrics, type StoredModelMetrics } from "../fit/metrics.js";
import { hypervolume, paretoFront, type StudySnapshot, type TrialRecord } from "../search/index.js";
import {
  type NormalisationBasis,
  normaliseObjective,
  type ObjectiveName,
  objectiveNames,
} from "./objectives.js";
import type { PrivateSelectionPlan } from "./private-selection.js";
import type { DataProfile, TrialRecipe } from "./space.js";
import {
  type TrialMembershipRecord,
  type TrialPrivacyCostRecord,
  withMeasuredMetrics,
} from "./trial-interplay.js";

/**
 * What the explorer stores in a study's metadata.
 *
 * @example
 * ```ts
 * import { type ExplorerMetadata, summariseStudy } from "equipoise/explore";
 * import { Study } from "equipoise/search";
 * const study = await Study.openReadOnly("adult.db");
 * const metadata: ExplorerMetadata = summariseStudy(await study.snapshot()).metadata;
 * console.log(metadata.dataset, metadata.primarySensitive, metadata.rows.train, metadata.delta, metadata.accountant);
 * ```
 */
export interface ExplorerMetadata {
  kind: "equipoise-explorer";
  dataset: string;
  target: string | null;
  positive: string | null;
  sensitive: string[];
  primarySensitive: string;
  rows: { train: number; validation: number; test: number };
  features: number;
  validationFraction: number;
  /** Seed of the train/test split (`--split-seed`, TaskRequest.seed). Before 0.2: the seed of the validation split. */
  splitSeed: number;
  /** Seed of the validation split held out from the training split (the study's seed). */
  validationSeed?: number;
  /** SHA-256 of the prepared data (trial-data.ts); absent in studies made before 0.2, which cannot be resumed. */
  fingerprint?: string;
  delta: number;
  accountant: string;
  reference: {
    validation: StoredModelMetrics;
    test: StoredModelMetrics;
    basis: { validation: NormalisationBasis; test: NormalisationBasis };
    /** The rows it trained on: the training part, or (private selection) the validation split. Absent before 0.2: training. */
    trainedOn?: "training" | "validation";
  };
  /** How the features were preprocessed, once for the whole study. Absent before 0.2: fitted on the training split. */
  preprocessing?: StudyPreprocessing;
  /** The facts the search space was built from (space.ts). */
  profile?: DataProfile;
  /** Class weights from the validation split's class frequencies, when class weighting is a lever. */
  classWeights?: { weights: number[]; mean: number };
  /** Private selection (private-selection.ts); absent in the default mode. */
  privateSelection?: PrivateSelectionPlan;
  /** The interplay levers were in the space (privateMethod, groupClipGamma, fairBound). */
  interplayLevers?: boolean;
  /** What each trial measured beyond its metrics (trial-interplay.ts); absent in studies made before. */
  measured?: { privacyCost: boolean; membershipRisk: boolean };
  /** Sensitive attributes reported under ε-local DP (randomized response) for the whole study. */
  sensitiveLdp?: { epsilon: number; attribute: string };
}

/**
 * The study's one preprocessing, as its metadata records it.
 *
 * @example
 * ```ts
 * import { type StudyPreprocessing, summariseStudy } from "equipoise/explore";
 * import { Study } from "equipoise/search";
 * const study = await Study.openReadOnly("adult.db");
 * const preprocessing: StudyPreprocessing | undefined = summariseStudy(await study.snapshot()).metadata.preprocessing;
 * if (preprocessing?.notForRelease) console.warn(preprocessing.notForRelease); // e.g. features fitted without DP
 * ```
 */
export interface StudyPreprocessing {
  mode: PreprocessingMode;
  /** Releases of a private fit: composed in each private trial's ε, or once beside a private selection. */
  releases: GaussianRelease[];
  thresholdDelta: number;
  /** Why a model trained on these features is not for release; null when the preprocessing does not stop it. */
  notForRelease: string | null;
  notes: string[];
  /** Where a private fit's noise came from. */
  noise: "seeded" | "secure" | null;
  /** σ/Δ₂ of a private fit. */
  noiseMultiplier: number | null;
  /** The privately fitted preprocessor (a release ε already counts), reused when the study resumes. */
  preprocessor?: PreprocessorJSON;
}

/**
 * A split's metrics with the trial's measured privacy cost gap and membership AUC (trial-interplay.ts).
 *
 * @example
 * ```ts
 * import { type MeasuredMetrics, summariseStudy } from "equipoise/explore";
 * import { Study } from "equipoise/search";
 * const summary = summariseStudy(await (await Study.openReadOnly("adult.db")).snapshot());
 * const test: MeasuredMetrics = summary.decoded[summary.pareto[0]].test;
 * console.log(test.accuracy, test.epsilon, test.dpDifference, test.privacyCostGap, test.membershipAuc);
 * ```
 */
export type MeasuredMetrics = ModelMetrics & { privacyCostGap: number; membershipAuc?: number };

/**
 * A stored explorer trial, decoded: its record and its validation and test metrics.
 *
 * @example
 * ```ts
 * import { type DecodedTrial, summariseStudy } from "equipoise/explore";
 * import { Study } from "equipoise/search";
 * const summary = summariseStudy(await (await Study.openReadOnly("adult.db")).snapshot());
 * const front: DecodedTrial[] = summary.pareto.map((i) => summary.decoded[i]);
 * for (const t of front) console.log(t.record.number, t.recipe.model, t.validation.accuracy, t.test.accuracy, t.feasible);
 * ```
 */
export interface DecodedTrial {
  record: TrialRecord;
  validation: MeasuredMetrics;
  test: MeasuredMetrics;
  /** A private trial's per-group cost of privacy, as stored (NaN rates are null); NOT covered by ε. */
  privacyCost?: TrialPrivacyCostRecord;
  /** The loss attack's AUC, as stored; NOT covered by ε. */
  membership?: TrialMembershipRecord;
  recipe: TrialRecipe;
  privacy: unknown;
  trainSeconds: number;
  feasible: boolean;
  /** Normalised, minimised objectives in the study's order. */
  objectives: { validation: number[]; test: number[] };
}

/**
 * An explorer study read back: its trials decoded, the Pareto front (chosen on validation), the
 * validation and test hypervolumes, and the reference model.
 *
 * @example
 * ```ts
 * import { type StudySummary, summariseStudy } from "equipoise/explore";
 * import { Study } from "equipoise/search";
 * const study = await Study.openReadOnly("adult.db");
 * const summary: StudySummary = summariseStudy(await study.snapshot());
 * console.log(`${summary.trials.complete}/${summary.trials.total} complete, ${summary.pareto.length} on the front`);
 * summary.hypervolume.test; // the validation-chosen front, scored on test
 * ```
 */
export interface StudySummary {
  metadata: ExplorerMetadata;
  objectives: ObjectiveName[];
  trials: { total: number; complete: number; failed: number; running: number; feasible: number };
  /** Every trial of the study, by number. */
  records: TrialRecord[];
  /** The complete trials with their metrics decoded, by number. */
  decoded: DecodedTrial[];
  /** Indices into `decoded` of the Pareto trials (feasible, non-dominated on validation), by trial number. */
  pareto: number[];
  hypervolume: { validation: number; test: number };
  /** Validation hypervolume of the feasible trials after each finished trial, in trial order. */
  hypervolumeHistory: { trial: number; hypervolume: number }[];
  /**
   * Private selection: the index into `decoded` of the one trial the selection releases
   * (the best feasible trial by `selectionScore`), or null when no trial is feasible;
   * undefined in the default mode.
   */
  selected?: number | null;
  reference: { validation: ModelMetrics; test: ModelMetrics };
}

export function explorerMetadata(study: Pick<StudySnapshot, "metadata">, path: string): ExplorerMetadata {
  const metadata = study.metadata as Partial<ExplorerMetadata>;
  if (metadata.kind !== "equipoise-explorer" || !metadata.reference) {
    throw new UserError(`${path} is a study, but not one made by 'equipoise explore'`);
  }
  return metadata as ExplorerMetadata;
}

/**
 * The summary of an explorer study (`study.snapshot()`); `path` names it in messages.
 * The front is chosen on the validation objectives (normalised with the reference
 * model's validation basis), then scored on test with the test basis: test metrics
 * never decide which trials are on the front.
 *
 * @example
 * ```ts
 * import { Study } from "equipoise/search";
 * import { summariseStudy } from "equipoise/explore";
 * const study = await Study.openReadOnly("adult-study.db"); // written by explore
 * const summary = summariseStudy(await study.snapshot(), study.location);
 * summary.pareto.map((i) => summary.decoded[i]); // the front, chosen on validation
 * summary.hypervolume.test; // scored on test afterwards
 * ```
 */
export function summariseStudy(study: StudySnapshot, path: string = study.location): StudySummary {
  const metadata = explorerMetadata(study, path);
  const objectives = study.objectives.map((o) => o.name) as ObjectiveName[];
  for (const name of objectives) {
    if (!(objectiveNames as readonly string[]).includes(name))
      throw new UserError(`${path}: unknown objective '${name}'`);
  }
  const { validation: validationBasis, test: testBasis } = metadata.reference.basis;
  const all = [...study.trials].sort((a, b) => a.number - b.number);
  const decoded: DecodedTrial[] = all
    .filter((t) => t.state === "complete" && t.metrics)
    .map((record) => {
      const metrics = record.metrics as {
        validation: StoredModelMetrics;
        test: StoredModelMetrics;
        recipe: TrialRecipe;
        privacy: unknown;
        trainSeconds: number;
        privacyCost?: TrialPrivacyCostRecord;
        membership?: TrialMembershipRecord;
      };
      const validation = withMeasuredMetrics(decodeModelMetrics(metrics.validation), metrics, "validation");
      const test = withMeasuredMetrics(decodeModelMetrics(metrics.test), metrics, "test");
      return {
        record,
        validation,
        test,
        ...(metrics.privacyCost ? { privacyCost: metrics.privacyCost } : {}),
        ...(metrics.membership ? { membership: metrics.membership } : {}),
        recipe: metrics.recipe,
        privacy: metrics.privacy,
        trainSeconds: metrics.trainSeconds,
        feasible: (record.constraints ?? []).every((v) => v <= 0),
        objectives: {
          validation: objectives.map((name) => normaliseObjective(name, validation, validationBasis)),
          test: objectives.map((name) => normaliseObjective(name, test, testBasis)),
        },
      };
    });
  const feasibleIndices = decoded.map((_, i) => i).filter((i) => decoded[i].feasible);
  const front = paretoFront(feasibleIndices.map((i) => decoded[i].objectives.validation))
    .map((k) => feasibleIndices[k])
    .sort((a, b) => decoded[a].record.number - decoded[b].record.number);
  const reference = objectives.map(() => 1);
  const volume = (points: number[][]) => (points.length > 0 ? hypervolume(points, reference) : 0);
  const history: StudySummary["hypervolumeHistory"] = [];
  const seen: number[][] = [];
  for (const record of all) {
    if (record.state === "running") continue;
    const entry = decoded.find((d) => d.record.id === record.id);
    if (entry?.feasible) seen.push(entry.objectives.validation);
    history.push({ trial: record.number, hypervolume: volume(seen) });
  }
  const selected = metadata.privateSelection ? selectedTrial(decoded, objectives) : undefined;
  return {
    metadata,
    objectives,
    ...(selected !== undefined ? { selected } : {}),
    trials: {
      total: all.length,
      complete: decoded.length,
      failed: all.filter((t) => t.state === "failed").length,
      running: all.filter((t) => t.state === "running").length,
      feasible: feasibleIndices.length,
    },
    records: all,
    decoded,
    pareto: front,
    hypervolume: {
      validation: volume(front.map((i) => decoded[i].objectives.validation)),
      test: volume(front.map((i) => decoded[i].objectives.test)),
    },
    hypervolumeHistory: history,
    reference: {
      validation: decodeModelMetrics(metadata.reference.validation),
      test: decodeModelMetrics(metadata.reference.test),
    },
  };
}

/**
 * The score private selection ranks trials by, fixed before the study: the sum of the
 * trial's normalised VALIDATION objectives other than ε (which is the selection's, the
 * same for every trial), lower is better. A function of one trial's outcome only, as
 * the random-stopping theorem needs.
 *
 * @example
 * ```ts
 * import { selectionScore, type StudySummary } from "equipoise/explore";
 * declare const summary: StudySummary; // summariseStudy(...) of a private-selection study
 * const scores = summary.decoded.map((trial) => selectionScore(trial, summary.objectives)); // lower is better
 * ```
 */
export function selectionScore(
  trial: Pick<DecodedTrial, "objectives">,
  objectives: readonly ObjectiveName[],
) {
  let score = 0;
  objectives.forEach((name, k) => {
    if (name !== "epsilon") score += trial.objectives.validation[k];
  });
  return score;
}

/** The best feasible trial by `selectionScore` (ties: the earlier trial), or null. */
function selectedTrial(
  decoded: readonly DecodedTrial[],
  objectives: readonly ObjectiveName[],
): number | null {
  let best: number | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  decoded.forEach((trial, i) => {
    if (!trial.feasible) return;
    const score = selectionScore(trial, objectives);
    if (score < bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}
