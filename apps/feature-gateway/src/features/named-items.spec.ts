import { featureValue, GetFeatureBatchEntry, GetFeaturesResponse, ItemTable } from '@recsys/proto';
import { itemsNamed, rowLookup } from './named-items';

const answer = (fields: Partial<GetFeaturesResponse>): GetFeatureBatchEntry => ({
  error: '',
  response: { userFeatures: {}, items: [], contextFeatures: {}, withheld: [], served: [], ...fields },
});
const table = (itemIds: string[]): ItemTable => ({ itemIds, numbers: {}, texts: {} });

describe(itemsNamed.name, () => {
  it("names the first items, then the features' items in order of first appearance, each once with its place", () => {
    const named = itemsNamed(
      [
        answer({ userFeatures: { user_cf_items: featureValue({ rankedItemIds: ['b', 'c', 'a'], rankedScores: [3, 2, 1] }) } }),
        answer({ contextFeatures: { region_popular_items: featureValue({ weights: { d: 1, b: 0.5 } }) } }),
        answer({ userFeatures: { other: featureValue({ rankedItemIds: ['x'], rankedScores: [1] }) } }),
      ],
      ['user_cf_items', 'region_popular_items'],
      ['a', 'e', 'a'],
    );
    expect(named.ids).toEqual(['a', 'e', 'b', 'c', 'd']);
    expect([...named.placeOf]).toEqual(named.ids.map((id, place) => [id, place]));
  });
});

describe(rowLookup.name, () => {
  const named = itemsNamed([], [], ['a', 'missing', 'b', 'c', 'gone', 'd']);

  it("finds each item's row of a table made for the named items (the ones the catalog holds, in order)", () => {
    const rowOf = rowLookup(table(['a', 'b', 'c', 'd']), named);
    expect(['a', 'b', 'c', 'd', 'missing', 'gone', 'unnamed'].map(rowOf)).toEqual([0, 1, 2, 3, undefined, undefined, undefined]);
  });

  it('finds the rows of a table in another order by its own ids', () => {
    const rowOf = rowLookup(table(['c', 'a', 'd']), named);
    expect(['a', 'b', 'c', 'd', 'missing'].map(rowOf)).toEqual([1, undefined, 0, 2, undefined]);
  });
});
