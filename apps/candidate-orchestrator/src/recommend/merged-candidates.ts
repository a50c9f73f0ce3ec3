import { isDictionaryColumn, ItemTable, TextColumn, textColumn } from '@recsys/proto';
import { byScoreThenId, NUMERIC_ITEM_TERMS, TEXT_ITEM_TERMS } from '@recsys/models';
import { candidateCount, CandidateList } from '../candidates/candidate-source';

/** One source's answer as the merge takes it: its candidates and the weight an experiment variant gives it. */
export interface SourceCandidates {
  weight: number;
  list: CandidateList;
}

/**
 * A column of doubles for a message the orchestrator only sends (the ranker's candidate columns): kept in a
 * Float64Array, which the wire codec writes as the packed field's bytes, instead of a list of numbers it would copy
 * value by value (a list built in a loop is holey, and reading it boxed every double). Typed as the message's list:
 * read it by index and length only.
 */
function doubleColumn(values: Float64Array): { values: number[] } {
  return { values: values as unknown as number[] };
}

/** A row of the merge's table never seen yet, and one excluded. */
const UNSEEN = -1;
const EXCLUDED = -2;

/**
 * The candidates of every source of a Recommend merged into one row per item, in columns: a Recommend merges
 * ~1 200 candidates into up to 500 rows, and the ranker takes them as columns, so no object per candidate is made.
 * Items are kept by their row of the ranking features' table (`rows`): an item the table lacks cannot be ranked.
 */
export class MergedCandidates {
  private constructor(
    readonly itemIds: readonly string[],
    /** Each item's row of the table it was merged against. */
    readonly rows: ArrayLike<number>,
    /** Each row's best source and its (weighted) score. */
    readonly sources: readonly string[],
    readonly scores: ArrayLike<number>,
    /** Each source's best score per row; NaN where the source did not propose the item. */
    private readonly bySource: ReadonlyMap<string, Float64Array>,
  ) {}

  /** Each candidate's index by item id, made at the first lookup the ranker's indexes did not answer. */
  private indexById?: Map<string, number>;

  /**
   * One row per item of the table (its `tableItemIds`; a list names its items by row, or by id)
   * with every source's best score (the best of all names the row's source), without the excluded items and those
   * the table lacks; best-scored first, ties by item id; at most `max` rows. `exclude` is asked once per item.
   * Scores are finite and not negative (a source's are 0..1, a variant's weight 0..10); a candidate whose weighted
   * score is not a finite number is left out, so a NaN can never stand for a score.
   */
  static merge(
    lists: readonly SourceCandidates[],
    tableItemIds: readonly string[],
    exclude: (itemId: string) => boolean,
    max: number,
  ): MergedCandidates {
    // Slots: at most one per candidate and one per table row (~750 rows for ~1 200 candidates).
    const slots = Math.min(
      lists.reduce((n, l) => n + candidateCount(l.list), 0),
      tableItemIds.length,
    );
    // Each table row's slot, or UNSEEN / EXCLUDED: an array by row instead of a map by item id (off the heap).
    const slotOfRow = new Int32Array(tableItemIds.length).fill(UNSEEN);
    // Every column is sized for `slots` at once: a list grown by push copies itself as it grows, and those copies
    // were a large share of what a Recommend allocated. Rows and scores are typed arrays (off the heap).
    const itemIds = new Array<string>(slots);
    const rows = new Int32Array(slots);
    const sources = new Array<string>(slots);
    const scores = new Float64Array(slots);
    let size = 0;
    // Float64Arrays: their values live outside the heap, so the garbage collector never copies them while the
    // Recommend waits for the ranker (plain arrays of doubles measured as longer scavenge pauses).
    const bySource = new Map<string, Float64Array>();
    const rowOfId = rowsOfListedIds(lists, tableItemIds);
    for (const { weight, list } of lists) {
      const { source, itemIds: ids, rows: listRows, scores: listScores } = list;
      let column = bySource.get(source);
      const length = (listRows ?? ids).length;
      for (let i = 0; i < length; i++) {
        const row = listRows ? listRows[i] : (rowOfId.get(ids[i]) ?? -1);
        // An item the table lacks (or a row past its end) cannot be ranked.
        if (row < 0 || row >= slotOfRow.length) continue;
        let slot = slotOfRow[row];
        if (slot === EXCLUDED) continue;
        const score = weight === 1 ? listScores[i] : listScores[i] * weight;
        if (!Number.isFinite(score)) continue;
        if (slot === UNSEEN) {
          const itemId = tableItemIds[row];
          if (exclude(itemId)) {
            slotOfRow[row] = EXCLUDED;
            continue;
          }
          slot = slotOfRow[row] = size++;
          itemIds[slot] = itemId;
          rows[slot] = row;
          sources[slot] = source;
          scores[slot] = score;
        } else if (score > scores[slot]) {
          sources[slot] = source;
          scores[slot] = score;
        }
        if (!column) bySource.set(source, (column = new Float64Array(slots).fill(NaN)));
        const current = column[slot];
        column[slot] = Number.isNaN(current) ? score : Math.max(current, score);
      }
    }
    const order = new Array<number>(size);
    for (let slot = 0; slot < size; slot++) order[slot] = slot;
    order.sort(byScoreThenId(scores, itemIds));
    if (order.length > max) order.length = Math.max(0, max);
    return new MergedCandidates(itemIds, rows, sources, scores, bySource).pick(order);
  }

