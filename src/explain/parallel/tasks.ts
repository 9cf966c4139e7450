/**
 * The tasks a parallel runner can execute: pure functions of structured-cloneable
 * inputs (typed arrays, plain objects), so that any thread can run them. Each task
 * prepares its shared input once per thread, then runs chunks.
 */
import type { Examples } from "../data.js";
import { knnShapleyProblem, knnShapleySums } from "../valuation/knn-shapley.js";

export const tasks = {
  "knn-shapley-sums": {
    prepare: (shared: { train: Examples; test: Examples; k: number }) =>
      knnShapleyProblem(shared.train, shared.test, shared.k),
    run: (problem: ReturnType<typeof knnShapleyProblem>, testRows: Int32Array) =>
      knnShapleySums(problem, testRows),
  },
};

export type TaskName = keyof typeof tasks;
