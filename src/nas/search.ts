/**
 * Fairness-aware architecture search: a search strategy of the search capability
 * (NSGA-II by default; random, GP-BO) proposes architectures, Hyperband or
 * successive halving trains them at growing fidelities and keeps the best of each
 * rung by Pareto rank on the validation objectives, and a study (the search
 * capability's store) keeps every architecture as one trial:
 *  - complete: it reached the top rung; its objectives are measured there, and its
 *    test characterisation is stored for the report (never read by the search);
 *  - pruned: it stopped at a lower rung, with that rung's objectives.
 * Every rung's measurements are in the trial's metrics, so a stopped run resumes:
 * rerunning the same command retries the unfinished bracket's trials with the same
 * numbers, configurations and seeds, and — training being deterministic on one
 * backend — makes the same promotions.
 *
 * The strategy is told every finished trial (pruned ones with their lower-fidelity
 * objectives, usually pessimistic, as Optuna's samplers use a pruned trial's last
 * reported value) and asked with the running ones as pending.
 *
 * One process runs a study at a time (brackets are synchronous); the runner refuses
 * a study whose bracket another live worker holds.
 */
import { UserError } from "../common/errors.js";
import { currentBackend } from "../nn/index.js";
import {
  type Configuration,
  createStrategy,
  newWorkerIdentity,
  type Observation,
  onTermination,
  paretoFront,
  type StrategyName,
  Study,
  type StudyDefinition,
  type TrialRecord,
} from "../search/index.js";
import { measureLatency } from "./cost.js";
import { DEBIAS_METHODS } from "./debias/index.js";
import { compareWithDebiasing } from "./debias-comparison.js";
import { describeSchedule, type FidelitySchedule, planBrackets } from "./fidelity.js";
import { minimised, OBJECTIVES, type ObjectiveName, objectiveValues } from "./objectives.js";
import { promoted } from "./promote.js";
import type {
  ArchitectureRun,
  NasResult,
  NasTrialSummary,
  RungRecord,
  TrainingSettings,
  TrialMetrics,
} from "./schema.js";
import { architectureOf, type SpaceFamily, searchSpaceFor } from "./space.js";
import type { NasTask } from "./tasks.js";
import { DEFAULT_ARCHITECTURES, runArchitecture, TRAINING_DEFAULTS } from "./train.js";

/**
 * Options of {@link searchArchitectures}.
 *
 * @example
 * ```ts
 * import { loadNasTask, type NasSearchOptions, parseObjectives, scheduleFor, searchArchitectures } from "equipoise/nas";
 * const task = await loadNasTask("adult:sex");
 * const options: NasSearchOptions = {
 *   task, budget: 17, objectives: parseObjectives("worst-group,bias,params", task),
 *   fidelity: scheduleFor("hyperband", 9, 3, 3), strategy: "nsga2", seed: 0, studyPath: "adult-nas.db", family: "mlp",
 * };
 * const result = await searchArchitectures(options); // resumes adult-nas.db if it exists
 * ```
 */
export interface NasSearchOptions {
  task: NasTask;
  /** Architectures in the study (Hyperband counts every architecture it starts). */
  budget: number;
  objectives: ObjectiveName[];
  fidelity: FidelitySchedule;
  strategy?: StrategyName;
  seed?: number;
  /** SQLite study file (created or resumed); default in memory. */
  studyPath?: string;
  settings?: TrainingSettings;
  family?: SpaceFamily;
  /** Called with each {@link NasEvent}. */
  onEvent?: (event: NasEvent) => void;
  /**
   * Also train the reference architecture with each debiasing method (same seed and settings)
   * and report whether the selected architecture or a debiasing method improves the test
   * bias-conflicting (or worst-group) accuracy by 10 points: `NasResult.debiasing`.
   */
  debiasBaselines?: boolean;
}

/**
 * What an architecture search reports: notes, rungs and finished trials.
 *
 * @example
 * ```ts
 * import type { NasEvent } from "equipoise/nas";
 * const onEvent = (event: NasEvent) => {
 *   if (event.kind === "trial") console.log(`${event.done}/${event.budget} ${event.architecture}: ${event.state} at rung ${event.rung}`);
 *   else if (event.kind === "note") console.log(event.text);
 * }; // pass as NasSearchOptions.onEvent
 * ```
 */
