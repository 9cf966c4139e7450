/**
 * Small dense linear programs, solved by the two-phase simplex method with Bland's
 * rule (no cycling). Sized for the LP step of exponentiated gradient: a few dozen
 * variables and constraints.
 *
 *   minimise c·x  subject to  A_ub x ≤ b_ub,  A_eq x = b_eq,  x_j ≥ 0 (or free).
 */

/**
 * A linear program: minimise c·x subject to A_ub x ≤ b_ub, A_eq x = b_eq, x ≥ 0 (or free).
 *
 * @example
 * ```ts
 * import { type LinearProgram, solveLinearProgram } from "equipoise/fairness";
 * // minimise x − y subject to x + y = 1, y ≤ 0.7, x, y ≥ 0
 * const lp: LinearProgram = { c: [1, -1], aEqual: [[1, 1]], bEqual: [1], aUpper: [[0, 1]], bUpper: [0.7] };
 * solveLinearProgram(lp).x; // ≈ [0.3, 0.7]
 * ```
 */
export interface LinearProgram {
  c: number[];
  aUpper?: number[][];
  bUpper?: number[];
  aEqual?: number[][];
  bEqual?: number[];
  /** free[j]: variable j is unbounded below (default: all variables ≥ 0). */
  free?: boolean[];
}

/**
 * The solution of a {@link LinearProgram}, or why there is none.
 *
 * @example
 * ```ts
 * import { type LinearProgramResult, solveLinearProgram } from "equipoise/fairness";
 * const result: LinearProgramResult = solveLinearProgram({ c: [-1], aUpper: [[1]], bUpper: [2] });
 * result.status; // "optimal"
 * result.value; // -2, at result.x = [2]; "unbounded" without the constraint
 * ```
 */
export interface LinearProgramResult {
  status: "optimal" | "infeasible" | "unbounded";
  x: Float64Array;
  value: number;
}

const TOLERANCE = 1e-10;

/**
 * Solves a small linear program by the two-phase simplex method (Bland's rule); used by the
 * reductions' LP step.
 *
 * @example
 * ```ts
 * import { fairness } from "equipoise";
 * // maximise x + y subject to x + 2y ≤ 4, 3x + y ≤ 6, x, y ≥ 0
 * const result = fairness.solveLinearProgram({ c: [-1, -1], aUpper: [[1, 2], [3, 1]], bUpper: [4, 6] });
 * // { status: "optimal", x: [1.6, 1.2], value: −2.8 }
 * ```
 */
