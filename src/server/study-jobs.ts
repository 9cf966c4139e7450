/**
 * From a page's request to the parameters of an explorer job: a new study on a
 * data set the server knows, or more trials for a study it shows. Resuming reads
 * everything from the study itself (data, split, objectives, constraints, seeds),
 * and the explorer then proves it is the same data (its fingerprint) before
 * adding a trial.
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { UserError } from "../common/errors.js";
import { parseConstraint } from "../explore/objectives.js";
import type { ExplorerMetadata } from "../explore/summary.js";
import type { StudySnapshot } from "../search/index.js";
import type { DatasetStore } from "./datasets.js";
import { HttpError } from "./http-error.js";
import type { ExploreJobParams } from "./jobs/explore-job.js";
import type { CreateStudyRequest, ResumeStudyRequest } from "./requests.js";
import { isExplorerStudy } from "./study-view.js";

export function newStudyJob(
  request: CreateStudyRequest,
  datasets: DatasetStore,
  studyPath: string,
  dataDir: string | undefined,
): ExploreJobParams {
  const dataset = datasets.get(request.dataset);
  const target = request.target ?? dataset.defaults.target ?? undefined;
  if (!target) throw new HttpError(400, `body.target: name the target column of ${dataset.name}`);
  if (!dataset.choices.targets.includes(target)) {
    throw new HttpError(
      400,
      `body.target: '${target}' is not a possible target of ${dataset.name} (${dataset.choices.targets.join(", ")})`,
    );
  }
  for (const name of request.sensitive) {
    if (!dataset.choices.sensitive.includes(name) || name === target) {
      throw new HttpError(
        400,
        `body.sensitive: '${name}' is not a possible sensitive attribute of ${dataset.name}`,
      );
    }
  }
  const constraints = request.constraints.filter((c) => c.trim() !== "");
  for (const text of constraints) checkConstraint(text);
  return {
    studyPath,
    data: datasets.taskData(request.dataset),
    // A registry data set's own target is left implicit: naming it would drop its positive label.
    ...(dataset.source === "upload" || target !== dataset.defaults.target ? { target } : {}),
    ...(request.positive ? { positive: request.positive } : {}),
    sensitive: request.sensitive,
    splitSeed: 0,
    ...(dataDir ? { dataDir } : {}),
    objectives: request.objectives,
    constraints,
    strategy: request.strategy as ExploreJobParams["strategy"],
    budget: request.budget,
    seed: request.seed,
    ...(request.workers ? { workers: request.workers } : {}),
  };
}

export function resumeStudyJob(
  snapshot: StudySnapshot,
  studyPath: string,
  request: ResumeStudyRequest,
  dataDir: string | undefined,
): ExploreJobParams {
  if (!isExplorerStudy(snapshot)) {
    throw new HttpError(422, "only explorer studies can be resumed from the dashboard");
  }
  const metadata = snapshot.metadata as unknown as ExplorerMetadata;
  if (request.budget <= snapshot.trials.length) {
    throw new HttpError(
      400,
      `body.budget: the study already has ${snapshot.trials.length} trials; ask for more`,
    );
  }
  return {
    studyPath,
    data: dataOf(metadata.dataset, studyPath),
    ...(metadata.target ? { target: metadata.target } : {}),
    ...(metadata.positive ? { positive: metadata.positive } : {}),
    sensitive: [
      metadata.primarySensitive,
      ...metadata.sensitive.filter((s) => s !== metadata.primarySensitive),
    ],
    splitSeed: metadata.splitSeed,
    ...(dataDir ? { dataDir } : {}),
    objectives: snapshot.objectives.map((o) => o.name) as ExploreJobParams["objectives"],
    constraints: snapshot.constraints.map((c) => c.name),
    strategy: snapshot.strategy as ExploreJobParams["strategy"],
    budget: request.budget,
    seed: snapshot.seed,
    ...(request.workers ? { workers: request.workers } : {}),
    delta: metadata.delta,
    accountant: metadata.accountant === "prv" ? "prv" : "rdp",
    validationFraction: metadata.validationFraction,
  };
}

/**
 * The data a study was made from: a registry name as it is; a file by its path,
 * as recorded, or relative to the study's folder (a study and its data moved
 * together).
 */
function dataOf(dataset: string, studyPath: string): string {
  if (!/[/\\]|\.(csv|tsv|txt|arff)(\.gz)?$/i.test(dataset)) return dataset;
  const candidates = isAbsolute(dataset)
    ? [dataset]
    : [resolve(dataset), resolve(dirname(studyPath), dataset)];
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new HttpError(
      422,
      `this study was made from the data file ${dataset}, which is not there any more; resume it with 'equipoise explore --data FILE --study ...'`,
    );
  }
  return found;
}

function checkConstraint(text: string): void {
  try {
    parseConstraint(text);
  } catch (error) {
    if (error instanceof UserError) throw new HttpError(400, `body.constraints: ${error.message}`);
    throw error;
  }
}
