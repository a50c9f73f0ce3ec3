/**
 * The linear ranking model every route uses, and its trainer. A candidate's inputs are named: `source:<name>`
 * (its normalized score from each candidate source that proposed it, 0 otherwise) and registry feature names
 * (item features, and the subject's category affinity in the personalized route). The ranker service and
 * offline evaluation score with this one function.
 */

export type RankerInputs = Record<string, number>;

export interface RankableCandidate {
  itemId: string;
  /** Source name → the source's normalized score (0..1) for this item. */
  sourceScores: Record<string, number>;
  /** Numeric item features by registry name (item_popularity, region_popularity, item_quality_score). */
  numbers: Record<string, number>;
  /** The item's category (for the subject's category affinity). */
  category: string;
}

/** Item features a linear model may weight directly, besides sources and the category affinity. */
export const NUMERIC_ITEM_TERMS = ['item_quality_score', 'item_popularity', 'region_popularity'] as const;
/** The item text features the model reads: the category (for the subject's category affinity). */
export const TEXT_ITEM_TERMS = ['item_category'] as const;
export const AFFINITY_TERM = 'user_category_affinity_30d';
export const SOURCE_TERM_PREFIX = 'source:';

/** The named inputs of one candidate. `affinity` is empty outside the personalized route. */
export function rankerInputs(c: RankableCandidate, affinity: Readonly<Record<string, number>>): RankerInputs {
  const x: RankerInputs = {};
  for (const [source, s] of Object.entries(c.sourceScores)) x[`${SOURCE_TERM_PREFIX}${source}`] = s;
  for (const term of NUMERIC_ITEM_TERMS) if (c.numbers[term] !== undefined) x[term] = c.numbers[term];
  if (affinity[c.category] !== undefined) x[AFFINITY_TERM] = affinity[c.category];
  return x;
}

export interface Scored {
  itemId: string;
  score: number;
  /** The term that contributed most (for user-safe reason codes); the best source when nothing is positive. */
  strongest: string;
}

/** A scored candidate of a ranking, with its place among the candidates it was ranked from. */
export interface Ranked extends Scored {
  index: number;
}

/** Σ weight · input, with the strongest positive term. */
export function scoreLinear(weights: Readonly<Record<string, number>>, itemId: string, x: RankerInputs): Scored {
  let score = 0;
  let strongest = '';
  let best = 0;
  for (const [term, v] of Object.entries(x)) {
    const contribution = (weights[term] ?? 0) * v;
    score += contribution;
    if (contribution > best) {
      best = contribution;
      strongest = term;
    }
  }
  return { itemId, score, strongest };
}

/** Scores and sorts candidates, best first; ties by item id. */
export function rankLinear(
  weights: Readonly<Record<string, number>>,
  candidates: readonly RankableCandidate[],
  affinity: Readonly<Record<string, number>>,
): Ranked[] {
  return candidates
    .map((c, index) => {
      const scored = scoreLinear(weights, c.itemId, rankerInputs(c, affinity));
      if (!scored.strongest) {
        const top = Object.entries(c.sourceScores).sort((a, b) => b[1] - a[1])[0];
        scored.strongest = top ? `${SOURCE_TERM_PREFIX}${top[0]}` : '';
      }
      return { ...scored, index };
    })
    .sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1));
}

/**
 * Orders row numbers best score first, ties by item id. The comparator returns -1 or 1, never the difference of two
 * scores: a difference that is not a small integer is a new heap number per comparison (~10 000 per sort of 1 000).
 */
export function byScoreThenId(scores: ArrayLike<number>, itemIds: readonly string[]): (a: number, b: number) => number {
  return (a, b) => (scores[a] > scores[b] ? -1 : scores[a] < scores[b] ? 1 : itemIds[a] < itemIds[b] ? -1 : 1);
}

/** Candidates in columns, one value per candidate in `itemIds` order (the serving path's form). */
export interface CandidateColumns {
  itemIds: readonly string[];
  /** Source name → its normalized score of each candidate (0: the source did not propose it). */
  sourceScores: Readonly<Record<string, readonly number[]>>;
  /** Numeric item features by registry name. */
  numbers: Readonly<Record<string, readonly number[]>>;
  /** Each candidate's category ('' when unknown). */
  categories: readonly string[];
}

