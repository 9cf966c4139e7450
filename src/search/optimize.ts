/**
 * The study runner: asks the study's strategy for configurations, evaluates them
 * with bounded concurrency, and stores every result as soon as it is known — all
 * through the study-store interface (store/types.ts), so the same runner serves an
 * SQLite file or a database server.
 *
 * The strategy lives in memory only. It is rebuilt from the store: at each claim,
 * from a snapshot of the study, it is told the complete trials it has not seen
 * (whoever ran them) and asked with the trials running anywhere as pending. The
 * store keeps a proposal only if no trial was claimed since its snapshot, so no two
 * workers' trials come from the same view, and a slow `ask` (a GP fit) holds no lock
 * (store/claim.ts).
 *
 * `budget` is the TOTAL number of trials of the study (failed ones included), so
 * rerunning the same command after a crash finishes the same study.
 */

import { UserError } from "../common/errors.js";
import type { Configuration } from "./space.js";
import {
  type ClaimView,
  newWorkerIdentity,
  onTermination,
  type TrialRecord,
  type TrialResult,
} from "./store/index.js";
import { createStrategy } from "./strategies/index.js";
import type { Observation, Strategy } from "./strategy.js";
import type { Study } from "./study.js";
/**
 * What an evaluation returns: objectives in their own directions, constraints (feasible when ≤ 0),
 * and any metrics to store with the trial.
 *
 * @example
 * ```ts
 * import { type EvaluationResult, optimize, type Study } from "equipoise/search";
 * declare const study: Study; // a study with 2 objectives and 1 constraint (see Study.open)
 * await optimize(study, async (config): Promise<EvaluationResult> => {
 *   const x = config.x as number;
 *   return { objectives: [x, 1 - x], constraints: [0.1 - x], metrics: { note: "toy" } };
 * }, { budget: 10 });
 * ```
 */
export interface EvaluationResult {
  /** In each objective's own direction, in the study's order. */
  objectives: number[];
  /** In the study's constraint order; feasible iff <= 0. */
  constraints?: number[];
  metrics?: Record<string, unknown>;
}

/**
 * The trial an evaluation runs: its number, its seed (the same on a retry) and the attempt.
 *
 * @example
 * ```ts
 * import { optimize, type Study, type TrialContext } from "equipoise/search";
 * declare const study: Study; // an open study with one objective
 * await optimize(study, async (config, trial: TrialContext) => {
 *   console.log(`trial ${trial.number}, attempt ${trial.attempt}, seed ${trial.seed}`);
 *   return { objectives: [Number(config.x)] };
 * }, { budget: 10 });
 * ```
 */
export interface TrialContext {
  number: number;
  seed: number;
  /** 1, or more when this is a retry of a trial whose worker died. */
  attempt: number;
}

/**
 * Settings of {@link optimize}.
 *
 * @example
 * ```ts
 * import { type OptimizeOptions, optimize, type Study } from "equipoise/search";
 * declare const study: Study; // an open study with one objective
 * const options: OptimizeOptions = {
 *   budget: 40, // trials in the study in all, those already there included
 *   concurrency: 2,
 *   onTrial: (trial) => console.log(trial.number, trial.state),
 * };
 * await optimize(study, async (config) => ({ objectives: [Number(config.x)] }), options);
 * ```
 */
export interface OptimizeOptions {
  /** Total number of trials in the study (including failed ones and those already there). */
  budget: number;
  /** Evaluations in flight at once in this process (default 1). */
  concurrency?: number;
  /** Called after each trial of this process is stored (awaited before the lane claims again). */
  onTrial?: (trial: TrialRecord) => void | Promise<void>;
  /** A worker silent for this long is presumed dead and its running trials retried (default 10 minutes). */
  staleAfterMs?: number;
  /** How often this worker proves it is alive (default 5 s). */
  heartbeatMs?: number;
  /**
   * Starts a trial may have: a dead worker's trial is retried until it has had this
   * many, then failed (default 2: re-queued once), so a trial that kills its worker
   * (out of memory) cannot take the whole study down with it, again and again.
   */
  maxAttempts?: number;
  /**
   * When no trial is left to claim but other workers still run some, keep polling
   * (every `heartbeatMs`, at most 2 s) instead of returning, so that the trial of a
   * worker that dies is retried here rather than left undone (default false). For
   * studies shared by several processes or machines; the price is waiting for the
   * slowest trial, and for a whole `staleAfterMs` when a remote worker dies silently.
   */
  waitForOthers?: boolean;
  /** Called when this worker starts waiting for trials running elsewhere (`waitForOthers`). */
  onWait?: (running: TrialRecord[]) => void;
}

