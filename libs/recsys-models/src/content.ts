import { TopK } from './retrieval';

/**
 * Content similarity from public catalog data only (category, tags, title words): TF-IDF vectors with an
 * inverted index. Used by content_similar for the current item or query, allowed in contextual mode.
 */

export interface ContentItem {
  itemId: string;
  category: string;
  tags: readonly string[];
  title: string;
}

/** Seeds whose top lists are remembered; past it the memo starts over (bounded memory). */
const MEMO_CAPACITY = 5000;

const STOP = new Set(['the', 'a', 'an', 'of', 'and', 'in', 'on', 'for', 'to', 'with', 'at', 'by', 'from']);

/** Lower-case word tokens of free text (titles, queries); years and stop words dropped. */
export function words(text: string): string[] {
  return (text.toLowerCase().match(/\p{L}[\p{L}\p{N}'-]*/gu) ?? []).filter((w) => w.length > 1 && !STOP.has(w));
}

/** The weighted terms of an item: its category counts most, then tags, then title words. */
function itemTerms(item: ContentItem): Map<string, number> {
  const terms = new Map<string, number>();
  const add = (term: string, w: number) => terms.set(term, (terms.get(term) ?? 0) + w);
  if (item.category) add(`c:${item.category.toLowerCase()}`, 2);
  for (const tag of item.tags) add(`t:${tag.toLowerCase()}`, 1);
  for (const w of words(item.title)) add(`w:${w}`, 0.5);
  return terms;
}

/** The terms of a free-text query: each word may match a category, a tag or a title word. */
function queryTerms(query: string): Map<string, number> {
  const terms = new Map<string, number>();
  for (const w of words(query)) {
    terms.set(`c:${w}`, 2);
    terms.set(`t:${w}`, 1);
    terms.set(`w:${w}`, 0.5);
  }
  return terms;
}

export class ContentIndex {
  private readonly postings = new Map<string, { item: number; w: number }[]>();
  private readonly vectors: Map<string, number>[] = [];
  private readonly ids: string[] = [];
  private readonly rows = new Map<string, number>();
  private readonly idf = new Map<string, number>();
  /** Top lists of seed items already asked for (a catalog is read far more often than it changes). */
  private readonly memo = new Map<string, [string, number][]>();
  /** Scores by item row while one seed is scored (all zero between calls). */
  private scratch?: Float64Array;

  constructor(items: readonly ContentItem[]) {
    const df = new Map<string, number>();
    const raw = items.map(itemTerms);
    for (const terms of raw) for (const t of terms.keys()) df.set(t, (df.get(t) ?? 0) + 1);
    for (const [t, n] of df) this.idf.set(t, Math.log((1 + items.length) / (1 + n)) + 1);
    raw.forEach((terms, i) => {
      const vector = new Map<string, number>();
      let norm = 0;
      for (const [t, w] of terms) {
        const v = w * this.idf.get(t)!;
        vector.set(t, v);
        norm += v * v;
      }
      norm = Math.sqrt(norm) || 1;
      for (const [t, v] of vector) {
        vector.set(t, v / norm);
        let list = this.postings.get(t);
        if (!list) this.postings.set(t, (list = []));
        list.push({ item: i, w: v / norm });
      }
      this.vectors.push(vector);
      this.ids.push(items[i].itemId);
      this.rows.set(items[i].itemId, i);
    });
  }

  /** Cosine similarity of every item sharing a term with the seed item. */
  similarToItem(itemId: string): Map<string, number> {
    const row = this.rows.get(itemId);
    if (row === undefined) return new Map();
    const scores = this.accumulate(this.vectors[row]);
    scores.delete(itemId);
    return scores;
  }

  /** The `limit` items most similar to the seed, best first; remembered per seed (the index is immutable). */
  topSimilarToItem(itemId: string, limit: number): [string, number][] {
    const key = `${limit}|${itemId}`;
    let top = this.memo.get(key);
    if (!top) {
      const row = this.rows.get(itemId);
      top = row === undefined ? [] : this.topSimilar(this.vectors[row], row, limit);
      if (this.memo.size >= MEMO_CAPACITY) this.memo.clear();
      this.memo.set(key, top);
    }
    return top;
  }

  /** Cosine similarity of every item matching a word of the query. */
  matchingQuery(query: string): Map<string, number> {
    const terms = queryTerms(query);
    let norm = 0;
    const vector = new Map<string, number>();
    for (const [t, w] of terms) {
      const idf = this.idf.get(t);
      if (idf === undefined) continue;
      vector.set(t, w * idf);
      norm += (w * idf) ** 2;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [t, v] of vector) vector.set(t, v / norm);
    return this.accumulate(vector);
  }

  /**
   * The `limit` best items for a vector, without the item at `exclude`: the same sums as {@link accumulate} (in the
   * same order, so the same scores), kept in a reused array instead of a map of every item sharing a term.
   */
  private topSimilar(vector: ReadonlyMap<string, number>, exclude: number, limit: number): [string, number][] {
    const scores = (this.scratch ??= new Float64Array(this.ids.length));
    const touched: number[] = [];
    for (const [t, v] of vector)
      for (const { item, w } of this.postings.get(t) ?? []) {
        if (scores[item] === 0) touched.push(item);
        scores[item] += v * w;
      }
    const top = new TopK(limit);
    for (const item of touched) {
      if (item !== exclude) top.offer(this.ids[item], scores[item]);
      scores[item] = 0;
    }
    return top.result();
  }

  private accumulate(vector: ReadonlyMap<string, number>): Map<string, number> {
    const acc = new Map<number, number>();
    for (const [t, v] of vector) for (const { item, w } of this.postings.get(t) ?? []) acc.set(item, (acc.get(item) ?? 0) + v * w);
    return new Map([...acc].map(([i, s]) => [this.ids[i], s]));
  }
}
