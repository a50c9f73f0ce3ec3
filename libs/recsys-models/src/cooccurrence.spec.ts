import { CooccurrenceOptions, thresholdedCooccurrence } from './cooccurrence';
import { Interaction } from './interactions';
import { ItemNeighbors, neighborsOf } from './neighbors';

const row = (user: string, item: string, timestampMs: number, weight = 1): Interaction => ({ user, item, weight, timestampMs });

/** Item id → its neighbour list, rounded to 6 digits (weights are stored as float32). */
function asRecord(model: ItemNeighbors): Record<string, [string, number][]> {
  return Object.fromEntries(
    model.items.map((id, r) => [id, neighborsOf(model, r).map(([item, w]): [string, number] => [item, Number(w.toFixed(6))])]),
  );
}
const r6 = (v: number) => Number(v.toFixed(6));

/**
 * The SQL of AggregateRepository.refresh written out naively: per subject the `itemsPerSubject` items with the
 * latest max(time); item_users = subjects per item; pairs with count(*) ≥ k; weight users / √(n_a·n_b); per
 * item the first `neighborsPerItem` by weight desc, neighbour id asc.
 */
function naiveSql(rows: readonly Interaction[], o: CooccurrenceOptions): Record<string, [string, number][]> {
  const lastTime = new Map<string, Map<string, number>>();
  for (const r of rows.filter((x) => x.weight > 0)) {
    const m = lastTime.get(r.user) ?? new Map<string, number>();
    m.set(r.item, Math.max(m.get(r.item) ?? -Infinity, r.timestampMs));
    lastTime.set(r.user, m);
  }
  const recent = [...lastTime].map(([user, m]) => ({
    user,
    items: [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, o.itemsPerSubject)
      .map(([i]) => i),
  }));
  const itemUsers = new Map<string, number>();
  for (const { items } of recent) for (const i of items) itemUsers.set(i, (itemUsers.get(i) ?? 0) + 1);
  const out: Record<string, [string, number][]> = {};
  for (const a of itemUsers.keys()) {
    const list: [string, number][] = [];
    for (const b of itemUsers.keys()) {
      if (a === b) continue;
      const users = recent.filter(({ items }) => items.includes(a) && items.includes(b)).length;
      if (users >= o.minUsers) list.push([b, users / Math.sqrt(itemUsers.get(a)! * itemUsers.get(b)!)]);
    }
    list.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    out[a] = list.slice(0, o.neighborsPerItem).map(([b, w]) => [b, r6(w)]);
  }
  return out;
}

describe(thresholdedCooccurrence.name, () => {
  // Distinct subjects: a–b 3 (u1, u2, u5), a–c 2 (u1, u3), b–c 2 (u1, u4), a–d 1, c–d 1.
  // Subjects per item: a 4, b 4, c 3, d 1. u4's zero-weight 'a' and u5's repeated 'b' must not count.
  const rows = [
    row('u1', 'a', 1),
    row('u1', 'b', 2),
    row('u1', 'c', 3),
    row('u2', 'a', 1),
    row('u2', 'b', 2),
    row('u3', 'a', 1),
    row('u3', 'c', 2),
    row('u3', 'd', 3),
    row('u4', 'b', 1),
    row('u4', 'c', 2),
    row('u4', 'a', 0, 0),
    row('u5', 'a', 1),
    row('u5', 'b', 2),
    row('u5', 'b', 5),
  ];
  const all = { itemsPerSubject: 30, neighborsPerItem: 50 };

  it('keeps pairs with at least k distinct subjects, weighted users / √(n_a·n_b), best first and ties by id', () => {
    expect(asRecord(thresholdedCooccurrence(rows, { ...all, minUsers: 2 }))).toEqual({
      a: [
        ['b', r6(3 / 4)],
        ['c', r6(2 / Math.sqrt(12))],
      ],
      b: [
        ['a', r6(3 / 4)],
        ['c', r6(2 / Math.sqrt(12))],
      ],
      c: [
        ['a', r6(2 / Math.sqrt(12))],
        ['b', r6(2 / Math.sqrt(12))],
      ],
      d: [],
    });
    expect(asRecord(thresholdedCooccurrence(rows, { ...all, minUsers: 3 }))).toEqual({ a: [['b', 0.75]], b: [['a', 0.75]], c: [], d: [] });
    // k = 1 lets the single-subject pairs in: d–a = 1/√(1·4), d–c = 1/√(1·3).
    expect(asRecord(thresholdedCooccurrence(rows, { ...all, minUsers: 1 })).d).toEqual([
      ['c', r6(1 / Math.sqrt(3))],
      ['a', r6(1 / 2)],
    ]);
  });

  it('keeps only the top neighborsPerItem of each item', () => {
    const model = asRecord(thresholdedCooccurrence(rows, { itemsPerSubject: 30, neighborsPerItem: 1, minUsers: 2 }));
    expect(model.a).toEqual([['b', 0.75]]);
    expect(model.c).toEqual([['a', r6(2 / Math.sqrt(12))]]);
  });

  it("counts only each subject's itemsPerSubject most recent distinct items", () => {
    // Both subjects' latest two items are b and c (a is older, even though u2 saw b early).
    const recent = [
      row('u1', 'a', 1),
      row('u1', 'b', 2),
      row('u1', 'c', 3),
      row('u2', 'b', 0),
      row('u2', 'a', 1),
      row('u2', 'c', 2),
      row('u2', 'b', 9),
    ];
    const model = asRecord(thresholdedCooccurrence(recent, { itemsPerSubject: 2, neighborsPerItem: 10, minUsers: 1 }));
    expect(model).toEqual({ c: [['b', 1]], b: [['c', 1]] });
    const wider = asRecord(thresholdedCooccurrence(recent, { itemsPerSubject: 3, neighborsPerItem: 10, minUsers: 2 }));
    expect(wider.a).toEqual([
      ['b', 1],
      ['c', 1],
    ]);
  });

  it('agrees with a naive transcription of the feature-gateway SQL on a larger example', () => {
    // 30 subjects over 12 items with distinct times per subject (the SQL orders by time only).
    const many: Interaction[] = [];
    let state = 12345;
    const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let u = 0; u < 30; u++) {
      const n = 2 + Math.floor(next() * 7);
      for (let t = 0; t < n; t++) many.push(row(`s${u}`, `i${Math.floor(next() * 12)}`, u * 100 + t, next() < 0.1 ? 0 : 1));
    }
    for (const options of [
      { minUsers: 2, itemsPerSubject: 30, neighborsPerItem: 50 },
      { minUsers: 3, itemsPerSubject: 4, neighborsPerItem: 3 },
      { minUsers: 1, itemsPerSubject: 2, neighborsPerItem: 2 },
    ]) {
      const expected = naiveSql(many, options);
      expect(Object.keys(expected).length).toBeGreaterThan(5);
      expect(asRecord(thresholdedCooccurrence(many, options))).toEqual(expected);
    }
  });
});
