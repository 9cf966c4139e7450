/**
 * Split metrics as stored in a study: JSON has no Infinity, so a non-private
 * model's epsilon is stored as the string "Infinity", and NaN (a group without
 * positives has no TPR) as null.
 */
import { decodeJsonNumber, jsonReplacer } from "../common/json.js";
import type { SplitMetrics } from "./metrics.js";

export type StoredTrialMetrics = Record<string, unknown>;

export function encodeSplitMetrics(metrics: SplitMetrics): StoredTrialMetrics {
  return JSON.parse(JSON.stringify(metrics, jsonReplacer));
}

export function decodeSplitMetrics(stored: StoredTrialMetrics): SplitMetrics {
  return JSON.parse(JSON.stringify(stored), (_key, value) => decodeNumber(value)) as SplitMetrics;
}

function decodeNumber(value: unknown): unknown {
  return value === null || value === "Infinity" || value === "-Infinity" ? decodeJsonNumber(value) : value;
}
