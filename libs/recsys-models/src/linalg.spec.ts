import { cholesky, dot, invertSpd, solveSpd } from './linalg';
import { gaussJordanInverse } from './testing/reference';

function matmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

const flat = (m: number[][]) => Float64Array.from(m.flat());
const square = (a: Float64Array, n: number) => Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));

/** A well-conditioned SPD matrix MᵀM + I from a fixed, non-symmetric M. */
function spd(n: number): number[][] {
  const m = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => ((i * 7 + j * 3) % 5) - 2 + (i === j ? 1 : 0)));
  const mtm = matmul(
    m[0].map((_, j) => m.map((row) => row[j])),
    m,
  );
  return mtm.map((row, i) => row.map((v, j) => v + (i === j ? 1 : 0)));
}

function expectMatrixClose(actual: number[][], expected: number[][], digits = 9): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], digits)));
}

describe(dot.name, () => {
  it('sums products over the given offsets and length, including the unrolled tail', () => {
    const a = Float64Array.from([9, 1, 2, 3, 4, 5, 6, 7]);
    const b = Float64Array.from([1, 1, 2, 1, 0.5, 2, 3, 10, 10]);
    // a[1..8) · b[2..9) = 1·2 + 2·1 + 3·0.5 + 4·2 + 5·3 + 6·10 + 7·10
    expect(dot(a, 1, b, 2, 7)).toBe(2 + 2 + 1.5 + 8 + 15 + 60 + 70);
    expect(dot(a, 0, b, 0, 3)).toBe(9 + 1 + 4);
    expect(dot(a, 3, b, 3, 0)).toBe(0);
  });
});

describe(cholesky.name, () => {
  it('writes L with L·Lᵀ = A into the lower triangle and leaves the upper triangle as it was', () => {
    // A = L·Lᵀ with L = [[2,0,0],[1,3,0],[-1,2,1]] (by hand); the upper triangle holds markers, never read.
    const a = flat([
      [4, 91, 92],
      [2, 10, 93],
      [-2, 5, 6],
    ]);
    cholesky(a, 3);
    expect(Array.from(a)).toEqual([2, 91, 92, 1, 3, 93, -1, 2, 1]);
  });

  it('throws on a matrix that is not positive definite', () => {
    expect(() =>
      cholesky(
        flat([
          [1, 2],
          [2, 1],
        ]),
        2,
      ),
    ).toThrow(/not positive definite/);
    expect(() => cholesky(new Float64Array(4), 2)).toThrow(/not positive definite/);
  });
});

describe(invertSpd.name, () => {
  it('matches a Gauss–Jordan inverse and gives A·A⁻¹ ≈ I', () => {
    const n = 6;
    const a = spd(n);
    const inverse = square(invertSpd(flat(a), n), n);
    expectMatrixClose(inverse, gaussJordanInverse(a));
    const identity = a.map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
    expectMatrixClose(matmul(a, inverse), identity);
  });

  it('returns a full symmetric matrix (both triangles filled)', () => {
    const n = 5;
    const p = square(invertSpd(flat(spd(n)), n), n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(p[i][j]).toBe(p[j][i]);
    expect(p[0][n - 1]).not.toBe(0);
  });

  it('inverts a 2×2 example computed by hand', () => {
    // [[4,2],[2,3]]⁻¹ = (1/8)·[[3,-2],[-2,4]]
    const p = invertSpd(
      flat([
        [4, 2],
        [2, 3],
      ]),
      2,
    );
    expect(Array.from(p).map((v) => v * 8)).toEqual([
      expect.closeTo(3, 12),
      expect.closeTo(-2, 12),
      expect.closeTo(-2, 12),
      expect.closeTo(4, 12),
    ]);
  });

  it('throws when the matrix is not positive definite', () => {
    expect(() =>
      invertSpd(
        flat([
          [1, 0, 0],
          [0, -1, 0],
          [0, 0, 1],
        ]),
        3,
      ),
    ).toThrow(/not positive definite/);
  });
});

describe(solveSpd.name, () => {
  it('solves a 2×2 system computed by hand', () => {
    // (1/8)·[[3,-2],[-2,4]]·[2,1] = [0.5, 0]
    const x = solveSpd(
      flat([
        [4, 2],
        [2, 3],
      ]),
      Float64Array.from([2, 1]),
      2,
    );
    expect(x[0]).toBeCloseTo(0.5, 12);
    expect(x[1]).toBeCloseTo(0, 12);
  });

  it('agrees with the Gauss–Jordan inverse times b and leaves its inputs untouched', () => {
    const k = 5;
    const a = spd(k);
    const b = [3, -1, 0.5, 2, -4];
    const aFlat = flat(a);
    const bFlat = Float64Array.from(b);
    const x = solveSpd(aFlat, bFlat, k);
    const expected = gaussJordanInverse(a).map((row) => row.reduce((s, v, j) => s + v * b[j], 0));
    expected.forEach((v, i) => expect(x[i]).toBeCloseTo(v, 9));
    expect(Array.from(aFlat)).toEqual(a.flat());
    expect(Array.from(bFlat)).toEqual(b);
  });

  it('throws when the matrix is not positive definite', () => {
    expect(() =>
      solveSpd(
        flat([
          [1, 3],
          [3, 1],
        ]),
        Float64Array.from([1, 1]),
        2,
      ),
    ).toThrow(/not positive definite/);
  });
});
