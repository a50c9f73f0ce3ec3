import { dictionaryColumn, ItemTable, textAt, textColumn } from '@recsys/proto';
import { candidateColumns, MergedCandidates, offHeapTable, SourceCandidates } from './merged-candidates';

/** What the merge must give, written the plain way: one object per item with a map of its sources' scores. */
function referenceMerge(lists: SourceCandidates[], exclude: (itemId: string) => boolean, max: number, table: ReadonlySet<string>) {
  const merged = new Map<string, { itemId: string; source: string; score: number; sourceScores: Record<string, number> }>();
  for (const { weight, list } of lists) {
    const candidates = list.itemIds.map((itemId, i) => ({ itemId, score: list.scores[i], source: list.source }));
    for (const c of candidates) {
      if (exclude(c.itemId) || !table.has(c.itemId)) continue;
      const score = c.score * weight;
      const current = merged.get(c.itemId);
      if (!current) merged.set(c.itemId, { itemId: c.itemId, source: c.source, score, sourceScores: { [c.source]: score } });
      else {
        current.sourceScores[c.source] = Math.max(current.sourceScores[c.source] ?? 0, score);
        if (score > current.score) [current.source, current.score] = [c.source, score];
      }
    }
  }
  return [...merged.values()].sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1)).slice(0, max);
}

/** Columns of doubles as plain lists (the merge keeps them in Float64Arrays, which the codec writes as they are). */
function plain(columns: Record<string, { values: ArrayLike<number> }>): Record<string, { values: number[] }> {
  return Object.fromEntries(Object.entries(columns).map(([name, column]) => [name, { values: Array.from(column.values) }]));
}

function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}

/** A ranking features' table of these items (each item's row). */
function tableOf(itemIds: readonly string[]): { itemIds: string[]; rowOf: Map<string, number> } {
  const unique = [...new Set(itemIds)];
  return { itemIds: unique, rowOf: new Map(unique.map((id, row) => [id, row])) };
}

const list = (source: string, entries: [string, number][], weight = 1): SourceCandidates => ({
  weight,
  list: { source, itemIds: entries.map(([id]) => id), scores: entries.map(([, score]) => score) },
});

/** The merge against a table of every listed item (in reverse order of first appearance: rows are not slots). */
function merge(lists: SourceCandidates[], exclude: (itemId: string) => boolean, max: number): MergedCandidates {
  const table = tableOf(lists.flatMap((l) => l.list.itemIds).reverse());
  return MergedCandidates.merge(lists, table.itemIds, exclude, max);
}

