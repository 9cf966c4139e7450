/**
 * Coherent groups of training rows described by patterns over their features, in the
 * spirit of Gopher (Pradhan et al. 2022): conjunctions of predicates such as
 * "relationship = Husband ∧ hours-per-week > 45" whose rows, removed together, would
 * move a measure (a fairness surrogate) the most. Candidates are single predicates —
 * one per category, and ≤ / > at the deciles of each numeric column — and pairs of
 * predicates on different columns; each is scored by the first-order group influence
 * Σ_{i∈S} I(i) (additive), restricted to a support between a minimum (a group, not a
 * handful of rows) and a maximum (a removal that keeps the data set). The caller
 * refines the best candidates with a Newton step and by retraining.
 */
import type { Examples } from "../data.js";
import { type ColumnDescription, roundForDisplay, roundToScale } from "../features.js";

/**
 * A condition on one column: a category equal to a value, or a number at most / above a threshold.
 *
 * @example
 * ```ts
 * import { describePattern, type Predicate } from "equipoise/explain";
 * const young: Predicate = { column: "age", op: "<=", value: 25 };
 * const renting: Predicate = { column: "housing", op: "=", value: "rent" };
 * describePattern({ predicates: [young, renting] }); // "age ≤ 25 ∧ housing = rent"
 * ```
 */
export type Predicate =
  | { column: string; op: "="; value: string }
  | { column: string; op: "<=" | ">"; value: number };

/**
 * A conjunction of predicates over training rows, with the rows it covers and their summed score.
 *
 * @example
 * ```ts
 * import { describePattern, type ExplainData, type Pattern, searchPatterns } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const scores: Float64Array; // one influence per training row on a gap's surrogate
 * const [best]: Pattern[] = searchPatterns(data.columns, data.train, scores);
 * describePattern(best); // the conditions, in words
 * best.rows.length; // training rows it covers; best.score: their summed influence (most negative first)
 * ```
 */
export interface Pattern {
  /** The conditions, all of which a row meets. */
  predicates: Predicate[];
  /** Training rows matching every predicate, ascending. */
  rows: Int32Array;
  /** Σ of the per-row scores over the rows (first-order group effect). */
  score: number;
}

/**
 * Options of the pattern search over training rows.
 *
 * @example
 * ```ts
 * import { type ExplainData, type PatternSearchOptions, searchPatterns } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const scores: Float64Array; // one influence per training row on a gap's surrogate
 * const options: PatternSearchOptions = { minSupport: 0.005, maxSupport: 0.05, maxPredicates: 1, limit: 20 };
 * const patterns = searchPatterns(data.columns, data.train, scores, options); // single predicates only
 * ```
 */
export interface PatternSearchOptions {
  /** Smallest and largest fraction of the training rows a pattern may cover (default 0.002 and 0.05). */
  minSupport?: number;
  maxSupport?: number;
  /** 1: single predicates; 2: also pairs (default 2). */
  maxPredicates?: 1 | 2;
  /** How many candidates to return, most negative score first (default 50). */
  limit?: number;
}

interface Candidate {
  predicate: Predicate;
  column: string;
  rows: Int32Array;
  score: number;
}

/**
 * A pattern in words, e.g. `age ≤ 25 ∧ housing = rent`.
 *
 * @example
 * ```ts
 * import { describePattern } from "equipoise/explain";
 * describePattern({ predicates: [{ column: "age", op: "<=", value: 25 }, { column: "housing", op: "=", value: "rent" }] });
 * // "age ≤ 25 ∧ housing = rent"
 * ```
 */
export function describePattern(pattern: { predicates: Predicate[] }): string {
  return pattern.predicates
    .map((p) =>
      p.op === "=" ? `${p.column} = ${p.value}` : `${p.column} ${p.op === "<=" ? "≤" : ">"} ${p.value}`,
    )
    .join(" ∧ ");
}

/**
 * The predicates of every column, with their rows and summed scores.
 *
 * @example
 * ```ts
 * import { candidatePredicates, type ExplainData } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const scores: Float64Array; // one influence per training row
 * // every single-column predicate with its rows and summed score
 * const candidates = candidatePredicates(data.columns, data.train, scores);
 * ```
 */
