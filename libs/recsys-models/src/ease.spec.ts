import { EaseModel, sparsifyEase, trainEase } from './ease';
import { Interaction, InteractionMatrix } from './interactions';
import { neighborsOf } from './neighbors';
import { gaussJordanInverse } from './testing/reference';

/** Naive EASE over the given item columns: X binarized, P = (XᵀX + λI)⁻¹, B = I − P·diag(1/diag P). */
function naiveEase(histories: Record<string, string[]>, items: string[], lambda: number): number[][] {
  const x = Object.values(histories).map((h) => items.map((i) => (h.includes(i) ? 1 : 0)));
  const g = items.map((_, a) => items.map((_, b) => x.reduce((s, row) => s + row[a] * row[b], 0) + (a === b ? lambda : 0)));
  const p = gaussJordanInverse(g);
  return items.map((_, i) => items.map((_, j) => (i === j ? 1 : 0) - p[i][j] / p[j][j]));
}

function rowsOf(histories: Record<string, string[]>, heavy: Record<string, number> = {}): Interaction[] {
  return Object.entries(histories).flatMap(([user, items]) =>
    items.map((item, t) => ({ user, item, weight: heavy[`${user}:${item}`] ?? 1, timestampMs: t })),
  );
}

const dense = (model: EaseModel) => {
  const n = model.items.length;
  return Array.from({ length: n }, (_, i) => Array.from(model.weights.subarray(i * n, (i + 1) * n)));
};

describe(trainEase.name, () => {
  const histories = { u1: ['a', 'b'], u2: ['a', 'b', 'c'], u3: ['b', 'c'], u4: ['c', 'd'], u5: ['a', 'd'] };

  it('equals the closed form B = I − P·diag(1/diag P) on binarized interactions', () => {
    // A heavy weight and a repeated row must not change anything: EASE sees 0/1.
    const rows = [...rowsOf(histories, { 'u1:a': 7 }), { user: 'u2', item: 'c', weight: 2, timestampMs: 9 }];
    const model = trainEase(InteractionMatrix.from(rows), { lambda: 2, minSupport: 1, maxItems: 10 });
    expect(model.items).toEqual(['a', 'b', 'c', 'd']);
    const expected = naiveEase(histories, ['a', 'b', 'c', 'd'], 2);
    const actual = dense(model);
    actual.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 10)));
    // Not a trivial model: a and b co-occur, so b says something positive about a.
    expect(actual[1][0]).toBeGreaterThan(0.05);
  });

  it('has an exactly zero diagonal', () => {
    const model = trainEase(InteractionMatrix.from(rowsOf(histories)), { lambda: 0.5, minSupport: 1, maxItems: 10 });
    const n = model.items.length;
    for (let i = 0; i < n; i++) expect(model.weights[i * n + i]).toBe(0);
  });

  it('keeps only items with minSupport users, then the maxItems most supported (ties by index), in index order', () => {
    // Supports: a 3, b 3, c 4, d 2, e 1.
    const more = { ...histories, u6: ['c'], u7: ['e'] };
    const matrix = InteractionMatrix.from(rowsOf(more));
    const bySupport = trainEase(matrix, { lambda: 2, minSupport: 2, maxItems: 10 });
    expect(bySupport.items).toEqual(['a', 'b', 'c', 'd']);
    const expected = naiveEase(more, ['a', 'b', 'c', 'd'], 2);
    dense(bySupport).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 10)));

    const bounded = trainEase(matrix, { lambda: 2, minSupport: 1, maxItems: 2 });
    expect(bounded.items).toEqual(['a', 'c']);
    const expectedBounded = naiveEase(more, ['a', 'c'], 2);
    dense(bounded).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expectedBounded[i][j], 10)));
  });
});

describe(sparsifyEase.name, () => {
  it('keeps the k largest positive off-diagonal weights of each row, best first', () => {
    const model: EaseModel = {
      items: ['a', 'b', 'c', 'd'],
      // prettier-ignore
      weights: Float64Array.from([
        5, 0.5, -1, 0.75,
        0.25, 0, 0.25, 0.125,
        -1, -2, 0, 0,
        0.5, 0.5, 0.5, 0,
      ]),
    };
    const sparse = sparsifyEase(model, 2);
    expect(sparse.items).toEqual(['a', 'b', 'c', 'd']);
    expect(neighborsOf(sparse, 0)).toEqual([
      ['d', 0.75],
      ['b', 0.5],
    ]);
    expect(neighborsOf(sparse, 1)).toEqual([
      ['a', 0.25],
      ['c', 0.25],
    ]);
    expect(neighborsOf(sparse, 2)).toEqual([]);
    expect(neighborsOf(sparse, 3)).toEqual([
      ['a', 0.5],
      ['b', 0.5],
    ]);
  });
});
