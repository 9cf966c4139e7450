/**
 * Multi-fidelity schedules: successive halving (Jamieson & Talwalkar 2016) and
 * Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar, JMLR 2018) on a
 * resource counted in epochs over the full training set, spent as data fraction
 * below one epoch and as epochs above it.
 *
 * With K rungs, reduction factor η and R epochs at the top, rung r trains for
 * R·η^(r−K+1) epoch-equivalents: e.g. R = 9, η = 3, K = 3 gives 1, 3, 9 epochs;
 * R = 3 gives a third of the rows for one epoch, then 1 and 3 epochs. Hyperband's
 * bracket s (s = K−1 … 0) starts n_s = ⌈K/(s+1)·η^s⌉ architectures at rung K−1−s
 * and keeps the best ⌊n/η^i⌋ after i promotions; brackets repeat in that order
 * until the budget (a number of architectures) is spent. A last bracket that
 * cannot be filled runs with what is left if that still promotes one architecture
 * to the top (n ≥ η^s), else as the next smaller bracket.
 */
import { UsageError } from "../common/errors.js";
import type { Fidelity } from "./train.js";

/**
 * Multi-fidelity schedules of the search: Hyperband, successive halving, or full fidelity only.
 *
 * @example
 * ```ts
 * import { FIDELITY_MODES, scheduleFor } from "equipoise/nas";
 * FIDELITY_MODES; // ["hyperband", "sh", "none"]: Hyperband, successive halving, full fidelity only
 * const schedules = FIDELITY_MODES.map((mode) => scheduleFor(mode, 9, 3, 3));
 * ```
 */
export const FIDELITY_MODES = ["hyperband", "sh", "none"] as const;
export type FidelityMode = (typeof FIDELITY_MODES)[number];

/**
 * How much training each rung of successive halving gives: the mode, η and the rungs' fidelities.
 *
 * @example
 * ```ts
 * import { type FidelitySchedule, minimumBudget, planBrackets, scheduleFor } from "equipoise/nas";
 * const schedule: FidelitySchedule = scheduleFor("hyperband", 9, 3, 3);
 * schedule.rungs; // 1, 3 and 9 epochs on all the rows
 * minimumBudget(schedule); // 17: brackets of 9, 5 and 3 architectures
 * planBrackets(17, schedule).map((b) => b.size); // [9, 5, 3]
 * ```
 */
export interface FidelitySchedule {
  mode: FidelityMode;
  eta: number;
  /** Increasing; the last is the full fidelity. */
  rungs: Fidelity[];
}

export interface Bracket {
  /** 0, 1, ... in run order. */
  index: number;
  /** Promotions in this bracket (Hyperband's s). */
  promotions: number;
  /** Architectures started. */
  size: number;
  /** The rung (index into the schedule's rungs) each stage trains at, and how many it trains. */
  stages: { rung: number; count: number }[];
}

/** K rungs from R·η^(1−K) to R epoch-equivalents. */
export function rungsFor(maxEpochs: number, eta: number, count: number): Fidelity[] {
  if (!(Number.isInteger(maxEpochs) && maxEpochs >= 1))
    throw new UsageError(`--max-epochs must be a whole number ≥ 1, got ${maxEpochs}`);
  if (!(Number.isInteger(eta) && eta >= 2))
    throw new UsageError(`--eta must be a whole number ≥ 2, got ${eta}`);
  if (!(Number.isInteger(count) && count >= 1))
    throw new UsageError(`--rungs must be a whole number ≥ 1, got ${count}`);
  return Array.from({ length: count }, (_, r) => {
    const budget = maxEpochs * eta ** (r - count + 1);
    return budget >= 1 ? { epochs: Math.round(budget), fraction: 1 } : { epochs: 1, fraction: budget };
  });
}

/**
 * The rungs of a schedule: fractions of the training rows below one epoch, then epochs up to
 * `maxEpochs`, growing by η (one rung at full fidelity for "none").
 *
 * @example
 * ```ts
 * import { scheduleFor } from "equipoise/nas";
 * const schedule = scheduleFor("hyperband", 27, 3, 4); // rungs at 1, 3, 9 and 27 epochs, η = 3
 * ```
 */