/**
 * {@link rankLinear} over columns: the same scores, strongest terms and order (the terms are summed in the same
 * order), without an inputs object per candidate — hundreds of candidates per Rank call — and, with `limit`, only
 * the best `limit` of them (0: all), each as its own object; the order is sorted on numbers, not on objects.
 */
export function rankLinearColumns(
  weights: Readonly<Record<string, number>>,
  columns: CandidateColumns,
  affinity: Readonly<Record<string, number>>,
  limit = 0,
): Ranked[] {
  const term = (name: string, values: readonly number[]) => ({ name, weight: weights[name] ?? 0, values });
  const sources = Object.entries(columns.sourceScores).map(([source, values]) => term(`${SOURCE_TERM_PREFIX}${source}`, values));
  const numbers = NUMERIC_ITEM_TERMS.filter((name) => columns.numbers[name]).map((name) => term(name, columns.numbers[name]));
  const affinityWeight = weights[AFFINITY_TERM] ?? 0;
  const itemIds = columns.itemIds;
  const n = itemIds.length;
  // Scores off the heap, and the running sum and best term in locals rather than in a closure's context (a double
  // written to a closure's context is a new heap number each time: ~10 per candidate).
  const scores = new Float64Array(n);
  const strongestOf = new Array<string>(n);
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let score = 0;
    let strongest = '';
    let best = 0;
    for (const s of sources)
      if (s.values[i] > 0) {
        const contribution = s.weight * s.values[i];
        score += contribution;
        if (contribution > best) {
          best = contribution;
          strongest = s.name;
        }
      }
    for (const x of numbers)
      if (x.values[i] !== undefined) {
        const contribution = x.weight * x.values[i];
        score += contribution;
        if (contribution > best) {
          best = contribution;
          strongest = x.name;
        }
      }
    const a = affinity[columns.categories[i] ?? ''];
    if (a !== undefined) {
      const contribution = affinityWeight * a;
      score += contribution;
      if (contribution > best) strongest = AFFINITY_TERM;
    }
    if (!strongest) {
      // The best source that proposed the item (the first of equals), as rankLinear names it.
      let top = 0;
      for (const s of sources)
        if (s.values[i] > top) {
          top = s.values[i];
          strongest = s.name;
        }
    }
    scores[i] = score;
    strongestOf[i] = strongest;
    order[i] = i;
  }
  order.sort(byScoreThenId(scores, itemIds));
  const kept = limit > 0 && limit < n ? limit : n;
  const scored = new Array<Ranked>(kept);
  for (let k = 0; k < kept; k++) {
    const i = order[k];
    scored[k] = { itemId: itemIds[i], score: scores[i], strongest: strongestOf[i], index: i };
  }
  return scored;
}

export interface TrainingList {
  /** One candidate list (one user's request), with which candidates turned out relevant. */
  inputs: RankerInputs[];
  relevant: boolean[];
}

export interface RankerTrainingOptions {
  /** Terms the model may weight; anything else in the inputs is ignored. */
  terms: readonly string[];
  /** Passes over all terms. */
  rounds: number;
  /** The metric optimized: NDCG at this cut-off. */
  cutoff: number;
  /** A step is taken only when it raises the training NDCG by more than this (guards against noise). */
  minGain: number;
  /**
   * Weights for terms the training lists give no signal about (zero in every candidate — say, a source that
   * needs a seed item when the lists have none): kept as they are instead of being learned as 0.
   */
  fallback?: Readonly<Record<string, number>>;
}

export const RANKER_TRAINING_DEFAULTS = { rounds: 3, cutoff: 20, minGain: 2e-3 } as const;

/** Weight values tried for each term, relative to the anchor term fixed at 1 (ranking is scale-free). */
const GRID = [-2, -1, -0.5, -0.25, -0.1, -0.05, 0, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3];

