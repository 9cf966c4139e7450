/**
 * The server's part of a round once the updates (or their secure sum) are in: the
 * same code for the simulation and for the server of real processes.
 * - In the clear: norm bounding, then DP-FedAvg (clip to C, sum, add N(0, σ²C²),
 *   divide by the expected count qN, as McMahan et al. 2018 with a fixed denominator
 *   so that the count is not released), q-FFL, or a (robust) aggregation rule.
 * - After secure aggregation: central DP noise on the sum, division by qN (DP) or
 *   by the number of included clients, and — the one defence that still works on a
 *   masked sum — bounding the aggregate's norm.
 */
import type { GaussianNoise } from "../privacy/noise.js";
import { aggregateUpdates } from "./aggregators.js";
import type { FederatedConfig } from "./config.js";
import type { LocalUpdate } from "./local-training.js";
import { qfflUpdate } from "./qffl.js";
import type { RoundRecord } from "./report.js";
import { clipToNorm } from "./vectors.js";

export interface RoundOutcome {
  /** Update for the server optimiser; undefined when the round produced none. */
  delta?: Float64Array;
  included: number[];
  aborted?: string;
  secure?: RoundRecord["secure"];
  selected?: number[];
}

/** Per-coordinate range of the ring under --secure without --norm-bound or --dp: honest clients clip to this L2 norm. */
export const DEFAULT_SECURE_BOUND = 10;

/** The L2 bound honest clients clip to before secure aggregation. */
export function secureBound(config: FederatedConfig): number {
  return config.dp?.clip ?? config.normBound ?? DEFAULT_SECURE_BOUND;
}

export function aggregateInTheClear(
  config: FederatedConfig,
  updates: ReadonlyMap<number, LocalUpdate>,
  dimension: number,
  noise: GaussianNoise | undefined,
): RoundOutcome {
  const ids = [...updates.keys()].sort((a, b) => a - b);
  const dp = config.dp;
  if (dp) {
    if (!noise) throw new Error("DP aggregation needs a noise source");
    const sum = new Float64Array(dimension);
    for (const id of ids) {
      const clipped = clipToNorm(updates.get(id)!.update, dp.clip).vector;
      for (let i = 0; i < dimension; i++) sum[i] += clipped[i];
    }
    // The sensitivity C lets the lattice sampler cover its rounding (privacy/noise.ts).
    noise.add(sum, dp.noise * dp.clip, dp.clip);
    const expected = config.sampleRate * config.clients;
    for (let i = 0; i < dimension; i++) sum[i] /= expected;
    return { delta: sum, included: ids };
  }
  if (ids.length === 0) return { included: [], aborted: "no client took part" };
  const bounded = ids.map((id) => {
    const update = updates.get(id)!.update;
    return config.normBound === undefined ? update : clipToNorm(update, config.normBound).vector;
  });
  if (config.qffl !== undefined) {
    const delta = qfflUpdate(
      ids.map((id, k) => ({ update: bounded[k], loss: updates.get(id)!.initialLoss })),
      config.qffl,
      1 / config.local.learningRate,
    );
    return { delta, included: ids };
  }
  const aggregate = aggregateUpdates(
    bounded,
    ids.map((id) => updates.get(id)!.examples),
    config.aggregator,
  );
  return {
    delta: aggregate.update,
    included: ids,
    ...(aggregate.selected ? { selected: aggregate.selected.map((k) => ids[k]) } : {}),
  };
}

/** The model update from a decoded secure sum of `included` clients' updates (modified in place). */
export function finishSecureSum(
  config: FederatedConfig,
  sum: Float64Array,
  included: number,
  noise: GaussianNoise | undefined,
): Float64Array {
  const dp = config.dp;
  if (dp?.mode === "central") {
    if (!noise) throw new Error("central DP needs a noise source");
    noise.add(sum, dp.noise * dp.clip, dp.clip);
  }
  const denominator = dp ? config.sampleRate * config.clients : included;
  for (let i = 0; i < sum.length; i++) sum[i] /= denominator;
  if (!dp && config.normBound !== undefined) scaleToNorm(sum, config.normBound);
  return sum;
}

function scaleToNorm(v: Float64Array, bound: number): void {
  let total = 0;
  for (let i = 0; i < v.length; i++) total += v[i] * v[i];
  const norm = Math.sqrt(total);
  if (norm <= bound) return;
  for (let i = 0; i < v.length; i++) v[i] *= bound / norm;
}
