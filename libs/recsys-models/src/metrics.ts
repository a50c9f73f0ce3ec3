/**
 * Top-K accuracy metrics with binary relevance. Recall is normalized by min(K, |relevant|) (so a perfect list
 * scores 1 even when fewer than K items are relevant), as in the EASE and Mult-VAE papers.
 */

export function recallAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let hits = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i])) hits++;
  return hits / Math.min(k, relevant.size);
}

export function ndcgAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i])) dcg += 1 / Math.log2(i + 2);
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return dcg / ideal;
}

export interface EvaluationRow {
  recall_at_10: number;
  recall_at_20: number;
  ndcg_at_10: number;
  /** Share of the catalog that appears in at least one user's top 10. */
  coverage: number;
  users: number;
}

/** Averages the metrics over every evaluated user; `recommend` returns a user's list, best first (≥ 20 long). */
export function evaluate(
  test: ReadonlyMap<string, ReadonlySet<string>>,
  catalogSize: number,
  recommend: (user: string) => readonly string[],
): EvaluationRow {
  let r10 = 0;
  let r20 = 0;
  let n10 = 0;
  const shown = new Set<string>();
  for (const [user, relevant] of test) {
    const list = recommend(user);
    r10 += recallAtK(list, relevant, 10);
    r20 += recallAtK(list, relevant, 20);
    n10 += ndcgAtK(list, relevant, 10);
    for (const item of list.slice(0, 10)) shown.add(item);
  }
  const users = test.size;
  return {
    recall_at_10: users ? r10 / users : 0,
    recall_at_20: users ? r20 / users : 0,
    ndcg_at_10: users ? n10 / users : 0,
    coverage: catalogSize ? shown.size / catalogSize : 0,
    users,
  };
}