describe(MergedCandidates.name, () => {
  it('keeps one row per item with every source’s best score, the best naming its source, best first', () => {
    const merged = merge(
      [
        list('user_cf', [
          ['a', 0.5],
          ['b', 0.9],
        ]),
        list('editorial', [
          ['a', 0.7],
          ['c', 0.2],
          ['a', 0.1],
        ]),
      ],
      () => false,
      10,
    );
    expect(merged.itemIds).toEqual(['b', 'a', 'c']);
    expect(merged.sources).toEqual(['user_cf', 'editorial', 'editorial']);
    expect(merged.scores).toEqual(Float64Array.from([0.9, 0.7, 0.2]));
    // Typed arrays, kept off the heap while the Recommend waits for the ranker.
    expect(merged.rows).toBeInstanceOf(Int32Array);
    expect(plain(merged.sourceScores())).toEqual({ user_cf: { values: [0.9, 0.5, 0] }, editorial: { values: [0, 0.7, 0.2] } });
  });

  it('weighs a source’s scores, leaves out excluded items, caps the rows and drops a source left without rows', () => {
    const merged = merge(
      [
        list('trending_region', [['x', 0.5]], 3),
        list('user_cf', [
          ['x', 0.9],
          ['hidden', 1],
          ['y', 0.1],
        ]),
        list('editorial', [['y', 0.05]]),
      ],
      (itemId) => itemId === 'hidden',
      1,
    );
    expect(merged.itemIds).toEqual(['x']);
    expect(merged.sources).toEqual(['trending_region']);
    expect(Array.from(merged.scores)).toEqual([1.5]);
    expect(plain(merged.sourceScores())).toEqual({ trending_region: { values: [1.5] }, user_cf: { values: [0.9] } });
  });

  it('leaves out a candidate whose score is not a finite number', () => {
    const merged = merge(
      [
        list('user_cf', [
          ['a', Number.NaN],
          ['b', 0.5],
        ]),
        list('editorial', [['a', Number.POSITIVE_INFINITY]]),
      ],
      () => false,
      10,
    );
    expect(merged.itemIds).toEqual(['b']);
    expect(plain(merged.sourceScores())).toEqual({ user_cf: { values: [0.5] } });
  });

  it('keeps only items of the table, by their row, and asks about each item once', () => {
    const table = tableOf(['gone-not', 'b', 'a']);
    const asked: string[] = [];
    const merged = MergedCandidates.merge(
      [
        list('user_cf', [
          ['a', 0.9],
          ['gone', 0.8],
          ['b', 0.7],
        ]),
        list('editorial', [
          ['b', 0.6],
          ['a', 0.2],
        ]),
      ],
      table.itemIds,
      (itemId) => {
        asked.push(itemId);
        return false;
      },
      10,
    );
    expect(merged.itemIds).toEqual(['a', 'b']);
    expect(Array.from(merged.rows)).toEqual([2, 1]);
    expect(asked).toEqual(['a', 'b']);
  });

  it('filters rows in order, keeping each row’s scores', () => {
    const merged = merge(
      [
        list('user_cf', [
          ['a', 0.9],
          ['b', 0.8],
          ['c', 0.7],
        ]),
      ],
      () => false,
      10,
    ).filter((id) => id !== 'b');
    expect(merged.itemIds).toEqual(['a', 'c']);
    expect(merged.size).toBe(2);
    expect(plain(merged.sourceScores())).toEqual({ user_cf: { values: [0.9, 0.7] } });
  });

  it('merges like the plain per-item merge over random source lists (ties, repeats, weights, exclusions, caps)', () => {
    const random = lcg(11);
    const sources = ['user_cf', 'user_two_tower', 'item_to_item', 'content_similar', 'trending_region', 'editorial'];
    for (let round = 0; round < 200; round += 1) {
      const lists = sources
        .filter(() => random() < 0.8)
        .map((source) =>
          list(
            source,
            Array.from({ length: Math.floor(random() * 40) }, (): [string, number] => [
              `item-${Math.floor(random() * 60)}`,
              // Quarter steps make ties between items and between sources common.
              Math.floor(random() * 5) / 4,
            ]),
            random() < 0.3 ? Math.floor(random() * 8) / 2 : 1,
          ),
        );
      const excluded = new Set(Array.from({ length: 5 }, () => `item-${Math.floor(random() * 60)}`));
      const max = 1 + Math.floor(random() * 50);
      // The table lacks a few of the listed items (an item the catalog no longer has).
      const listed = lists.flatMap((l) => l.list.itemIds);
      const table = tableOf(listed.filter(() => random() < 0.9));
      const expected = referenceMerge(lists, (id) => excluded.has(id), max, new Set(table.itemIds));
      // Some lists name their items by row, as feature-gateway answers ranked_rows: without the items the table lacks.
      const mixed = lists.map((l): SourceCandidates => {
        if (random() < 0.5) return l;
        const kept = l.list.itemIds.map((id, i) => [table.rowOf.get(id), l.list.scores[i]]).filter(([row]) => row !== undefined);
        return { ...l, list: { source: l.list.source, itemIds: [], rows: kept.map(([row]) => row!), scores: kept.map(([, s]) => s!) } };
      });
      const merged = MergedCandidates.merge(mixed, table.itemIds, (id) => excluded.has(id), max);
      expect(Array.from(merged.rows)).toEqual(expected.map((c) => table.rowOf.get(c.itemId)));
      expect(merged.itemIds).toEqual(expected.map((c) => c.itemId));
      expect(merged.sources).toEqual(expected.map((c) => c.source));
      expect(Array.from(merged.scores)).toEqual(expected.map((c) => c.score));
      const proposing = [...new Set(expected.flatMap((c) => Object.keys(c.sourceScores)))];
      expect(plain(merged.sourceScores())).toEqual(
        Object.fromEntries(proposing.map((s) => [s, { values: expected.map((c) => c.sourceScores[s] ?? 0) }])),
      );
    }
  });
});