export function scheduleFor(
  mode: FidelityMode,
  maxEpochs: number,
  eta: number,
  rungs: number,
): FidelitySchedule {
  return {
    mode,
    eta,
    rungs: mode === "none" ? [{ epochs: maxEpochs, fraction: 1 }] : rungsFor(maxEpochs, eta, rungs),
  };
}

function bracketOf(index: number, size: number, promotions: number, eta: number, rungs: number): Bracket {
  const stages = Array.from({ length: promotions + 1 }, (_, i) => ({
    rung: rungs - 1 - promotions + i,
    count: Math.max(1, Math.floor(size / eta ** i)),
  }));
  return { index, promotions, size, stages };
}

/** Hyperband's bracket sizes, s = K−1 … 0 (successive halving: the first only). */
function cycle(schedule: FidelitySchedule): { promotions: number; size: number }[] {
  const top = schedule.rungs.length - 1;
  if (schedule.mode === "none") return [{ promotions: 0, size: 1 }];
  const all = Array.from({ length: top + 1 }, (_, k) => {
    const s = top - k;
    return { promotions: s, size: Math.ceil(((top + 1) / (s + 1)) * schedule.eta ** s) };
  });
  return schedule.mode === "sh" ? [all[0]] : all;
}

/**
 * The fewest architectures a schedule needs: one full cycle of its brackets.
 *
 * @example
 * ```ts
 * import { minimumBudget, scheduleFor } from "equipoise/nas";
 * minimumBudget(scheduleFor("hyperband", 27, 3, 4)); // 49 architectures: one Hyperband iteration
 * ```
 */
export function minimumBudget(schedule: FidelitySchedule): number {
  return cycle(schedule).reduce((total, bracket) => total + bracket.size, 0);
}

/**
 * A schedule in words, for messages and reports.
 *
 * @example
 * ```ts
 * import { describeSchedule, scheduleFor } from "equipoise/nas";
 * describeSchedule(scheduleFor("hyperband", 27, 3, 4));
 * // "hyperband (η=3, rungs: 1 epoch, 3 epochs, 9 epochs, 27 epochs)"
 * ```
 */
export function describeSchedule(schedule: FidelitySchedule): string {
  const rungs = schedule.rungs
    .map((r) =>
      r.fraction < 1
        ? `${Number(r.fraction.toFixed(3))} of the rows for ${r.epochs} epoch`
        : `${r.epochs} epoch${r.epochs === 1 ? "" : "s"}`,
    )
    .join(", ");
  return schedule.mode === "none"
    ? `every architecture for ${rungs}`
    : `${schedule.mode} (η=${schedule.eta}, rungs: ${rungs})`;
}

/**
 * The brackets that spend `budget` architectures under a schedule; a UsageError naming the smallest
 * budget that works when it is too small for one iteration.
 *
 * @example
 * ```ts
 * import { planBrackets, scheduleFor } from "equipoise/nas";
 * const schedule = scheduleFor("hyperband", 27, 3, 4);
 * planBrackets(49, schedule).length; // 4 brackets
 * planBrackets(5, schedule); // throws a UsageError: "--budget 5 is too small … give --budget ≥ 49, or --fidelity none"
 * ```
 */
export function planBrackets(budget: number, schedule: FidelitySchedule): Bracket[] {
  const needed = minimumBudget(schedule);
  if (budget < needed) {
    throw new UsageError(
      `--budget ${budget} is too small for --fidelity ${schedule.mode} (${describeSchedule(schedule)}): one ${schedule.mode === "sh" ? "successive-halving bracket" : "Hyperband iteration"} trains ${needed} architectures; give --budget ≥ ${needed}, or --fidelity none`,
    );
  }
  const sizes = cycle(schedule);
  const rungs = schedule.rungs.length;
  const brackets: Bracket[] = [];
  let left = budget;
  for (let k = 0; left > 0; k++) {
    let { promotions, size } = sizes[k % sizes.length];
    if (schedule.mode === "none") size = left;
    if (size > left) {
      while (promotions > 0 && schedule.eta ** promotions > left) promotions--;
      size = left;
    }
    brackets.push(bracketOf(brackets.length, size, promotions, schedule.eta, rungs));
    left -= size;
  }
  return brackets;
}
