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