describe(candidateColumns.name, () => {
  const table: ItemTable = {
    itemIds: ['i1', 'i2', 'i3'],
    numbers: {
      item_quality_score: { values: [0.1, 0.2, 0.3] },
      item_popularity: { values: [1, 2, 3] },
      region_popularity: { values: [4, 5, 6] },
    },
    texts: { item_category: textColumn(['books', 'music', 'news']), item_creator: textColumn(['c1', 'c2', 'c3']) },
  };
  const candidates = MergedCandidates.merge(
    [
      list('user_cf', [['i3', 0.9]]),
      list('editorial', [
        ['i3', 0.5],
        ['i1', 1],
      ]),
    ],
    table.itemIds,
    () => false,
    10,
  );

  it('sends the ranker the candidates’ rows of what its model reads, and every source’s score column', () => {
    expect(Array.from(candidates.rows)).toEqual([0, 2]);
    const columns = candidateColumns(candidates, table);
    // Columns of doubles in Float64Arrays, which the wire codec writes as the packed fields' bytes.
    expect(columns.candidateTable.numbers.item_popularity.values).toBeInstanceOf(Float64Array);
    expect(columns.candidateSourceScores.user_cf.values).toBeInstanceOf(Float64Array);
    expect({
      candidateTable: { ...columns.candidateTable, numbers: plain(columns.candidateTable.numbers) },
      candidateSourceScores: plain(columns.candidateSourceScores),
    }).toEqual({
      candidateTable: {
        itemIds: ['i1', 'i3'],
        numbers: {
          item_quality_score: { values: [0.1, 0.3] },
          item_popularity: { values: [1, 3] },
          region_popularity: { values: [4, 6] },
        },
        texts: { item_category: textColumn(['books', 'news']) },
      },
      candidateSourceScores: { user_cf: { values: [0, 0.9] }, editorial: { values: [1, 0.5] } },
    });
  });

  it('keeps a dictionary-encoded column so, with only the dictionary entries the candidates use', () => {
    const encoded = { ...table, texts: { item_category: dictionaryColumn(['books', 'music', 'news']) } };
    expect(candidateColumns(candidates, encoded).candidateTable.texts).toEqual({
      item_category: { values: [], dictionary: ['books', 'news'], codes: [0, 1] },
    });
    const shared = { ...table, texts: { item_category: dictionaryColumn(['news', 'music', 'news']) } };
    expect(candidateColumns(candidates, shared).candidateTable.texts).toEqual({
      item_category: { values: [], dictionary: ['news'], codes: [0, 0] },
    });
  });

  it('leaves out the creator and the candidates’ sources (the orchestrator keeps them), and columns the table lacks', () => {
    const columns = candidateColumns(candidates, { ...table, numbers: { item_popularity: table.numbers.item_popularity } });
    expect(Object.keys(columns.candidateTable.texts)).toEqual(['item_category']);
    expect(Object.keys(columns.candidateTable.numbers)).toEqual(['item_popularity']);
    expect(columns).not.toHaveProperty('candidateSources');
  });
});

describe(offHeapTable.name, () => {
  it('keeps the same values, its number columns and dictionary codes in typed arrays and its plain text columns as they are', () => {
    const table: ItemTable = {
      itemIds: ['i1', 'i2', 'i3'],
      numbers: { item_quality_score: { values: [0.1, 0.2, 0.3] } },
      texts: { item_category: dictionaryColumn(['books', 'music', 'books']), item_creator: textColumn(['c1', 'c2', 'c3']) },
    };
    const typed = offHeapTable(table);
    expect(typed.itemIds).toBe(table.itemIds);
    expect(typed.numbers.item_quality_score.values).toBeInstanceOf(Float64Array);
    expect(Array.from(typed.numbers.item_quality_score.values)).toEqual([0.1, 0.2, 0.3]);
    expect(typed.texts.item_category.codes).toBeInstanceOf(Int32Array);
    expect([0, 1, 2].map((row) => textAt(typed.texts.item_category, row))).toEqual(['books', 'music', 'books']);
    expect(typed.texts.item_creator).toBe(table.texts.item_creator);
    // What the ranker is sent from it is what it is sent from the table as it came.
    const candidates = MergedCandidates.merge(
      [
        list('user_cf', [
          ['i3', 0.9],
          ['i1', 0.5],
        ]),
      ],
      table.itemIds,
      () => false,
      10,
    );
    const plain = (c: ReturnType<typeof candidateColumns>) =>
      JSON.parse(JSON.stringify(c, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)));
    expect(plain(candidateColumns(candidates, typed))).toEqual(plain(candidateColumns(candidates, table)));
  });
});
