import { InteractionMatrix } from './interactions';
import { invertSpd } from './linalg';
import { ItemNeighbors, neighborsFromRows, topOfRow } from './neighbors';

export interface EaseOptions {
  /** L2 regularization λ of the item-item weights. */
  lambda: number;
  /** Only items with at least this many distinct users take part (the rest cannot be learned). */
  minSupport: number;
  /** At most this many items (the most supported), bounding the n³ training cost. */
  maxItems: number;
}

export interface EaseModel {
  /** Item ids of the model's rows and columns. */
  items: string[];
  /** Dense n×n weights B (row i: how much having item i says about each item j), zero diagonal. */
  weights: Float64Array;
}

/**
 * EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): the closed-form item-item
 * model B = I − P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹ over the binarized interactions. Training costs one
 * n×n SPD inversion, so the item set is bounded by support and count.
 */
export function trainEase(matrix: InteractionMatrix, options: EaseOptions): EaseModel {
  const support = matrix.itemSupport();
  const kept = [...support.keys()]
    .filter((i) => support[i] >= options.minSupport)
    .sort((a, b) => support[b] - support[a] || a - b)
    .slice(0, options.maxItems)
    .sort((a, b) => a - b);
  const n = kept.length;
  const local = new Int32Array(matrix.items.size).fill(-1);
  kept.forEach((i, k) => (local[i] = k));
  const g = new Float64Array(n * n);
  const row: number[] = [];
  for (let u = 0; u < matrix.users.size; u++) {
    row.length = 0;
    for (let p = matrix.indptr[u]; p < matrix.indptr[u + 1]; p++) {
      const k = local[matrix.indices[p]];
      if (k >= 0) row.push(k);
    }
    for (const a of row) {
      const ra = a * n;
      for (const b of row) g[ra + b] += 1;
    }
  }
  for (let i = 0; i < n; i++) g[i * n + i] += options.lambda;
  const p = invertSpd(g, n);
  // B_ij = −P_ij / P_jj, B_ii = 0.
  const diag = new Float64Array(n);
  for (let j = 0; j < n; j++) diag[j] = p[j * n + j];
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < n; j++) p[ri + j] = i === j ? 0 : -p[ri + j] / diag[j];
  }
  return { items: kept.map((i) => matrix.items.ids[i]), weights: p };
}

/** The `k` strongest positive weights of each row: EASE as a sparse item neighbourhood model for serving. */
export function sparsifyEase(model: EaseModel, k: number): ItemNeighbors {
  const n = model.items.length;
  const rows: [number, number][][] = [];
  for (let i = 0; i < n; i++) rows.push(topOfRow(model.weights.subarray(i * n, (i + 1) * n), k, i));
  return neighborsFromRows(model.items, rows);
}
