/**
 * A study's definition as every store keeps it, and the check made when a study is
 * reopened: pure functions shared by all stores, so that SQLite and PostgreSQL
 * refuse the same mismatches with the same words.
 */
import { UserError } from "../../common/errors.js";
import { createRandom } from "../../common/rng.js";
import { SearchSpace } from "../space.js";
import type { StoredDefinition, StudyDefinition } from "./types.js";

/**
 * Validates a definition and returns it as stored: plain JSON, every optional part present.
 *
 * @example
 * ```ts
 * import { normalizeDefinition, zdt1 } from "equipoise/search";
 * const stored = normalizeDefinition({
 *   space: zdt1(4).space,
 *   objectives: [{ name: "f1", direction: "minimize" }, { name: "f2", direction: "minimize" }],
 *   strategy: "random",
 *   seed: 0,
 * }); // the space as JSON; constraints [], strategyOptions and metadata filled in
 * ```
 */
export function normalizeDefinition(definition: StudyDefinition): StoredDefinition {
  const space =
    definition.space instanceof SearchSpace ? definition.space : SearchSpace.fromJSON(definition.space);
  if (definition.objectives.length === 0) throw new UserError("a study needs at least one objective");
  const names = new Set<string>();
  for (const objective of definition.objectives) {
    if (objective.direction !== "minimize" && objective.direction !== "maximize") {
      throw new UserError(
        `objective '${objective.name}': direction must be minimize or maximize, got '${objective.direction}'`,
      );
    }
    if (names.has(objective.name)) throw new UserError(`objective '${objective.name}' is listed twice`);
    names.add(objective.name);
  }
  if (!Number.isInteger(definition.seed))
    throw new UserError(`study seed must be an integer, got ${definition.seed}`);
  if (typeof definition.strategy !== "string" || definition.strategy.length === 0)
    throw new UserError("a study needs a strategy name");
  // JSON round trip: what is compared on reopening is exactly what was stored.
  return JSON.parse(
    JSON.stringify({
      space: space.toJSON(),
      objectives: definition.objectives,
      constraints: definition.constraints ?? [],
      strategy: definition.strategy,
      seed: definition.seed,
      strategyOptions: definition.strategyOptions ?? {},
      metadata: definition.metadata ?? {},
    }),
  );
}

const definitionKeys = [
  "space",
  "objectives",
  "constraints",
  "strategy",
  "seed",
  "strategyOptions",
  "metadata",
] as const;

/**
 * Throws a UserError naming the first difference between the stored and the asked definition.
 *
 * @example
 * ```ts
 * import { checkSameDefinition, type StoredDefinition } from "equipoise/search";
 * declare const stored: StoredDefinition; // normalizeDefinition(...) of the study's definition, seed 0
 * checkSameDefinition(stored, { ...stored, seed: 1 }, "zdt.db");
 * // throws a UserError: "study zdt.db was created with a different seed: seed is 0 in the study, 1 asked"
 * ```
 */
export function checkSameDefinition(
  stored: StoredDefinition,
  asked: StoredDefinition,
  location: string,
): void {
  for (const key of definitionKeys) {
    const difference = firstDifference(stored[key], asked[key], key);
    if (difference) {
      throw new UserError(
        `study ${location} was created with a different ${describeKey(key)}: ${difference}`,
      );
    }
  }
}

function describeKey(key: keyof StoredDefinition): string {
  return { space: "search space", strategyOptions: "strategy settings" }[key as string] ?? key;
}

/**
 * The first place where two JSON values differ, as "path: stored X, asked Y"; null when equal.
 *
 * @example
 * ```ts
 * import { firstDifference } from "equipoise/search";
 * firstDifference({ a: { b: 1 } }, { a: { b: 2 } }, "definition"); // "definition.a.b is 1 in the study, 2 asked"
 * ```
 */
export function firstDifference(stored: unknown, asked: unknown, path: string): string | null {
  if (Array.isArray(stored) && Array.isArray(asked)) {
    for (let i = 0; i < Math.min(stored.length, asked.length); i++) {
      const d = firstDifference(stored[i], asked[i], `${path}[${i}]`);
      if (d) return d;
    }
    if (stored.length !== asked.length)
      return `${path} has ${stored.length} entries in the study, ${asked.length} asked`;
    return null;
  }
  if (isObject(stored) && isObject(asked)) {
    const keys = [...new Set([...Object.keys(stored), ...Object.keys(asked)])].sort();
    for (const key of keys) {
      const d = firstDifference(stored[key], asked[key], `${path}.${key}`);
      if (d) return d;
    }
    return null;
  }
  if (stored === asked) return null;
  return `${path} is ${show(stored)} in the study, ${show(asked)} asked`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? "absent" : JSON.stringify(value);
}

/**
 * The seed a trial's evaluation uses: a function of the study seed and the trial number only.
 *
 * @example
 * ```ts
 * import { trialSeed } from "equipoise/search";
 * const seed = trialSeed(42, 7); // trial 7 of a study seeded 42: the same on every worker and every rerun
 * ```
 */
export function trialSeed(studySeed: number, number: number): number {
  const random = createRandom((studySeed ^ Math.imul(number + 1, 0x9e3779b9)) >>> 0);
  return random.uint32() >>> 1; // non-negative 31-bit: safe for every consumer of a seed
}
