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
  return withNeighborhoodSums(model, rows, seeds, (order, sums) => {
    const scores: Scores = new Map();
    for (const j of order) {
      const s = sums[j];
      const id = model.items[j];
      if (s > 0 && !exclude.has(id)) scores.set(id, s);
    }
    return scores;
  });
}

/**
 * `topScores(neighborhoodScores(model, rows, seeds, exclude), limit)` without the map of every scored item: the
 * sums go straight from the accumulator into a TopK (user_cf's history touches thousands of items for a top 200).
 */
export function neighborhoodTopScores(
  model: ItemNeighbors,
  rows: ReadonlyMap<string, number>,
  seeds: Iterable<[string, number]>,
  exclude: ReadonlySet<string>,
  limit: number,
): [string, number][] {
  const top = withNeighborhoodSums(model, rows, seeds, (order, sums) => {
    const best = new TopK(limit);
    for (const j of order) {
      const s = sums[j];
      const id = model.items[j];
      // The exclusion set is asked only about an item the top would keep.
      if (best.accepts(id, s) && !exclude.has(id)) best.offer(id, s);
    }
    return best.result();
  });
  return scaledToBest(top);
}

/**
 * Runs `use` on the neighbourhood sums of the seeds: the rows touched, in first-touch order, and the sums by row
 * (valid at those rows only, and only during the call).
 */
function withNeighborhoodSums<T>(
  model: ItemNeighbors,
  rows: ReadonlyMap<string, number>,
  seeds: Iterable<[string, number]>,
  use: (order: readonly number[], sums: Float64Array) => T,
): T {
  // Dense accumulators reused across calls (the function is synchronous), with the rows in first-touch order.
  const n = model.items.length;
  if (accumulator.sums.length < n) accumulator.sums = new Float64Array(n);
  if (accumulator.touched.length < n) accumulator.touched = new Uint8Array(n);
  const { sums, touched } = accumulator;
  const order: number[] = [];
  try {
    for (const [item, weight] of seeds) {
      const row = rows.get(item);
      if (row === undefined || weight === 0) continue;
      for (let p = model.indptr[row]; p < model.indptr[row + 1]; p++) {
        const j = model.indices[p];
        if (touched[j] === 0) {
          touched[j] = 1;
          sums[j] = 0;
          order.push(j);
        }
        sums[j] += weight * model.weights[p];
      }
    }
    return use(order, sums);
  } finally {
    for (const j of order) touched[j] = 0;
  }
}

/** neighborhoodScores' sums by item row and which rows the current call touched (all 0 between calls). */
const accumulator = { sums: new Float64Array(0), touched: new Uint8Array(0) };

/** Orders entries best first: higher score, then smaller id. */
const better = (a: readonly [string, number], b: readonly [string, number]) => a[1] > b[1] || (a[1] === b[1] && a[0] < b[0]);

/**
 * The best `limit` of (id, score) offers, by a bounded min-heap: O(n log limit) instead of sorting all n (a
 * 10 000-item catalog scored for a top 100). Scores ≤ 0 are not kept. The heap keeps ids and scores in two
 * parallel arrays, so an offer allocates nothing (a serving call makes thousands of them).
 */
export class TopK {
  private readonly ids: string[] = [];
  private readonly scores: number[] = [];

  constructor(private readonly limit: number) {}

  /** Heap order: slot a is worse than slot b (lower score, then larger id): the worst kept entry is the root. */
  private worse(a: number, b: number): boolean {
    const sa = this.scores[a];
    const sb = this.scores[b];
    return sa < sb || (sa === sb && this.ids[a] > this.ids[b]);
  }

  private swap(a: number, b: number): void {
    const id = this.ids[a];
    this.ids[a] = this.ids[b];
    this.ids[b] = id;
    const score = this.scores[a];
    this.scores[a] = this.scores[b];
    this.scores[b] = score;
  }

  /** Whether `offer(id, score)` would keep the entry now (a caller can skip costlier checks of the others). */
  accepts(id: string, score: number): boolean {
    if (!(score > 0) || this.limit <= 0) return false;
    return this.ids.length < this.limit || score > this.scores[0] || (score === this.scores[0] && id < this.ids[0]);
  }

