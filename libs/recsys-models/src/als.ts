import { InteractionMatrix } from './interactions';
import { dot, solveSpd } from './linalg';

export interface AlsOptions {
  factors: number;
  /** L2 regularization. */
  regularization: number;
  /** Confidence scale: c = 1 + alpha · weight. */
  alpha: number;
  iterations: number;
  /** Conjugate-gradient steps per least-squares solve. */
  cgSteps: number;
  seed: number;
}

export const ALS_DEFAULTS: AlsOptions = { factors: 64, regularization: 0.1, alpha: 10, iterations: 15, cgSteps: 3, seed: 42 };

/** Item embeddings of an implicit matrix factorization, and what a user embedding is folded in with. */
export interface ItemEmbeddings {
  items: string[];
  factors: number;
  /** items × factors, row-major. */
  vectors: Float32Array;
  /** YᵀY + λI (factors × factors), precomputed for folding in users. */
  gramian: Float64Array;
  alpha: number;
}

/**
 * Implicit-feedback ALS (Hu, Koren and Volinsky, ICDM 2008) with conjugate-gradient solves (Takács et al. 2011).
 * Returns the item tower; user vectors are not kept — serving folds a user in from their current history
 * (`foldInUser`), so a user's embedding never outlives their history.
 */
export function trainAls(matrix: InteractionMatrix, options: AlsOptions = ALS_DEFAULTS): ItemEmbeddings {
  const k = options.factors;
  const nu = matrix.users.size;
  const ni = matrix.items.size;
  // xorshift32 needs a non-zero state (seed 0 behaves as seed 1).
  let state = options.seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const x = new Float64Array(nu * k);
  const y = new Float64Array(ni * k);
  for (let i = 0; i < y.length; i++) y[i] = (random() - 0.5) * 0.01;
  const byItem = matrix.transpose();
  for (let it = 0; it < options.iterations; it++) {
    solveSide(x, y, nu, matrix.indptr, matrix.indices, matrix.weights, options);
    solveSide(y, x, ni, byItem.indptr, byItem.indices, byItem.weights, options);
  }
  return {
    items: matrix.items.ids.slice(),
    factors: k,
    vectors: Float32Array.from(y),
    gramian: gramian(y, ni, k, options.regularization),
    alpha: options.alpha,
  };
}

function gramian(y: Float64Array, n: number, k: number, regularization: number): Float64Array {
  const g = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    const ri = i * k;
    for (let a = 0; a < k; a++) {
      const ya = y[ri + a];
      if (ya === 0) continue;
      for (let b = 0; b < k; b++) g[a * k + b] += ya * y[ri + b];
    }
  }
  for (let a = 0; a < k; a++) g[a * k + a] += regularization;
  return g;
}

/** One half-step: every row of `x` re-solved against fixed `y` with a few CG steps from its current value. */
function solveSide(
  x: Float64Array,
  y: Float64Array,
  rows: number,
  indptr: Int32Array,
  indices: Int32Array,
  weights: Float64Array,
  options: AlsOptions,
): void {
  const k = options.factors;
  const ny = y.length / k;
  const yty = gramian(y, ny, k, options.regularization);
  const r = new Float64Array(k);
  const p = new Float64Array(k);
  const ap = new Float64Array(k);
  for (let u = 0; u < rows; u++) {
    const xo = u * k;
    // r = b − A·x with A = YᵀY + λI + Σ (c−1)·y yᵀ and b = Σ c·y.
    for (let a = 0; a < k; a++) r[a] = -dot(yty, a * k, x, xo, k);
    for (let q = indptr[u]; q < indptr[u + 1]; q++) {
      const yo = indices[q] * k;
      const c = 1 + options.alpha * weights[q];
      const s = c - (c - 1) * dot(y, yo, x, xo, k);
      for (let a = 0; a < k; a++) r[a] += s * y[yo + a];
    }
    p.set(r);
    let rsold = dot(r, 0, r, 0, k);
    for (let step = 0; step < options.cgSteps && rsold > 1e-12; step++) {
      for (let a = 0; a < k; a++) ap[a] = dot(yty, a * k, p, 0, k);
      for (let q = indptr[u]; q < indptr[u + 1]; q++) {
        const yo = indices[q] * k;
        const s = options.alpha * weights[q] * dot(y, yo, p, 0, k);
        for (let a = 0; a < k; a++) ap[a] += s * y[yo + a];
      }
      const alpha = rsold / dot(p, 0, ap, 0, k);
      for (let a = 0; a < k; a++) {
        x[xo + a] += alpha * p[a];
        r[a] -= alpha * ap[a];
      }
      const rsnew = dot(r, 0, r, 0, k);
      for (let a = 0; a < k; a++) p[a] = r[a] + (rsnew / rsold) * p[a];
      rsold = rsnew;
    }
  }
}

/**
 * A user's embedding from their current history (item row index → interaction weight), by one exact
 * least-squares solve against the fixed item tower: (YᵀY + λI + Σ (c−1)·y yᵀ)·x = Σ c·y.
 */
export function foldInUser(model: ItemEmbeddings, history: ReadonlyMap<number, number>): Float64Array {
  const k = model.factors;
  const a = Float64Array.from(model.gramian);
  const b = new Float64Array(k);
  if (history.size === 0) return b;
  for (const [row, weight] of history) {
    const yo = row * k;
    const c = 1 + model.alpha * weight;
    for (let i = 0; i < k; i++) {
      const yi = model.vectors[yo + i];
      b[i] += c * yi;
      const s = (c - 1) * yi;
      for (let j = 0; j < k; j++) a[i * k + j] += s * model.vectors[yo + j];
    }
  }
  return solveSpd(a, b, k);
}
