/**
 * Which training examples form each batch. Poisson sampling (every example joins
 * each batch independently with probability q, so batch sizes vary) is what the
 * privacy amplification of DP-SGD accountants assumes; shuffled fixed-size batches
 * are the usual non-private choice.
 */
import { permutation, type Random } from "../common/rng.js";

/**
 * How batches are drawn: a shuffle per epoch, or Poisson sampling (each row in each batch with probability q), which
 * DP accounting assumes.
 *
 * @example
 * ```ts
 * import { createRandom, train } from "equipoise";
 * const kind: train.SamplingKind = "poisson"; // what DP-SGD's accounting assumes; "shuffle" otherwise
 * const sampler = train.createSampler(kind, 1000, 50, createRandom(0));
 * sampler.sampleRate; // 0.05
 * ```
 */
export type SamplingKind = "shuffle" | "poisson";

/**
 * Draws the batches of each epoch as row indices.
 *
 * @example
 * ```ts
 * import { createRandom, train } from "equipoise";
 * const sampler: train.BatchSampler = train.createSampler("shuffle", 10, 4, createRandom(0));
 * sampler.batchesPerEpoch; // 3
 * for (const batch of sampler.epoch()) console.log(batch); // row indices: 4, 4, then 2 of them
 * ```
 */
export interface BatchSampler {
  /** How batches are drawn. */
  readonly kind: SamplingKind;
  /** Batches in one epoch. */
  readonly batchesPerEpoch: number;
  /** Batch size (shuffle) or its expectation q·n (poisson). */
  readonly expectedBatchSize: number;
  /** Probability that a given example is in a given batch. */
  readonly sampleRate: number;
  /** The batches of one epoch, as indices into the training set. */
  epoch(): Generator<Int32Array>;
}

/**
 * A fresh permutation per epoch, cut into batches of `batchSize` (the last one may be smaller).
 *
 * @example
 * ```ts
 * import { createRandom, train } from "equipoise";
 * const sampler = train.shuffledBatches(10, 4, createRandom(0));
 * sampler.batchesPerEpoch; // 3
 * [...sampler.epoch()].map((batch) => batch.length); // [4, 4, 2]
 * ```
 */
export function shuffledBatches(size: number, batchSize: number, random: Random): BatchSampler {
  const batch = Math.min(batchSize, size);
  return {
    kind: "shuffle",
    batchesPerEpoch: Math.ceil(size / batch),
    expectedBatchSize: batch,
    sampleRate: batch / size,
    *epoch() {
      const order = permutation(size, random);
      for (let start = 0; start < size; start += batch)
        yield order.subarray(start, Math.min(size, start + batch));
    },
  };
}

/**
 * Poisson sampling with rate q = batchSize / size and round(1/q) batches per epoch.
 * Gaps between selected indices are drawn from the geometric distribution, so a
 * batch costs O(q·n) random numbers instead of n Bernoulli draws.
 *
 * @example
 * ```ts
 * import { createRandom, train } from "equipoise";
 * const sampler = train.poissonBatches(1000, 100, createRandom(0)); // q = 0.1, as DP-SGD's accounting assumes
 * sampler.batchesPerEpoch; // 10
 * [...sampler.epoch()].map((batch) => batch.length); // sizes vary around 100, e.g. [86, 109, 109, 100, ...]
 * ```
 */
export function poissonBatches(size: number, batchSize: number, random: Random): BatchSampler {
  const q = Math.min(1, batchSize / size);
  const logComplement = Math.log1p(-q);
  return {
    kind: "poisson",
    batchesPerEpoch: Math.max(1, Math.round(1 / q)),
    expectedBatchSize: q * size,
    sampleRate: q,
    *epoch() {
      for (let b = 0; b < this.batchesPerEpoch; b++) {
        if (q >= 1) {
          yield Int32Array.from({ length: size }, (_, i) => i);
          continue;
        }
        const picked: number[] = [];
        let index = -1;
        for (;;) {
          // P(gap = k) = (1−q)^(k−1)·q for k ≥ 1
          index += 1 + Math.floor(Math.log(1 - random.uniform()) / logComplement);
          if (index >= size) break;
          picked.push(index);
        }
        yield Int32Array.from(picked);
      }
    },
  };
}

/**
 * A batch sampler over `size` rows with batches of `batchSize` (Poisson: expected size, q = batchSize / size).
 *
 * @throws RangeError when `size` or `batchSize` is below 1.
 * @example
 * ```ts
 * import { createRandom, train } from "equipoise";
 * const sampler = train.createSampler("poisson", 1000, 50, createRandom(0));
 * console.log(sampler.sampleRate, sampler.batchesPerEpoch); // 0.05 20
 * ```
 */
export function createSampler(
  kind: SamplingKind,
  size: number,
  batchSize: number,
  random: Random,
): BatchSampler {
  if (!(size >= 1)) throw new RangeError("cannot sample batches from an empty training set");
  if (!(batchSize >= 1)) throw new RangeError(`batch size must be ≥ 1, got ${batchSize}`);
  return kind === "poisson"
    ? poissonBatches(size, batchSize, random)
    : shuffledBatches(size, batchSize, random);
}
