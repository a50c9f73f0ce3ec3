import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AuditRecord, AuditServiceClient } from '@recsys/proto';
import { UnaryClient } from '../grpc/grpc-client';
import { ServiceMetrics } from '../observability/metrics';

export type AuditInput = Omit<AuditRecord, 'recordId' | 'occurredAtMs' | 'detailsJson' | 'seq' | 'hash'> & {
  details?: Record<string, unknown>;
};

/**
 * Sends audit records to audit-service in the background: `record()` never blocks or fails the caller. Records
 * are batched, retried with backoff while audit-service is down, and deduplicated there by record id.
 * The queue is bounded in memory; a durable outbox replaces it in the audit issue.
 */
export class AuditSink {
  private readonly queue: AuditRecord[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<boolean>;
  private backoffMs = 0;
  private readonly dropped;
  private readonly sent;

  constructor(
    private readonly client: Pick<UnaryClient<AuditServiceClient>, 'appendRecords'>,
    private readonly actor: string,
    metrics: ServiceMetrics,
    private readonly logger: Logger,
    private readonly options = { maxQueue: 10_000, batchSize: 200, intervalMs: 200 },
  ) {
    this.dropped = metrics.counter('audit_records_dropped_total', 'Audit records dropped because the in-memory queue was full.');
    this.sent = metrics.counter('audit_records_sent_total', 'Audit records delivered to audit-service.');
  }

  record(input: AuditInput): void {
    const { details, ...rest } = input;
    if (this.queue.length >= this.options.maxQueue) {
      this.queue.shift();
      this.dropped.inc();
    }
    this.queue.push({
      ...rest,
      actor: rest.actor || this.actor,
      recordId: randomUUID(),
      occurredAtMs: Date.now(),
      detailsJson: details ? JSON.stringify(details) : '',
      seq: 0,
      hash: '',
    });
    this.schedule();
  }

  /** Pending records (for tests and shutdown). */
  get pending(): number {
    return this.queue.length;
  }

  /** Tries to deliver everything queued; used at shutdown. */
  async drain(timeoutMs = 2000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.queue.length > 0 && Date.now() < until) {
      const ok = await this.flush();
      if (!ok) await new Promise((r) => setTimeout(r, 100));
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().then((ok) => {
        this.backoffMs = ok ? 0 : Math.min(Math.max(this.backoffMs * 2, 250), 10_000);
        if (this.queue.length > 0) setTimeout(() => this.schedule(), this.backoffMs);
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Sends one batch; a call while a batch is in flight waits for that batch instead of sending another. */
  private flush(): Promise<boolean> {
    if (this.inFlight) return this.inFlight;
    if (this.queue.length === 0) return Promise.resolve(true);
    const batch = this.queue.slice(0, this.options.batchSize);
    this.inFlight = this.send(batch).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async send(batch: AuditRecord[]): Promise<boolean> {
    try {
      await this.client.appendRecords({ records: batch }, { timeoutMs: 2000 });
      // Remove exactly what was sent: while the batch was in flight, a full queue may have dropped some of it.
      const sent = new Set(batch.map((r) => r.recordId));
      for (let i = this.queue.length - 1; i >= 0; i -= 1) if (sent.has(this.queue[i].recordId)) this.queue.splice(i, 1);
      this.sent.inc(batch.length);
      return true;
    } catch (error) {
      this.logger.warn({ pending: this.queue.length, err: String((error as Error).message ?? error) }, 'audit delivery failed; will retry');
      return false;
    }
  }
}
