/**
 * Dense linear algebra for small symmetric positive-definite systems (GP kernels with
 * a few hundred points). Matrices are row-major Float64Arrays of size n·n.
 */

export interface CholeskyFactor {
  /** Lower-triangular L with A + jitter·I = L Lᵀ (row-major, upper triangle zero). */
  L: Float64Array;
  n: number;
  /** Diagonal jitter that had to be added for the factorisation to succeed (0 when none). */
  jitter: number;
}

export interface CholeskyOptions {
  /** First jitter tried, relative to the mean diagonal (default 1e-10). */
  initialRelativeJitter?: number;
  /** Number of jitter increases (×10 each) before giving up (default 8). */
  maxTries?: number;
}

/**
 * Cholesky factorisation with adaptive jitter: tries A itself, then A + εI with ε growing
 * tenfold from 1e-10·mean(diag A), as GPyTorch's psd_safe_cholesky does. Kernel matrices of
 * nearly duplicated points are positive semi-definite only up to rounding, so a plain
 * factorisation would fail exactly when a search converges.
 */
export function cholesky(a: Float64Array, n: number, options: CholeskyOptions = {}): CholeskyFactor {
  if (a.length !== n * n) throw new RangeError(`matrix has ${a.length} entries, expected ${n}×${n}`);
  const L = new Float64Array(n * n);
  if (choleskyInto(a, n, 0, L)) return { L, n, jitter: 0 };
  let meanDiagonal = 0;
  for (let i = 0; i < n; i++) meanDiagonal += Math.abs(a[i * n + i]);
  meanDiagonal = n > 0 ? meanDiagonal / n : 1;
  if (!(meanDiagonal > 0) || !Number.isFinite(meanDiagonal)) meanDiagonal = 1;
  let jitter = (options.initialRelativeJitter ?? 1e-10) * meanDiagonal;
  const maxTries = options.maxTries ?? 8;
  for (let attempt = 0; attempt < maxTries; attempt++) {
    if (choleskyInto(a, n, jitter, L)) return { L, n, jitter };
    jitter *= 10;
  }
  throw new RangeError(`matrix is not positive definite even with jitter ${jitter / 10}`);
}

/** Plain Cholesky–Banachiewicz of A + jitter·I into L; false when a pivot is not positive. */
function choleskyInto(a: Float64Array, n: number, jitter: number, L: Float64Array): boolean {
  L.fill(0);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      let sum = a[rowI + j];
      for (let k = 0; k < j; k++) sum -= L[rowI + k] * L[rowJ + k];
      if (i === j) {
        sum += jitter;
        if (!(sum > 0) || !Number.isFinite(sum)) return false;
        L[rowI + i] = Math.sqrt(sum);
      } else {
        L[rowI + j] = sum / L[rowJ + j];
      }
    }
  }
  return true;
}

/** Solves L x = b for lower-triangular L (forward substitution); writes into `out` (may alias b). */
export function solveLower(
  L: Float64Array,
  n: number,
  b: ArrayLike<number>,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= L[row + k] * out[k];
    out[i] = sum / L[row + i];
  }
  return out;
}

/** Solves Lᵀ x = b for lower-triangular L (back substitution); writes into `out` (may alias b). */
export function solveLowerTransposed(
  L: Float64Array,
  n: number,
  b: ArrayLike<number>,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i];
    for (let k = i + 1; k < n; k++) sum -= L[k * n + i] * out[k];
    out[i] = sum / L[i * n + i];
  }
  return out;
}

/** Solves (L Lᵀ) x = b given the Cholesky factor. */
export function choleskySolve(
  factor: CholeskyFactor,
  b: ArrayLike<number>,
  out: Float64Array = new Float64Array(factor.n),
): Float64Array {
  solveLower(factor.L, factor.n, b, out);
  return solveLowerTransposed(factor.L, factor.n, out, out);
}

/** log det(L Lᵀ) = 2 Σ log Lᵢᵢ. */
export function choleskyLogDeterminant(factor: CholeskyFactor): number {
  const { L, n } = factor;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.log(L[i * n + i]);
  return 2 * sum;
}

/** L⁻¹ (lower triangular, row-major). */
export function invertLower(L: Float64Array, n: number): Float64Array {
  const inverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    // Row i of L⁻¹ = −(Σ_{k<i} L_ik · row k of L⁻¹)/L_ii, accumulated row by row for locality.
    for (let k = 0; k < i; k++) {
      const a = L[row + k];
      if (a === 0) continue;
      const rowK = k * n;
      for (let j = 0; j <= k; j++) inverse[row + j] -= a * inverse[rowK + j];
    }
    const diagonal = L[row + i];
    for (let j = 0; j < i; j++) inverse[row + j] /= diagonal;
    inverse[row + i] = 1 / diagonal;
  }
  return inverse;
}

/** (L Lᵀ)⁻¹ = L⁻ᵀ L⁻¹, symmetric, full row-major. */
export function choleskyInverse(factor: CholeskyFactor): Float64Array {
  const { n } = factor;
  const Linv = invertLower(factor.L, n);
  // Rows of T = (L⁻¹)ᵀ are contiguous, so the inner products below stream through memory.
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k <= i; k++) T[k * n + i] = Linv[i * n + k];
  const inverse = new Float64Array(n * n);
  // (L⁻ᵀ L⁻¹)ᵢⱼ = Σ_k (L⁻¹)ₖᵢ (L⁻¹)ₖⱼ = Σ_{k ≥ max(i, j)} Tᵢₖ Tⱼₖ.
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      let sum = 0;
      for (let k = i; k < n; k++) sum += T[rowI + k] * T[rowJ + k];
      inverse[rowI + j] = sum;
      inverse[j * n + i] = sum;
    }
  }
  return inverse;
}

/** C = A B for row-major A (m×k) and B (k×n). */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      const rowB = p * n;
      const rowC = i * n;
      for (let j = 0; j < n; j++) c[rowC + j] += aip * b[rowB + j];
    }
  }
  return c;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}
