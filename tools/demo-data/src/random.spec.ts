import { Rng, WeightedSampler, deriveSeed, zipfSampler } from './random';

const draw = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

describe(Rng.name, () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = new Rng(1);
    const b = new Rng(1);
    expect(draw(5, () => a.next())).toEqual(draw(5, () => b.next()));
    expect(new Rng(1).next()).not.toBe(new Rng(2).next());
  });

  it('forks streams that depend on the seed and label only', () => {
    const used = new Rng(9);
    used.next();
    expect(used.fork('x').next()).toBe(new Rng(9).fork('x').next());
    expect(new Rng(9).fork('x').next()).not.toBe(new Rng(9).fork('y').next());
    expect(deriveSeed(9, 'x')).not.toBe(deriveSeed(10, 'x'));
  });

  it('keeps floats and ints in range', () => {
    const rng = new Rng(3);
    expect(draw(10_000, () => rng.next()).filter((x) => !(x >= 0 && x < 1))).toEqual([]);
    const ints = draw(10_000, () => rng.int(3, 10));
    expect(Math.min(...ints)).toBe(3);
    expect(Math.max(...ints)).toBe(10);
  });

  it('picks by weight and never picks zero weights', () => {
    const rng = new Rng(4);
    const picks = draw(10_000, () => rng.weightedPick(['a', 'b', 'c'], [3, 1, 0]));
    expect(picks).not.toContain('c');
    expect(picks.filter((p) => p === 'a').length / picks.length).toBeCloseTo(0.75, 1);
    expect(() => rng.weightedPick(['a'], [0])).toThrow();
    expect(() => rng.pick([])).toThrow();
  });

  it('shuffles into a permutation without touching the input', () => {
    const input = [1, 2, 3, 4, 5, 6, 7, 8];
    const shuffled = new Rng(5).shuffle(input);
    expect(input).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(input);
    expect(shuffled).not.toEqual(input);
  });

  it('draws normal, lognormal and beta samples with the expected moments', () => {
    const rng = new Rng(6);
    const normals = draw(20_000, () => rng.normal(2, 3));
    expect(mean(normals)).toBeCloseTo(2, 1);
    expect(Math.sqrt(mean(normals.map((x) => (x - 2) ** 2)))).toBeCloseTo(3, 1);
    expect(mean(draw(20_000, () => rng.logNormal(Math.log(25) - 0.405, 0.9)))).toBeGreaterThan(22);
    const betas = draw(20_000, () => rng.beta(2, 6));
    expect(Math.min(...betas)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...betas)).toBeLessThanOrEqual(1);
    expect(mean(betas)).toBeCloseTo(0.25, 1);
    expect(mean(draw(20_000, () => rng.gamma(0.5)))).toBeCloseTo(0.5, 1);
  });
});

describe(WeightedSampler.name, () => {
  it('samples indices proportionally to their weights', () => {
    const sampler = new WeightedSampler([0, 1, 0, 3]);
    const rng = new Rng(7);
    const picks = draw(10_000, () => sampler.sample(rng));
    expect(new Set(picks)).toEqual(new Set([1, 3]));
    expect(picks.filter((i) => i === 3).length / picks.length).toBeCloseTo(0.75, 1);
    expect(() => new WeightedSampler([0, 0])).toThrow();
  });

  it('samples Zipf ranks with a heavy head', () => {
    const rng = new Rng(8);
    const zipf = zipfSampler(1000, 1.1);
    const ranks = draw(20_000, () => zipf.sample(rng));
    const head = ranks.filter((r) => r < 100).length / ranks.length;
    expect(head).toBeGreaterThan(0.6);
    expect(ranks.filter((r) => r === 0).length).toBeGreaterThan(ranks.filter((r) => r === 1).length);
  });
});
