import { ItemEmbeddings } from './als';
import { ContentIndex } from './content';
import { neighborsFromRows } from './neighbors';
import { mulberry32 } from './random';
import { topScores } from './retrieval';
import {
  contentSimilarScores,
  contentSimilarTopScores,
  itemToItemScores,
  listScores,
  RetrievalArtifacts,
  sessionIntentScores,
  twoTowerScores,
  twoTowerTopScores,
  userCfScores,
  userCfTopScores,
  userEmbedding,
} from './sources';

// user_cf: a → b 0.5, c 0.25; b → c 1.
const cf = neighborsFromRows(
  ['a', 'b', 'c'],
  [
    [
      [1, 0.5],
      [2, 0.25],
    ],
    [[2, 1]],
    [],
  ],
);
// Item tower: a = (1, 0), b = (0, 1), c = (1, 1); YᵀY + λI with λ = 1 is [[3, 1], [1, 3]] (by hand); α = 1.
const embeddings: ItemEmbeddings = {
  items: ['a', 'b', 'c'],
  factors: 2,
  vectors: Float32Array.from([1, 0, 0, 1, 1, 1]),
  gramian: Float64Array.from([3, 1, 1, 3]),
  alpha: 1,
};
// Co-occurrence: a → b 1, c 0.5; b → d 1; c → d 0.5; d → a 0.25.
const cooccurrence = neighborsFromRows(
  ['a', 'b', 'c', 'd'],
  [
    [
      [1, 1],
      [2, 0.5],
    ],
    [[3, 1]],
    [[3, 0.5]],
    [[0, 0.25]],
  ],
);
const content = new ContentIndex([
  { itemId: 'a', category: 'drama', tags: ['paris'], title: 'Alpha' },
  { itemId: 'b', category: 'drama', tags: [], title: 'Beta' },
  { itemId: 'c', category: 'comedy', tags: ['paris'], title: 'Gamma' },
]);
const full = new RetrievalArtifacts(cf, embeddings, cooccurrence, content);
const empty = new RetrievalArtifacts(undefined, undefined, undefined, undefined);

describe(RetrievalArtifacts.name, () => {
  it('indexes the rows of each model by item id', () => {
    expect(full.cfRows.get('c')).toBe(2);
    expect(full.embeddingRows.get('b')).toBe(1);
    expect(full.cooccurrenceRows.get('d')).toBe(3);
    expect(empty.cfRows.size).toBe(0);
  });
});

describe(userCfScores.name, () => {
  it("scores the history's neighbours and never returns a history item", () => {
    // b: 1·0.5 (excluded: in history); c: 1·0.25 + 2·1.
    expect(
      userCfScores(
        full,
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
      ),
    ).toEqual(new Map([['c', 2.25]]));
    expect(userCfScores(empty, new Map([['a', 1]]))).toEqual(new Map());
  });
});

describe(userEmbedding.name, () => {
  it('folds the user in from the positive-weight history items the tower knows', () => {
    // History a with weight 1: c = 2, A = [[3,1],[1,3]] + 1·a aᵀ = [[4,1],[1,3]], b = 2·a = (2, 0).
    // x = A⁻¹·b = (1/11)·[[3,−1],[−1,4]]·(2, 0) = (6/11, −2/11).
    const x = userEmbedding(
      full,
      new Map([
        ['a', 1],
        ['b', -2],
        ['c', 0],
        ['unknown', 5],
      ]),
    )!;
    expect(x[0]).toBeCloseTo(6 / 11, 12);
    expect(x[1]).toBeCloseTo(-2 / 11, 12);
    expect(userEmbedding(empty, new Map([['a', 1]]))).toBeUndefined();
  });
});

describe(twoTowerScores.name, () => {
  it('scores items by inner product with the user embedding, minus the excluded ones', () => {
    const user = Float64Array.from([2, -1]);
    // a: 2, b: −1 (dropped), c: 1.
    expect(twoTowerScores(full, user, new Set(['a']))).toEqual(new Map([['c', 1]]));
    expect(twoTowerScores(full, undefined, new Set())).toEqual(new Map());
    expect(twoTowerScores(empty, user, new Set())).toEqual(new Map());
  });
});

describe(itemToItemScores.name, () => {
  it("returns the seed's co-occurrence neighbours, and nothing without a seed or model", () => {
    expect(itemToItemScores(full, 'a')).toEqual(
      new Map([
        ['b', 1],
        ['c', 0.5],
      ]),
    );
    expect(itemToItemScores(full, '')).toEqual(new Map());
    expect(itemToItemScores(empty, 'a')).toEqual(new Map());
  });
});

describe(sessionIntentScores.name, () => {
  it("weighs the session's items by recency, halving every 3 items, and excludes the session's items", () => {
    // Newest first: c weight 1, x 2^(−1/3), y 2^(−2/3), a 2^(−1) = 0.5. d: 1·0.5 (from c); b: 0.5·1 and c (from a) excluded.
    expect(sessionIntentScores(full, ['c', 'x', 'y', 'a'])).toEqual(
      new Map([
        ['d', 0.5],
        ['b', 0.5],
      ]),
    );
    // b newest (1), c next (2^(−1/3)): d = 1·1 + 2^(−1/3)·0.5.
    const scores = sessionIntentScores(full, ['b', 'c']);
    expect([...scores.keys()]).toEqual(['d']);
    expect(scores.get('d')).toBeCloseTo(1 + Math.pow(2, -1 / 3) * 0.5, 6);
    expect(sessionIntentScores(full, [])).toEqual(new Map());
  });
});

