import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

/**
 * A benchmark stopped from outside still runs its cleanup steps (stops its services, drops its database): the built
 * runBench in a real process, sent a real signal while its run waits.
 */
describe('runBench (the built module, in its own process)', () => {
  let dir: string;

  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'tools', 'scripts', 'build.mjs'), '--quiet'], { cwd: root });
  }, 120_000);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'run-bench-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a bench whose run registers two cleanup steps and then waits forever; resolves once it is waiting. */
  function startWaitingBench() {
    const script = `
      const { appendFileSync } = require('node:fs');
      const { runBench } = require(${JSON.stringify(join(root, 'dist', 'tools', 'bench', 'src', 'run-bench.js'))});
      const log = ${JSON.stringify(join(dir, 'cleanup.log'))};
      runBench(
        async () => ({}),
        async (_options, addCleanup) => {
          addCleanup(async () => appendFileSync(log, 'first registered\\n'));
          addCleanup(async () => appendFileSync(log, 'second registered\\n'));
          process.stdout.write('waiting\\n');
          await new Promise(() => setInterval(() => undefined, 1000)); // a run in progress keeps the process alive
        },
        (line) => process.stderr.write(line + '\\n'),
      );`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const waiting = new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
    return { child, exited, waiting, stderr: () => stderr };
  }

  it.each([
    ['SIGTERM', 143, 'terminated; cleaning up'],
    ['SIGINT', 130, 'interrupted; cleaning up'],
  ] as const)(
    'on %s runs every cleanup step, newest first, and exits %d',
    async (signal, code, said) => {
      const bench = startWaitingBench();
      await bench.waiting;
      bench.child.kill(signal);
      expect(await bench.exited).toBe(code);
      expect(readFileSync(join(dir, 'cleanup.log'), 'utf8')).toBe('second registered\nfirst registered\n');
      expect(bench.stderr()).toContain(said);
    },
    30_000,
  );
});
