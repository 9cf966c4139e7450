/**
 * What the trial page's "Train a model with this trial's recipe" control sends: the
 * body of `POST /api/models` for one explorer trial (the study's data set, target,
 * positive label and sensitive attributes; the trial's recipe as `train` flags,
 * src/explore/trial-train-flags.ts), or why there is none. Pure (no DOM), so the
 * server-side test builds the very request the page sends.
 */
import { type TrainFlagValue, trialTrainFlags } from "../../../src/explore/trial-train-flags.js";
import {
  type DatasetDoc,
  SAFE_NAME,
  type StudyView,
  type TrialDetail,
} from "../../../src/server/documents.js";

/** The body of `POST /api/models` (src/server/requests.ts, trainModelSchema). */
export interface TrainModelBody {
  name: string;
  dataset: string;
  target?: string;
  positive?: string;
  sensitive: string[];
  recipe: Record<string, TrainFlagValue>;
}

export type TrialModelPlan =
  | { ok: true; body: TrainModelBody; differences: string[] }
  | { ok: false; reason: string };

/**
 * `<study>-trial-<n>`, made to fit the server's safe-name rule (other characters become
 * '-', at most 64 characters, the trial's number kept), and not one of `taken`.
 */
export function trialModelName(study: string, number: number, taken: readonly string[] = []): string {
  const used = new Set(taken);
  for (let k = 1; ; k++) {
    const suffix = `-trial-${number}${k === 1 ? "" : `-${k}`}`;
    let stem = study.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 64 - suffix.length);
    if (!/^[A-Za-z0-9]/.test(stem)) stem = `m${stem}`.slice(0, 64 - suffix.length);
    const name = `${stem}${suffix}`;
    if (SAFE_NAME.test(name) && !used.has(name)) return name;
  }
}

/** The server's data set the study was run on: a registry name, or an upload (its file ID.csv). */
function datasetOf(studyData: string, datasets: readonly DatasetDoc[]): DatasetDoc | undefined {
  const bundled = datasets.find((d) => d.source === "bundled" && d.id === studyData);
  if (bundled) return bundled;
  const file = studyData.split(/[/\\]/).at(-1) ?? "";
  return datasets.find((d) => d.source === "upload" && `${d.id}.csv` === file);
}

/**
 * The request that trains a model with this trial's recipe, or the reason the page
 * cannot send one (not an explorer trial, data the server does not have, a recipe
 * `train` cannot express).
 */
export function trialModelPlan(
  view: StudyView,
  detail: TrialDetail,
  datasets: readonly DatasetDoc[],
  name: string,
): TrialModelPlan {
  if (view.kind !== "explorer" || view.dataset === null || detail.retrain === null) {
    return {
      ok: false,
      reason:
        detail.state === "complete"
          ? "this study was not made by the explorer: its trials have no recipe"
          : `this trial is ${detail.state}: only a finished trial's recipe can be retrained`,
    };
  }
  const data = view.dataset;
  const dataset = datasetOf(data.name, datasets);
  if (!dataset) {
    return {
      ok: false,
      reason: `the study's data (${data.name.split(/[/\\]/).at(-1)}) is not one of this server's data sets (GET /api/datasets)`,
    };
  }
  if (detail.retrain.splitSeed !== 0) {
    return {
      ok: false,
      reason: `the study split its data with seed ${detail.retrain.splitSeed}; a model trained here uses the default split (seed 0), so it would train on rows the study tested on`,
    };
  }
  const flags = trialTrainFlags(detail.params, detail.retrain.seed, detail.retrain.study);
  if (!flags.ok) return flags;
  return {
    ok: true,
    body: {
      name,
      dataset: dataset.id,
      ...(data.target !== null ? { target: data.target } : {}),
      ...(data.positive !== null ? { positive: data.positive } : {}),
      sensitive: data.sensitive,
      recipe: flags.flags,
    },
    differences: flags.differences,
  };
}