export function candidatePredicates(
  columns: readonly ColumnDescription[],
  train: Examples,
  scores: Float64Array,
): Candidate[] {
  const out: Candidate[] = [];
  const { rows, cols, X } = train;
  const add = (predicate: Predicate, column: string, test: (i: number) => boolean) => {
    const members: number[] = [];
    let score = 0;
    for (let i = 0; i < rows; i++) {
      if (test(i)) {
        members.push(i);
        score += scores[i];
      }
    }
    if (members.length > 0 && members.length < rows)
      out.push({ predicate, column, rows: Int32Array.from(members), score });
  };
  for (const c of columns) {
    if (c.kind === "categorical") {
      c.categories.forEach((category, k) => {
        const f = c.features[k];
        add({ column: c.column, op: "=", value: category }, c.column, (i) => X[i * cols + f] === 1);
      });
      continue;
    }
    const f = c.feature;
    const values = Float64Array.from({ length: rows }, (_, i) => X[i * cols + f]).sort();
    const thresholds = new Set<number>();
    for (let q = 1; q < 10; q++) thresholds.add(values[Math.min(rows - 1, Math.floor((q * rows) / 10))]);
    for (const t of thresholds) {
      const shown = c.kind === "numeric" ? roundToScale(t * c.sd + c.mean, c.sd) : roundForDisplay(t);
      add({ column: c.column, op: "<=", value: shown }, c.column, (i) => X[i * cols + f] <= t);
      add({ column: c.column, op: ">", value: shown }, c.column, (i) => X[i * cols + f] > t);
    }
  }
  return out;
}

/**
 * Patterns with the most negative summed score (largest predicted reduction), within the support bounds.
 *
 * @example
 * ```ts
 * import { type ExplainData, searchPatterns } from "equipoise/explain";
 * declare const data: ExplainData; // explainData(task)
 * declare const scores: Float64Array; // one influence per training row on the gap's surrogate (negative = removing it narrows the gap)
 * const patterns = searchPatterns(data.columns, data.train, scores, { maxPredicates: 2, limit: 10 });
 * // most negative summed score first, e.g. a conjunction like "age < 25 and housing = rent"
 * ```
 */
export function searchPatterns(
  columns: readonly ColumnDescription[],
  train: Examples,
  scores: Float64Array,
  options: PatternSearchOptions = {},
): Pattern[] {
  const n = train.rows;
  const minRows = Math.max(1, Math.ceil((options.minSupport ?? 0.002) * n));
  const maxRows = Math.floor((options.maxSupport ?? 0.05) * n);
  const limit = options.limit ?? 50;
  const singles = candidatePredicates(columns, train, scores).filter((c) => c.rows.length >= minRows);
  const found: Pattern[] = [];
  for (const c of singles) {
    if (c.rows.length <= maxRows) found.push({ predicates: [c.predicate], rows: c.rows, score: c.score });
  }
  if ((options.maxPredicates ?? 2) >= 2) {
    for (let a = 0; a < singles.length; a++) {
      for (let b = a + 1; b < singles.length; b++) {
        if (singles[a].column === singles[b].column) continue;
        const both = intersect(singles[a].rows, singles[b].rows, scores);
        if (both.rows.length < minRows || both.rows.length > maxRows) continue;
        // A pair that selects the same rows as one of its predicates adds only words.
        if (both.rows.length === singles[a].rows.length || both.rows.length === singles[b].rows.length)
          continue;
        found.push({
          predicates: [singles[a].predicate, singles[b].predicate],
          rows: both.rows,
          score: both.score,
        });
      }
    }
  }
  found.sort((x, y) => x.score - y.score || x.predicates.length - y.predicates.length);
  return found.slice(0, limit);
}

function intersect(a: Int32Array, b: Int32Array, scores: Float64Array): { rows: Int32Array; score: number } {
  const out = new Int32Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let k = 0;
  let score = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out[k++] = a[i];
      score += scores[a[i]];
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return { rows: out.slice(0, k), score };
}

/**
 * |A ∩ B| / |A ∪ B| of two ascending row lists.
 *
 * @example
 * ```ts
 * import { jaccard } from "equipoise/explain";
 * jaccard(Int32Array.of(1, 2, 3), Int32Array.of(2, 3, 4)); // 0.5
 * ```
 */
export function jaccard(a: Int32Array, b: Int32Array): number {
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      common++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return common / (a.length + b.length - common);
}