/**
 * What one call of {@link optimize} did.
 *
 * @example
 * ```ts
 * import { type OptimizeSummary, optimize, type Study } from "equipoise/search";
 * declare const study: Study; // an open study with one objective
 * const summary: OptimizeSummary = await optimize(study, async (config) => ({ objectives: [Number(config.x)] }), { budget: 20 });
 * console.log(`${summary.finished} trials run, ${summary.failed} failed, ${summary.retried} taken over`);
 * ```
 */
export interface OptimizeSummary {
  /** Trials this call finished (complete, failed or pruned). */
  finished: number;
  failed: number;
  /** Trials of dead workers this call took over. */
  retried: number;
}

/**
 * Starts a trial may have before it is failed (a retry after its worker died counts as one).
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_ATTEMPTS, optimize, type Study } from "equipoise/search";
 * declare const study: Study; // an open study with one objective
 * DEFAULT_MAX_ATTEMPTS; // 2: a trial whose worker died is re-queued once, then failed
 * await optimize(study, async (config) => ({ objectives: [Number(config.x)] }), { budget: 20, maxAttempts: DEFAULT_MAX_ATTEMPTS + 1 });
 * ```
 */
export const DEFAULT_MAX_ATTEMPTS = 2;

/**
 * Runs trials of `study` until it holds `budget` of them: asks the strategy (rebuilt from the
 * stored trials), evaluates up to `concurrency` configurations at once, and stores each result as
 * soon as it is known. A throwing evaluation is a failed trial, not a failed study; rerunning
 * resumes; several processes or machines may run it on one study at once.
 *
 * @example
 * ```ts
 * import { optimize, Study, zdt1 } from "equipoise/search";
 * const problem = zdt1(4);
 * const study = await Study.open(":memory:", {
 *   space: problem.space,
 *   objectives: [
 *     { name: "f1", direction: "minimize" },
 *     { name: "f2", direction: "minimize" },
 *   ],
 *   strategy: "nsga2",
 *   seed: 0,
 * });
 * const summary = await optimize(study, async (config) => problem.evaluate(config), { budget: 20 });
 * ```
 */
