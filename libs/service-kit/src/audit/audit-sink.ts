import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AuditRecord, AuditServiceClient } from '@recsys/proto';
import { UnaryClient } from '../grpc/grpc-client';
import { ServiceMetrics } from '../observability/metrics';
import { AuditOutbox } from './audit-outbox';
import { isAuditTenantId } from '@recsys/tenant-keys';

/** The action of sampled Recommend decision records (stored apart from the audit trail, with a retention). */
export const DECISION_ACTION = 'recommend.decision';

export type AuditInput = Omit<AuditRecord, 'recordId' | 'occurredAtMs' | 'detailsJson' | 'seq' | 'hash'> & {
  details?: Record<string, unknown>;
};

export interface AuditSinkOptions {
  maxQueue: number;
  batchSize: number;
  intervalMs: number;
  /** Durable storage for what audit-service could not take; without one, records wait in the bounded queue. */
  outbox?: AuditOutbox;
  /** How often the outbox is relayed to audit-service while it holds records. */
  relayIntervalMs?: number;
}

/**
 * Sends audit records to audit-service in the background: `record()` never blocks or fails the caller. Records
 * are batched and deduplicated there by record id. When a batch cannot be delivered it goes to the service's
 * durable outbox (a table of its own schema) and a relay delivers it when audit-service is back, oldest first:
 * an audit-service outage delays records but loses none. Without an outbox (tests, tools) the batch stays in a
 * bounded in-memory queue and is retried with backoff.
 */
