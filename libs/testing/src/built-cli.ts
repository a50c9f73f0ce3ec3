import { execFileSync, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';

/**
 * A command-line tool exercised as built (`dist/`), in child Node processes. yargs is an ES module that Jest's
 * CommonJS runtime cannot load while Node (≥ 20.19) can, and this is also how `npm run <command>` runs it.
 */
export interface BuiltCli {
  /** Builds dist/ once (call in beforeAll). */
  build(): void;
  /** `parser(args)` of the parser module in a child process: `{ command }` or `{ error: "<name>: <message>" }`. */
  parse(...args: string[]): unknown;
  /** The command's main module as a process, without a reachable database. */
  run(...args: string[]): SpawnSyncReturns<string>;
  /** `run` with more environment variables. */
  runWith(env: Record<string, string>, ...args: string[]): SpawnSyncReturns<string>;
}

const NO_DATABASE = { PATH: process.env.PATH, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', LOG_LEVEL: 'silent' };

/**
 * @param root the repository root
 * @param dir the built folder, relative to the root (for example `dist/apps/feature-gateway/src/training`)
 * @param parserModule the parser's file in `dir`, and `parser` the exported async parse function
 * @param mainModule the command's entry file in `dir`
 */
export function builtCli(root: string, dir: string, parserModule: string, parser: string, mainModule: string): BuiltCli {
  const dist = join(root, dir);
  return {
    build: () => {
      execFileSync(process.execPath, [join(root, 'tools', 'scripts', 'build.mjs'), '--quiet'], { cwd: root });
    },
    parse: (...args) => {
      const script = `require(${JSON.stringify(join(dist, parserModule))}).${parser}(JSON.parse(process.argv[1]))
        .then((c) => console.log(JSON.stringify({ command: c })), (e) => console.log(JSON.stringify({ error: e.name + ': ' + e.message })))`;
      const out = execFileSync(process.execPath, ['-e', script, JSON.stringify(args)], { encoding: 'utf8' });
      return JSON.parse(out.trim().split('\n').pop()!) as unknown;
    },
    run: (...args) => spawnSync(process.execPath, [join(dist, mainModule), ...args], { encoding: 'utf8', env: NO_DATABASE }),
    runWith: (env, ...args) =>
      spawnSync(process.execPath, [join(dist, mainModule), ...args], { encoding: 'utf8', env: { ...NO_DATABASE, ...env } }),
  };
}
