import { ItemEmbeddings } from './als';
import { neighborsFromRows } from './neighbors';
import { embeddingScores, neighborhoodScores, recencyWeights, rowIndex, selectTop, topScores } from './retrieval';

describe(rowIndex.name, () => {
  it('maps each item id to its row', () => {
    expect(rowIndex(['x', 'y'])).toEqual(
      new Map([
        ['x', 0],
        ['y', 1],
      ]),
    );
  });
});

describe(neighborhoodScores.name, () => {
  // a → b 0.5, c 0.25; b → c 1, d 0.5; c → a −1; d → nothing.
  const model = neighborsFromRows(
    ['a', 'b', 'c', 'd'],
    [
      [
        [1, 0.5],
        [2, 0.25],
      ],
      [
        [2, 1],
        [3, 0.5],
      ],
      [[0, -1]],
      [],
    ],
  );
  const rows = rowIndex(model.items);

  it('sums seed weight × neighbour weight over the seeds', () => {
    // b: 2·0.5; c: 2·0.25 + 1·1; d: 1·0.5.
    expect(
      neighborhoodScores(model, rows, [
        ['a', 2],
        ['b', 1],
      ]),
    ).toEqual(
      new Map([
        ['b', 1],
        ['c', 1.5],
        ['d', 0.5],
      ]),
    );
  });

  it('leaves out excluded items and items whose total is not positive', () => {
    const seeds: [string, number][] = [
      ['a', 2],
      ['b', 1],
    ];
    expect(neighborhoodScores(model, rows, seeds, new Set(['a', 'b']))).toEqual(
      new Map([
        ['c', 1.5],
        ['d', 0.5],
      ]),
    );
    // c → a is −1, so a falls out; with b's seed weight −1, c (0.25 − 1) and d (−0.5) fall out.
    expect(
      neighborhoodScores(model, rows, [
        ['c', 1],
        ['a', 1],
      ]),
    ).toEqual(
      new Map([
        ['b', 0.5],
        ['c', 0.25],
      ]),
    );
    expect(
      neighborhoodScores(model, rows, [
        ['a', 1],
        ['b', -1],
      ]),
    ).toEqual(new Map([['b', 0.5]]));
  });

  it('skips unknown seeds and zero-weight seeds', () => {
    expect(
      neighborhoodScores(model, rows, [
        ['zzz', 5],
        ['b', 0],
      ]),
    ).toEqual(new Map());
  });
});

describe(embeddingScores.name, () => {
  const model: ItemEmbeddings = {
    items: ['x', 'y', 'z'],
    factors: 2,
    vectors: Float32Array.from([1, 0, 0, 2, -1, 1]),
    gramian: new Float64Array(4),
    alpha: 1,
  };

  it('scores items by inner product with the user, keeping positive scores not excluded', () => {
    const user = Float64Array.from([3, 1]);
    expect(embeddingScores(model, user)).toEqual(
      new Map([
        ['x', 3],
        ['y', 2],
      ]),
    );
    expect(embeddingScores(model, user, new Set(['x']))).toEqual(new Map([['y', 2]]));
  });

  it('returns nothing for the zero user', () => {
    expect(embeddingScores(model, new Float64Array(2))).toEqual(new Map());
  });

  it('with a limit keeps exactly the best not-excluded items, best first, whatever is excluded', () => {
    let seed = 5;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const n = 400;
    const big: ItemEmbeddings = {
      items: Array.from({ length: n }, (_, i) => `it${i}`),
      factors: 3,
      // Coarse values: many equal scores, so ties by id matter.
      vectors: Float32Array.from({ length: n * 3 }, () => Math.floor(rand() * 5) - 1),
      gramian: new Float64Array(9),
      alpha: 1,
    };
    const user = Float64Array.from([1, 0.5, 2]);
    const all = [...embeddingScores(big, user)];
    for (const limit of [1, 10, 50]) {
      // Excluded: the best items themselves and some others.
      const exclude = new Set([...all.slice(0, limit).filter((_, i) => i % 2 === 0), ...all.slice(-20)].map(([id]) => id));
      const expected = all
        .filter(([id]) => !exclude.has(id))
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, limit);
      expect([...embeddingScores(big, user, exclude, limit)]).toEqual(expected);
    }
  });
});

describe(topScores.name, () => {
  it('keeps the best positive entries up to the limit, scaled by the best, ties by id', () => {
    const scores = new Map([
      ['a', 2],
      ['c', 4],
      ['b', 4],
      ['d', 0],
      ['e', -1],
      ['f', 1],
    ]);
    expect(topScores(scores, 3)).toEqual([
      ['b', 1],
      ['c', 1],
      ['a', 0.5],
    ]);
    expect(topScores({ a: 2, c: 4, f: 1 }, 10)).toEqual([
      ['c', 1],
      ['a', 0.5],
      ['f', 0.25],
    ]);
    expect(topScores(new Map([['a', -1]]), 5)).toEqual([]);
  });

  it('gives the same as over any other order when the map is already ranked (or nearly: a tie out of order)', () => {
    const reference = (entries: [string, number][], limit: number) => {
      const top = entries
        .filter(([, v]) => v > 0)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, limit);
      return top.map(([id, v]): [string, number] => [id, v / (top[0]?.[1] ?? 1)]);
    };
    const cases: [string, number][][] = [
      [
        ['a', 4],
        ['b', 4],
        ['c', 2],
        ['d', 1],
      ],
      // Ranked but for a tie whose ids are out of order.
      [
        ['b', 4],
        ['a', 4],
        ['c', 2],
      ],
      // Ranked but with a score that is not positive at the end.
      [
        ['a', 3],
        ['b', 1],
        ['c', 0],
      ],
      [
        ['a', 3],
        ['b', 1],
        ['c', -2],
      ],
      [['a', 1]],
      [],
    ];
    for (const entries of cases)
      for (const limit of [1, 2, 3, 4, 10]) expect(topScores(new Map(entries), limit)).toEqual(reference(entries, limit));
  });
});

describe(recencyWeights.name, () => {
  it('halves the weight every halfLife positions from the newest item', () => {
    expect(recencyWeights(['a', 'b', 'c'], 1)).toEqual(
      new Map([
        ['a', 1],
        ['b', 0.5],
        ['c', 0.25],
      ]),
    );
  });

  it('sums the weights of an item that appears more than once', () => {
    const w = recencyWeights(['a', 'b', 'a'], 2);
    expect(w.get('a')).toBeCloseTo(1 + 0.5, 12);
    expect(w.get('b')).toBeCloseTo(Math.SQRT1_2, 12);
  });
});

describe(selectTop.name, () => {
  it('selects exactly what a full sort would, ties by id, over many random entries and limits', () => {
    let seed = 11;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const entries: [string, number][] = Array.from({ length: 2000 }, (_, i) => [`i${i}`, Math.floor(rand() * 50) - 5]);
    const sorted = entries.filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    for (const limit of [0, 1, 7, 100, 5000]) expect(selectTop(entries, limit)).toEqual(sorted.slice(0, limit));
  });
});