  get size(): number {
    return this.itemIds.length;
  }

  /**
   * The index of this item among the candidates: `hint` when the item is there (the ranker names each ranked
   * item's index), else found by id (a ranker that names none), -1 when the item is not a candidate.
   */
  indexOf(itemId: string, hint: number): number {
    if (this.itemIds[hint] === itemId) return hint;
    if (!this.indexById) this.indexById = new Map(this.itemIds.map((id, i) => [id, i]));
    return this.indexById.get(itemId) ?? -1;
  }

  /** The rows `keep` accepts, in their order. */
  filter(keep: (itemId: string, row: number) => boolean): MergedCandidates {
    const kept: number[] = [];
    for (let i = 0; i < this.itemIds.length; i += 1) if (keep(this.itemIds[i], this.rows[i])) kept.push(i);
    return kept.length === this.itemIds.length ? this : this.pick(kept);
  }

  /** Each source that proposed at least one of the rows, with its score per row (0 where it did not). */
  sourceScores(): Record<string, { values: number[] }> {
    const out: Record<string, { values: number[] }> = {};
    for (const [source, column] of this.bySource) {
      const values = new Float64Array(this.itemIds.length);
      let proposed = false;
      for (let row = 0; row < values.length; row += 1) {
        const score = column[row];
        if (!Number.isNaN(score)) {
          values[row] = score;
          proposed = true;
        }
      }
      if (proposed) out[source] = doubleColumn(values);
    }
    return out;
  }

  /** These rows, in this order (plain loops: a typed array's `from` with a mapping goes through an iterator). */
  private pick(picked: readonly number[]): MergedCandidates {
    const n = picked.length;
    const bySource = new Map<string, Float64Array>();
    for (const [source, column] of this.bySource) {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i += 1) values[i] = column[picked[i]];
      bySource.set(source, values);
    }
    const itemIds = new Array<string>(n);
    // Typed arrays: their values live outside the heap, so a scavenge never copies them while a Recommend waits.
    const rows = new Int32Array(n);
    const sources = new Array<string>(n);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i += 1) {
      const from = picked[i];
      itemIds[i] = this.itemIds[from];
      rows[i] = this.rows[from];
      sources[i] = this.sources[from];
      scores[i] = this.scores[from];
    }
    return new MergedCandidates(itemIds, rows, sources, scores, bySource);
  }
}

