/**
 * The objectives architecture search can trade off, each read from a trained
 * architecture's validation characterisation or its cost, in its natural direction
 * (the study stores them so; promotion and fronts minimise, maximised ones negated).
 */
import { UsageError } from "../common/errors.js";
import type { Direction } from "../search/index.js";
import type { BiasCharacterisation } from "./characterise.js";
import type { ArchitectureCost } from "./cost.js";
import type { NasTask } from "./tasks.js";

export interface ObjectiveInputs {
  validation: BiasCharacterisation;
  cost: ArchitectureCost;
  /** Measured ms per example (only when an objective asks for it). */
  latency?: number;
}

export interface ObjectiveDefinition {
  direction: Direction;
  description: string;
  /** Why this task cannot have it, or null. */
  unavailable(task: Pick<NasTask, "kind" | "numClasses" | "probe">): string | null;
  value(inputs: ObjectiveInputs): number;
}

const always = () => null;

export const OBJECTIVES = {
  "worst-group": {
    direction: "maximize",
    description: "worst-group accuracy over (label × attribute) groups",
    unavailable: always,
    value: (r) => r.validation.worstGroupAccuracy,
  },
  conflicting: {
    direction: "maximize",
    description: "accuracy on bias-conflicting examples",
    unavailable: (task) =>
      task.kind === "biased" ? null : "it needs a biased benchmark (aligned/conflicting examples)",
    value: (r) => r.validation.conflictingAccuracy ?? Number.NaN,
  },
  accuracy: {
    direction: "maximize",
    description: "accuracy",
    unavailable: always,
    value: (r) => r.validation.accuracy,
  },
  bias: {
    direction: "minimize",
    description: "bias gap: largest minus smallest accuracy over the attribute's groups",
    unavailable: always,
    value: (r) => r.validation.biasGap,
  },
  dp: {
    direction: "minimize",
    description: "demographic parity difference on the attribute",
    unavailable: (task) => (task.numClasses === 2 ? null : "it needs a binary target"),
    value: (r) => r.validation.dpDifference ?? Number.NaN,
  },
  eo: {
    direction: "minimize",
    description: "equalized odds difference on the attribute",
    unavailable: (task) => (task.numClasses === 2 ? null : "it needs a binary target"),
    value: (r) => r.validation.eoDifference ?? Number.NaN,
  },
  flip: {
    direction: "minimize",
    description: "shortcut probe: share of predictions changed by swapping the attribute alone",
    unavailable: (task) => (task.probe.kind === "none" ? task.probe.reason : null),
    value: (r) => r.validation.flipRate ?? Number.NaN,
  },
  params: {
    direction: "minimize",
    description: "number of parameters",
    unavailable: always,
    value: (r) => r.cost.parameters,
  },
  flops: {
    direction: "minimize",
    description: "FLOPs of one example's forward pass",
    unavailable: always,
    value: (r) => r.cost.flops,
  },
  latency: {
    direction: "minimize",
    description: "measured forward latency per example (ms, this machine)",
    unavailable: always,
    value: (r) => r.latency ?? Number.NaN,
  },
} as const satisfies Record<string, ObjectiveDefinition>;

/**
 * One of {@link OBJECTIVE_NAMES}.
 *
 * @example
 * ```ts
 * import { type ObjectiveName, loadNasTask, parseObjectives } from "equipoise/nas";
 * const task = await loadNasTask("adult:sex");
 * const objectives: ObjectiveName[] = ["worst-group", "eo", "flops"]; // or parseObjectives("worst-group,eo,flops", task)
 * parseObjectives("conflicting", task); // throws a UsageError: "conflicting" needs a biased benchmark
 * ```
 */
export type ObjectiveName = keyof typeof OBJECTIVES;
/**
 * Every objective an architecture search can use (`worst-group`, `bias`, `params`, ...).
 *
 * @example
 * ```ts
 * import { OBJECTIVE_NAMES } from "equipoise/nas";
 * OBJECTIVE_NAMES; // ["worst-group", "conflicting", "accuracy", "bias", "dp", "eo", "flip", "params", "flops", "latency"]
 * ```
 */
export const OBJECTIVE_NAMES = Object.keys(OBJECTIVES) as ObjectiveName[];
/**
 * The objectives of `equipoise nas` when none are given: worst-group accuracy, bias gap, parameters.
 *
 * @example
 * ```ts
 * import { DEFAULT_OBJECTIVES } from "equipoise/nas";
 * DEFAULT_OBJECTIVES; // ["worst-group", "bias", "params"]: what `equipoise nas` trades off without --objectives
 * ```
 */
export const DEFAULT_OBJECTIVES: ObjectiveName[] = ["worst-group", "bias", "params"];

/**
 * Parses a comma-separated objective list (the `--objectives` option) for a task.
 *
 * @throws `UsageError` when the list is empty, names an unknown objective twice or one the task cannot have
 * (e.g. `conflicting` on a fairness task).
 * @example
 * ```ts
 * import { loadNasTask, parseObjectives } from "equipoise/nas";
 * const task = await loadNasTask("german-credit:sex");
 * const objectives = parseObjectives("worst-group,bias,params", task);
 * ```
 */
export function parseObjectives(
  text: string,
  task: Pick<NasTask, "kind" | "numClasses" | "probe" | "id">,
): ObjectiveName[] {
  const names = text
    .split(",")
    .map((word) => word.trim())
    .filter((word) => word !== "");
  if (names.length === 0)
    throw new UsageError(`--objectives needs at least one of ${OBJECTIVE_NAMES.join(", ")}`);
  const seen = new Set<string>();
  for (const name of names) {
    if (!(name in OBJECTIVES)) {
      throw new UsageError(
        `--objectives: unknown objective '${name}' (known: ${OBJECTIVE_NAMES.join(", ")})`,
      );
    }
    if (seen.has(name)) throw new UsageError(`--objectives: '${name}' is listed twice`);
    seen.add(name);
    const problem = OBJECTIVES[name as ObjectiveName].unavailable(task);
    if (problem) throw new UsageError(`--objectives: '${name}' does not apply to ${task.id}: ${problem}`);
  }
  return names as ObjectiveName[];
}

export function objectiveValues(names: readonly ObjectiveName[], inputs: ObjectiveInputs): number[] {
  return names.map((name) => OBJECTIVES[name].value(inputs));
}

/** Every objective as a quantity to minimise. */
export function minimised(names: readonly ObjectiveName[], values: readonly number[]): number[] {
  return values.map((v, k) => (OBJECTIVES[names[k]].direction === "maximize" ? -v : v));
}
