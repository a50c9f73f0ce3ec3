import { TextColumn } from './generated/recsys/v1/common';

/** A text column of these values, as they are. */
export function textColumn(values: string[]): TextColumn {
  return { values, dictionary: [], codes: [] };
}

/**
 * A text column dictionary-encoded: each distinct value once, in order of first appearance, and one index per
 * value. Hundreds of items share a few categories and creators, so the column carries a few strings instead of
 * one per item (fewer to encode and to decode, on every hop the table travels).
 */
export function dictionaryColumn(values: readonly string[]): TextColumn {
  const dictionary: string[] = [];
  const codeOf = new Map<string, number>();
  const codes = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    let code = codeOf.get(values[i]);
    if (code === undefined) {
      code = dictionary.push(values[i]) - 1;
      codeOf.set(values[i], code);
    }
    codes[i] = code;
  }
  return { values: [], dictionary, codes };
}

/**
 * {@link dictionaryColumn} for a caller that encodes columns over the same vocabulary again and again (a tenant's
 * categories and creators, hundreds of items per call): each value gets a code of this encoder once, so a call makes
 * no map of its own — it renumbers the encoder's codes through a reused array. The same columns as
 * dictionaryColumn. Holds every distinct value it has seen: for a bounded vocabulary (keep one per catalog snapshot).
 * Not reentrant (encode is synchronous).
 */
export class DictionaryEncoder {
  private readonly codeOf = new Map<string, number>();
  /** By the encoder's code: the current column's code + 1 (0: not in the column yet); all 0 between calls. */
  private columnCode = new Int32Array(64);

  /** Distinct values seen so far. */
  get size(): number {
    return this.codeOf.size;
  }

  encode(values: readonly string[]): TextColumn {
    const dictionary: string[] = [];
    const codes = new Array<number>(values.length);
    try {
      for (let i = 0; i < values.length; i++) {
        const value = values[i];
        let code = this.codeOf.get(value);
        if (code === undefined) {
          code = this.codeOf.size;
          this.codeOf.set(value, code);
          if (code >= this.columnCode.length) {
            const grown = new Int32Array(2 * this.columnCode.length);
            grown.set(this.columnCode);
            this.columnCode = grown;
          }
        }
        let local = this.columnCode[code];
        if (local === 0) local = this.columnCode[code] = dictionary.push(value);
        codes[i] = local - 1;
      }
    } finally {
      // The dictionary's values are exactly the codes this call set.
      for (const value of dictionary) this.columnCode[this.codeOf.get(value)!] = 0;
    }
    return { values: [], dictionary, codes };
  }
}

/** Whether a text column is dictionary-encoded (see {@link dictionaryColumn}). */
export function isDictionaryColumn(column: TextColumn): boolean {
  return column.dictionary.length > 0;
}

/**
 * The values of a text column, one per item, whichever way it is encoded; a code outside the dictionary reads as
 * '' (no value). Callers check the column's length against their items where it matters.
 */
export function textValues(column: TextColumn | undefined): string[] {
  if (!column) return [];
  if (!isDictionaryColumn(column)) return column.values;
  const values = new Array<string>(column.codes.length);
  for (let row = 0; row < values.length; row++) values[row] = textAt(column, row);
  return values;
}

/**
 * The value of one item (row) of a text column, whichever way it is encoded, without making the column's values:
 * '' without the column, past its end, or for a code outside the dictionary.
 */
export function textAt(column: TextColumn | undefined, row: number): string {
  if (!column) return '';
  if (!isDictionaryColumn(column)) return column.values[row] ?? '';
  return column.dictionary[column.codes[row]] ?? '';
}

/** The number of items a text column has a value for, whichever way it is encoded. */
export function textColumnLength(column: TextColumn): number {
  return isDictionaryColumn(column) ? column.codes.length : column.values.length;
}
