import { Interaction, InteractionMatrix } from './interactions';
import { trainItemKnn } from './item-knn';
import { neighborsOf } from './neighbors';

describe(trainItemKnn.name, () => {
  // Supports: a 3 (u1, u2, u3), b 3 (u1, u2, u4), c 1 (u3). Co-occurrence: a–b 2, a–c 1, b–c 0.
  const rows: Interaction[] = [
    { user: 'u1', item: 'a', weight: 9, timestampMs: 1 },
    { user: 'u1', item: 'b', weight: 1, timestampMs: 1 },
    { user: 'u2', item: 'a', weight: 1, timestampMs: 1 },
    { user: 'u2', item: 'b', weight: 1, timestampMs: 1 },
    { user: 'u2', item: 'b', weight: 4, timestampMs: 2 },
    { user: 'u3', item: 'a', weight: 1, timestampMs: 1 },
    { user: 'u3', item: 'c', weight: 1, timestampMs: 1 },
    { user: 'u4', item: 'b', weight: 1, timestampMs: 1 },
  ];
  const matrix = InteractionMatrix.from(rows);
  const rowOf = (model: ReturnType<typeof trainItemKnn>, id: string) =>
    neighborsOf(model, model.items.indexOf(id)).map(([item, w]) => [item, Number(w.toFixed(6))]);

  it('is the cosine over binarized interactions when shrink is 0', () => {
    const model = trainItemKnn(matrix, { neighbors: 10, shrink: 0 });
    expect(model.items).toEqual(['a', 'b', 'c']);
    // a–b: 2/√(3·3); a–c: 1/√(3·1).
    expect(rowOf(model, 'a')).toEqual([
      ['b', Number((2 / 3).toFixed(6))],
      ['c', Number((1 / Math.sqrt(3)).toFixed(6))],
    ]);
    expect(rowOf(model, 'b')).toEqual([['a', Number((2 / 3).toFixed(6))]]);
    expect(rowOf(model, 'c')).toEqual([['a', Number((1 / Math.sqrt(3)).toFixed(6))]]);
  });

  it('pulls rare pairs towards 0 by co / (co + shrink) and never lists an item as its own neighbour', () => {
    const model = trainItemKnn(matrix, { neighbors: 10, shrink: 1 });
    // a–b: (2/3)·(2/3) = 4/9; a–c: (1/√3)·(1/2).
    expect(rowOf(model, 'a')).toEqual([
      ['b', Number((4 / 9).toFixed(6))],
      ['c', Number((1 / Math.sqrt(3) / 2).toFixed(6))],
    ]);
    for (const id of model.items) expect(rowOf(model, id).map(([item]) => item)).not.toContain(id);
  });

  it('keeps only the strongest `neighbors` per item', () => {
    const model = trainItemKnn(matrix, { neighbors: 1, shrink: 1 });
    expect(rowOf(model, 'a')).toEqual([['b', Number((4 / 9).toFixed(6))]]);
  });
});
