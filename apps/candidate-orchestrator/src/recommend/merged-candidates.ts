import { isDictionaryColumn, ItemTable, TextColumn, textColumn } from '@recsys/proto';
import { NUMERIC_ITEM_TERMS, TEXT_ITEM_TERMS } from '@recsys/models';
import { Candidate } from '../candidates/candidate-source';

/** One source's answer as the merge takes it: its candidates and the weight an experiment variant gives it. */
export interface SourceCandidates {
  weight: number;
  candidates: readonly Candidate[];
}

/**
 * The candidates of every source of a Recommend merged into one row per item, in columns: a Recommend merges
 * ~1 200 candidates into up to 500 rows, and the ranker takes them as columns, so no object per candidate is made.
 */
export class MergedCandidates {
  private constructor(
    readonly itemIds: readonly string[],
    /** Each row's best source and its (weighted) score. */
    readonly sources: readonly string[],
    readonly scores: readonly number[],
    /** Each source's best score per row; NaN where the source did not propose the item. */
    private readonly bySource: ReadonlyMap<string, Float64Array>,
  ) {}

  /**
   * One row per item with every source's best score (the best of all names the row's source), without the
   * excluded items; best-scored first, ties by item id; at most `max` rows. Scores are finite and not negative (a
   * source's are 0..1, a variant's weight 0..10); a candidate whose weighted score is not a finite number is left
   * out, so a NaN can never stand for a score.
   */
  static merge(lists: readonly SourceCandidates[], exclude: (itemId: string) => boolean, max: number): MergedCandidates {
    const total = lists.reduce((n, l) => n + l.candidates.length, 0);
    const slotOf = new Map<string, number>();
    const itemIds: string[] = [];
    const sources: string[] = [];
    const scores: number[] = [];
    // Float64Arrays: their values live outside the heap, so the garbage collector never copies them while the
    // Recommend waits for the ranker (plain arrays of doubles measured as longer scavenge pauses).
    const bySource = new Map<string, Float64Array>();
    let column: Float64Array = new Float64Array(0);
    let columnSource: string | undefined;
    for (const { weight, candidates } of lists) {
      for (const c of candidates) {
        if (exclude(c.itemId)) continue;
        const score = weight === 1 ? c.score : c.score * weight;
        if (!Number.isFinite(score)) continue;
        if (c.source !== columnSource) {
          // A list's candidates come from one source: one lookup per list, not per candidate.
          columnSource = c.source;
          let found = bySource.get(c.source);
          if (!found) bySource.set(c.source, (found = new Float64Array(total).fill(NaN)));
          column = found;
        }
        const slot = slotOf.get(c.itemId);
        if (slot === undefined) {
          column[itemIds.length] = score;
          slotOf.set(c.itemId, itemIds.length);
          itemIds.push(c.itemId);
          sources.push(c.source);
          scores.push(score);
          continue;
        }
        const current = column[slot];
        column[slot] = Number.isNaN(current) ? score : Math.max(current, score);
        if (score > scores[slot]) {
          sources[slot] = c.source;
          scores[slot] = score;
        }
      }
    }
    const order = itemIds.map((_, slot) => slot);
    order.sort((a, b) => scores[b] - scores[a] || (itemIds[a] < itemIds[b] ? -1 : 1));
    return new MergedCandidates(itemIds, sources, scores, bySource).pick(order.slice(0, max));
  }

  get size(): number {
    return this.itemIds.length;
  }

  /** The rows `keep` accepts, in their order. */
  filter(keep: (itemId: string) => boolean): MergedCandidates {
    const rows: number[] = [];
    for (let row = 0; row < this.itemIds.length; row += 1) if (keep(this.itemIds[row])) rows.push(row);
    return rows.length === this.itemIds.length ? this : this.pick(rows);
  }

  /** Each source that proposed at least one of the rows, with its score per row (0 where it did not). */
  sourceScores(): Record<string, { values: number[] }> {
    const out: Record<string, { values: number[] }> = {};
    for (const [source, column] of this.bySource) {
      const values = new Array<number>(this.itemIds.length);
      let proposed = false;
      for (let row = 0; row < values.length; row += 1) {
        const score = column[row];
        if (Number.isNaN(score)) values[row] = 0;
        else {
          values[row] = score;
          proposed = true;
        }
      }
      if (proposed) out[source] = { values };
    }
    return out;
  }

  private pick(rows: readonly number[]): MergedCandidates {
    const bySource = new Map<string, Float64Array>();
    for (const [source, column] of this.bySource) {
      const picked = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i += 1) picked[i] = column[rows[i]];
      bySource.set(source, picked);
    }
    return new MergedCandidates(
      rows.map((r) => this.itemIds[r]),
      rows.map((r) => this.sources[r]),
      rows.map((r) => this.scores[r]),
      bySource,
    );
  }
}

/**
 * The ranker's candidate columns: the candidates' rows of the features the ranking model reads (numbers and the
 * category; the creator is the orchestrator's, for blocks and diversity), and each source's score column (0 where
 * the source did not propose the item). The candidates' sources stay here: the orchestrator knows them. A text
 * column that came dictionary-encoded goes on so, its dictionary cut to the values the candidates have (the
 * table's other items — hidden, less liked — are the subject's business, not the ranker's).
 */
export function candidateColumns(candidates: MergedCandidates, table: ItemTable, rowOf: ReadonlyMap<string, number>) {
  const rows = candidates.itemIds.map((id) => rowOf.get(id)!);
  const numbers: Record<string, { values: number[] }> = {};
  for (const name of NUMERIC_ITEM_TERMS) {
    const values = table.numbers[name]?.values;
    if (values) numbers[name] = { values: rows.map((r) => values[r]) };
  }
  const texts: Record<string, TextColumn> = {};
  for (const name of TEXT_ITEM_TERMS) {
    const column = table.texts[name];
    if (column) texts[name] = isDictionaryColumn(column) ? pickedDictionary(column, rows) : textColumn(rows.map((r) => column.values[r]));
  }
  return {
    /** Each candidate's row of `table`. */
    rows,
    candidateTable: { itemIds: [...candidates.itemIds], numbers, texts },
    candidateSourceScores: candidates.sourceScores(),
  };
}

/** These rows of a dictionary-encoded column, with only the dictionary entries they use (in order of first use). */
function pickedDictionary(column: TextColumn, rows: readonly number[]): TextColumn {
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
