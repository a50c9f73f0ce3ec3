import { scanLines } from './yaml-lines';

describe(scanLines.name, () => {
  const text = [
    '# header', // 1
    'features:', // 2
    '  - name: a', // 3
    '    modes: [x]', // 4
    '    approval:', // 5
    '      ticket: T-1', // 6
    '', // 7
    '  - name: b', // 8
    '    features:', // 9
    '      - one', // 10
    '      - two', // 11
    'other: 1', // 12
  ].join('\n');

  it('finds top-level keys and the start line of each list entry', () => {
    const lines = scanLines(text);
    expect(lines.topKeys).toEqual({ features: 2, other: 12 });
    expect(lines.entries['features'].map((e) => e.line)).toEqual([3, 8]);
  });

  it('finds the lines of keys, nested keys and nested list items of an entry', () => {
    const [a, b] = scanLines(text).entries['features'];
    expect(a.keys).toEqual({ name: 3, modes: 4, approval: 5, 'approval.ticket': 6 });
    expect(b.keys).toEqual({ name: 8, features: 9, 'features[0]': 10, 'features[1]': 11 });
  });
});