  offer(id: string, score: number): void {
    if (!(score > 0) || this.limit <= 0) return;
    const ids = this.ids;
    const scores = this.scores;
    if (ids.length < this.limit) {
      ids.push(id);
      scores.push(score);
      for (let i = ids.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (!this.worse(i, parent)) break;
        this.swap(i, parent);
        i = parent;
      }
      return;
    }
    if (!(score > scores[0] || (score === scores[0] && id < ids[0]))) return;
    ids[0] = id;
    scores[0] = score;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < ids.length && this.worse(l, m)) m = l;
      if (r < ids.length && this.worse(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }

  /** The kept entries, best first. */
  result(): [string, number][] {
    return this.ids.map((id, i): [string, number] => [id, this.scores[i]]).sort((a, b) => (better(a, b) ? -1 : 1));
  }
}

/** The best `limit` entries of a stream, best first (see TopK). */
export function selectTop(entries: Iterable<[string, number]>, limit: number): [string, number][] {
  const top = new TopK(limit);
  for (const [id, score] of entries) top.offer(id, score);
  return top.result();
}

/**
 * Brute-force inner-product nearest items of a user embedding (the tenant's own item tower only); with `limit`,
 * only the best `limit` are kept.
 */
export function embeddingScores(
  model: ItemEmbeddings,
  user: Float64Array,
  exclude: ReadonlySet<string> = new Set(),
  limit = Number.POSITIVE_INFINITY,
): Scores {
  return new Map(embeddingTop(model, user, exclude, limit));
}

/**
 * `topScores(embeddingScores(model, user, exclude, limit), limit)` without the map in between: a TopK's result is
 * best first already, so only the scaling is left.
 */
export function embeddingTopScores(
  model: ItemEmbeddings,
  user: Float64Array,
  exclude: ReadonlySet<string>,
  limit: number,
): [string, number][] {
  return scaledToBest(embeddingTop(model, user, exclude, limit));
}

/** The best `limit` items by inner product with `user` (all of them with an infinite limit), best first. */
function embeddingTop(model: ItemEmbeddings, user: Float64Array, exclude: ReadonlySet<string>, limit: number): [string, number][] {
  const k = model.factors;
  if (!user.some((v) => v !== 0)) return [];
  const v = model.vectors;
  const top = new TopK(Number.isFinite(limit) ? limit : model.items.length);
  for (let i = 0; i < model.items.length; i++) {
    const o = i * k;
    let s = 0;
    for (let a = 0; a < k; a++) s += v[o + a] * user[a];
    // The exclusion set is asked only about an item the top would keep (most of 10 000 are not).
    if (s > 0 && top.accepts(model.items[i], s) && !exclude.has(model.items[i])) top.offer(model.items[i], s);
  }
  return top.result();
}

/** The best `limit` entries, scores scaled to 0..1 by the best one; ties by id. */
export function topScores(scores: ReadonlyMap<string, number> | Record<string, number>, limit: number): [string, number][] {
  const top =
    scores instanceof Map && ranked(scores, limit)
      ? [...scores]
      : selectTop(scores instanceof Map ? scores : Object.entries(scores), limit);
  const max = top[0]?.[1] ?? 1;
  return top.map(([id, s]) => [id, s / max]);
}

/** Best-first entries the caller owns (a TopK's result), scaled to 0..1 by the best one in place: topScores' form. */
function scaledToBest(top: [string, number][]): [string, number][] {
  const max = top[0]?.[1] ?? 1;
  for (const entry of top) entry[1] = entry[1] / max;
  return top;
}

/**
 * topScores of a list whose ids are distinct: when it is ranked already (best first) only scaled, into new entries
 * (the list may be shared, such as a remembered top), else through a map of it as topScores would. A list naming
 * an item twice is not for this function (a map keeps one of them; a ranked check cannot see it).
 */
export function topScoresOfList(entries: readonly [string, number][], limit: number): [string, number][] {
  if (!rankedList(entries, limit)) return topScores(new Map(entries), limit);
  const max = entries[0]?.[1] ?? 1;
  return entries.map(([id, s]) => [id, s / max]);
}

/**
 * Whether these scores are already what selectTop would make of them: at most `limit`, every score positive, best
 * first (an embedding top made by a TopK) — then one pass over them replaces a second heap and sort.
 */
function ranked(scores: ReadonlyMap<string, number>, limit: number): boolean {
  if (scores.size > limit) return false;
  let previous: [string, number] | undefined;
  for (const entry of scores) {
    if (!(entry[1] > 0) || (previous && !better(previous, entry))) return false;
    previous = entry;
  }
  return true;
}

/** {@link ranked} of a list (by index: iterating it would make an iterator result per entry). */
function rankedList(entries: readonly (readonly [string, number])[], limit: number): boolean {
  if (entries.length > limit) return false;
  for (let i = 0; i < entries.length; i++) if (!(entries[i][1] > 0) || (i > 0 && !better(entries[i - 1], entries[i]))) return false;
  return true;
}

/** Recency weights of a history: newest first in, halving every `halfLife` positions (session intent). */
export function recencyWeights(itemsNewestFirst: readonly string[], halfLife: number): Map<string, number> {
  const weights = new Map<string, number>();
  itemsNewestFirst.forEach((item, i) => weights.set(item, (weights.get(item) ?? 0) + Math.pow(0.5, i / halfLife)));
  return weights;
}
