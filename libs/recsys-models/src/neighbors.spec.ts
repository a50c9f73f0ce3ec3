import { neighborsFromRows, neighborsOf, topOfRow } from './neighbors';

describe(topOfRow.name, () => {
  it('keeps the k largest positive entries, best first', () => {
    const row = Float64Array.from([0.1, -3, 0.9, 0, 0.5, 0.7, 0.2]);
    expect(topOfRow(row, 3)).toEqual([
      [2, 0.9],
      [5, 0.7],
      [4, 0.5],
    ]);
  });

  it('drops zero and negative entries even when fewer than k remain', () => {
    expect(topOfRow(Float64Array.from([0, -1, 0.25, -0.5]), 3)).toEqual([[2, 0.25]]);
    expect(topOfRow(Float64Array.from([0, -1]), 2)).toEqual([]);
  });

  it('breaks ties by the lower index, also when a tie arrives after the list is full', () => {
    const row = Float64Array.from([0.5, 0.2, 0.5, 0.5, 0.9]);
    expect(topOfRow(row, 2)).toEqual([
      [4, 0.9],
      [0, 0.5],
    ]);
    expect(topOfRow(row, 3)).toEqual([
      [4, 0.9],
      [0, 0.5],
      [2, 0.5],
    ]);
  });

  it('never returns the skipped index', () => {
    expect(topOfRow(Float32Array.from([1, 0.5, 0.25]), 2, 0)).toEqual([
      [1, 0.5],
      [2, 0.25],
    ]);
  });
});

describe(neighborsFromRows.name, () => {
  it('packs per-row lists into sparse rows that neighborsOf reads back by id', () => {
    const model = neighborsFromRows(
      ['a', 'b', 'c'],
      [
        [
          [2, 0.5],
          [1, 0.25],
        ],
        [],
      ],
    );
    expect(Array.from(model.indptr)).toEqual([0, 2, 2, 2]);
    expect(neighborsOf(model, 0)).toEqual([
      ['c', 0.5],
      ['b', 0.25],
    ]);
    expect(neighborsOf(model, 1)).toEqual([]);
    // A missing row (c) is an empty row.
    expect(neighborsOf(model, 2)).toEqual([]);
  });
});
