/**
 * K-FAC (Martens & Grosse 2015) and EK-FAC (George et al. 2018; used for influence by
 * Grosse et al. 2023) approximations of the inverse Gauss–Newton matrix, layer by
 * layer. For a dense layer with inputs ā (a trailing 1 for the bias) and
 * pre-activation gradients δ, a per-example gradient is ā ⊗ δ, and
 *   K-FAC:  Σᵢ wᵢ (āᵢāᵢᵀ) ⊗ (δᵢδᵢᵀ) ≈ (A ⊗ G) / W,  A = Σ wᵢ āᵢāᵢᵀ, G = Σ wᵢ δᵢδᵢᵀ, W = Σ wᵢ;
 *   EK-FAC: the same eigenbasis Q_A ⊗ Q_G, with the diagonal in that basis refitted
 *           exactly: Λ_ab = Σᵢ wᵢ (Q_Aᵀāᵢ)_a² (Q_Gᵀδᵢ)_b².
 * The regulariser's diagonal is projected into the same basis and the damping added;
 * blocks between layers are ignored (block-diagonal approximation).
 */
import { symmetricEigen } from "../linalg.js";
import type { ExplainableModel, KroneckerLayer } from "../model.js";

/**
 * An approximate inverse of the damped Hessian from per-layer Kronecker factors (K-FAC or EK-FAC).
 *
 * @example
 * ```ts
 * import { type ExplainableModel, type KroneckerPreconditioner, kroneckerPreconditioner } from "equipoise/explain";
 * declare const mlp: ExplainableModel; // a layered model, e.g. fitMlp(...).model
 * const inverse: KroneckerPreconditioner = kroneckerPreconditioner(mlp, true, 1e-3); // EK-FAC, λ = 1e-3
 * const out = new Float64Array(mlp.parameterCount);
 * inverse.apply(mlp.objectiveGradient(), out); // out ≈ (H + λI)⁻¹ ∇F
 * inverse.warnings; // e.g. near-singular factors
 * ```
 */
export interface KroneckerPreconditioner {
  /** out = (approximate H + λI)⁻¹ v. */
  apply(v: Float64Array, out: Float64Array): void;
  /** What the approximation could not do well (e.g. near-singular factors). */
  warnings: string[];
}

interface LayerFactors {
  layer: KroneckerLayer;
  inputBasis: Float64Array;
  outputBasis: Float64Array;
  /** [(inputs + 1) × outputs] eigenvalues of the damped, regularised block. */
  eigenvalues: Float64Array;
}

const CHUNK = 1024;

/**
 * Builds the K-FAC (Martens & Grosse 2015) or, with `eigenCorrected`, the EK-FAC (George et al. 2018)
 * approximation of (H + λI)⁻¹ for a model that exposes its Kronecker layers (an MLP).
 *
 * @example
 * ```ts
 * import { kroneckerPreconditioner, type MlpModel } from "equipoise/explain";
 * declare const mlp: MlpModel; // e.g. from fitMlp
 * declare const gradient: Float64Array; // a vector over its parameters, e.g. mlp.objectiveGradient()
 * const inverse = kroneckerPreconditioner(mlp, true, 1e-3);
 * const out = new Float64Array(mlp.parameterCount);
 * inverse.apply(gradient, out);
 * ```
 */
