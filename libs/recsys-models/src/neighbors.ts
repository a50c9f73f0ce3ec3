/**
 * Sparse item → item weights by rows (row i: the items that item i points to, with weights), the shape shared by
 * every item-based model: EASE, cosine item-kNN and thresholded co-occurrence. Scoring a history is a sparse
 * vector-matrix product: score(j) = Σ_i w_i · W[i][j].
 */
export interface ItemNeighbors {
  /** Item ids of the rows and of the neighbour indices. */
  items: string[];
  indptr: Int32Array;
  indices: Int32Array;
  weights: Float32Array;
}

/** Keeps the `k` largest positive entries of a dense row (ties by index), best first. */
export function topOfRow(row: Float64Array | Float32Array, k: number, skip = -1): [number, number][] {
  const out: [number, number][] = [];
  let floor = 0;
  for (let j = 0; j < row.length; j++) {
    const v = row[j];
    if (!(v > 0) || j === skip) continue;
    if (out.length < k) {
      out.push([j, v]);
      if (out.length === k) {
        out.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
        floor = out[k - 1][1];
      }
    } else if (v > floor) {
      out[k - 1] = [j, v];
      out.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      floor = out[k - 1][1];
    }
  }
  return out.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
}

/** Builds the sparse rows from per-row neighbour lists. */
export function neighborsFromRows(items: string[], rows: [number, number][][]): ItemNeighbors {
  const indptr = new Int32Array(items.length + 1);
  for (let i = 0; i < items.length; i++) indptr[i + 1] = indptr[i] + (rows[i]?.length ?? 0);
  const indices = new Int32Array(indptr[items.length]);
  const weights = new Float32Array(indptr[items.length]);
  for (let i = 0; i < items.length; i++) {
    let p = indptr[i];
    for (const [j, w] of rows[i] ?? []) {
      indices[p] = j;
      weights[p] = w;
      p++;
    }
  }
  return { items, indptr, indices, weights };
}

/** The neighbours of one item row as [item id, weight] pairs, best first. */
export function neighborsOf(model: ItemNeighbors, row: number): [string, number][] {
  const out: [string, number][] = [];
  for (let p = model.indptr[row]; p < model.indptr[row + 1]; p++) out.push([model.items[model.indices[p]], model.weights[p]]);
  return out;
}
