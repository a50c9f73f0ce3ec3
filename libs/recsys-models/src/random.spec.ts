import { mulberry32 } from './random';

describe('mulberry32', () => {
  it('draws the same 32-bit values for a seed on every run', () => {
    const next = mulberry32(20261202);
    expect([next(), next(), next()].map((x) => x * 2 ** 32)).toEqual([3755296786, 3740381958, 1322106781]);
  });

  it('keeps each generator its own stream, in [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const first = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(first).size).toBe(1000);
    expect(mulberry32(8)()).not.toBe(first[0]);
  });
});