export function kroneckerPreconditioner(
  model: ExplainableModel,
  eigenCorrected: boolean,
  damping: number,
): KroneckerPreconditioner {
  const layers = model.kroneckerLayers!;
  const n = model.train.rows;
  const weights = model.weights;
  const chunks: Int32Array[] = [];
  for (let start = 0; start < n; start += CHUNK) {
    chunks.push(Int32Array.from({ length: Math.min(CHUNK, n - start) }, (_, i) => start + i));
  }
  const covariances = layers.map((layer) => ({
    A: new Float64Array((layer.inputs + 1) ** 2),
    G: new Float64Array(layer.outputs ** 2),
  }));
  let totalWeight = 0;
  for (let i = 0; i < n; i++) totalWeight += weights[i];
  for (const rows of chunks) {
    const statistics = model.kroneckerStatistics!(rows);
    statistics.forEach((s, l) => {
      const din = s.layer.inputs + 1;
      const dout = s.layer.outputs;
      const { A, G } = covariances[l];
      for (let r = 0; r < rows.length; r++) {
        const w = weights[rows[r]];
        if (w === 0) continue;
        addOuter(A, s.inputs, r * din, din, w);
        for (let c = 0; c < s.pseudoLabels; c++)
          addOuter(G, s.gradients, (r * s.pseudoLabels + c) * dout, dout, w);
      }
    });
  }
  const regulariser = model.regulariserDiagonal();
  const warnings: string[] = [];
  const factors: LayerFactors[] = layers.map((layer, l) => {
    const din = layer.inputs + 1;
    const dout = layer.outputs;
    const a = symmetricEigen(covariances[l].A, din);
    const g = symmetricEigen(covariances[l].G, dout);
    const eigenvalues = new Float64Array(din * dout);
    if (!eigenCorrected) {
      for (let i = 0; i < din; i++) {
        for (let j = 0; j < dout; j++)
          eigenvalues[i * dout + j] = (Math.max(a.values[i], 0) * Math.max(g.values[j], 0)) / totalWeight;
      }
    }
    return { layer, inputBasis: a.vectors, outputBasis: g.vectors, eigenvalues };
  });
  if (eigenCorrected) {
    for (const rows of chunks) {
      const statistics = model.kroneckerStatistics!(rows);
      statistics.forEach((s, l) => {
        const f = factors[l];
        const din = s.layer.inputs + 1;
        const dout = s.layer.outputs;
        const projectedInput = new Float64Array(din);
        const projectedGradient = new Float64Array(dout);
        for (let r = 0; r < rows.length; r++) {
          const w = weights[rows[r]];
          if (w === 0) continue;
          projectTransposed(f.inputBasis, din, s.inputs, r * din, projectedInput);
          const gradientSquares = new Float64Array(dout);
          for (let c = 0; c < s.pseudoLabels; c++) {
            projectTransposed(
              f.outputBasis,
              dout,
              s.gradients,
              (r * s.pseudoLabels + c) * dout,
              projectedGradient,
            );
            for (let j = 0; j < dout; j++) gradientSquares[j] += projectedGradient[j] ** 2;
          }
          for (let i = 0; i < din; i++) {
            const ai = w * projectedInput[i] ** 2;
            if (ai === 0) continue;
            const row = i * dout;
            for (let j = 0; j < dout; j++) f.eigenvalues[row + j] += ai * gradientSquares[j];
          }
        }
      });
    }
  }
  let nonPositive = 0;
  for (const f of factors) {
    const din = f.layer.inputs + 1;
    const dout = f.layer.outputs;
    // The regulariser's diagonal per input row (kernel rows, then the bias row), in the input eigenbasis.
    const inputRegulariser = new Float64Array(din);
    for (let i = 0; i < din; i++) inputRegulariser[i] = regulariser[f.layer.offset + i * dout];
    for (let a = 0; a < din; a++) {
      let projected = 0;
      for (let i = 0; i < din; i++) projected += f.inputBasis[i * din + a] ** 2 * inputRegulariser[i];
      for (let b = 0; b < dout; b++) {
        const value = f.eigenvalues[a * dout + b] + projected + damping;
        if (!(value > 0)) nonPositive++;
        f.eigenvalues[a * dout + b] = value > 0 ? value : Number.POSITIVE_INFINITY;
      }
    }
  }
  if (nonPositive > 0) {
    warnings.push(
      `${nonPositive} directions of the Kronecker approximation have no curvature (no data, no regulariser): they were left out; add --damping`,
    );
  }
  const covered = new Uint8Array(model.parameterCount);
  for (const layer of layers)
    covered.fill(1, layer.offset, layer.offset + (layer.inputs + 1) * layer.outputs);
  return {
    warnings,
    apply(v, out) {
      for (let j = 0; j < v.length; j++) {
        if (!covered[j]) out[j] = v[j] / (regulariser[j] + damping || Number.POSITIVE_INFINITY);
      }
      for (const f of factors) applyLayer(f, v, out);
    },
  };
}

/** out_block = Q_A [(Q_Aᵀ V Q_G) ⊘ Λ] Q_Gᵀ for the layer's block V. */
function applyLayer(f: LayerFactors, v: Float64Array, out: Float64Array): void {
  const din = f.layer.inputs + 1;
  const dout = f.layer.outputs;
  const offset = f.layer.offset;
  const QA = f.inputBasis;
  const QG = f.outputBasis;
  // T = Q_Aᵀ V   [din × dout]
  const T = new Float64Array(din * dout);
  for (let i = 0; i < din; i++) {
    const row = offset + i * dout;
    for (let a = 0; a < din; a++) {
      const q = QA[i * din + a];
      if (q === 0) continue;
      for (let j = 0; j < dout; j++) T[a * dout + j] += q * v[row + j];
    }
  }
  // U = T Q_G ⊘ Λ
  const U = new Float64Array(din * dout);
  for (let a = 0; a < din; a++) {
    for (let j = 0; j < dout; j++) {
      const t = T[a * dout + j];
      if (t === 0) continue;
      for (let b = 0; b < dout; b++) U[a * dout + b] += t * QG[j * dout + b];
    }
    for (let b = 0; b < dout; b++) U[a * dout + b] /= f.eigenvalues[a * dout + b];
  }
  // W = U Q_Gᵀ, then out = Q_A W
  const W = new Float64Array(din * dout);
  for (let a = 0; a < din; a++) {
    for (let b = 0; b < dout; b++) {
      const u = U[a * dout + b];
      if (u === 0) continue;
      for (let j = 0; j < dout; j++) W[a * dout + j] += u * QG[j * dout + b];
    }
  }
  for (let i = 0; i < din; i++) {
    const row = offset + i * dout;
    for (let j = 0; j < dout; j++) out[row + j] = 0;
    for (let a = 0; a < din; a++) {
      const q = QA[i * din + a];
      if (q === 0) continue;
      for (let j = 0; j < dout; j++) out[row + j] += q * W[a * dout + j];
    }
  }
}

/** M += w · x xᵀ for x = values[offset … offset + size). */
function addOuter(M: Float64Array, values: Float64Array, offset: number, size: number, w: number): void {
  for (let i = 0; i < size; i++) {
    const xi = w * values[offset + i];
    if (xi === 0) continue;
    const row = i * size;
    for (let j = 0; j < size; j++) M[row + j] += xi * values[offset + j];
  }
}

/** out = Qᵀ x for eigenvectors as columns of Q [size × size]. */
function projectTransposed(
  Q: Float64Array,
  size: number,
  values: Float64Array,
  offset: number,
  out: Float64Array,
): void {
  out.fill(0);
  for (let i = 0; i < size; i++) {
    const x = values[offset + i];
    if (x === 0) continue;
    const row = i * size;
    for (let a = 0; a < size; a++) out[a] += Q[row + a] * x;
  }
}
