import { evaluate, ndcgAtK, recallAtK } from './metrics';

const LOG2_3 = Math.log(3) / Math.log(2);

describe(recallAtK.name, () => {
  it('counts hits in the top k over min(k, |relevant|)', () => {
    const ranked = ['a', 'b', 'c', 'd'];
    const relevant = new Set(['b', 'd', 'x']);
    expect(recallAtK(ranked, relevant, 1)).toBe(0); // a: no hit, over min(1, 3) = 1
    expect(recallAtK(ranked, relevant, 2)).toBe(1 / 2); // b, over min(2, 3) = 2
    expect(recallAtK(ranked, relevant, 4)).toBe(2 / 3); // b, d over 3
  });

  it('scores a perfect list 1 even when fewer than k items are relevant', () => {
    expect(recallAtK(['a', 'b', 'c'], new Set(['a']), 10)).toBe(1);
    expect(recallAtK(['z', 'a'], new Set(['a', 'b']), 10)).toBe(1 / 2);
  });

  it('is 0 when nothing is relevant', () => {
    expect(recallAtK(['a'], new Set(), 10)).toBe(0);
  });
});

describe(ndcgAtK.name, () => {
  it('discounts hits by log2(rank + 1) against the ideal list of min(k, |relevant|) hits', () => {
    // hits at ranks 2 and 3: 1/log2(3) + 1/log2(4); ideal for 2 relevant: 1 + 1/log2(3).
    expect(ndcgAtK(['a', 'b', 'c'], new Set(['b', 'c']), 3)).toBeCloseTo((1 / LOG2_3 + 0.5) / (1 + 1 / LOG2_3), 12);
    // only rank 2 is inside k = 2; the ideal is still over min(2, 2) = 2 hits.
    expect(ndcgAtK(['a', 'b', 'c'], new Set(['b', 'c']), 2)).toBeCloseTo(1 / LOG2_3 / (1 + 1 / LOG2_3), 12);
    // 3 relevant but k = 1: ideal is one hit at rank 1.
    expect(ndcgAtK(['b', 'a'], new Set(['b', 'c', 'd']), 1)).toBe(1);
  });

  it('is 1 for a perfect list and 0 without relevant items', () => {
    expect(ndcgAtK(['a', 'b', 'x'], new Set(['b', 'a']), 10)).toBeCloseTo(1, 12);
    expect(ndcgAtK(['a'], new Set(), 10)).toBe(0);
    expect(ndcgAtK(['x', 'y'], new Set(['a']), 10)).toBe(0);
  });
});

describe(evaluate.name, () => {
  const list = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it("averages each user's metrics and counts catalog coverage from the top 10 of every list", () => {
    const lists: Record<string, string[]> = {
      // u1: its relevant item at rank 1 → recall@10 = 1, ndcg@10 = 1.
      u1: list('i', 20),
      // u2: relevant at rank 11 → 0 at 10, 1 at 20; top 10 are i5..i14 (i10..i14 are new to coverage).
      u2: list('i', 25).slice(5),
    };
    const test = new Map([
      ['u1', new Set(['i0'])],
      ['u2', new Set(['i15'])],
    ]);
    const row = evaluate(test, 100, (u) => lists[u]);
    expect(row.users).toBe(2);
    expect(row.recall_at_10).toBe(0.5);
    expect(row.recall_at_20).toBe(1);
    expect(row.ndcg_at_10).toBe(0.5);
    expect(row.coverage).toBe(15 / 100);
  });

  it('returns zeros for no users and an empty catalog', () => {
    expect(evaluate(new Map(), 0, () => [])).toEqual({ recall_at_10: 0, recall_at_20: 0, ndcg_at_10: 0, coverage: 0, users: 0 });
  });
});
