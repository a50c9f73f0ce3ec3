import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { ServiceMetrics } from '@recsys/service-kit';

const DAY = 86_400_000;
/** The sampled Recommend decision records (personal data of their data class, seed §20: 30 days). */
export const DECISION_ACTION = 'recommend.decision';

/**
 * Retention of sampled decision logs (seed §20), enforced in audit-service, which stores them: every interval,
 * decision records older than the retention are deleted in bounded batches. The audit trail of sensitive access
 * (consent changes, controls, deletions) is not a decision log and is not touched.
 */
export class DecisionLogRetention {
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly deleted;

  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: { days: number; intervalSeconds: number; batchSize: number },
    metrics: ServiceMetrics,
    private readonly logger: Logger,
  ) {
    this.deleted = metrics.counter('retention_deleted_total', 'Rows deleted by retention sweeps, by data class.', ['data_class']);
  }

  async sweep(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.policy.days * DAY);
    let total = 0;
    for (;;) {
      const [{ n }] = (await this.dataSource.query(
        `WITH expired AS (
           SELECT tenant_id, seq FROM audit.audit_record WHERE action = $1 AND occurred_at < $2 LIMIT $3),
         d AS (DELETE FROM audit.audit_record a USING expired WHERE a.tenant_id = expired.tenant_id AND a.seq = expired.seq RETURNING 1)
         SELECT count(*)::int AS n FROM d`,
        [DECISION_ACTION, cutoff, this.policy.batchSize],
      )) as { n: number }[];
      total += n;
      if (n < this.policy.batchSize) break;
    }
    this.deleted.inc({ data_class: 'decision_logs_sampled' }, total);
    if (total > 0) this.logger.info({ deleted: total, cutoff: cutoff.toISOString() }, 'expired decision records deleted');
    return total;
  }

  start(): void {
    const tick = () => {
      if (this.running) return;
      this.running = true;
      this.sweep()
        .catch((error: unknown) => this.logger.error({ err: String(error) }, 'decision log retention sweep failed'))
        .finally(() => {
          this.running = false;
        });
    };
    tick();
    this.timer = setInterval(tick, this.policy.intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
