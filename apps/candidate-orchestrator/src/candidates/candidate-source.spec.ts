import { featureValue } from '@recsys/proto';
import { CandidateList, rankedCandidates, topCandidates } from './candidate-source';

/** A list's candidates as [item, score] pairs (the item by id, or by row when the list names rows). */
const pairs = (list: CandidateList) => (list.rows ?? list.itemIds).map((item, i) => [item, list.scores[i]]);
const ranked = (rankedItemIds: string[], rankedScores: number[]) => featureValue({ rankedItemIds, rankedScores });

describe('candidate lists', () => {
  it('takes a ranked list as it comes, up to the limit, scaled to the best of what it keeps', () => {
    const list = rankedCandidates(ranked(['a', 'b', 'c'], [4, 2, 1]), 'user_cf', 2);
    expect(list.source).toBe('user_cf');
    expect(list.rows).toBeUndefined();
    expect(pairs(list)).toEqual([
      ['a', 1],
      ['b', 0.5],
    ]);
    expect(pairs(rankedCandidates(ranked([], []), 'user_cf', 10))).toEqual([]);
  });

  it('takes a list by rows of the ranking table the same way', () => {
    const list = rankedCandidates(featureValue({ rankedRows: [7, 0, 3], rankedScores: [4, 2, 1] }), 'user_cf', 2);
    expect(list.itemIds).toEqual([]);
    expect(list.rows).toEqual([7, 0]);
    expect(pairs(list)).toEqual([
      [7, 1],
      [0, 0.5],
    ]);
  });

  it('gives the same candidates from a ranked list as from the weights it replaces', () => {
    const weights = { x: 0.9, y: 0.3, z: 0.6, w: 0.1 };
    const entries = Object.entries(weights).sort((a, b) => b[1] - a[1]);
    const fromList = rankedCandidates(
      ranked(
        entries.map(([id]) => id),
        entries.map(([, s]) => s),
      ),
      'editorial',
      3,
    );
    const fromWeights = topCandidates(weights, 'editorial', 3);
    expect(fromList.source).toBe(fromWeights.source);
    expect(pairs(fromList)).toEqual(pairs(fromWeights).map(([id, s]) => [id, expect.closeTo(s as number, 12)]));
    expect(pairs(fromWeights).map(([id]) => id)).toEqual(['x', 'z', 'y']);
  });

  it('leaves out the excluded items of a weights map', () => {
    expect(pairs(topCandidates({ seed: 1, a: 0.5 }, 'item_to_item', 5, new Set(['seed'])))).toEqual([['a', 1]]);
  });

  it('refuses a malformed list instead of making up scores', () => {
    expect(() => rankedCandidates(ranked(['a', 'b'], [1]), 'user_cf', 5)).toThrow('malformed ranked list: 2 items, 1 scores');
    expect(() => rankedCandidates(ranked(['a', 'b'], [1, Number.NaN]), 'user_cf', 5)).toThrow(/not a finite number/);
    expect(() => rankedCandidates(featureValue({ rankedRows: [1, 2], rankedScores: [1] }), 'user_cf', 5)).toThrow('2 items, 1 scores');
    expect(() => rankedCandidates(featureValue({ rankedItemIds: ['a'], rankedRows: [1], rankedScores: [1] }), 'user_cf', 5)).toThrow(
      'both item ids and rows',
    );
    // All-zero scores stay zero (nothing to scale by).
    expect(pairs(rankedCandidates(ranked(['a'], [0]), 'user_cf', 5))).toEqual([['a', 0]]);
  });
});