export async function optimize(
  study: Study,
  evaluate: (config: Configuration, trial: TrialContext) => Promise<EvaluationResult>,
  options: OptimizeOptions,
): Promise<OptimizeSummary> {
  const { budget } = options;
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(budget) || budget < 0)
    throw new UserError(`budget must be a whole number >= 0, got ${budget}`);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UserError(`concurrency must be a whole number >= 1, got ${concurrency}`);
  const staleAfterMs = options.staleAfterMs ?? 600_000;
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const { store } = study;

  const strategy = await createStrategy(study.strategy, study.space, {
    ...study.strategyOptions,
    numObjectives: study.objectives.length,
    numConstraints: study.constraints.length,
    seed: study.seed,
  });
  const propose = proposer(study, strategy);
  const worker = newWorkerIdentity();
  await store.registerWorker(worker, { staleAfterMs });
  const leave = () => store.unregisterWorker(worker.id);
  const detach = onTermination(leave);
  const heartbeat = setInterval(() => {
    store.heartbeat(worker.id).catch(() => {
      // a missed beat is retried at the next tick; the claim also proves life
    });
  }, heartbeatMs);
  // Node: the beat must not keep the process alive; browsers' timers have no unref.
  (heartbeat as { unref?: () => void }).unref?.();
  const summary: OptimizeSummary = { finished: 0, failed: 0, retried: 0 };

  // Waiting for trials running elsewhere: poll soon after the wait starts (those trials
  // are often nearly done, and on a short study a fixed 2 s poll was a tenth of its wall
  // time), then back off to a slow, cheap poll.
  const maxPollMs = Math.min(heartbeatMs, 2_000);
  let waiting = false;
  const lane = async () => {
    let pollMs = Math.min(50, maxPollMs);
    for (;;) {
      const claim = await store.claimTrial({
        workerId: worker.id,
        budget,
        staleAfterMs,
        maxAttempts,
        propose,
      });
      if (!claim) {
        if (!options.waitForOthers) return;
        const elsewhere = (await store.trials(["running"])).filter((t) => t.workerId !== worker.id);
        if (elsewhere.length === 0) return;
        if (!waiting) options.onWait?.(elsewhere);
        waiting = true;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        pollMs = Math.min(2 * pollMs, maxPollMs);
        continue;
      }
      pollMs = Math.min(50, maxPollMs);
      if (claim.attempts > 1) summary.retried++;
      const startedAt = Date.now();
      let result: TrialResult;
      try {
        const evaluation = await evaluate(claim.config, {
          number: claim.number,
          seed: claim.seed,
          attempt: claim.attempts,
        });
        checkResult(evaluation, study);
        result = { state: "complete", startedAt, ...evaluation };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const pruned = error instanceof TrialPruned;
        if (!pruned) summary.failed++;
        result = { state: pruned ? "pruned" : "failed", startedAt, error: message };
      }
      const record = await store.finishTrial(claim.id, worker.id, result);
      summary.finished++;
      if (record) await options.onTrial?.(record);
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, lane));
  } finally {
    clearInterval(heartbeat);
    detach();
    await leave();
  }
  return summary;
}

/**
 * Throw from `evaluate` to stop a trial early on purpose (recorded as pruned, not failed).
 *
 * @example
 * ```ts
 * import { type Configuration, optimize, type Study, TrialPruned } from "equipoise/search";
 * declare const study: Study; // an open study
 * declare function trainEpochs(config: Configuration, epochs: number): Promise<number>; // yours: the loss after training
 * await optimize(study, async (config) => {
 *   const loss = await trainEpochs(config, 1);
 *   if (loss > 10) throw new TrialPruned("diverged after one epoch"); // stored as pruned, not failed
 *   return { objectives: [loss] };
 * }, { budget: 20 });
 * ```
 */
export class TrialPruned extends Error {
  override name = "TrialPruned";
}

/**
 * The claim's `propose`: tells the strategy the complete trials it has not seen yet
 * (in trial order, whoever ran them), then asks for one configuration with the
 * running trials as pending.
 */
function proposer(study: Study, strategy: Strategy): (view: ClaimView) => Configuration {
  const told = new Set<number>();
  return (view) => {
    const observations: Observation[] = [];
    for (const trial of view.complete) {
      if (told.has(trial.id)) continue;
      told.add(trial.id);
      const observation: Observation = { config: trial.config, objectives: study.minimizedObjectives(trial) };
      if (trial.constraints && trial.constraints.length > 0) observation.constraints = trial.constraints;
      observations.push(observation);
    }
    if (observations.length > 0) strategy.tell(observations);
    const [config] = strategy.ask(
      1,
      view.running.map((trial) => trial.config),
    );
    return config;
  };
}

function checkResult(result: EvaluationResult, study: Study): void {
  const names = study.objectives.map((o) => o.name);
  if (!result || !Array.isArray(result.objectives) || result.objectives.length !== names.length) {
    throw new Error(
      `evaluation returned ${result?.objectives?.length ?? "no"} objective values, expected ${names.length} (${names.join(", ")})`,
    );
  }
  result.objectives.forEach((v, k) => {
    // Infinity is a legitimate value (epsilon of a non-private model); NaN is not.
    if (typeof v !== "number" || Number.isNaN(v))
      throw new Error(`objective '${names[k]}' is ${v}, not a number`);
  });
  const expected = study.constraints.length;
  const got = result.constraints?.length ?? 0;
  if (got !== expected) throw new Error(`evaluation returned ${got} constraint values, expected ${expected}`);
}
