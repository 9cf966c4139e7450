/**
 * Why DP-SGD costs some groups more, measured while it trains (Tran, Dinh & Fioretto 2021,
 * "Differentially private empirical risk minimization under the fairness lens"): per group
 * and per epoch, the share of the group's per-example gradients that were clipped, their
 * mean norm before clipping, and the signal-to-noise ratio of the group's summed clipped
 * gradient, ‖Σ_{i∈g} clipped gᵢ‖ / (σC·√d) — the norm of the group's signal over the
 * expected norm of the noise added to the sum (σC per coordinate, d coordinates). A group
 * whose gradients are clipped more and whose summed gradient is smaller against the same
 * noise is the one the update serves least.
 *
 * A `ClippingObserver` for the private training path (privacy/dp-sgd.ts). What it records
 * is a statistic of the private batches: a diagnostic for the data owner, NOT covered by ε.
 */
import type { ClippingObservation, ClippingObserver } from "../privacy/dp-sgd.js";

/**
 * One group's clipping in one epoch: examples, share clipped, mean norm before clipping, signal-to-noise ratio.
 *
 * @example
 * ```ts
 * import { type GroupClippingRecorder, type GroupClippingStatistics } from "equipoise/interplay";
 * declare const recorder: GroupClippingRecorder; // the clipping observer of a private run
 * const lastEpoch: GroupClippingStatistics[] = recorder.summary().at(-1)?.groups ?? [];
 * for (const g of lastEpoch) console.log(g.group, g.clippedFraction, g.meanNorm, g.signalToNoise);
 * ```
 */
export interface GroupClippingStatistics {
  group: string;
  /** Per-example gradients of the group seen in the epoch's batches. */
  examples: number;
  /** Share of them whose norm exceeded their clipping bound. */
  clippedFraction: number;
  /** Mean ‖gᵢ‖ before clipping. */
  meanNorm: number;
  /** Mean clipping bound applied to the group (C; a group's C_k under group-aware clipping). */
  meanClipBound: number;
  /** Mean over the epoch's steps of ‖Σ_{i∈g} clipped gᵢ‖ / (noise std · √d). */
  signalToNoise: number;
}

/**
 * The clipping statistics of every group in one epoch.
 *
 * @example
 * ```ts
 * import type { EpochClippingStatistics, InterplayStudy } from "equipoise/interplay";
 * declare const study: InterplayStudy; // from runInterplayStudy
 * const perEpoch: EpochClippingStatistics[] = study.cells[0].clipping; // means over the seeds
 * perEpoch.map((e) => [e.epoch, e.groups.map((g) => g.clippedFraction)]); // who is clipped more, epoch by epoch
 * ```
 */
export interface EpochClippingStatistics {
  epoch: number;
  steps: number;
  groups: GroupClippingStatistics[];
}

interface Accumulator {
  steps: number;
  examples: Float64Array;
  clipped: Float64Array;
  normSum: Float64Array;
  boundSum: Float64Array;
  snrSum: Float64Array;
}

/**
 * Records the observations of a run and summarises them per epoch.
 *
 * @example
 * ```ts
 * import { GroupClippingRecorder } from "equipoise/interplay";
 * import { privacy, type train } from "equipoise";
 * declare const groupOfRow: Int32Array; // the group code of every training row
 * declare const options: privacy.MakePrivateOptions; // the private run's model, data size, noise, clip...
 * declare const data: train.TrainingData; // its training rows
 * const recorder = new GroupClippingRecorder(groupOfRow, ["F", "M"], 50); // 50 Poisson steps make an epoch
 * const engine = privacy.makePrivate({ ...options, observer: recorder }); // options: as for makePrivate
 * engine.train(data);
 * const perEpoch = recorder.summary(); // per epoch and group: clipped share, norms (not covered by ε)
 * ```
 */
export class GroupClippingRecorder implements ClippingObserver {
  readonly groupCount: number;
  private readonly epochs: Accumulator[] = [];
  private step = 0;

