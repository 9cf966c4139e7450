/**
 * Models trained from the dashboard: files NAME.json in the server's models folder,
 * listed from there, and the parameters of the jobs that train or evaluate them.
 * Every path is the server's own (`inside`); a request names only data set ids and
 * plain model names.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { DatasetStore } from "./datasets.js";
import type { ModelDoc } from "./documents.js";
import { HttpError } from "./http-error.js";
import type {
  AuditJobParams,
  EvaluateJobParams,
  ExplainJobParams,
  TrainJobParams,
} from "./jobs/model-jobs.js";
import { inside } from "./paths.js";
import {
  type AuditModelRequest,
  type EvaluateModelRequest,
  type ExplainModelRequest,
  SAFE_NAME,
  type TrainModelRequest,
} from "./requests.js";

export function listModels(folder: string): ModelDoc[] {
  return readdirSync(folder)
    .filter((file) => file.endsWith(".json") && SAFE_NAME.test(file.slice(0, -5)))
    .map((file) => {
      const stat = statSync(join(folder, file));
      return { id: file.slice(0, -5), file, bytes: stat.size, modified: stat.mtime.toISOString() };
    })
    .sort((a, b) => b.modified.localeCompare(a.modified));
}

export function modelPath(folder: string, id: string): string {
  const path = inside(folder, `${id}.json`);
  if (!existsSync(path)) throw new HttpError(404, `no model '${id}'`);
  return path;
}

export function trainModelJob(
  request: TrainModelRequest,
  datasets: DatasetStore,
  folder: string,
  dataDir: string | undefined,
): TrainJobParams {
  const out = inside(folder, `${request.name}.json`);
  if (existsSync(out)) throw new HttpError(409, `a model called '${request.name}' already exists`);
  const dataset = datasets.get(request.dataset);
  const target = request.target ?? dataset.defaults.target ?? undefined;
  if (!target) throw new HttpError(400, `body.target: name the target column of ${dataset.name}`);
  if (!dataset.choices.targets.includes(target))
    throw new HttpError(400, `body.target: '${target}' is not a possible target of ${dataset.name}`);
  for (const name of request.sensitive) {
    if (!dataset.choices.sensitive.includes(name) || name === target)
      throw new HttpError(
        400,
        `body.sensitive: '${name}' is not a possible sensitive attribute of ${dataset.name}`,
      );
  }
  return {
    data: datasets.taskData(request.dataset),
    // A registry data set's own target is left implicit: naming it would drop its positive label.
    ...(dataset.source === "upload" || target !== dataset.defaults.target ? { target } : {}),
    ...(request.positive ? { positive: request.positive } : {}),
    sensitive: request.sensitive,
    ...(dataDir ? { dataDir } : {}),
    flags: request.recipe as TrainJobParams["flags"],
    out,
  };
}

export function evaluateModelJob(
  id: string,
  request: EvaluateModelRequest,
  datasets: DatasetStore,
  folder: string,
  dataDir: string | undefined,
): EvaluateJobParams {
  return {
    model: modelPath(folder, id),
    ...(request.dataset ? { data: datasets.taskData(request.dataset) } : {}),
    ...(dataDir ? { dataDir } : {}),
  };
}

export function auditModelJob(
  id: string,
  request: AuditModelRequest,
  datasets: DatasetStore,
  folder: string,
  dataDir: string | undefined,
): AuditJobParams {
  return {
    model: modelPath(folder, id),
    ...(request.dataset ? { data: datasets.taskData(request.dataset) } : {}),
    ...(dataDir ? { dataDir } : {}),
    ...(request.shadows !== undefined ? { shadows: request.shadows } : {}),
    ...(request.attacks ? { attacks: request.attacks } : {}),
  };
}

export function explainModelJob(
  id: string,
  request: ExplainModelRequest,
  datasets: DatasetStore,
  folder: string,
  dataDir: string | undefined,
): ExplainJobParams {
  return {
    model: modelPath(folder, id),
    ...(request.dataset ? { data: datasets.taskData(request.dataset) } : {}),
    ...(dataDir ? { dataDir } : {}),
    question: request.question,
  };
}
