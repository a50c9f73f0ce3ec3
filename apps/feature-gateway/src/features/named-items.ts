import { FeatureValue, GetFeatureBatchEntry, ItemTable } from '@recsys/proto';

/** Items in order of first appearance (`ids`), each with its place in that order (`placeOf`). */
export interface NamedItems {
  ids: string[];
  placeOf: Map<string, number>;
}

/**
 * The items that these features name in a batch's answers (ranked lists, the keys of weights maps; user, context
 * and item features), after `first`, in order of first appearance.
 */
export function itemsNamed(
  entries: readonly GetFeatureBatchEntry[],
  features: readonly string[],
  first: readonly string[] = [],
): NamedItems {
  const ids: string[] = [];
  const placeOf = new Map<string, number>();
  const named = (id: string) => {
    if (!placeOf.has(id)) placeOf.set(id, ids.push(id) - 1);
  };
  for (const id of first) named(id);
  const add = (value: FeatureValue | undefined) => {
    if (!value) return;
    for (const id of value.rankedItemIds ?? []) named(id);
    for (const id of Object.keys(value.weights ?? {})) named(id);
  };
  for (const { response } of entries) {
    if (!response) continue;
    for (const name of features) {
      add(response.userFeatures[name]);
      add(response.contextFeatures[name]);
      for (const item of response.items) add(item.features[name]);
    }
  }
  return { ids, placeOf };
}

/**
 * Each item's row of `table` by id, through the places of the items the table was made for (`named`): the table's
 * rows are the named items the catalog holds, in the order named (serve keeps the order of the items it is
 * asked for), so a walk of both finds each row without a second map of ~750 ids. A table in any other order
 * (never made here) is looked up through a map of its own ids instead.
 */
export function rowLookup(table: ItemTable, named: NamedItems): (itemId: string) => number | undefined {
  const tableIds = table.itemIds;
  const rowAt = new Int32Array(named.ids.length).fill(-1);
  let row = 0;
  for (let place = 0; place < named.ids.length && row < tableIds.length; place++)
    if (named.ids[place] === tableIds[row]) rowAt[place] = row++;
  if (row === tableIds.length)
    return (itemId) => {
      const place = named.placeOf.get(itemId);
      const found = place === undefined ? -1 : rowAt[place];
      return found < 0 ? undefined : found;
    };
  const rowOf = new Map<string, number>();
  for (let r = 0; r < tableIds.length; r++) rowOf.set(tableIds[r], r);
  return (itemId) => rowOf.get(itemId);
}