export function solveLinearProgram(lp: LinearProgram): LinearProgramResult {
  const n = lp.c.length;
  const free = lp.free ?? new Array(n).fill(false);
  // Column of each original variable's positive part, and of its negative part when free.
  const negativeColumn: number[] = [];
  let columns = n;
  for (let j = 0; j < n; j++) negativeColumn.push(free[j] ? columns++ : -1);
  const upperRows = lp.aUpper?.length ?? 0;
  const equalRows = lp.aEqual?.length ?? 0;
  const m = upperRows + equalRows;
  const slackStart = columns;
  const artificialStart = slackStart + upperRows;
  const width = artificialStart + m; // every row gets an artificial; unused ones stay at 0 and non-basic
  const table: Float64Array[] = [];
  const rhs = new Float64Array(m);
  const basis = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    const row = new Float64Array(width);
    const isUpper = r < upperRows;
    const coefficients = isUpper ? lp.aUpper![r] : lp.aEqual![r - upperRows];
    let b = isUpper ? lp.bUpper![r] : lp.bEqual![r - upperRows];
    for (let j = 0; j < n; j++) {
      row[j] = coefficients[j];
      if (negativeColumn[j] >= 0) row[negativeColumn[j]] = -coefficients[j];
    }
    if (isUpper) row[slackStart + r] = 1;
    if (b < 0) {
      for (let j = 0; j < width; j++) row[j] = -row[j];
      b = -b;
    }
    row[artificialStart + r] = 1;
    basis[r] = artificialStart + r;
    table.push(row);
    rhs[r] = b;
  }
  // Phase I: minimise the sum of artificials.
  const phaseOne = new Float64Array(width);
  for (let r = 0; r < m; r++) phaseOne[artificialStart + r] = 1;
  runSimplex(table, rhs, basis, phaseOne, width);
  let infeasibility = 0;
  for (let r = 0; r < m; r++) if (basis[r] >= artificialStart) infeasibility += rhs[r];
  if (infeasibility > 1e-8) return { status: "infeasible", x: new Float64Array(n), value: Number.NaN };
  // Drive artificials out of the basis (degenerate rows), so phase II never raises them.
  for (let r = 0; r < m; r++) {
    if (basis[r] < artificialStart) continue;
    let entering = -1;
    for (let j = 0; j < artificialStart; j++)
      if (Math.abs(table[r][j]) > 1e-9) {
        entering = j;
        break;
      }
    if (entering >= 0) pivot(table, rhs, basis, r, entering);
  }
  const cost = new Float64Array(width);
  for (let j = 0; j < n; j++) {
    cost[j] = lp.c[j];
    if (negativeColumn[j] >= 0) cost[negativeColumn[j]] = -lp.c[j];
  }
  const bounded = runSimplex(table, rhs, basis, cost, artificialStart);
  const values = new Float64Array(width);
  for (let r = 0; r < m; r++) values[basis[r]] = rhs[r];
  const x = new Float64Array(n);
  let value = 0;
  for (let j = 0; j < n; j++) {
    x[j] = values[j] - (negativeColumn[j] >= 0 ? values[negativeColumn[j]] : 0);
    value += lp.c[j] * x[j];
  }
  return { status: bounded ? "optimal" : "unbounded", x, value };
}

function pivot(
  table: Float64Array[],
  rhs: Float64Array,
  basis: Int32Array,
  row: number,
  column: number,
): void {
  const pivotRow = table[row];
  const scale = 1 / pivotRow[column];
  for (let j = 0; j < pivotRow.length; j++) pivotRow[j] *= scale;
  rhs[row] *= scale;
  for (let r = 0; r < table.length; r++) {
    if (r === row) continue;
    const factor = table[r][column];
    if (factor === 0) continue;
    const target = table[r];
    for (let j = 0; j < target.length; j++) target[j] -= factor * pivotRow[j];
    rhs[r] -= factor * rhs[row];
  }
  basis[row] = column;
}

/** Minimises cost·x over columns < `allowed` entering; returns false when unbounded. */
function runSimplex(
  table: Float64Array[],
  rhs: Float64Array,
  basis: Int32Array,
  cost: Float64Array,
  allowed: number,
): boolean {
  const m = table.length;
  for (let iteration = 0; iteration < 50_000; iteration++) {
    // Bland's rule: the lowest-index column with a negative reduced cost enters.
    let entering = -1;
    for (let j = 0; j < allowed; j++) {
      let reduced = cost[j];
      for (let r = 0; r < m; r++) reduced -= cost[basis[r]] * table[r][j];
      if (reduced < -TOLERANCE) {
        entering = j;
        break;
      }
    }
    if (entering < 0) return true;
    let leaving = -1;
    let bestRatio = Number.POSITIVE_INFINITY;
    for (let r = 0; r < m; r++) {
      const a = table[r][entering];
      if (a > TOLERANCE) {
        const ratio = rhs[r] / a;
        if (
          ratio < bestRatio - 1e-12 ||
          (Math.abs(ratio - bestRatio) <= 1e-12 && basis[r] < basis[leaving])
        ) {
          bestRatio = ratio;
          leaving = r;
        }
      }
    }
    if (leaving < 0) return false;
    pivot(table, rhs, basis, leaving, entering);
  }
  throw new Error("simplex did not terminate");
}