export type NasEvent =
  | { kind: "note"; text: string }
  | {
      kind: "rung";
      bracket: number;
      brackets: number;
      rung: number;
      trained: number;
      stage: number;
      stages: number;
    }
  | {
      kind: "trial";
      done: number;
      budget: number;
      architecture: string;
      state: "complete" | "pruned";
      rung: number;
    };

export type { NasResult, NasTrialSummary, RungRecord, TrialMetrics } from "./schema.js";

const STALE_AFTER_MS = 600_000;

/**
 * Searches architectures for the Pareto front of the chosen objectives (scored on validation, the front's
 * test figures reported), with Hyperband-style successive halving when the fidelity schedule asks for it.
 * A `studyPath` makes the search resumable.
 *
 * @example
 * ```ts
 * import { loadNasTask, parseObjectives, scheduleFor, searchArchitectures } from "equipoise/nas";
 * const task = await loadNasTask("german-credit:sex");
 * const result = await searchArchitectures({
 *   task,
 *   budget: 3,
 *   objectives: parseObjectives("worst-group,bias,params", task),
 *   fidelity: scheduleFor("none", 2, 3, 1),
 *   strategy: "random",
 * });
 * console.log(result.front);
 * ```
 */
export async function searchArchitectures(options: NasSearchOptions): Promise<NasResult> {
  const { task, budget, objectives, fidelity } = options;
  const started = performance.now();
  const seed = options.seed ?? 0;
  const strategyName = options.strategy ?? "nsga2";
  const family = options.family ?? (task.modality === "image" ? "cnn" : "mlp");
  const settings = options.settings ?? TRAINING_DEFAULTS[task.modality];
  const emit = options.onEvent ?? (() => {});
  const brackets = planBrackets(budget, fidelity);
  const space = searchSpaceFor(family, task.inputShape);
  const populationSize = Math.min(20, Math.max(4, brackets[0].size));
  const definition: StudyDefinition = {
    space,
    objectives: objectives.map((name) => ({ name, direction: OBJECTIVES[name].direction })),
    strategy: strategyName,
    seed,
    strategyOptions: strategyName === "nsga2" ? { populationSize } : {},
    metadata: {
      kind: "equipoise-nas",
      task: task.id,
      fingerprint: task.fingerprint,
      family,
      budget,
      fidelity: { mode: fidelity.mode, eta: fidelity.eta, rungs: fidelity.rungs },
      settings,
    },
  };
  const study = await Study.open(options.studyPath ?? ":memory:", definition);
  const worker = newWorkerIdentity();
  const { store } = study;
  await store.registerWorker(worker, { staleAfterMs: STALE_AFTER_MS });
  const leave = () => store.unregisterWorker(worker.id);
  const detach = onTermination(leave);
  const heartbeat = setInterval(() => {
    store.heartbeat(worker.id).catch(() => {});
  }, 5_000);
  heartbeat.unref();
  try {
    emit({
      kind: "note",
      text: `${task.id}: ${budget} architectures, ${describeSchedule(fidelity)}, ${strategyName}`,
    });
    const reference = runArchitecture(task, DEFAULT_ARCHITECTURES[task.modality], {
      seed,
      settings,
      evaluateTest: true,
    });
    emit({
      kind: "note",
      text: `reference ${reference.architecture}: validation worst-group ${reference.validation.worstGroupAccuracy.toFixed(4)}, bias gap ${reference.validation.biasGap.toFixed(4)}, ${reference.cost.parameters} parameters`,
    });
    const strategy = await createStrategy(strategyName, space, {
      ...definition.strategyOptions,
      numObjectives: objectives.length,
      seed,
    });
    const told = new Set<number>();
    const tell = (trials: readonly TrialRecord[]) => {
      const observations: Observation[] = [];
      for (const trial of trials) {
        if (told.has(trial.id) || !trial.objectives) continue;
        told.add(trial.id);
        observations.push({ config: trial.config, objectives: minimised(objectives, trial.objectives) });
      }
      if (observations.length > 0) strategy.tell(observations);
    };
    let done = (await study.trials(["complete", "pruned"])).length;
    let start = 0;
    for (const bracket of brackets) {
      const end = start + bracket.size;
      tell(await study.trials(["complete", "pruned"]));
      const claims = new Map<
        number,
        { id: number; config: Configuration; seed: number; claimedAt: number }
      >();
      for (;;) {
        const pruned = await study.trials(["pruned"]);
        const claim = await store.claimTrial({
          workerId: worker.id,
          budget: end,
          staleAfterMs: STALE_AFTER_MS,
          maxAttempts: Number.MAX_SAFE_INTEGER,
          propose: (view) => {
            tell([...view.complete, ...pruned]);
            const [config] = strategy.ask(
              1,
              view.running.map((t) => t.config),
            );
            return config;
          },
        });
        if (!claim) break;
        if (claim.number < start || claim.number >= end) {
          throw new UserError(
            `study ${study.location}: trial ${claim.number} is unfinished outside the bracket being run; the study was changed by another program`,
          );
        }
        claims.set(claim.number, { ...claim, claimedAt: Date.now() });
      }
      const finished = new Map<number, TrialRecord>();
      for (const trial of await study.trials(["complete", "pruned", "failed"])) {
        if (trial.number >= start && trial.number < end) finished.set(trial.number, trial);
      }
      for (let number = start; number < end; number++) {
        if (!claims.has(number) && !finished.has(number)) {
          throw new UserError(
            `study ${study.location}: trial ${number} is running in another process; run one search per study at a time`,
          );
        }
      }
      const records = new Map<number, TrialMetrics>();
      for (const [number, trial] of finished)
        if (trial.metrics) records.set(number, trial.metrics as unknown as TrialMetrics);
      let participants = Array.from({ length: bracket.size }, (_, k) => start + k).filter(
        (number) => claims.has(number) || records.has(number),
      );
      for (let stage = 0; stage < bracket.stages.length; stage++) {
        const { rung } = bracket.stages[stage];
        const last = stage === bracket.stages.length - 1;
        emit({
          kind: "rung",
          bracket: bracket.index,
          brackets: brackets.length,
          rung,
          trained: participants.length,
          stage,
          stages: bracket.stages.length,
        });
        for (const number of participants) {
          const claim = claims.get(number);
          if (!claim || records.get(number)?.rungs.some((r) => r.rung === rung)) continue;
          const architecture = architectureOf(family, claim.config);
          const run = runArchitecture(task, architecture, {
            seed: claim.seed,
            settings,
            fidelity: fidelity.rungs[rung],
            evaluateTest: last,
          });
          const record: TrialMetrics = records.get(number) ?? {
            architecture: run.architecture,
            hash: run.hash,
            bracket: bracket.index,
            cost: run.cost,
            rungs: [],
          };
          if (objectives.includes("latency") && record.latencyMs === undefined) {
            record.latencyMs = measureLatency(
              run.architecture,
              task.inputShape,
              task.numClasses,
            ).msPerExample;
          }
          const inputs = { validation: run.validation, cost: record.cost, latency: record.latencyMs };
          record.rungs.push({
            rung,
            fidelity: run.fidelity,
            objectives: objectiveValues(objectives, inputs),
            validation: run.validation,
            trainRows: run.trainRows,
            seconds: run.seconds,
          });
          if (run.test) record.test = run.test;
          records.set(number, record);
        }
        const measured = participants.filter((number) =>
          records.get(number)?.rungs.some((r) => r.rung === rung),
        );
        const kept = last
          ? measured
          : promoted(
              measured.map((number) => minimised(objectives, rungOf(records.get(number)!, rung).objectives)),
              bracket.stages[stage + 1].count,
            ).map((k) => measured[k]);
        for (const number of measured) {
          const claim = claims.get(number);
          if (!claim || (kept.includes(number) && !last)) continue;
          const record = records.get(number)!;
          const state = last ? "complete" : "pruned";
          const stored = await store.finishTrial(claim.id, worker.id, {
            state,
            objectives: rungOf(record, rung).objectives,
            metrics: record as unknown as Record<string, unknown>,
            startedAt: claim.claimedAt,
          });
          claims.delete(number);
          if (stored) {
            done++;
            emit({ kind: "trial", done, budget, architecture: record.architecture, state, rung });
          }
        }
        participants = kept;
      }
      start = end;
    }
    const trials = summariseTrials(await study.trials(["complete", "pruned"]));
    const complete = trials.filter((t) => t.state === "complete");
    const front = paretoFront(complete.map((t) => minimised(objectives, t.objectives))).map(
      (k) => complete[k].number,
    );
    const selected = selectAgainstReference(trials, front, objectives, reference);
    const debiasing = options.debiasBaselines
      ? compareWithDebiasing(
          task.kind,
          reference,
          trials.find((t) => t.number === selected?.number),
          DEBIAS_METHODS.filter((method) => method !== "none").map((method) => {
            emit({ kind: "note", text: `reference trained with ${method}` });
            return runArchitecture(task, DEFAULT_ARCHITECTURES[task.modality], {
              seed,
              settings,
              debias: { method },
              evaluateTest: true,
            });
          }),
        )
      : undefined;
    return {
      format: "equipoise-nas-result",
      version: 1,
      task: {
        id: task.id,
        kind: task.kind,
        attribute: task.attribute,
        description: task.description,
        fingerprint: task.fingerprint,
        trainRows: task.train.X.rows,
      },
      objectives: objectives.map((name) => ({
        name,
        direction: OBJECTIVES[name].direction,
        description: OBJECTIVES[name].description,
      })),
      fidelity: { ...fidelity, description: describeSchedule(fidelity), brackets },
      settings,
      budget,
      strategy: strategyName,
      seed,
      study: study.location,
      backend: currentBackend().name,
      reference,
      trials,
      front,
      selected,
      ...(debiasing ? { debiasing } : {}),
      wallSeconds: (performance.now() - started) / 1000,
      notes: [
        "architectures are chosen on the validation split; test figures are reported for the complete trials and never read by the search",
        "training is non-private: nothing here is covered by a differential-privacy guarantee",
      ],
    };
  } finally {
    clearInterval(heartbeat);
    detach();
    await leave();
    await study.close();
  }
}

