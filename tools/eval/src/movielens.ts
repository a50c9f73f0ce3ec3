import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CatalogItem, GovernedRow } from '@recsys/models';

export interface RatingsFile {
  rows: GovernedRow[];
  /** Items with title and genres when the catalog file sits beside the ratings (movies.csv, u.item). */
  catalog: CatalogItem[];
  format: 'ratings.csv' | 'u.data';
}

/** Every rating is an implicit interaction of weight 1 (the rating value is not used), as is usual for top-N. */
const WEIGHT = 1;

/**
 * Reads MovieLens ratings: `ratings.csv` with a header (userId,movieId,rating,timestamp — ml-latest-small,
 * ml-25m) or tab-separated `u.data` without one (ml-100k). Refuses anything else with the line that is wrong.
 */
export function readRatings(path: string, tenant: string): RatingsFile {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  const text = readFileSync(path, 'utf8');
  const lines = text.split(/\r?\n/);
  const csv = lines[0]?.trim().toLowerCase().startsWith('userid,');
  const rows: GovernedRow[] = [];
  for (let i = csv ? 1 : 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const parts = csv ? line.split(',') : line.split('\t');
    const [user, item, rating, seconds] = parts;
    const timestamp = Number(seconds);
    if (parts.length !== 4 || !user || !item || !Number.isFinite(Number(rating)) || !Number.isFinite(timestamp)) {
      throw new Error(`${path}:${i + 1}: expected ${csv ? 'userId,movieId,rating,timestamp' : 'user<TAB>item<TAB>rating<TAB>timestamp'}`);
    }
    rows.push({ tenant, user, item, weight: WEIGHT, timestampMs: timestamp * 1000 });
  }
  if (rows.length === 0) throw new Error(`${path}: no ratings`);
  return { rows, catalog: readCatalog(path, csv), format: csv ? 'ratings.csv' : 'u.data' };
}

/** movies.csv (movieId,title,genres) or u.item + u.genre beside the ratings; empty when absent. */
function readCatalog(ratingsPath: string, csv: boolean): CatalogItem[] {
  const dir = dirname(ratingsPath);
  if (csv) {
    const path = join(dir, 'movies.csv');
    if (!existsSync(path)) return [];
    return readFileSync(path, 'utf8')
      .split(/\r?\n/)
      .slice(1)
      .filter(Boolean)
      .map((line) => {
        const first = line.indexOf(',');
        const last = line.lastIndexOf(',');
        const title = line.slice(first + 1, last).replace(/^"|"$/g, '');
        const genres = line
          .slice(last + 1)
          .split('|')
          .filter((g) => g && g !== '(no genres listed)');
        return { itemId: line.slice(0, first), title, category: genres[0] ?? '', tags: genres, qualityScore: 0 };
      });
  }
  const path = join(dir, 'u.item');
  if (!existsSync(path) || basename(ratingsPath) !== 'u.data') return [];
  const genreNames = existsSync(join(dir, 'u.genre'))
    ? readFileSync(join(dir, 'u.genre'), 'latin1')
        .split(/\r?\n/)
        .filter(Boolean)
        .map((l) => l.split('|')[0])
    : [];
  return readFileSync(path, 'latin1')
    .split(/\r?\n/)
    .filter(Boolean)
    .map((line) => {
      const f = line.split('|');
      const genres = f.slice(5).flatMap((flag, i) => (flag === '1' && genreNames[i] && genreNames[i] !== 'unknown' ? [genreNames[i]] : []));
      return { itemId: f[0], title: f[1] ?? '', category: genres[0] ?? '', tags: genres, qualityScore: 0 };
    });
}
