import type { Logger } from 'pino';
import { Exposure, FeatureServiceClient } from '@recsys/proto';
import { ServiceMetrics, UnaryClient } from '@recsys/service-kit';

/** gRPC status code INVALID_ARGUMENT. */
const GRPC_INVALID_ARGUMENT = 3;

/**
 * Sends experiment exposures to feature-gateway (`RecordExposures`) in the background, batched; never blocks or
 * fails the answer. Exposures are analytics, not audit: while feature-gateway is unreachable they wait in a
 * bounded queue and are retried; beyond the bound the oldest are dropped and counted.
 */
export class ExposureSink {
  private readonly queue: Exposure[] = [];
  private timer?: NodeJS.Timeout;
  private sending = false;
  private backoffMs = 0;
  private readonly exposures;
  private readonly dropped;

  constructor(
    private readonly client: Pick<UnaryClient<FeatureServiceClient>, 'recordExposures'>,
    metrics: ServiceMetrics,
    private readonly logger: Logger,
    private readonly options = { maxQueue: 50_000, batchSize: 500, intervalMs: 200 },
  ) {
    this.exposures = metrics.counter('experiment_exposures_total', 'Recommend answers served in an experiment variant.', [
      'experiment',
      'variant',
      'mode',
    ]);
    this.dropped = metrics.counter('experiment_exposures_dropped_total', 'Exposures dropped because feature-gateway could not take them.');
  }

  record(exposure: Exposure): void {
    this.exposures.inc({ experiment: exposure.experiment, variant: exposure.variant, mode: exposure.mode });
    if (this.queue.length >= this.options.maxQueue) {
      this.queue.shift();
      this.dropped.inc();
    }
    this.queue.push(exposure);
    this.schedule(this.options.intervalMs);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Tries to send what is queued; used at shutdown. */
  async drain(timeoutMs = 2000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.queue.length > 0 && Date.now() < until) if (!(await this.flush())) break;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().then((ok) => {
        this.backoffMs = ok ? 0 : Math.min(Math.max(this.backoffMs * 2, 500), 30_000);
        if (this.queue.length > 0) this.schedule(ok ? this.options.intervalMs : this.backoffMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async flush(): Promise<boolean> {
    if (this.sending || this.queue.length === 0) return true;
    this.sending = true;
    const batch = this.queue.slice(0, this.options.batchSize);
    try {
      await this.client.recordExposures({ exposures: batch }, { timeoutMs: 3000 });
      // Remove exactly these: a full queue may have dropped some of them while they were in flight.
      const sent = new Set(batch);
      for (let i = this.queue.length - 1; i >= 0; i -= 1) if (sent.has(this.queue[i])) this.queue.splice(i, 1);
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === GRPC_INVALID_ARGUMENT) {
        // Refused as malformed: retrying would block the queue forever. Dropped, counted and logged.
        const refused = new Set(batch);
        for (let i = this.queue.length - 1; i >= 0; i -= 1) if (refused.has(this.queue[i])) this.queue.splice(i, 1);
        this.dropped.inc(batch.length);
        this.logger.error(
          { dropped: batch.length, err: String((error as Error).message ?? error) },
          'exposures refused by feature-gateway; dropped',
        );
        return true;
      }
      this.logger.warn(
        { pending: this.queue.length, err: String((error as Error).message ?? error) },
        'exposures not delivered; will retry',
      );
      return false;
    } finally {
      this.sending = false;
    }
  }
}
