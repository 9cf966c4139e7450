/**
 * Small dense linear algebra the solvers need beyond src/math's Cholesky: the
 * symmetric eigendecomposition (Kronecker factors of EK-FAC, the projected Hessian of
 * Arnoldi) and vector helpers. Row-major Float64Arrays throughout.
 */

export interface SymmetricEigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Eigenvectors as columns: vectors[i * n + k] is component i of eigenvector k. */
  vectors: Float64Array;
}

/**
 * Cyclic Jacobi rotations (Golub & Van Loan, §8.5) until the off-diagonal mass is below
 * 1e-15 of the total: slower than tridiagonal QR but short, unconditionally stable and
 * accurate to working precision in every eigenvalue, which matters for the small
 * eigenvalues that an inverse amplifies. Meant for n up to a few hundred.
 */
export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += a[i] * a[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * a[p * n + q] * a[p * n + q];
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y] - a[x * n + x]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) vectors[i * n + k] = v[i * n + order[k]];
  return { values, vectors };
}

export function dot(a: Float64Array, b: Float64Array, offsetA = 0, offsetB = 0, length = a.length): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += a[offsetA + i] * b[offsetB + i];
  return sum;
}

/** C = A Bᵀ for row-major A [m × k] and B [n × k]: all pairwise dot products of rows. */
export function multiplyTransposed(
  a: Float64Array,
  b: Float64Array,
  m: number,
  n: number,
  k: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = dot(a, b, i * k, j * k, k);
  }
  return out;
}

/** Σ of squares. */
export function squaredNorm(a: Float64Array, offset = 0, length = a.length): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += a[offset + i] * a[offset + i];
  return sum;
}

/**
 * The explicit p × p Hessian from Hessian-vector products with unit vectors, 32 columns
 * per call (small models only), symmetrised: the products are exact up to rounding.
 * `products(vectors, count)` returns H·v for `count` stacked vectors of length p.
 */
export function hessianFromProducts(
  p: number,
  products: (vectors: Float64Array, count: number) => Float64Array,
): Float64Array {
  const H = new Float64Array(p * p);
  const block = 32;
  for (let start = 0; start < p; start += block) {
    const size = Math.min(block, p - start);
    const units = new Float64Array(size * p);
    for (let k = 0; k < size; k++) units[k * p + start + k] = 1;
    const columns = products(units, size);
    for (let k = 0; k < size; k++) for (let j = 0; j < p; j++) H[j * p + start + k] = columns[k * p + j];
  }
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < i; j++) {
      const mean = 0.5 * (H[i * p + j] + H[j * p + i]);
      H[i * p + j] = mean;
      H[j * p + i] = mean;
    }
  }
  return H;
}
