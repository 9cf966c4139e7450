/**
 * What a finished (or interrupted) explorer study amounts to, computed from a
 * snapshot of the study alone (a pure function): the Pareto trials judged on
 * validation metrics and scored on test, hypervolumes and their history. Shared by
 * `explore` and `report`.
 */
import { UserError } from "../common/errors.js";
import { hypervolume, paretoFront, type StudySnapshot, type TrialRecord } from "../search/index.js";
import { decodeSplitMetrics, type StoredTrialMetrics } from "./encoding.js";
import type { SplitMetrics } from "./metrics.js";
import {
  type NormalisationBasis,
  normaliseObjective,
  type ObjectiveName,
  objectiveNames,
} from "./objectives.js";
import type { TrialRecipe } from "./space.js";

/** What the explorer stores in a study's metadata. */
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
    validation: StoredTrialMetrics;
    test: StoredTrialMetrics;
    basis: { validation: NormalisationBasis; test: NormalisationBasis };
  };
}

export interface DecodedTrial {
  record: TrialRecord;
  validation: SplitMetrics;
  test: SplitMetrics;
  recipe: TrialRecipe;
  privacy: unknown;
  trainSeconds: number;
  feasible: boolean;
  /** Normalised, minimised objectives in the study's order. */
  objectives: { validation: number[]; test: number[] };
}

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
  reference: { validation: SplitMetrics; test: SplitMetrics };
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
        validation: StoredTrialMetrics;
        test: StoredTrialMetrics;
        recipe: TrialRecipe;
        privacy: unknown;
        trainSeconds: number;
      };
      const validation = decodeSplitMetrics(metrics.validation);
      const test = decodeSplitMetrics(metrics.test);
      return {
        record,
        validation,
        test,
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
  return {
    metadata,
    objectives,
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
      validation: decodeSplitMetrics(metadata.reference.validation),
      test: decodeSplitMetrics(metadata.reference.test),
    },
  };
}
