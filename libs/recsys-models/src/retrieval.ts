import { ItemEmbeddings } from './als';
import { ItemNeighbors } from './neighbors';

/**
 * Candidate retrieval as pure functions over model artifacts: the serving path (feature-gateway) and offline
 * evaluation call exactly these, so the evaluated routes are the served ones.
 */

/** Item id → score. */
export type Scores = Map<string, number>;

/** Row lookup of a model's items. */
export function rowIndex(items: readonly string[]): Map<string, number> {
  return new Map(items.map((id, i) => [id, i]));
}

/**
 * Σ over the seed items of weight · neighbour weight: user_cf over a history (EASE or cosine rows),
 * item_to_item and session_intent over a seed or a session (co-occurrence rows).
 */
export function neighborhoodScores(
  model: ItemNeighbors,
  rows: ReadonlyMap<string, number>,
  seeds: Iterable<[string, number]>,
  exclude: ReadonlySet<string> = new Set(),
): Scores {
  const acc = new Map<number, number>();
  for (const [item, weight] of seeds) {
    const row = rows.get(item);
    if (row === undefined || weight === 0) continue;
    for (let p = model.indptr[row]; p < model.indptr[row + 1]; p++) {
      const j = model.indices[p];
      acc.set(j, (acc.get(j) ?? 0) + weight * model.weights[p]);
    }
  }
  const scores: Scores = new Map();
  for (const [j, s] of acc) {
    const id = model.items[j];
    if (s > 0 && !exclude.has(id)) scores.set(id, s);
  }
  return scores;
}

/** Brute-force inner-product nearest items of a user embedding (the tenant's own item tower only). */
export function embeddingScores(model: ItemEmbeddings, user: Float64Array, exclude: ReadonlySet<string> = new Set()): Scores {
  const k = model.factors;
  const scores: Scores = new Map();
  if (!user.some((v) => v !== 0)) return scores;
  const v = model.vectors;
  for (let i = 0; i < model.items.length; i++) {
    const o = i * k;
    let s = 0;
    for (let a = 0; a < k; a++) s += v[o + a] * user[a];
    if (s > 0 && !exclude.has(model.items[i])) scores.set(model.items[i], s);
  }
  return scores;
}

/** The best `limit` entries, scores scaled to 0..1 by the best one; ties by id. */
export function topScores(scores: ReadonlyMap<string, number> | Record<string, number>, limit: number): [string, number][] {
  const entries = (scores instanceof Map ? [...scores] : Object.entries(scores)).filter(([, s]) => s > 0);
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const top = entries.slice(0, limit);
  const max = top[0]?.[1] ?? 1;
  return top.map(([id, s]) => [id, s / max]);
}

/** Recency weights of a history: newest first in, halving every `halfLife` positions (session intent). */
export function recencyWeights(itemsNewestFirst: readonly string[], halfLife: number): Map<string, number> {
  const weights = new Map<string, number>();
  itemsNewestFirst.forEach((item, i) => weights.set(item, (weights.get(item) ?? 0) + Math.pow(0.5, i / halfLife)));
  return weights;
}
