import {
  AFFINITY_TERM,
  byScoreThenId,
  RankableCandidate,
  rankerInputs,
  rankLinear,
  rankLinearColumns,
  RankerInputs,
  scoreLinear,
  trainLinearRanker,
  TrainingList,
} from './ranker';

/** Deterministic uniform numbers in [0, 1). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** Reference mean NDCG@cutoff of linear weights over lists (stable sort: ties keep candidate order). */
function meanNdcg(lists: readonly TrainingList[], weights: Record<string, number>, cutoff: number): number {
  const used = lists.filter((l) => l.relevant.some(Boolean) && l.inputs.length > 1);
  let total = 0;
  for (const l of used) {
    const score = (x: RankerInputs) => Object.entries(weights).reduce((s, [t, w]) => s + w * (x[t] ?? 0), 0);
    const order = l.inputs
      .map((x, i) => ({ i, s: score(x) }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .slice(0, cutoff);
    const dcg = order.reduce((s, { i }, r) => s + (l.relevant[i] ? 1 / Math.log2(r + 2) : 0), 0);
    const nRelevant = l.relevant.filter(Boolean).length;
    let ideal = 0;
    for (let r = 0; r < Math.min(cutoff, nRelevant); r++) ideal += 1 / Math.log2(r + 2);
    total += dcg / ideal;
  }
  return total / used.length;
}

/** Lists of `n` candidates with random terms; the `relevantCount` best by `truth` are relevant. */
function makeLists(count: number, n: number, relevantCount: number, seed: number, truth: (x: RankerInputs) => number, terms: string[]) {
  const random = lcg(seed);
  const lists: TrainingList[] = [];
  for (let l = 0; l < count; l++) {
    const inputs = Array.from({ length: n }, () => Object.fromEntries(terms.map((t) => [t, random()])));
    const best = new Set(
      inputs
        .map((x, i) => ({ i, v: truth(x) }))
        .sort((a, b) => b.v - a.v)
        .slice(0, relevantCount)
        .map(({ i }) => i),
    );
    lists.push({ inputs, relevant: inputs.map((_, i) => best.has(i)) });
  }
  return lists;
}

describe(rankerInputs.name, () => {
  const candidate: RankableCandidate = {
    itemId: 'x',
    sourceScores: { user_cf: 0.5, editorial: 1 },
    numbers: { item_quality_score: 0.8, item_popularity: 0.3, not_a_term: 9 },
    category: 'drama',
  };

  it('names source scores source:<name>, keeps the known numeric item terms and adds the category affinity', () => {
    expect(rankerInputs(candidate, { drama: 0.6, comedy: 0.4 })).toEqual({
      'source:user_cf': 0.5,
      'source:editorial': 1,
      item_quality_score: 0.8,
      item_popularity: 0.3,
      [AFFINITY_TERM]: 0.6,
    });
  });

  it('has no affinity term when the affinity is empty or lacks the category', () => {
    expect(rankerInputs(candidate, {})).not.toHaveProperty(AFFINITY_TERM);
    expect(rankerInputs(candidate, { comedy: 1 })).not.toHaveProperty(AFFINITY_TERM);
  });
});

describe(scoreLinear.name, () => {
  it('sums weight × input, ignoring unweighted inputs, and names the largest positive contribution', () => {
    const scored = scoreLinear({ a: 1, b: 2, c: -1 }, 'item', { a: 0.5, b: 0.2, c: 1, d: 5 });
    expect(scored.itemId).toBe('item');
    expect(scored.score).toBeCloseTo(0.5 + 0.4 - 1, 12);
    expect(scored.strongest).toBe('a');
    expect(scoreLinear({ a: 1, b: 2 }, 'item', { a: 0.5, b: 0.3 }).strongest).toBe('b');
  });

  it('names no term when no contribution is positive', () => {
    expect(scoreLinear({ a: -1, b: 0 }, 'item', { a: 1, b: 1 })).toEqual({ itemId: 'item', score: -1, strongest: '' });
  });
});

describe(rankLinear.name, () => {
  const candidate = (itemId: string, sourceScores: Record<string, number>, quality: number): RankableCandidate => ({
    itemId,
    sourceScores,
    numbers: { item_quality_score: quality },
    category: 'drama',
  });

  it('sorts by score, best first, with ties broken by item id', () => {
    const weights = { 'source:trending_region': 1, item_quality_score: 2 };
    const ranked = rankLinear(
      weights,
      [
        candidate('c', { trending_region: 0.6 }, 0.2),
        candidate('b', { trending_region: 1 }, 0),
        candidate('a', {}, 0.5),
        candidate('d', {}, 0.75),
      ],
      {},
    );
    // c: 0.6 + 2·0.2 = 1; b: 1; a: 2·0.5 = 1; d: 1.5.
    expect(ranked.map((s) => [s.itemId, s.score])).toEqual([
      ['d', 1.5],
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    expect(ranked.map((s) => s.strongest)).toEqual([
      'item_quality_score',
      'item_quality_score',
      'source:trending_region',
      'source:trending_region',
    ]);
  });

  it('uses the affinity of the candidate category', () => {
    const ranked = rankLinear(
      { [AFFINITY_TERM]: 1 },
      [
        { itemId: 'x', sourceScores: {}, numbers: {}, category: 'comedy' },
        { itemId: 'y', sourceScores: {}, numbers: {}, category: 'drama' },
      ],
      { drama: 0.9, comedy: 0.1 },
    );
    expect(ranked.map((s) => s.itemId)).toEqual(['y', 'x']);
    expect(ranked[0].strongest).toBe(AFFINITY_TERM);
  });

  it("falls back to the candidate's best source as the strongest term when nothing contributes", () => {
    const [scored] = rankLinear({}, [candidate('a', { editorial: 0.2, user_cf: 0.9 }, 1)], {});
    expect(scored).toEqual({ itemId: 'a', score: 0, strongest: 'source:user_cf', index: 0 });
    expect(rankLinear({}, [candidate('b', {}, 1)], {})[0].strongest).toBe('');
  });
});

describe(rankLinearColumns.name, () => {
  it('scores, names the strongest term and orders exactly as rankLinear over the same candidates', () => {
    const random = lcg(7);
    const sourceNames = ['user_cf', 'item_to_item', 'trending_region'];
    const categories = ['books', 'music', 'news', ''];
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(random() * 60);
      // Coarse values make ties (equal scores, equal source scores, zero contributions) common.
      const value = () => Math.floor(random() * 4) / 4;
      const itemIds = Array.from({ length: n }, (_, i) => `item-${Math.floor(random() * 1000)}-${i}`);
      const sourceScores = Object.fromEntries(sourceNames.map((s) => [s, itemIds.map(() => (random() < 0.5 ? 0 : value()))]));
      const numbers = {
        item_popularity: itemIds.map(value),
        item_quality_score: itemIds.map(value),
        context_local_hour: itemIds.map(value),
      };
      const cats = itemIds.map(() => categories[Math.floor(random() * categories.length)]);
      const weights: Record<string, number> = Object.fromEntries(
        [...sourceNames.map((s) => `source:${s}`), 'item_popularity', 'item_quality_score', AFFINITY_TERM].map((t) => [
          t,
          trial % 5 === 0 ? 0 : Math.floor(random() * 5) - 2,
        ]),
      );
      const affinity = { books: value(), music: value() };
      const candidates: RankableCandidate[] = itemIds.map((itemId, i) => ({
        itemId,
        sourceScores: Object.fromEntries(sourceNames.filter((s) => sourceScores[s][i] > 0).map((s) => [s, sourceScores[s][i]])),
        numbers: Object.fromEntries(Object.entries(numbers).map(([name, values]) => [name, values[i]])),
        category: cats[i],
      }));
      const all = rankLinear(weights, candidates, affinity);
      expect(rankLinearColumns(weights, { itemIds, sourceScores, numbers, categories: cats }, affinity)).toEqual(all);
      // With a limit: the best that many, the same as the first of all of them (0 and more than there are: all).
      const limit = Math.floor(random() * (n + 2));
      expect(rankLinearColumns(weights, { itemIds, sourceScores, numbers, categories: cats }, affinity, limit)).toEqual(
        limit === 0 ? all : all.slice(0, limit),
      );
    }
  });
});

describe(trainLinearRanker.name, () => {
  const options = { rounds: 3, cutoff: 5, minGain: 2e-3 };

  it('recovers a planted signal: relevance follows one term, the others are noise', () => {
    const terms = ['noise1', 'signal', 'noise2'];
    const lists = makeLists(25, 12, 3, 7, (x) => x.signal, terms);
    const weights = trainLinearRanker(lists, { ...options, terms });
    expect(weights).toEqual({ noise1: 0, signal: 1, noise2: 0 });
    expect(meanNdcg(lists, weights, 5)).toBe(1);
  });

  it('never does worse on its training lists than the best single term, and here does better by combining terms', () => {
    const terms = ['t1', 't2', 'anti', 'noise'];
    const random = lcg(99);
    const lists = makeLists(30, 12, 3, 3, (x) => x.t1 + 0.7 * x.t2, ['t1', 't2', 'noise']).map((l) => ({
      ...l,
      inputs: l.inputs.map((x) => ({ ...x, anti: 1 - x.t1 + 0.1 * random() })),
    }));
    const weights = trainLinearRanker(lists, { ...options, terms });
    expect(Object.keys(weights).sort()).toEqual([...terms].sort());
    const trained = meanNdcg(lists, weights, 5);
    const singles = terms.map((t) => meanNdcg(lists, { [t]: 1 }, 5));
    const bestSingle = Math.max(...singles);
    expect(bestSingle).toBeLessThan(0.95);
    expect(trained).toBeGreaterThanOrEqual(bestSingle);
    expect(trained).toBeGreaterThan(bestSingle + 0.02);
    // The anchor is the best single term (t1), fixed at 1; t2 helps, so it gets a positive weight.
    expect(weights.t1).toBe(1);
    expect(weights.t2).toBeGreaterThan(0);
  });

  it('keeps the fallback weight of a term the lists give no signal about, and learns the others', () => {
    const terms = ['signal', 'noise', 'needs_seed'];
    const lists = makeLists(25, 12, 3, 7, (x) => x.signal, ['signal', 'noise']);
    const weights = trainLinearRanker(lists, { ...options, terms, fallback: { needs_seed: 0.6, signal: 5, noise: 5 } });
    expect(weights).toEqual({ signal: 1, noise: 0, needs_seed: 0.6 });
    expect(trainLinearRanker(lists, { ...options, terms })).toEqual({ signal: 1, noise: 0, needs_seed: 0 });
  });

  it('answers the fallback weights when there is nothing to learn from', () => {
    expect(trainLinearRanker([], { ...options, terms: ['a', 'b'], fallback: { a: 0.5 } })).toEqual({ a: 0.5, b: 0 });
  });

  it('ignores inputs that are not among its terms', () => {
    const lists = makeLists(20, 8, 2, 5, (x) => x.secret, ['secret', 'a', 'b']);
    const weights = trainLinearRanker(lists, { ...options, terms: ['a', 'b'] });
    expect(Object.keys(weights)).toEqual(['a', 'b']);
    expect(meanNdcg(lists, weights, 5)).toBeLessThan(1);
  });

  it('trains on nothing (all-zero weights) when no list has a relevant item and more than one candidate', () => {
    const lists: TrainingList[] = [
      { inputs: [{ a: 1 }, { a: 0 }], relevant: [false, false] },
      { inputs: [{ a: 1 }], relevant: [true] },
    ];
    expect(trainLinearRanker(lists, { ...options, terms: ['a', 'b'] })).toEqual({ a: 0, b: 0 });
  });

  it('ranks tied candidates in list order and anchors on the first of equally good terms', () => {
    // With cutoff 1, term a ties candidates 0 and 1: list order puts the relevant candidate 0 first, so a alone
    // is perfect, as is b; a comes first among the terms, so it is the anchor and b has nothing left to add.
    const lists: TrainingList[] = [
      {
        inputs: [
          { a: 1, b: 0.2 },
          { a: 1, b: 0 },
          { a: 0, b: 0 },
        ],
        relevant: [true, false, false],
      },
    ];
    expect(trainLinearRanker(lists, { ...options, cutoff: 1, terms: ['a', 'b'] })).toEqual({ a: 1, b: 0 });
    expect(trainLinearRanker(lists, { ...options, cutoff: 1, terms: ['b', 'a'] })).toEqual({ b: 1, a: 0 });
  });

  it('is deterministic', () => {
    const terms = ['t1', 't2', 'noise'];
    const lists = makeLists(15, 10, 2, 21, (x) => x.t1 + x.t2, terms);
    expect(trainLinearRanker(lists, { ...options, terms })).toEqual(trainLinearRanker(lists, { ...options, terms }));
  });
});

describe(byScoreThenId.name, () => {
  it('orders best score first, ties by item id, and answers only -1 or 1 (never a difference of scores)', () => {
    const scores = [0.25, 0.7, 0.25, 0.1 + 0.2];
    const ids = ['d', 'a', 'c', 'b'];
    const compare = byScoreThenId(scores, ids);
    expect([0, 1, 2, 3].sort(compare)).toEqual([1, 3, 2, 0]);
    for (const a of [0, 1, 2, 3]) for (const b of [0, 1, 2, 3]) if (a !== b) expect([-1, 1]).toContain(compare(a, b));
  });
});