describe(contentSimilarScores.name, () => {
  it('uses the seed item when there is one, else the query, else nothing', () => {
    const bySeed = contentSimilarScores(full, 'a', 'comedy');
    expect([...bySeed.keys()].sort()).toEqual(['b', 'c']);
    expect(bySeed).toEqual(content.similarToItem('a'));
    const byQuery = contentSimilarScores(full, undefined, 'comedy');
    expect([...byQuery.keys()]).toEqual(['c']);
    expect(contentSimilarScores(full, undefined, undefined)).toEqual(new Map());
    expect(contentSimilarScores(empty, 'a', 'comedy')).toEqual(new Map());
  });
});

describe(listScores.name, () => {
  it('scores a plain list by 1/position and a scored list by its own scores', () => {
    expect(listScores(['x', 'y', 'z'])).toEqual(
      new Map([
        ['x', 1],
        ['y', 1 / 2],
        ['z', 1 / 3],
      ]),
    );
    expect(
      listScores([
        ['x', 0.9],
        ['y', 0.2],
      ]),
    ).toEqual(
      new Map([
        ['x', 0.9],
        ['y', 0.2],
      ]),
    );
  });
});

describe('the serving tops (userCfTopScores, twoTowerTopScores, contentSimilarTopScores)', () => {
  // Seeded: the cases are the same on every run.
  const random = mulberry32(20261202);
  const n = 300;
  const items = Array.from({ length: n }, (_, i) => `item-${(i * 7919) % n}`);
  // Weights and vector entries on a coarse grid, so many scores tie and the order by id decides.
  const grid = (steps: number) => Math.round(random() * steps) / steps;
  const model = neighborsFromRows(
    items,
    items.map((_, i) =>
      Array.from({ length: 1 + Math.floor(random() * 30) }, (): [number, number] => [Math.floor(random() * n), grid(4) - 0.25]).filter(
        ([j]) => j !== i,
      ),
    ),
  );
  const tower: ItemEmbeddings = {
    items,
    factors: 3,
    vectors: Float32Array.from({ length: n * 3 }, () => grid(4) - 0.5),
    gramian: Float64Array.from([3, 0, 0, 0, 3, 0, 0, 0, 3]),
    alpha: 1,
  };
  const categories = ['drama', 'comedy', 'news', 'sport'];
  const index = new ContentIndex(
    items.map((itemId, i) => ({ itemId, category: categories[i % 4], tags: i % 3 === 0 ? ['paris'] : ['rome'], title: `t${i % 5}` })),
  );
  const artifacts = new RetrievalArtifacts(model, tower, model, index);

  it('answer exactly what topScores makes of the map-based scores, ties and exclusions included', () => {
    let nonEmpty = 0;
    for (let round = 0; round < 60; round++) {
      const history = new Map<string, number>();
      for (let h = 0; h < 1 + Math.floor(random() * 25); h++) history.set(items[Math.floor(random() * n)], grid(3) * 2 - 0.5);
      const limit = [0, 1, 5, 50, 200, 1000][round % 6];
      const cf = userCfTopScores(artifacts, history, limit);
      expect(cf).toEqual(topScores(userCfScores(artifacts, history), limit));
      const user = Float64Array.from({ length: 3 }, () => grid(2) - 0.5);
      const exclude = new Set(history.keys());
      expect(twoTowerTopScores(artifacts, user, exclude, limit)).toEqual(topScores(twoTowerScores(artifacts, user, exclude, limit), limit));
      const seed = items[Math.floor(random() * n)];
      const query = round % 2 === 0 ? 'paris' : 'comedy t3';
      for (const [s, q] of [
        [seed, undefined],
        [undefined, query],
        ['no-such-item', undefined],
      ])
        expect(contentSimilarTopScores(artifacts, s, q, limit)).toEqual(topScores(contentSimilarScores(artifacts, s, q, limit), limit));
      if (cf.length > 1) nonEmpty += 1;
    }
    // The cases do exercise the tops (not only empty answers).
    expect(nonEmpty).toBeGreaterThan(20);
    expect(userCfTopScores(empty, new Map([['a', 1]]), 10)).toEqual([]);
    expect(twoTowerTopScores(artifacts, undefined, new Set(), 10)).toEqual([]);
  });

  it('leaves a remembered top of the content index as it was (the scaled answer is a copy)', () => {
    const before = index.topSimilarToItem(items[3], 20).map(([id, s]): [string, number] => [id, s]);
    contentSimilarTopScores(artifacts, items[3], undefined, 20);
    expect(index.topSimilarToItem(items[3], 20)).toEqual(before);
    expect(before.length).toBeGreaterThan(1);
    expect(before[0][1]).not.toBe(1);
  });
});
