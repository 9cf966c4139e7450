/**
 * The tasks a parallel runner can execute: pure functions of structured-cloneable
 * inputs (typed arrays, plain objects), so that any thread can run them. Each task
 * prepares its shared input once per thread, then runs chunks.
 */
import { type Examples, selectExamples } from "../data.js";
import { refitWithout } from "../loo.js";
import { type ModelTransfer, modelFromTransfer } from "../models/transfer.js";
import { knnShapleyProblem, knnShapleySums } from "../valuation/knn-shapley.js";

/**
 * The explanation tasks a {@link ParallelRunner} can run, by name: each prepares its shared input once per
 * thread, then runs chunks.
 */
export const tasks = {
  /** Exact KNN-Shapley sums over a chunk of test rows. */
  "knn-shapley-sums": {
    /** Builds the KNN-Shapley problem once per thread. */
    prepare: (shared: { train: Examples; test: Examples; k: number }) =>
      knnShapleyProblem(shared.train, shared.test, shared.k),
    /** The sums of one chunk of test rows. */
    run: (problem: ReturnType<typeof knnShapleyProblem>, testRows: Int32Array) =>
      knnShapleySums(problem, testRows),
  },
  /** Leave-one-out refits of a chunk of training rows: test-loss changes [testRows × chunk] and convergence. */
  "leave-one-out": {
    /** Rebuilds the model once per thread and its test losses with every row. */
    prepare: (shared: { model: ModelTransfer; test: Examples; testRows: Int32Array }) => {
      const model = modelFromTransfer(shared.model);
      const testSet = selectExamples(shared.test, shared.testRows);
      return { model, testSet, base: model.losses(testSet) };
    },
    /** Refits without each training row of one chunk. */
    run: (
      prepared: { model: ReturnType<typeof modelFromTransfer>; testSet: Examples; base: Float64Array },
      trainRows: Int32Array,
    ) => {
      const { model, testSet, base } = prepared;
      const matrix = new Float64Array(testSet.rows * trainRows.length);
      const gradientNorms = new Float64Array(trainRows.length);
      const iterations = new Int32Array(trainRows.length);
      const converged = new Uint8Array(trainRows.length);
      trainRows.forEach((row, r) => {
        const refit = refitWithout(model, row);
        gradientNorms[r] = refit.gradientNorm;
        iterations[r] = refit.iterations;
        converged[r] = refit.converged ? 1 : 0;
        const losses = model.withParameters(refit.parameters).losses(testSet);
        for (let t = 0; t < testSet.rows; t++) matrix[t * trainRows.length + r] = losses[t] - base[t];
      });
      return { matrix, gradientNorms, iterations, converged };
    },
  },
};

export type TaskName = keyof typeof tasks;
