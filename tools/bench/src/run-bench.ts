import { execFileSync } from 'node:child_process';

/** Registers a cleanup step; steps run in reverse order of registration. */
export type AddCleanup = (step: () => Promise<unknown>) => void;

/**
 * Runs a benchmark script's `run` with its parsed options, then every registered cleanup step (also on
 * SIGINT, exiting 130, and SIGTERM, exiting 143), and exits the process: 0 on success, 1 on failure.
 */
export function runBench<O>(
  parseOptions: () => Promise<O>,
  run: (options: O, addCleanup: AddCleanup) => Promise<void>,
  say: (line: string) => void,
): void {
  const main = async (): Promise<number> => {
    const options = await parseOptions();
    const steps: (() => Promise<unknown>)[] = [];
    let cleaned: Promise<void> | undefined;
    const cleanUp = () =>
      (cleaned ??= (async () => {
        for (const step of steps.reverse()) {
          await step().catch((error: unknown) => say(`cleanup: ${error instanceof Error ? error.message : String(error)}`));
        }
      })());
    // A stopped run (Ctrl-C, or a supervisor's SIGTERM) still stops its services and drops its database.
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      process.once(signal, () => {
        say(`${signal === 'SIGINT' ? 'interrupted' : 'terminated'}; cleaning up`);
        void cleanUp().then(() => process.exit(code));
      });
    }
    try {
      await run(options, (step) => steps.push(step));
      return 0;
    } catch (error) {
      say(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return 1;
    } finally {
      await cleanUp();
    }
  };

  main()
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      say(`failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}

/** The measured code: `git describe --always --dirty` of the repository, or "unknown". */
export function revision(root: string): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}