  /**
   * @param groupOfRow group code of every training row (the rows the batches index), −1 for none
   * @param stepsPerEpoch how many steps make an epoch (round(1/q) under Poisson sampling)
   */
  constructor(
    private readonly groupOfRow: Int32Array,
    private readonly groups: readonly string[],
    private readonly stepsPerEpoch: number,
  ) {
    if (!(Number.isInteger(stepsPerEpoch) && stepsPerEpoch >= 1))
      throw new RangeError(`steps per epoch must be a whole number ≥ 1, got ${stepsPerEpoch}`);
    this.groupCount = groups.length;
  }

  groupsOf(indices: Int32Array): Int32Array {
    return Int32Array.from(indices, (row) => this.groupOfRow[row]);
  }

  observe(observation: ClippingObservation): void {
    const epoch = Math.floor(this.step / this.stepsPerEpoch);
    this.step++;
    const k = this.groupCount;
    while (this.epochs.length <= epoch) {
      this.epochs.push({
        steps: 0,
        examples: new Float64Array(k),
        clipped: new Float64Array(k),
        normSum: new Float64Array(k),
        boundSum: new Float64Array(k),
        snrSum: new Float64Array(k),
      });
    }
    const bucket = this.epochs[epoch];
    bucket.steps++;
    observation.indices.forEach((row, i) => {
      const g = this.groupOfRow[row];
      if (g < 0 || g >= k) return;
      bucket.examples[g]++;
      bucket.normSum[g] += observation.norms[i];
      bucket.boundSum[g] += observation.clipBounds[i];
      if (observation.norms[i] > observation.clipBounds[i]) bucket.clipped[g]++;
    });
    const noiseNorm = observation.noiseStd * Math.sqrt(observation.dimension);
    for (let g = 0; g < k; g++) {
      bucket.snrSum[g] +=
        noiseNorm > 0
          ? observation.groupSumNorms[g] / noiseNorm
          : observation.groupSumNorms[g] > 0
            ? Infinity
            : 0;
    }
  }

  /** The statistics of every epoch recorded so far. */
  summary(): EpochClippingStatistics[] {
    return this.epochs.map((bucket, epoch) => ({
      epoch: epoch + 1,
      steps: bucket.steps,
      groups: this.groups.map((group, g) => {
        const n = bucket.examples[g];
        return {
          group,
          examples: n,
          clippedFraction: n > 0 ? bucket.clipped[g] / n : Number.NaN,
          meanNorm: n > 0 ? bucket.normSum[g] / n : Number.NaN,
          meanClipBound: n > 0 ? bucket.boundSum[g] / n : Number.NaN,
          signalToNoise: bucket.steps > 0 ? bucket.snrSum[g] / bucket.steps : Number.NaN,
        };
      }),
    }));
  }
}

/**
 * The element-wise mean of several runs' statistics (same groups, epochs aligned; NaN skipped).
 *
 * @example
 * ```ts
 * import { type GroupClippingRecorder, meanClippingStatistics } from "equipoise/interplay";
 * declare const recorders: GroupClippingRecorder[]; // one per seed of the same study
 * const averaged = meanClippingStatistics(recorders.map((recorder) => recorder.summary()));
 * ```
 */
export function meanClippingStatistics(
  runs: readonly EpochClippingStatistics[][],
): EpochClippingStatistics[] {
  if (runs.length === 0) return [];
  const epochs = Math.min(...runs.map((run) => run.length));
  const mean = (values: number[]) => {
    const finite = values.filter((v) => !Number.isNaN(v));
    return finite.length > 0 ? finite.reduce((s, v) => s + v, 0) / finite.length : Number.NaN;
  };
  return Array.from({ length: epochs }, (_, e) => ({
    epoch: e + 1,
    steps: mean(runs.map((run) => run[e].steps)),
    groups: runs[0][e].groups.map((first, g) => ({
      group: first.group,
      examples: mean(runs.map((run) => run[e].groups[g].examples)),
      clippedFraction: mean(runs.map((run) => run[e].groups[g].clippedFraction)),
      meanNorm: mean(runs.map((run) => run[e].groups[g].meanNorm)),
      meanClipBound: mean(runs.map((run) => run[e].groups[g].meanClipBound)),
      signalToNoise: mean(runs.map((run) => run[e].groups[g].signalToNoise)),
    })),
  }));
}
