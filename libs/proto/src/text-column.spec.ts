import { DictionaryEncoder, dictionaryColumn, isDictionaryColumn, textAt, textColumn, textColumnLength, textValues } from './text-column';

describe(dictionaryColumn.name, () => {
  it('holds each distinct value once, in order of first appearance, and a code per value', () => {
    const values = ['books', 'music', 'books', '', 'news', 'music', ''];
    const column = dictionaryColumn(values);
    expect(column).toEqual({ values: [], dictionary: ['books', 'music', '', 'news'], codes: [0, 1, 0, 2, 3, 1, 2] });
    expect(isDictionaryColumn(column)).toBe(true);
    expect(textValues(column)).toEqual(values);
    expect(textColumnLength(column)).toBe(values.length);
  });

  it('encodes no values as an empty column (read back as no values)', () => {
    const column = dictionaryColumn([]);
    expect(isDictionaryColumn(column)).toBe(false);
    expect(textValues(column)).toEqual([]);
    expect(textColumnLength(column)).toBe(0);
  });
});

describe(DictionaryEncoder.name, () => {
  it('encodes every column as dictionaryColumn does, call after call, over a vocabulary that keeps growing', () => {
    const encoder = new DictionaryEncoder();
    let state = 7;
    const next = () => (state = (state * 1103515245 + 12345) % 2147483648);
    for (let call = 0; call < 50; call++) {
      // Later calls reach further into the vocabulary (past the encoder's first 64 codes), and repeat values.
      const values = Array.from({ length: call % 7 === 0 ? 0 : 1 + (next() % 300) }, () => `v${next() % (10 + call * 10)}`);
      if (call % 5 === 0) values.push('');
      expect(encoder.encode(values)).toEqual(dictionaryColumn(values));
    }
    expect(encoder.size).toBeGreaterThan(64);
  });
});

describe(textValues.name, () => {
  it('reads a column of values as it is, and no column as no values', () => {
    const column = textColumn(['a', 'b']);
    expect(isDictionaryColumn(column)).toBe(false);
    expect(textValues(column)).toBe(column.values);
    expect(textColumnLength(column)).toBe(2);
    expect(textValues(undefined)).toEqual([]);
  });

  it('reads a code outside the dictionary as no value', () => {
    expect(textValues({ values: [], dictionary: ['a'], codes: [0, 3, 0] })).toEqual(['a', '', 'a']);
  });
});

describe(textAt.name, () => {
  it('reads one row of either encoding, and no value past the end, outside the dictionary or without a column', () => {
    const dictionary = dictionaryColumn(['books', 'music', 'books']);
    const plain = textColumn(['books', 'music', 'books']);
    for (const column of [dictionary, plain])
      expect([0, 1, 2, 3].map((row) => textAt(column, row))).toEqual(['books', 'music', 'books', '']);
    expect(textAt({ values: [], dictionary: ['a'], codes: [4] }, 0)).toBe('');
    expect(textAt(undefined, 0)).toBe('');
  });
});