export class AuditSink {
  private readonly queue: AuditRecord[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<boolean>;
  private backoffMs = 0;
  private readonly dropped;
  private readonly sent;
  private readonly outboxed;
  private readonly pendingGauge;
  private relayTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private spilling = false;
  private readonly rejected;
  private relaying?: Promise<void>;
  private closed = false;

  constructor(
    private readonly client: Pick<UnaryClient<AuditServiceClient>, 'appendRecords'>,
    private readonly actor: string,
    metrics: ServiceMetrics,
    private readonly logger: Logger,
    private readonly options: AuditSinkOptions = { maxQueue: 10_000, batchSize: 200, intervalMs: 200 },
  ) {
    this.dropped = metrics.counter('audit_records_dropped_total', 'Audit records dropped because the in-memory queue was full.');
    this.sent = metrics.counter('audit_records_sent_total', 'Audit records delivered to audit-service.');
    this.outboxed = metrics.counter(
      'audit_records_outboxed_total',
      'Audit records stored in the durable outbox (audit-service unreachable).',
    );
    this.pendingGauge = metrics.gauge('audit_outbox_pending', 'Audit records waiting in the durable outbox.');
    this.rejected = metrics.counter(
      'audit_records_rejected_total',
      'Audit records audit-service refused as malformed (dropped, so they cannot block the records behind them). Must stay 0.',
    );
    if (options.outbox) {
      // Records left by an earlier run, a job or another replica are relayed from the start and then polled for.
      this.scheduleRelay(0);
      this.pollTimer = setInterval(() => this.scheduleRelay(0), options.relayIntervalMs ?? 2000);
      this.pollTimer.unref();
    }
  }

  record(input: AuditInput): void {
    const { details, ...rest } = input;
    if (!isAuditTenantId(rest.tenantId) || !rest.action) {
      // audit-service would refuse it; refused here, where the caller's log line can say which code path it was.
      this.rejected.inc();
      this.logger.error({ action: rest.action }, 'audit record refused: invalid tenant id or no action');
      return;
    }
    if (this.queue.length >= this.options.maxQueue) {
      if (this.options.outbox && !this.spilling) {
        // Full while audit-service is slow or away: the whole queue goes to the durable outbox, nothing is dropped.
        this.spilling = true;
        void this.toOutbox(this.queue.slice()).finally(() => (this.spilling = false));
      } else if (!this.options.outbox || this.queue.length >= 2 * this.options.maxQueue) {
        this.queue.shift();
        this.dropped.inc();
      }
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

  /** Tries to deliver everything queued; used at shutdown. With an outbox, what is left is stored there. */
  async drain(timeoutMs = 2000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.queue.length > 0 && Date.now() < until) {
      const ok = await this.flush();
      if (!ok && !this.options.outbox) await new Promise((r) => setTimeout(r, 100));
    }
    if (this.queue.length > 0 && this.options.outbox) await this.toOutbox(this.queue.slice());
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.relayTimer) clearTimeout(this.relayTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.timer = undefined;
    this.relayTimer = undefined;
  }

  /** Delivers what the outbox holds, oldest first, until it is empty or a delivery fails. */
  async relay(): Promise<void> {
    const outbox = this.options.outbox;
    if (!outbox) return;
    if (this.relaying) return this.relaying;
    this.relaying = (async () => {
      try {
        for (;;) {
          const batch = await outbox.take(this.options.batchSize);
          this.pendingGauge.set(batch.length < this.options.batchSize ? batch.length : await outbox.count());
          if (batch.length === 0) return;
          try {
            await this.client.appendRecords({ records: batch }, { timeoutMs: 5000 });
            this.sent.inc(batch.length);
          } catch (error) {
            if (!isRefusal(error)) throw error;
            await this.deliverOneByOne(batch);
          }
          await outbox.remove(batch.map((r) => r.recordId));
        }
      } finally {
        this.relaying = undefined;
      }
    })();
    return this.relaying;
  }

  private scheduleRelay(delayMs: number): void {
    if (this.relayTimer || this.closed) return;
    this.relayTimer = setTimeout(() => {
      this.relayTimer = undefined;
      this.relay()
        .catch((error: unknown) => {
          this.logger.warn({ err: String((error as Error).message ?? error) }, 'audit outbox relay failed; will retry');
          this.scheduleRelay(this.options.relayIntervalMs ?? 2000);
        })
        .catch(() => undefined);
    }, delayMs);
    this.relayTimer.unref();
  }

  /** Moves records from memory to the durable outbox; false when even that failed (they stay queued). */
  private async toOutbox(batch: AuditRecord[]): Promise<boolean> {
    try {
      await this.options.outbox!.save(batch);
    } catch (error) {
      this.logger.error({ err: String((error as Error).message ?? error) }, 'audit outbox write failed; records stay queued');
      return false;
    }
    this.removeFromQueue(batch);
    this.outboxed.inc(batch.length);
    this.pendingGauge.inc(batch.length);
    this.scheduleRelay(this.options.relayIntervalMs ?? 2000);
    return true;
  }

  /**
   * A batch audit-service refused as malformed: each record is sent alone, and only the ones refused alone are
   * dropped (counted in `audit_records_rejected_total`, alerted). Any other failure stops and is rethrown.
   */
  private async deliverOneByOne(batch: AuditRecord[]): Promise<void> {
    for (const record of batch) {
      try {
        await this.client.appendRecords({ records: [record] }, { timeoutMs: 5000 });
        this.sent.inc();
      } catch (error) {
        if (!isRefusal(error)) throw error;
        this.rejected.inc();
        this.logger.error(
          { action: record.action, err: String((error as Error).message ?? error) },
          'audit record refused by audit-service; dropped',
        );
      }
    }
  }

  private removeFromQueue(batch: AuditRecord[]): void {
    // Remove exactly these: while a batch was in flight, a full queue may have dropped some of it.
    const done = new Set(batch.map((r) => r.recordId));
    for (let i = this.queue.length - 1; i >= 0; i -= 1) if (done.has(this.queue[i].recordId)) this.queue.splice(i, 1);
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().then((ok) => {
        this.backoffMs = ok ? 0 : Math.min(Math.max(this.backoffMs * 2, 250), 10_000);
        if (this.queue.length > 0 && !this.closed) {
          this.retryTimer = setTimeout(() => this.schedule(), this.backoffMs);
          this.retryTimer.unref();
        }
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
      this.removeFromQueue(batch);
      this.sent.inc(batch.length);
      return true;
    } catch (error) {
      if (isRefusal(error)) {
        try {
          await this.deliverOneByOne(batch);
          this.removeFromQueue(batch);
          return true;
        } catch {
          // audit-service went away meanwhile: handled below like any failed delivery.
        }
      }
      this.logger.warn({ pending: this.queue.length, err: String((error as Error).message ?? error) }, 'audit delivery failed; will retry');
      // Durable from here on: the relay delivers it when audit-service is back.
      if (this.options.outbox) return this.toOutbox(batch);
      return false;
    }
  }
}

/** gRPC INVALID_ARGUMENT: audit-service refused the records themselves; retrying the same batch cannot help. */
function isRefusal(error: unknown): boolean {
  return (error as { code?: number }).code === 3;
}
