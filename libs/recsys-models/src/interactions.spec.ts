import { IdIndex, Interaction, InteractionMatrix } from './interactions';

const row = (user: string, item: string, weight: number, timestampMs: number): Interaction => ({ user, item, weight, timestampMs });

/** The matrix as nested maps user → item → [weight, latest], read back through the public CSR arrays. */
function cells(m: InteractionMatrix): Record<string, Record<string, [number, number]>> {
  const out: Record<string, Record<string, [number, number]>> = {};
  for (let u = 0; u < m.users.size; u++) {
    const user = (out[m.users.ids[u]] = {} as Record<string, [number, number]>);
    for (let p = m.indptr[u]; p < m.indptr[u + 1]; p++) user[m.items.ids[m.indices[p]]] = [m.weights[p], m.latest[p]];
  }
  return out;
}

describe(IdIndex.name, () => {
  it('gives each id one dense index, in order of first appearance, and maps back', () => {
    const index = IdIndex.of(['b', 'a', 'b', 'c']);
    expect(index.ids).toEqual(['b', 'a', 'c']);
    expect(index.size).toBe(3);
    expect(index.get('a')).toBe(1);
    expect(index.add('a')).toBe(1);
    expect(index.add('d')).toBe(3);
    expect(index.get('zzz')).toBeUndefined();
  });
});

describe(InteractionMatrix.name, () => {
  it('sums the weights of repeated (user, item) pairs and keeps the latest time, not the last one read', () => {
    const m = InteractionMatrix.from([row('u1', 'a', 1, 500), row('u1', 'a', 2, 900), row('u1', 'a', 0.5, 100), row('u1', 'b', 3, 50)]);
    expect(cells(m)).toEqual({ u1: { a: [3.5, 900], b: [3, 50] } });
    expect(m.nnz).toBe(2);
  });

  it('ignores rows whose weight is not positive, and users left with nothing', () => {
    const m = InteractionMatrix.from([
      row('u1', 'a', 1, 1),
      row('u1', 'b', 0, 2),
      row('u1', 'c', -2, 3),
      row('u2', 'a', -1, 4),
      row('u3', 'a', Number.NaN, 5),
    ]);
    expect(cells(m)).toEqual({ u1: { a: [1, 1] } });
    expect(m.users.ids).toEqual(['u1']);
    expect(m.items.ids).toEqual(['a']);
  });

  it('keeps each row in ascending item-index order whatever the input order', () => {
    const m = InteractionMatrix.from([
      row('u0', 'x', 1, 1),
      row('u0', 'y', 1, 1),
      row('u0', 'z', 1, 1),
      row('u1', 'z', 1, 1),
      row('u1', 'x', 1, 1),
    ]);
    expect(Array.from(m.indptr)).toEqual([0, 3, 5]);
    expect(Array.from(m.indices)).toEqual([0, 1, 2, 0, 2]);
    expect(Array.from(m.row(1).indices)).toEqual([0, 2]);
  });

  it('uses a shared item index so train and test matrices agree on item positions', () => {
    const train = InteractionMatrix.from([row('u1', 'b', 1, 1), row('u1', 'a', 1, 2)]);
    const test = InteractionMatrix.from([row('u2', 'c', 1, 1), row('u2', 'a', 1, 1)], train.items);
    expect(test.items).toBe(train.items);
    expect(train.items.ids).toEqual(['b', 'a', 'c']);
    // u2's row: a (index 1) then c (index 2).
    expect(Array.from(test.row(0).indices)).toEqual([1, 2]);
  });

  it('counts distinct users per item as support, regardless of weights and repeats', () => {
    const m = InteractionMatrix.from([row('u1', 'a', 5, 1), row('u1', 'a', 5, 2), row('u2', 'a', 1, 1), row('u2', 'b', 1, 1)]);
    expect(Array.from(m.itemSupport())).toEqual([2, 1]);
  });

  it('transposes to the users of each item with their summed weights', () => {
    const m = InteractionMatrix.from([
      row('u1', 'a', 1, 1),
      row('u1', 'b', 2, 1),
      row('u2', 'b', 3, 1),
      row('u2', 'b', 1, 1),
      row('u3', 'a', 4, 1),
    ]);
    const t = m.transpose();
    expect(Array.from(t.indptr)).toEqual([0, 2, 4]);
    expect(Array.from(t.indices)).toEqual([0, 2, 0, 1]);
    expect(Array.from(t.weights)).toEqual([1, 4, 2, 4]);
  });
});
