import { Presets, SingleBar } from 'cli-progress';

/** Progress of one phase of a long job (consent checks, row inserts). */
export interface ProgressBar {
  update(done: number): void;
  stop(): void;
}

/** Starts a bar for a phase of `total` units; the builder calls it once per phase. */
export type ProgressFactory = (phase: string, total: number) => ProgressBar;

export const NO_PROGRESS: ProgressFactory = () => ({ update: () => undefined, stop: () => undefined });

/**
 * A cli-progress bar on stderr (stdout carries the JSON result, so a pipe of it stays clean). Hidden when
 * stderr is not a terminal: CronJob logs and CI output get no control characters.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressFactory {
  if (!stream.isTTY) return NO_PROGRESS;
  return (phase, total) => {
    const bar = new SingleBar(
      { stream, format: `${phase.padEnd(18)} [{bar}] {percentage}% {value}/{total} | {duration_formatted}`, hideCursor: true },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  };
}
