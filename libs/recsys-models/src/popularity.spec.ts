import { Interaction } from './interactions';
import { ranked, thresholdedPopularity } from './popularity';

const row = (user: string, item: string, weight: number): Interaction => ({ user, item, weight, timestampMs: 0 });

describe(thresholdedPopularity.name, () => {
  // a: 2 + 1 + 1 = 4 over 3 users; b: 5 + 1 = 6 over 2 users; c: 10 from 1 user; d: 1 positive user only.
  const rows = [
    row('u1', 'a', 2),
    row('u2', 'a', 1),
    row('u3', 'a', 1),
    row('u1', 'b', 4),
    row('u1', 'b', 1),
    row('u2', 'b', 1),
    row('u1', 'c', 10),
    row('u1', 'd', 1),
    row('u2', 'd', 0),
    row('u3', 'd', -1),
  ];

  it('drops items with fewer than k distinct users and scales the best kept item to 1', () => {
    expect(thresholdedPopularity(rows, 2)).toEqual(
      new Map([
        ['a', 4 / 6],
        ['b', 1],
      ]),
    );
    expect(thresholdedPopularity(rows, 3)).toEqual(new Map([['a', 1]]));
    expect(thresholdedPopularity(rows, 4)).toEqual(new Map());
  });

  it('lets the heavy single-user item in only when k is 1', () => {
    const all = thresholdedPopularity(rows, 1);
    expect(all.get('c')).toBe(1);
    expect(all.get('b')).toBe(6 / 10);
    expect(all.get('d')).toBe(1 / 10);
  });
});

describe(ranked.name, () => {
  it('orders items by score, best first, ties by id', () => {
    expect(
      ranked(
        new Map([
          ['z', 0.5],
          ['b', 1],
          ['a', 0.5],
        ]),
      ),
    ).toEqual([
      ['b', 1],
      ['a', 0.5],
      ['z', 0.5],
    ]);
  });
});
