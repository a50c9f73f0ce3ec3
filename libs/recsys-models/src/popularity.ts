import { Interaction } from './interactions';

/**
 * Thresholded popularity of one scope: Σ interaction weight per item over the items with at least `minUsers`
 * distinct subjects, scaled so the best item scores 1 — the offline twin of feature-gateway's `item_popularity`
 * aggregate for the global scope.
 */
export function thresholdedPopularity(rows: readonly Interaction[], minUsers: number): Map<string, number> {
  const raw = new Map<string, number>();
  const users = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!(r.weight > 0)) continue;
    raw.set(r.item, (raw.get(r.item) ?? 0) + r.weight);
    let set = users.get(r.item);
    if (!set) users.set(r.item, (set = new Set()));
    set.add(r.user);
  }
  const kept = [...raw].filter(([item]) => users.get(item)!.size >= minUsers);
  const max = kept.reduce((m, [, v]) => Math.max(m, v), 0) || 1;
  return new Map(kept.map(([item, v]) => [item, v / max]));
}

/** Items by score, best first; ties by id. */
export function ranked(scores: ReadonlyMap<string, number>): [string, number][] {
  return [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}
