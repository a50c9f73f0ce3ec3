import { Interaction } from './interactions';
import { ItemNeighbors, neighborsFromRows } from './neighbors';

export interface CooccurrenceOptions {
  /** k: a pair is kept only when at least this many distinct subjects have both items (seed §22). */
  minUsers: number;
  /** Most recent distinct items per subject that count. */
  itemsPerSubject: number;
  /** Neighbours kept per item. */
  neighborsPerItem: number;
}

/** The defaults of feature-gateway's aggregate refresh (AggregateRepository); k comes from AGGREGATION_MIN_USERS. */
export const COOCCURRENCE_DEFAULTS = { itemsPerSubject: 30, neighborsPerItem: 50 } as const;

/**
 * Thresholded item co-occurrence: pairs of items in the same subject's recent items, kept only when seen by
 * at least k distinct subjects, weighted by cosine over distinct subjects (users(a,b) / √(users(a)·users(b))).
 * This is the same computation as feature-gateway's SQL aggregate refresh (an integration test holds the two
 * to the same answer); offline evaluation uses this one.
 */
export function thresholdedCooccurrence(interactions: readonly Interaction[], options: CooccurrenceOptions): ItemNeighbors {
  const latest = new Map<string, Map<string, number>>();
  for (const r of interactions) {
    if (!(r.weight > 0)) continue;
    let items = latest.get(r.user);
    if (!items) latest.set(r.user, (items = new Map()));
    items.set(r.item, Math.max(items.get(r.item) ?? -Infinity, r.timestampMs));
  }
  const ids: string[] = [];
  const index = new Map<string, number>();
  const idOf = (item: string) => {
    let i = index.get(item);
    if (i === undefined) {
      i = ids.length;
      ids.push(item);
      index.set(item, i);
    }
    return i;
  };
  const itemUsers: number[] = [];
  const pairs: Map<number, number>[] = [];
  for (const items of latest.values()) {
    // Most recent first; ties by item id, as the SQL's row_number() orders only by time (ties are rare there).
    const recent = [...items]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, options.itemsPerSubject)
      .map(([item]) => idOf(item));
    for (const a of recent) {
      itemUsers[a] = (itemUsers[a] ?? 0) + 1;
      const row = (pairs[a] ??= new Map());
      for (const b of recent) if (a !== b) row.set(b, (row.get(b) ?? 0) + 1);
    }
  }
  const rows: [number, number][][] = [];
  for (let a = 0; a < ids.length; a++) {
    const kept: [number, number][] = [];
    for (const [b, users] of pairs[a] ?? []) {
      if (users >= options.minUsers) kept.push([b, users / Math.sqrt(itemUsers[a] * itemUsers[b])]);
    }
    kept.sort((x, y) => y[1] - x[1] || (ids[x[0]] < ids[y[0]] ? -1 : 1));
    rows.push(kept.slice(0, options.neighborsPerItem));
  }
  return neighborsFromRows(ids, rows);
}
