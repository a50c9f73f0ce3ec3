import { Interaction } from './interactions';

export interface TimeSplit {
  train: Interaction[];
  /** Per user: the held-out items (their last `holdout` distinct items in time). */
  test: Map<string, Set<string>>;
}

/**
 * Leave-last-N-out by time, per user: each user's last `holdout` distinct items (by the time of their last
 * interaction) are held out; every interaction with those items leaves the training data. Users with no more
 * than `holdout` distinct items stay wholly in training and are not evaluated. Ties in time break by item id,
 * so the split is deterministic.
 */
export function leaveLastOut(rows: readonly Interaction[], holdout: number): TimeSplit {
  const byUser = new Map<string, Map<string, number>>();
  for (const r of rows) {
    let items = byUser.get(r.user);
    if (!items) byUser.set(r.user, (items = new Map()));
    items.set(r.item, Math.max(items.get(r.item) ?? -Infinity, r.timestampMs));
  }
  const test = new Map<string, Set<string>>();
  for (const [user, items] of byUser) {
    if (items.size <= holdout) continue;
    const ordered = [...items].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1));
    test.set(user, new Set(ordered.slice(0, holdout).map(([item]) => item)));
  }
  const train = rows.filter((r) => !test.get(r.user)?.has(r.item));
  return { train, test };
}