/**
 * Each table row of the items that lists by id name (-1: not in the table): a source whose answer cannot name rows
 * (item_to_item's few dozen neighbours of the seed) is found with one pass over the table's ids against a map of
 * those ids, instead of a map of the table's ~750 ids per Recommend.
 */
function rowsOfListedIds(lists: readonly SourceCandidates[], tableItemIds: readonly string[]): Map<string, number> {
  const rowOf = new Map<string, number>();
  for (const { list } of lists) if (!list.rows) for (const id of list.itemIds) rowOf.set(id, -1);
  if (rowOf.size === 0) return rowOf;
  for (let row = 0; row < tableItemIds.length; row++) if (rowOf.get(tableItemIds[row]) === -1) rowOf.set(tableItemIds[row], row);
  return rowOf;
}

/**
 * The ranker's candidate columns: the candidates' rows of the features the ranking model reads (numbers and the
 * category; the creator is the orchestrator's, for blocks and diversity), and each source's score column (0 where
 * the source did not propose the item). The candidates' sources stay here: the orchestrator knows them. A text
 * column that came dictionary-encoded goes on so, its dictionary cut to the values the candidates have (the
 * table's other items — hidden, less liked — are the subject's business, not the ranker's).
 */
export function candidateColumns(candidates: MergedCandidates, table: ItemTable) {
  const rows = candidates.rows;
  const numbers: Record<string, { values: number[] }> = {};
  for (const name of NUMERIC_ITEM_TERMS) {
    const values = table.numbers[name]?.values;
    if (!values) continue;
    const picked = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) picked[i] = values[rows[i]];
    numbers[name] = doubleColumn(picked);
  }
  const texts: Record<string, TextColumn> = {};
  for (const name of TEXT_ITEM_TERMS) {
    const column = table.texts[name];
    if (column)
      texts[name] = isDictionaryColumn(column) ? pickedDictionary(column, rows) : textColumn(Array.from(rows, (r) => column.values[r]));
  }
  return {
    candidateTable: { itemIds: [...candidates.itemIds], numbers, texts },
    candidateSourceScores: candidates.sourceScores(),
  };
}

/** These rows of a dictionary-encoded column, with only the dictionary entries they use (in order of first use). */
function pickedDictionary(column: TextColumn, rows: ArrayLike<number>): TextColumn {
  const { dictionary, codes } = column;
  const renumbered = new Array<number>(dictionary.length).fill(-1);
  const kept: string[] = [];
  const picked = new Array<number>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const code = codes[rows[i]];
    if (renumbered[code] === -1) renumbered[code] = kept.push(dictionary[code]) - 1;
    picked[i] = renumbered[code];
  }
  return { values: [], dictionary: kept, codes: picked };
}

/**
 * The table with its number columns and dictionary codes in typed arrays (read by index only): their values live
 * outside the heap, so the scavenges that run while a Recommend waits for the ranker do not copy them (~750 rows of
 * five columns per Recommend in flight, and a wave holds 20-30 of them).
 */
export function offHeapTable(table: ItemTable): ItemTable {
  const numbers: ItemTable['numbers'] = {};
  for (const [name, column] of Object.entries(table.numbers)) numbers[name] = doubleColumn(float64Copy(column.values));
  const texts: ItemTable['texts'] = {};
  for (const [name, column] of Object.entries(table.texts))
    // Typed as the message's list, like doubleColumn's: read by index and length only.
    texts[name] = isDictionaryColumn(column) ? { ...column, codes: int32Copy(column.codes) as unknown as number[] } : column;
  return { itemIds: table.itemIds, numbers, texts };
}

/** A copy of a list in a Float64Array, by a plain loop (a typed array's `from` may go through the list's iterator). */
function float64Copy(values: ArrayLike<number>): Float64Array {
  const copy = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) copy[i] = values[i];
  return copy;
}

/** A copy of a list in an Int32Array, by a plain loop (see float64Copy). */
function int32Copy(values: ArrayLike<number>): Int32Array {
  const copy = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) copy[i] = values[i];
  return copy;
}
