import { InteractionMatrix } from './interactions';
import { ItemNeighbors, neighborsFromRows, topOfRow } from './neighbors';

export interface ItemKnnOptions {
  /** Neighbours kept per item. */
  neighbors: number;
  /** Shrinkage: similarities of rarely co-occurring pairs are pulled towards 0 (co / (co + shrink)). */
  shrink: number;
}

/**
 * Item-based k-nearest-neighbours with cosine similarity over binarized interactions (Sarwar et al. 2001), a
 * standard baseline. Built one item at a time from the sparse matrix, so memory stays O(items).
 */
export function trainItemKnn(matrix: InteractionMatrix, options: ItemKnnOptions): ItemNeighbors {
  const n = matrix.items.size;
  const byItem = matrix.transpose();
  const support = matrix.itemSupport();
  const co = new Float64Array(n);
  const touched: number[] = [];
  const rows: [number, number][][] = [];
  for (let i = 0; i < n; i++) {
    for (let q = byItem.indptr[i]; q < byItem.indptr[i + 1]; q++) {
      const u = byItem.indices[q];
      for (let p = matrix.indptr[u]; p < matrix.indptr[u + 1]; p++) {
        const j = matrix.indices[p];
        if (co[j] === 0) touched.push(j);
        co[j] += 1;
      }
    }
    const sims = new Float64Array(touched.length);
    touched.forEach((j, t) => {
      const c = co[j];
      sims[t] = j === i ? 0 : (c / Math.sqrt(support[i] * support[j])) * (c / (c + options.shrink));
      co[j] = 0;
    });
    rows.push(topOfRow(sims, options.neighbors).map(([t, s]): [number, number] => [touched[t], s]));
    touched.length = 0;
  }
  return neighborsFromRows(matrix.items.ids.slice(), rows);
}
