/**
 * Split metrics as stored in a study: JSON has no Infinity, so a non-private
 * model's epsilon is stored as the string "Infinity", and NaN (a group without
 * positives has no TPR) as null.
 */
import type { SplitMetrics } from "./metrics.js";

export type StoredTrialMetrics = Record<string, unknown>;

export function encodeSplitMetrics(metrics: SplitMetrics): StoredTrialMetrics {
  return JSON.parse(JSON.stringify(metrics, (_key, value) => encodeNumber(value)));
}

export function decodeSplitMetrics(stored: StoredTrialMetrics): SplitMetrics {
  return JSON.parse(JSON.stringify(stored), (_key, value) => decodeNumber(value)) as SplitMetrics;
}

function encodeNumber(value: unknown): unknown {
  if (typeof value !== "number" || Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return null;
  return value > 0 ? "Infinity" : "-Infinity";
}

function decodeNumber(value: unknown): unknown {
  if (value === "Infinity") return Number.POSITIVE_INFINITY;
  if (value === "-Infinity") return Number.NEGATIVE_INFINITY;
  if (value === null) return Number.NaN;
  return value;
}