function rungOf(record: TrialMetrics, rung: number): RungRecord {
  const found = record.rungs.find((r) => r.rung === rung);
  if (!found) throw new Error(`no measurement at rung ${rung}`);
  return found;
}

function summariseTrials(records: readonly TrialRecord[]): NasTrialSummary[] {
  return records.map((trial) => {
    const metrics = trial.metrics as unknown as TrialMetrics;
    const top = metrics.rungs.reduce((a, b) => (b.rung > a.rung ? b : a));
    return {
      number: trial.number,
      state: trial.state as "complete" | "pruned",
      architecture: metrics.architecture,
      hash: metrics.hash,
      bracket: metrics.bracket,
      rung: top.rung,
      seed: trial.seed,
      objectives: trial.objectives ?? top.objectives,
      cost: metrics.cost,
      ...(metrics.latencyMs !== undefined ? { latencyMs: metrics.latencyMs } : {}),
      validation: top.validation,
      ...(metrics.test ? { test: metrics.test } : {}),
      seconds: metrics.rungs.reduce((total, r) => total + r.seconds, 0),
    };
  });
}

/**
 * The front trial with the best first objective among those no larger than the reference
 * (validation only). The reason says when even that trial does not beat the reference on the
 * first objective: a small network that barely learns can have the best worst-group accuracy
 * of the small ones and still be worse than the reference (Colored Fashion-MNIST, BENCHMARKS.md).
 */
