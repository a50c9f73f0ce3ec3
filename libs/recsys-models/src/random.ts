/**
 * mulberry32: a small seeded generator of uniform numbers in [0, 1). Math.random cannot be seeded; whatever must be
 * the same on every run (demo data, a benchmark's synthetic events, a property test's cases) draws from this. Not
 * for anything secret.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
