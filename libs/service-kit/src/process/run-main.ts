import { ConfigError } from '../config/load-config';

/**
 * Runs a service's main function: a configuration problem prints its list and exits 2, anything else prints
 * the error and exits 1. Nothing here prints configuration values.
 */
export function runMain(name: string, main: () => Promise<unknown>): void {
  // Started by the launcher with an IPC channel: when the launcher dies the channel closes, and the service
  // shuts down the way SIGTERM does.
  if (process.send) process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${name}: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
