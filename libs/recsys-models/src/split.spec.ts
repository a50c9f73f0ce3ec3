import { Interaction } from './interactions';
import { leaveLastOut } from './split';

const row = (user: string, item: string, timestampMs: number, weight = 1): Interaction => ({ user, item, weight, timestampMs });

describe(leaveLastOut.name, () => {
  // u1's items by the time of their LAST interaction: a@50, d@40, c@30, b@20.
  const rows = [row('u1', 'a', 10), row('u1', 'b', 20), row('u1', 'c', 30), row('u1', 'd', 40), row('u1', 'a', 50), row('u2', 'a', 60)];

  it("holds out each user's last N distinct items by the time of their last interaction", () => {
    expect(leaveLastOut(rows, 1).test.get('u1')).toEqual(new Set(['a']));
    expect(leaveLastOut(rows, 2).test.get('u1')).toEqual(new Set(['a', 'd']));
    expect(leaveLastOut(rows, 3).test.get('u1')).toEqual(new Set(['a', 'd', 'c']));
  });

  it("removes every interaction of the user with a held-out item from train, but not other users' ones", () => {
    const { train } = leaveLastOut(rows, 2);
    expect(train).toEqual([row('u1', 'b', 20), row('u1', 'c', 30), row('u2', 'a', 60)]);
  });

  it('does not evaluate users with no more than N distinct items and keeps them wholly in train', () => {
    const small = [row('u1', 'a', 1), row('u1', 'b', 2), row('u1', 'a', 3), row('u2', 'a', 1), row('u2', 'b', 2), row('u2', 'c', 3)];
    const split = leaveLastOut(small, 2);
    expect([...split.test.keys()]).toEqual(['u2']);
    expect(split.test.get('u2')).toEqual(new Set(['b', 'c']));
    expect(split.train).toEqual([row('u1', 'a', 1), row('u1', 'b', 2), row('u1', 'a', 3), row('u2', 'a', 1)]);
  });

  it('breaks ties in time by item id, so the held-out set does not depend on the input order', () => {
    const tied = [row('u1', 'old', 1), row('u1', 'x', 10), row('u1', 'y', 10), row('u1', 'w', 10)];
    const first = leaveLastOut(tied, 1).test.get('u1')!;
    expect(first.size).toBe(1);
    for (const order of [
      [1, 2, 3, 0],
      [3, 2, 1, 0],
      [2, 0, 3, 1],
    ]) {
      expect(
        leaveLastOut(
          order.map((i) => tied[i]),
          1,
        ).test.get('u1'),
      ).toEqual(first);
      expect(
        leaveLastOut(
          order.map((i) => tied[i]),
          2,
        ).test.get('u1'),
      ).toEqual(leaveLastOut(tied, 2).test.get('u1'));
    }
    // 'old' is strictly older than the three tied items, so it is never held out before them.
    expect(leaveLastOut(tied, 3).test.get('u1')).toEqual(new Set(['x', 'y', 'w']));
  });
});
