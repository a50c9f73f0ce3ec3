import { ItemTable } from '@recsys/proto';
import { candidateColumns, MergedCandidate } from './recommendation.service';

describe(candidateColumns.name, () => {
  const table: ItemTable = {
    itemIds: ['i1', 'i2', 'i3'],
    numbers: {
      item_quality_score: { values: [0.1, 0.2, 0.3] },
      item_popularity: { values: [1, 2, 3] },
      region_popularity: { values: [4, 5, 6] },
    },
    texts: { item_category: { values: ['books', 'music', 'news'] }, item_creator: { values: ['c1', 'c2', 'c3'] } },
  };
  const rowOf = new Map(table.itemIds.map((id, i) => [id, i]));
  const candidates: MergedCandidate[] = [
    { itemId: 'i3', source: 'user_cf', score: 0.9, sourceScores: { user_cf: 0.9, editorial: 0.5 } },
    { itemId: 'i1', source: 'editorial', score: 1, sourceScores: { editorial: 1 } },
  ];

  it('sends the ranker the candidates’ rows of what its model reads, and every source’s score column', () => {
    expect(candidateColumns(candidates, table, rowOf)).toEqual({
      candidateTable: {
        itemIds: ['i3', 'i1'],
        numbers: {
          item_quality_score: { values: [0.3, 0.1] },
          item_popularity: { values: [3, 1] },
          region_popularity: { values: [6, 4] },
        },
        texts: { item_category: { values: ['news', 'books'] } },
      },
      candidateSourceScores: { user_cf: { values: [0.9, 0] }, editorial: { values: [0.5, 1] } },
    });
  });

  it('leaves out the creator and the candidates’ sources (the orchestrator keeps them), and columns the table lacks', () => {
    const columns = candidateColumns(candidates, { ...table, numbers: { item_popularity: table.numbers.item_popularity } }, rowOf);
    expect(Object.keys(columns.candidateTable.texts)).toEqual(['item_category']);
    expect(Object.keys(columns.candidateTable.numbers)).toEqual(['item_popularity']);
    expect(columns).not.toHaveProperty('candidateSources');
  });
});
