import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRatings } from './movielens';

describe(readRatings.name, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'eval-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    return join(dir, name);
  };

  it('reads ratings.csv with its header, every rating as a weight-1 interaction in ms, and movies.csv beside it', () => {
    const path = file('ratings.csv', 'userId,movieId,rating,timestamp\n1,10,4.0,964982703\n1,20,1.5,964982704\n2,10,5,964982705\n');
    file('movies.csv', 'movieId,title,genres\n10,"Heat, The (1995)",Action|Crime\n20,Toy Story (1995),(no genres listed)\n');
    const read = readRatings(path, 't1');
    expect(read.format).toBe('ratings.csv');
    expect(read.rows).toEqual([
      { tenant: 't1', user: '1', item: '10', weight: 1, timestampMs: 964982703000 },
      { tenant: 't1', user: '1', item: '20', weight: 1, timestampMs: 964982704000 },
      { tenant: 't1', user: '2', item: '10', weight: 1, timestampMs: 964982705000 },
    ]);
    expect(read.catalog).toEqual([
      { itemId: '10', title: 'Heat, The (1995)', category: 'Action', tags: ['Action', 'Crime'], qualityScore: 0 },
      { itemId: '20', title: 'Toy Story (1995)', category: '', tags: [], qualityScore: 0 },
    ]);
  });

  it('reads tab-separated u.data with u.item and u.genre beside it', () => {
    const path = file('u.data', '196\t242\t3\t881250949\n186\t302\t3\t891717742\n');
    file('u.genre', 'unknown|0\nAction|1\nComedy|2\n');
    file('u.item', '242|Kolya (1996)|24-Jan-1997||http://x|0|0|1\n302|L.A. Confidential (1997)|01-Jan-1997||http://y|0|1|0\n');
    const read = readRatings(path, 't1');
    expect(read.format).toBe('u.data');
    expect(read.rows.map((r) => [r.user, r.item, r.timestampMs])).toEqual([
      ['196', '242', 881250949000],
      ['186', '302', 891717742000],
    ]);
    expect(read.catalog.map((c) => [c.itemId, c.category])).toEqual([
      ['242', 'Comedy'],
      ['302', 'Action'],
    ]);
  });

  it('names the file and line of a malformed rating', () => {
    const path = file('ratings.csv', 'userId,movieId,rating,timestamp\n1,10,4.0,964982703\n1,20,four,964982704\n');
    expect(() => readRatings(path, 't1')).toThrow(`${path}:3: expected userId,movieId,rating,timestamp`);
  });

  it('refuses a missing or empty file clearly', () => {
    expect(() => readRatings(join(dir, 'nope.csv'), 't1')).toThrow('no such file');
    expect(() => readRatings(file('ratings.csv', 'userId,movieId,rating,timestamp\n'), 't1')).toThrow('no ratings');
  });
});
