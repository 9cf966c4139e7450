/**
 * How an audit trains its models: every target, shadow and canary model goes through
 * the one training recipe (`fitRecipe`, src/fit) on a subset of a pool of rows, and is
 * then scored (φ, scoring.ts) on the audit's candidate rows and population rows. What
 * comes back is small and structured-clone safe, so the same job runs in this thread
 * or in a worker (shadow-pool.ts).
 */

import { selectSplit } from "../data/split.js";
import type { Matrix, Split } from "../data/types.js";
import { fitRecipe, type Recipe } from "../fit/index.js";
import { modelSignals } from "./scoring.js";

/** Rows to score: features and labels. */
export interface ScoredRows {
  X: Matrix;
  y: Float32Array;
}

/** Everything a training job reads (shared by every job of an audit). */
export interface AuditTrainingData {
  /** The rows training sets are drawn from. */
  pool: Split;
  numClasses: number;
  inputShape: readonly number[];
  candidates: ScoredRows;
  /** Rows no model of the audit trains on (RMIA's z-samples). */
  population?: ScoredRows;
}

export interface TrainingJob {
  recipe: Recipe;
  /** Rows of the pool this model trains on. */
  rows: Int32Array;
  /** Also return the logits on the candidates (the target's, for attribute inference). */
  keepLogits?: boolean;
}

/**
 * What a trained model gives the audit: the attack signal φ of every candidate (and of the population), and logits.
 *
 * @example
 * ```ts
 * import { type AuditTask, experimentSignals, type TrainedSignals } from "equipoise/audit";
 * declare const auditTask: AuditTask;
 * const signals = await experimentSignals(auditTask, { recipe: { model: "logreg" }, pool: 1000, shadows: 4, seed: 0, attacks: ["lira"] });
 * const target: TrainedSignals = signals.target;
 * target.candidates; // φ of every pool row under the target
 * target.epsilon; // its accountant's ε (Infinity when not private)
 * target.warnings; // the fit's warnings
 * ```
 */
export interface TrainedSignals {
  /** φ of every candidate. */
  candidates: Float64Array;
  population?: Float64Array;
  logits?: Float32Array;
  outputs: number;
  /** The accountant's ε of this training run (∞ when not private). */
  epsilon: number;
  /** The fit's privacy section, when private. */
  privacy?: Record<string, unknown>;
  warnings: string[];
  seconds: number;
}

export function trainAndScore(job: TrainingJob, data: AuditTrainingData): TrainedSignals {
  const started = performance.now();
  const fit = fitRecipe(job.recipe, {
    train: selectSplit(data.pool, job.rows),
    numClasses: data.numClasses,
    inputShape: data.inputShape,
  });
  try {
    const scored = modelSignals(fit.model, data.candidates.X, data.candidates.y);
    const population = data.population
      ? modelSignals(fit.model, data.population.X, data.population.y).phi
      : undefined;
    return {
      candidates: scored.phi,
      ...(population ? { population } : {}),
      ...(job.keepLogits ? { logits: scored.logits } : {}),
      outputs: scored.outputs,
      epsilon: fit.privacy?.epsilon ?? Number.POSITIVE_INFINITY,
      ...(fit.privacy ? { privacy: { ...fit.privacy } } : {}),
      warnings: fit.warnings,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    fit.model.dispose();
  }
}
