/**
 * Dense linear algebra on row-major Float64Arrays, written for the two shapes the models need: the inverse of
 * one large symmetric positive definite matrix (EASE's item Gram matrix) and many small SPD solves (ALS).
 * Every inner loop is a dot product of two contiguous rows, which is what V8 runs fastest.
 */

/** Dot product of a[ao .. ao+len) and b[bo .. bo+len). */
export function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ao + k] * b[bo + k];
    s1 += a[ao + k + 1] * b[bo + k + 1];
    s2 += a[ao + k + 2] * b[bo + k + 2];
    s3 += a[ao + k + 3] * b[bo + k + 3];
  }
  for (; k < len; k++) s0 += a[ao + k] * b[bo + k];
  return s0 + s1 + s2 + s3;
}

/**
 * In place: the lower triangle of `a` (n×n, row-major) becomes L with A = L·Lᵀ. The upper triangle is left
 * as it was. Throws when A is not positive definite.
 */
export function cholesky(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      const s = a[ri + j] - dot(a, ri, a, rj, j);
      if (i === j) {
        if (!(s > 0)) throw new Error(`matrix is not positive definite (pivot ${i})`);
        a[ri + i] = Math.sqrt(s);
      } else {
        a[ri + j] = s / a[rj + j];
      }
    }
  }
}

/**
 * The inverse of a symmetric positive definite matrix, returned as a new full (symmetric) matrix; `a` is
 * overwritten. Cholesky, then the transposed inverse factor, then P = L⁻ᵀ·L⁻¹ — about n³ flops, all of it
 * in dot products over contiguous rows.
 */
export function invertSpd(a: Float64Array, n: number): Float64Array {
  cholesky(a, n);
  // u holds Uᵀ = (L⁻¹)ᵀ by rows: row j of u is column j of L⁻¹, which is non-zero from index j on.
  const u = new Float64Array(n * n);
  const column = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    // Forward substitution for column j of L⁻¹: L·m = e_j.
    column.fill(0, 0, n);
    column[j] = 1 / a[j * n + j];
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      column[i] = -dot(a, ri + j, column, j, i - j) / a[ri + i];
    }
    u.set(column.subarray(j), j * n + j);
  }
  // P_ij = Σ_k M_ki·M_kj over k ≥ max(i, j) = dot of rows i and j of u from max(i, j) on.
  const p = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = i; j < n; j++) {
      const v = dot(u, ri + j, u, j * n + j, n - j);
      p[ri + j] = v;
      p[j * n + i] = v;
    }
  }
  return p;
}

/** Solves the small SPD system A·x = b in place of copies (A is k×k row-major); returns x. */
export function solveSpd(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const l = Float64Array.from(a);
  cholesky(l, k);
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) y[i] = (b[i] - dot(l, i * k, y, 0, i)) / l[i * k + i];
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i];
    for (let j = i + 1; j < k; j++) s -= l[j * k + i] * x[j];
    x[i] = s / l[i * k + i];
  }
  return x;
}
