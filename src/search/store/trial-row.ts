/**
 * A trial as every store's `trials` table holds it (the same columns in SQLite and
 * PostgreSQL) and its conversion to and from a TrialRecord. Numbers go through the
 * shared JSON codec (src/common/json.ts): JSON has no Infinity, and the epsilon of a
 * non-private model is one.
 */
import { decodeJsonNumber, encodeJsonNumber, toJson } from "../../common/json.js";
import type { TrialRecord, TrialState } from "./types.js";

export interface TrialRow {
  id: number;
  number: number;
  params: string;
  state: TrialState;
  objectives: string | null;
  constraints: string | null;
  metrics: string | null;
  seed: number;
  error: string | null;
  worker_id: string | null;
  attempts: number;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
}

export function toTrialRecord(row: TrialRow): TrialRecord {
  return {
    id: row.id,
    number: row.number,
    config: JSON.parse(row.params),
    state: row.state,
    objectives: parseOrNull<unknown[]>(row.objectives)?.map(fromJsonNumber) ?? null,
    constraints: parseOrNull<unknown[]>(row.constraints)?.map(fromJsonNumber) ?? null,
    metrics: parseOrNull(row.metrics),
    seed: row.seed,
    error: row.error,
    workerId: row.worker_id,
    attempts: row.attempts,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
  };
}

/** The stored text of a trial's parts (the inverse of toTrialRecord's parsing). */
export function trialColumns(trial: Pick<TrialRecord, "config" | "objectives" | "constraints" | "metrics">) {
  return {
    params: JSON.stringify(trial.config),
    objectives: trial.objectives ? numbersToJson(trial.objectives) : null,
    constraints: trial.constraints ? numbersToJson(trial.constraints) : null,
    metrics: trial.metrics ? toJson(trial.metrics) : null,
  };
}

/** SQL (both SQLite stores) inserting one imported trial; `importedTrialRow` gives its values. */
export const INSERT_IMPORTED_TRIAL = `INSERT INTO trials (number, params, state, objectives, constraints, metrics, seed, error,
  worker_id, attempts, started_at, finished_at, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The values of INSERT_IMPORTED_TRIAL for one trial copied from another study. */
export function importedTrialRow(trial: TrialRecord) {
  const columns = trialColumns(trial);
  return [
    trial.number,
    columns.params,
    trial.state,
    columns.objectives,
    columns.constraints,
    columns.metrics,
    trial.seed,
    trial.error,
    trial.workerId,
    trial.attempts,
    trial.startedAt,
    trial.finishedAt,
    trial.durationMs,
  ] as const;
}

export function numbersToJson(values: readonly number[]): string {
  return JSON.stringify(values.map(encodeJsonNumber));
}

function parseOrNull<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function fromJsonNumber(value: unknown): number {
  // Studies written before the shared codec stored NaN as the string "NaN".
  return value === "NaN" ? Number.NaN : decodeJsonNumber(value);
}
