import { rankedCandidates, topCandidates } from './candidate-source';

describe('candidate lists', () => {
  it('takes a ranked list as it comes, up to the limit, scaled to the best of what it keeps', () => {
    expect(rankedCandidates(['a', 'b', 'c'], [4, 2, 1], 'user_cf', 2)).toEqual([
      { itemId: 'a', score: 1, source: 'user_cf' },
      { itemId: 'b', score: 0.5, source: 'user_cf' },
    ]);
    expect(rankedCandidates([], [], 'user_cf', 10)).toEqual([]);
  });

  it('gives the same candidates from a ranked list as from the weights it replaces', () => {
    const weights = { x: 0.9, y: 0.3, z: 0.6, w: 0.1 };
    const ranked = Object.entries(weights).sort((a, b) => b[1] - a[1]);
    expect(
      rankedCandidates(
        ranked.map(([id]) => id),
        ranked.map(([, s]) => s),
        'editorial',
        3,
      ),
    ).toEqual(topCandidates(weights, 'editorial', 3).map((c) => ({ ...c, score: expect.closeTo(c.score, 12) })));
  });

  it('refuses a malformed list instead of making up scores', () => {
    expect(() => rankedCandidates(['a', 'b'], [1], 'user_cf', 5)).toThrow('malformed ranked list: 2 items, 1 scores');
    expect(() => rankedCandidates(['a', 'b'], [1, Number.NaN], 'user_cf', 5)).toThrow(/not a finite number/);
    // All-zero scores stay zero (nothing to scale by).
    expect(rankedCandidates(['a'], [0], 'user_cf', 5)).toEqual([{ itemId: 'a', score: 0, source: 'user_cf' }]);
  });
});