/**
 * Fits the weights by coordinate ascent on NDCG@cutoff over the training lists (Metzler and Croft 2007, as in
 * RankLib): start from the single best term, then try each other term's weight over a fixed grid, keeping a
 * change only when it raises the mean NDCG. Deterministic, and never worse on the training lists than the best
 * single term.
 */
export function trainLinearRanker(lists: readonly TrainingList[], options: RankerTrainingOptions): Record<string, number> {
  const terms = [...options.terms];
  const d = terms.length;
  const index = new Map(terms.map((t, i) => [t, i]));
  const dense = lists
    .filter((l) => l.relevant.some(Boolean) && l.inputs.length > 1)
    .map((l) => {
      const x = new Float64Array(l.inputs.length * d);
      l.inputs.forEach((inputs, c) => {
        for (const [t, value] of Object.entries(inputs)) {
          const i = index.get(t);
          if (i !== undefined) x[c * d + i] = value;
        }
      });
      const relevantCount = l.relevant.filter(Boolean).length;
      let ideal = 0;
      for (let r = 0; r < Math.min(options.cutoff, relevantCount); r++) ideal += 1 / Math.log2(r + 2);
      return { x, n: l.inputs.length, relevant: l.relevant, ideal };
    });
  const weights = new Float64Array(d);
  // Terms without signal keep their fallback weight and are not searched (their inputs are 0 in every list).
  const signal = new Array<boolean>(d).fill(false);
  for (const l of dense) for (let j = 0; j < l.x.length; j++) if (l.x[j] !== 0) signal[j % d] = true;
  const silent = signal.map((s) => !s);
  const fallback = (i: number) => (silent[i] ? (options.fallback?.[terms[i]] ?? 0) : 0);
  if (silent.every(Boolean)) return Object.fromEntries(terms.map((t, i) => [t, fallback(i)]));
  const scores = new Float64Array(Math.max(...dense.map((l) => l.n)));
  const top = new Int32Array(options.cutoff);
  const meanNdcg = (w: Float64Array): number => {
    let total = 0;
    for (const l of dense) {
      for (let c = 0; c < l.n; c++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += w[i] * l.x[c * d + i];
        scores[c] = s;
      }
      // Top `cutoff` by score (ties: lower index first, as the serving sort breaks ties stably enough).
      let filled = 0;
      for (let c = 0; c < l.n; c++) {
        let pos = Math.min(filled, options.cutoff - 1);
        if (filled === options.cutoff && scores[c] <= scores[top[pos]]) continue;
        while (pos > 0 && scores[c] > scores[top[pos - 1]]) {
          top[pos] = top[pos - 1];
          pos--;
        }
        top[pos] = c;
        if (filled < options.cutoff) filled++;
      }
      let dcg = 0;
      for (let r = 0; r < filled; r++) if (l.relevant[top[r]]) dcg += 1 / Math.log2(r + 2);
      total += dcg / l.ideal;
    }
    return total / dense.length;
  };
  // Anchor: the single term that ranks best alone.
  let anchor = 0;
  let best = -1;
  for (let i = 0; i < d; i++) {
    if (silent[i]) continue;
    for (let j = 0; j < d; j++) weights[j] = fallback(j);
    weights[i] = 1;
    const ndcg = meanNdcg(weights);
    if (ndcg > best) [best, anchor] = [ndcg, i];
  }
  for (let j = 0; j < d; j++) weights[j] = fallback(j);
  weights[anchor] = 1;
  for (let round = 0; round < options.rounds; round++) {
    let improved = false;
    for (let i = 0; i < d; i++) {
      if (i === anchor || silent[i]) continue;
      const current = weights[i];
      let bestValue = current;
      for (const value of GRID) {
        if (value === current) continue;
        weights[i] = value;
        const ndcg = meanNdcg(weights);
        if (ndcg > best + options.minGain) [best, bestValue, improved] = [ndcg, value, true];
      }
      weights[i] = bestValue;
    }
    if (!improved) break;
  }
  return Object.fromEntries(terms.map((t, i) => [t, weights[i]]));
}
