/**
 * Parallelism behind a small adapter, so that the maths of src/explain stays free of
 * Node-only modules: a runner executes named pure tasks (tasks.ts) on chunks of work,
 * in this thread (`inProcessRunner`), in Node worker threads (node-threads.ts), or —
 * later — in Web Workers. A task prepares its shared input once per thread and then
 * runs chunks; results come back in chunk order.
 */
import { type TaskName, tasks } from "./tasks.js";

/**
 * Runs chunks of a named explanation task on worker threads (or in process); Node's worker runner is in
 * `parallel/node-threads.ts`, outside this light surface.
 *
 * @example
 * ```ts
 * import { type ExplainData, inProcessRunner, type ParallelRunner, valuesDocument } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * const runner: ParallelRunner = inProcessRunner; // on Node, the CLI's worker-thread runner instead
 * const doc = await valuesDocument(data, undefined, { method: "knn-shapley", k: 10, runner });
 * await runner.close();
 * ```
 */
export interface ParallelRunner {
  /** How many threads run chunks at once. */
  readonly threads: number;
  /** Runs every chunk of `task` over the shared input (prepared once per thread); results in chunk order. */
  run<N extends TaskName>(
    task: N,
    shared: Parameters<(typeof tasks)[N]["prepare"]>[0],
    chunks: Parameters<(typeof tasks)[N]["run"]>[1][],
  ): Promise<ReturnType<(typeof tasks)[N]["run"]>[]>;
  /** Stops the threads. */
  close(): Promise<void>;
}

/**
 * Runs every chunk here, one after another.
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type ExplainData, inProcessRunner, looDocument } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const model: ExplainableModel; // e.g. fitLogisticRegression(data.train).model
 * inProcessRunner.threads; // 1: every chunk runs in this thread, one after another
 * await looDocument(data, model, { testRows: [0], trainRows: [0, 1, 2], runner: inProcessRunner });
 * ```
 */
export const inProcessRunner: ParallelRunner = {
  threads: 1,
  async run(task, shared, chunks) {
    const definition = tasks[task];
    // The registry is keyed by name; each entry's prepare/run pair agree on types.
    const prepared = (definition.prepare as (s: unknown) => unknown)(shared);
    return chunks.map((chunk) => (definition.run as (p: unknown, c: unknown) => never)(prepared, chunk));
  },
  async close() {},
};

/**
 * Splits 0…n−1 (or the given rows) into about `parts` contiguous chunks.
 *
 * @example
 * ```ts
 * import { allRows, chunkRows } from "equipoise/explain";
 * chunkRows(allRows(10), 4).map((chunk) => chunk.length); // [2, 3, 2, 3]
 * ```
 */
export function chunkRows(rows: ArrayLike<number>, parts: number): Int32Array[] {
  const n = rows.length;
  const count = Math.max(1, Math.min(n, parts));
  const out: Int32Array[] = [];
  for (let c = 0; c < count; c++) {
    const start = Math.floor((c * n) / count);
    const end = Math.floor(((c + 1) * n) / count);
    out.push(Int32Array.from({ length: end - start }, (_, i) => rows[start + i]));
  }
  return out;
}
