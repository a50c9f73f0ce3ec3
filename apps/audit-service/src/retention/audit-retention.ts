import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { PeriodicTask, ServiceMetrics } from '@recsys/service-kit';

const DAY = 86_400_000;

export interface AuditRetentionPolicy {
  /** Sampled decision records (seed §20: 30 d). */
  decisionDays: number;
  /** Debug traces (seed §20: 7 d). */
  debugTraceDays: number;
  intervalSeconds: number;
  batchSize: number;
}

/** The data classes audit-service keeps for a limited time, and their tables. */
const CLASSES = [
  { dataClass: 'decision_logs_sampled', table: 'audit.decision_record', key: 'seq', days: (p: AuditRetentionPolicy) => p.decisionDays },
  { dataClass: 'debug_traces', table: 'audit.debug_trace', key: 'request_id', days: (p: AuditRetentionPolicy) => p.debugTraceDays },
] as const;

/**
 * Retention of what audit-service stores for a limited time (seed §20), enforced by the service: every interval,
 * decision records and debug traces older than their retention are deleted in bounded batches. The audit trail
 * of sensitive access is append-only and not touched (contract-defined retention, seed §20).
 */
export class AuditRetention {
  private readonly deleted;

  private readonly task: PeriodicTask;

  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: AuditRetentionPolicy,
    metrics: ServiceMetrics,
    private readonly logger: Logger,
  ) {
    this.task = new PeriodicTask('audit retention sweep', () => this.sweep(), policy.intervalSeconds * 1000, logger);
    this.deleted = metrics.counter('retention_deleted_total', 'Rows deleted by retention sweeps, by data class.', ['data_class']);
  }

  async sweep(now = new Date()): Promise<Record<string, number>> {
    const report: Record<string, number> = {};
    for (const c of CLASSES) {
      const cutoff = new Date(now.getTime() - c.days(this.policy) * DAY);
      let total = 0;
      for (;;) {
        const [{ n }] = (await this.dataSource.query(
          `WITH expired AS (SELECT tenant_id, ${c.key} FROM ${c.table} WHERE occurred_at < $1 LIMIT $2),
           d AS (DELETE FROM ${c.table} a USING expired WHERE a.tenant_id = expired.tenant_id AND a.${c.key} = expired.${c.key} RETURNING 1)
           SELECT count(*)::int AS n FROM d`,
          [cutoff, this.policy.batchSize],
        )) as { n: number }[];
        total += n;
        if (n < this.policy.batchSize) break;
      }
      this.deleted.inc({ data_class: c.dataClass }, total);
      if (total > 0) this.logger.info({ dataClass: c.dataClass, deleted: total, cutoff: cutoff.toISOString() }, 'expired records deleted');
      report[c.dataClass] = total;
    }
    return report;
  }

  /** Sweeps at start and then every interval; a sweep still running is not started twice. */
  start(): void {
    this.task.start();
  }

  stop(): void {
    this.task.stop();
  }
}
