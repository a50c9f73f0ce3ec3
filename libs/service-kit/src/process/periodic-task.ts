import type { Logger } from 'pino';

/**
 * Runs `work` at start and then every `intervalMs`, never twice at once (a run still going skips the tick), and
 * logs a failure instead of throwing it. The timer does not keep the process alive.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly name: string,
    private readonly work: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const tick = () => {
      if (this.running) return;
      this.running = true;
      this.work()
        .catch((error: unknown) => this.logger.error({ err: String(error) }, `${this.name} failed`))
        .finally(() => {
          this.running = false;
        });
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