export function selectAgainstReference(
  trials: readonly NasTrialSummary[],
  front: readonly number[],
  objectives: readonly ObjectiveName[],
  reference: Pick<ArchitectureRun, "cost" | "validation">,
): NasResult["selected"] {
  const first = objectives[0];
  const sign = OBJECTIVES[first].direction === "maximize" ? -1 : 1;
  const candidates = trials.filter(
    (t) => front.includes(t.number) && t.cost.parameters <= reference.cost.parameters,
  );
  if (candidates.length === 0) return null;
  const best = candidates.reduce((a, b) => (sign * b.objectives[0] < sign * a.objectives[0] ? b : a));
  // Latency is not measured for the reference, so there is nothing to compare it with.
  const referenceValue =
    first === "latency"
      ? Number.NaN
      : objectiveValues([first], { validation: reference.validation, cost: reference.cost })[0];
  const worse = Number.isFinite(referenceValue) && !(sign * best.objectives[0] < sign * referenceValue);
  const format = (value: number) => Number(value.toPrecision(4)).toString();
  return {
    number: best.number,
    reason:
      `the best validation ${first} on the front among architectures with at most the reference's ${reference.cost.parameters} parameters` +
      (worse
        ? `; it does not beat the reference (${format(best.objectives[0])} against the reference's ${format(referenceValue)})`
        : ""),
  };
}
