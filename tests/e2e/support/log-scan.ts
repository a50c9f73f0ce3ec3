import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Raw identifiers that must not appear in any service log, by kind ("demo user id", "anonymous id", ...). */
export type RawIdentifiers = Map<string, Set<string>>;

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

function escape(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One pattern per kind: any of its values as a whole token (so "r-user-00002" does not match "r-user-000021"). */
function patterns(ids: RawIdentifiers): { kind: string; pattern: RegExp }[] {
  return [...ids]
    .filter(([, values]) => values.size > 0)
    .map(([kind, values]) => ({
      kind,
      pattern: new RegExp(
        `(?<![A-Za-z0-9_-])(?:${[...values]
          .sort((a, b) => b.length - a.length)
          .map(escape)
          .join('|')})(?![A-Za-z0-9_-])`,
      ),
    }));
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/**
 * Every place a log file under `dir` holds a raw identifier or an e-mail address, described by file, line and
 * kind, never by the value itself (the report must not leak what it found).
 */
export function findRawIdentifiers(dir: string, ids: RawIdentifiers): string[] {
  const checks = [...patterns(ids), { kind: 'e-mail address', pattern: EMAIL }];
  const problems: string[] = [];
  for (const file of files(dir)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (const { kind, pattern } of checks) {
      const hits = lines.flatMap((line, i) => (new RegExp(pattern.source).test(line) ? [i + 1] : []));
      if (hits.length > 0) {
        problems.push(`${relative(dir, file)}: ${hits.length} line(s) hold a raw ${kind} (first on line ${hits[0]})`);
      }
    }
  }
  return problems;
}
