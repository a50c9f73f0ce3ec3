import { AlsOptions, foldInUser, ItemEmbeddings, trainAls } from './als';
import { Interaction, InteractionMatrix } from './interactions';

const OPTIONS: AlsOptions = { factors: 3, regularization: 0.1, alpha: 5, iterations: 8, cgSteps: 3, seed: 11 };

/** Two groups of users with disjoint tastes: each g0 user uses 4 of the items a0..a4, each g1 user 4 of b0..b4. */
function twoGroups(): Interaction[] {
  const rows: Interaction[] = [];
  for (const [group, prefix] of [
    ['g0', 'a'],
    ['g1', 'b'],
  ]) {
    for (let u = 0; u < 8; u++) {
      for (let j = 0; j < 4; j++)
        rows.push({ user: `${group}-${u}`, item: `${prefix}${(u + j) % 5}`, weight: 1 + (j % 2), timestampMs: j });
    }
  }
  return rows;
}

/** YᵀY + λI from the item vectors, naively. */
function naiveGramian(vectors: ArrayLike<number>, items: number, k: number, lambda: number): number[][] {
  return Array.from({ length: k }, (_, a) =>
    Array.from({ length: k }, (_, b) => {
      let s = a === b ? lambda : 0;
      for (let i = 0; i < items; i++) s += vectors[i * k + a] * vectors[i * k + b];
      return s;
    }),
  );
}

describe(trainAls.name, () => {
  const matrix = InteractionMatrix.from(twoGroups());

  it('is deterministic for a seed and depends on the seed', () => {
    const first = trainAls(matrix, OPTIONS);
    const again = trainAls(matrix, OPTIONS);
    expect(Array.from(again.vectors)).toEqual(Array.from(first.vectors));
    expect(Array.from(again.gramian)).toEqual(Array.from(first.gramian));
    const other = trainAls(matrix, { ...OPTIONS, seed: 12 });
    expect(Array.from(other.vectors)).not.toEqual(Array.from(first.vectors));
  });

  it('returns one vector per item, the regularized Gramian YᵀY + λI and the confidence scale', () => {
    const model = trainAls(matrix, OPTIONS);
    expect(model.items).toEqual(matrix.items.ids);
    expect(model.factors).toBe(3);
    expect(model.vectors.length).toBe(10 * 3);
    expect(model.alpha).toBe(5);
    const expected = naiveGramian(model.vectors, 10, 3, 0.1);
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expect(model.gramian[a * 3 + b]).toBeCloseTo(expected[a][b], 5);
  });

  it('converges to a fixed point of exact alternating least squares (each item vector solves its normal equations)', () => {
    // With cgSteps = factors each CG solve is exact, so after enough iterations the item vectors must solve
    // (XᵀX + λI + Σ_u (c−1)·x xᵀ)·y = Σ_u c·x for the user vectors X that the item tower itself implies.
    const k = 3;
    const options: AlsOptions = { ...OPTIONS, factors: k, cgSteps: k, iterations: 1000 };
    const model = trainAls(matrix, options);
    const users = Array.from({ length: matrix.users.size }, (_, u) => {
      const { indices, weights } = matrix.row(u);
      return foldInUser(model, new Map(Array.from(indices, (i, p): [number, number] => [i, weights[p]])));
    });
    const xtx = naiveGramian(
      users.flatMap((x) => Array.from(x)),
      users.length,
      k,
      options.regularization,
    );
    const byItem = matrix.transpose();
    let worst = 0;
    for (let i = 0; i < matrix.items.size; i++) {
      const a = xtx.map((row) => [...row]);
      const b = [0, 0, 0];
      for (let q = byItem.indptr[i]; q < byItem.indptr[i + 1]; q++) {
        const x = users[byItem.indices[q]];
        const c = 1 + options.alpha * byItem.weights[q];
        for (let f = 0; f < k; f++) {
          b[f] += c * x[f];
          for (let g = 0; g < k; g++) a[f][g] += (c - 1) * x[f] * x[g];
        }
      }
      const y = Array.from(model.vectors.subarray(i * k, (i + 1) * k));
      // Residual of A·y = b, relative to |b|.
      const residual = a.map((row, f) => row.reduce((s, v, g) => s + v * y[g], 0) - b[f]);
      worst = Math.max(worst, Math.hypot(...residual) / Math.hypot(...b));
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it("learns the groups: a user folded in from one group's items scores that group's items above the other's", () => {
    const model = trainAls(matrix, OPTIONS);
    const row = (id: string) => model.items.indexOf(id);
    const user = foldInUser(
      model,
      new Map([
        [row('a0'), 1],
        [row('a1'), 2],
      ]),
    );
    const score = (id: string) => user.reduce((s, v, f) => s + v * model.vectors[row(id) * 3 + f], 0);
    const worstOwn = Math.min(...['a2', 'a3', 'a4'].map(score));
    const bestOther = Math.max(...['b0', 'b1', 'b2', 'b3', 'b4'].map(score));
    expect(worstOwn).toBeGreaterThan(bestOther);
  });
});

describe(foldInUser.name, () => {
  // Items y0 = (1, 0.5), y1 = (0, 1), y2 = (0.5, −1); λ = 0.1; α = 2.
  const vectors = Float32Array.from([1, 0.5, 0, 1, 0.5, -1]);
  const model: ItemEmbeddings = {
    items: ['i0', 'i1', 'i2'],
    factors: 2,
    vectors,
    gramian: Float64Array.from(naiveGramian(vectors, 3, 2, 0.1).flat()),
    alpha: 2,
  };

  it('solves (YᵀY + λI + Σ (c−1)·y yᵀ)·x = Σ c·y with c = 1 + α·weight', () => {
    const history = new Map([
      [0, 1],
      [2, 0.5],
    ]);
    const y = [
      [1, 0.5],
      [0, 1],
      [0.5, -1],
    ];
    // YᵀY + λI = [[1.35, 0], [0, 2.35]] (by hand); c0 = 3, c2 = 2.
    const a = [
      [1.35 + 2 * y[0][0] * y[0][0] + 1 * y[2][0] * y[2][0], 2 * y[0][0] * y[0][1] + 1 * y[2][0] * y[2][1]],
      [2 * y[0][1] * y[0][0] + 1 * y[2][1] * y[2][0], 2.35 + 2 * y[0][1] * y[0][1] + 1 * y[2][1] * y[2][1]],
    ];
    const b = [3 * y[0][0] + 2 * y[2][0], 3 * y[0][1] + 2 * y[2][1]];
    // Cramer's rule.
    const det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    const expected = [(b[0] * a[1][1] - a[0][1] * b[1]) / det, (a[0][0] * b[1] - b[0] * a[1][0]) / det];
    const x = foldInUser(model, history);
    expect(x[0]).toBeCloseTo(expected[0], 12);
    expect(x[1]).toBeCloseTo(expected[1], 12);
    expect(model.gramian[1]).toBe(0);
    expect(model.gramian[0]).toBeCloseTo(1.35, 12);
  });

  it('does not change the model and gives the zero vector for an empty history', () => {
    const before = Array.from(model.gramian);
    foldInUser(model, new Map([[1, 3]]));
    expect(Array.from(model.gramian)).toEqual(before);
    expect(Array.from(foldInUser(model, new Map()))).toEqual([0, 0]);
  });
});
