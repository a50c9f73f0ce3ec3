import { mulberry32 } from '@recsys/models';

/**
 * Seeded randomness for the demo data generator. Math.random cannot be seeded, and the demo data must be
 * byte-identical for the same options, so everything draws from this small mulberry32 generator instead.
 */
export class Rng {
  private readonly draw: () => number;

  constructor(readonly seed: number) {
    this.draw = mulberry32(seed);
  }

  /** Uniform float in [0, 1) (mulberry32). */
  next(): number {
    return this.draw();
  }

  /**
   * An independent generator for a named sub-stream. It depends on the seed only, not on how much of this
   * stream was consumed, so e.g. changing the number of events does not reshuffle the items.
   */
  fork(label: string): Rng {
    return new Rng(deriveSeed(this.seed, label));
  }

  /** Uniform float in [min, max). */
  float(min = 0, max = 1): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick: empty list');
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks items[i] with probability weights[i] / sum(weights). Linear; use WeightedSampler for big lists. */
  weightedPick<T>(items: readonly T[], weights: readonly number[]): T {
    return items[weightedIndex(this.next(), weights)];
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** Gaussian sample (Box-Muller; 1 - next() keeps log away from 0). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  logNormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /** Gamma(shape, 1) by Marsaglia-Tsang; shapes below 1 use the usual u^(1/shape) boost. */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(1 - this.next(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v = (1 + c * x) ** 3;
      if (v <= 0) continue;
      if (Math.log(1 - this.next()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  /** Beta(a, b) in [0, 1], via two gammas. */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    return x / (x + this.gamma(b));
  }
}

function weightedIndex(u: number, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) total += w;
  if (!(total > 0)) throw new Error('weightedPick: weights must have a positive sum');
  let target = u * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i];
    if (target < 0 && weights[i] > 0) return i;
  }
  // Rounding can leave target at ~0 after the loop: fall back to the last positive weight.
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
  return weights.length - 1;
}

/** Mixes a seed and a label (FNV-1a, then a murmur3 finalizer) into a well-spread 32-bit seed. */
export function deriveSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** O(log n) sampling of an index proportionally to fixed weights (cumulative sums + binary search). */
export class WeightedSampler {
  private readonly cumulative: Float64Array;

  constructor(weights: ArrayLike<number>) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      if (!(weights[i] >= 0)) throw new Error('WeightedSampler: weights must be non-negative');
      sum += weights[i];
      this.cumulative[i] = sum;
    }
    if (!(sum > 0)) throw new Error('WeightedSampler: weights must have a positive sum');
  }

  get total(): number {
    return this.cumulative[this.cumulative.length - 1];
  }

  sample(rng: Rng): number {
    const target = rng.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Zipf weights: rank r (0-based) gets 1 / (r + 1)^exponent. */
export function zipfWeights(n: number, exponent: number): Float64Array {
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) out[r] = 1 / Math.pow(r + 1, exponent);
  return out;
}

/** Samples a 0-based rank from a Zipf distribution over n ranks. */
export function zipfSampler(n: number, exponent: number): WeightedSampler {
  return new WeightedSampler(zipfWeights(n, exponent));
}
