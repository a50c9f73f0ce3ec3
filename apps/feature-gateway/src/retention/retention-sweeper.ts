import type { Logger } from 'pino';
import { PeriodicTask, ServiceMetrics } from '@recsys/service-kit';
import { RetentionRepository } from './retention.repository';

const DAY = 86_400_000;

export interface RetentionPolicy {
  /** Raw behaviour events (behavioral_personal). */
  rawEventDays: number;
  /** Aggregated features (aggregate_non_personal). */
  aggregateDays: number;
  /** Experiment exposure logs (experiment_exposures). */
  exposureDays: number;
  intervalSeconds: number;
  batchSize: number;
}

export interface SweepReport {
  eventsDeleted: number;
  aggregatesDeleted: number;
  exposuresDeleted: number;
  seconds: number;
}

/**
 * Retention (seed §20), enforced by machine in the service that owns the data: every interval, each tenant's raw
 * behaviour events older than the data class allows are deleted in bounded batches (short transactions, so
 * serving never waits), the tenant's aggregates are then recomputed without them, aggregates nobody refreshed
 * for longer than theirs allows are dropped, and so are experiment exposure logs past theirs. Session state needs
 * no sweep: it lives in Redis with a TTL.
 */
export class RetentionSweeper {
  private readonly deleted;
  private readonly oldestAge;
  private readonly lastSweep;

  private readonly task: PeriodicTask;

  constructor(
    private readonly repository: RetentionRepository,
    private readonly policy: RetentionPolicy,
    metrics: ServiceMetrics,
    private readonly logger: Logger,
  ) {
    this.task = new PeriodicTask('retention sweep', () => this.sweep(), policy.intervalSeconds * 1000, logger);
    this.deleted = metrics.counter('retention_deleted_total', 'Rows deleted by retention sweeps, by data class.', ['data_class']);
    this.lastSweep = metrics.gauge('retention_last_sweep_seconds', 'Duration of the last completed retention sweep.');
    this.oldestAge = metrics.gauge(
      'raw_event_retention_age_seconds',
      'Age of the oldest stored raw behaviour event, by tenant (stays below the retention period when sweeps work).',
      ['tenant'],
    );
  }

  async sweep(now = new Date()): Promise<SweepReport> {
    const started = Date.now();
    const eventCutoff = new Date(now.getTime() - this.policy.rawEventDays * DAY);
    let eventsDeleted = 0;
    for (const tenantId of await this.repository.tenantsWithEvents()) {
      let tenantDeleted = 0;
      for (;;) {
        const n = await this.repository.deleteExpiredEvents(tenantId, eventCutoff, this.policy.batchSize);
        tenantDeleted += n;
        if (n > 0 && tenantDeleted % (this.policy.batchSize * 10) < n) {
          this.logger.info({ tenantId, deleted: tenantDeleted }, 'retention sweep in progress');
        }
        if (n < this.policy.batchSize) break;
      }
      if (tenantDeleted > 0) {
        await this.repository.markAggregatesStale(tenantId);
        this.logger.info({ tenantId, deleted: tenantDeleted, cutoff: eventCutoff.toISOString() }, 'expired raw events deleted');
      }
      eventsDeleted += tenantDeleted;
    }
    this.deleted.inc({ data_class: 'behavioral_personal' }, eventsDeleted);
    const aggregatesDeleted = await this.repository.deleteExpiredAggregates(new Date(now.getTime() - this.policy.aggregateDays * DAY));
    this.deleted.inc({ data_class: 'aggregate_non_personal' }, aggregatesDeleted);
    const exposuresDeleted = await this.sweepExposures(new Date(now.getTime() - this.policy.exposureDays * DAY));
    this.deleted.inc({ data_class: 'experiment_exposures' }, exposuresDeleted);
    this.oldestAge.reset();
    for (const [tenantId, oldest] of await this.repository.oldestEvents()) {
      this.oldestAge.set({ tenant: tenantId }, Math.max(0, (now.getTime() - oldest.getTime()) / 1000));
    }
    const seconds = (Date.now() - started) / 1000;
    this.lastSweep.set(seconds);
    this.logger.info({ eventsDeleted, aggregatesDeleted, exposuresDeleted, seconds }, 'retention sweep done');
    return { eventsDeleted, aggregatesDeleted, exposuresDeleted, seconds };
  }

  private async sweepExposures(cutoff: Date): Promise<number> {
    let deleted = 0;
    for (;;) {
      const n = await this.repository.deleteExpiredExposures(cutoff, this.policy.batchSize);
      deleted += n;
      if (n < this.policy.batchSize) break;
    }
    if (deleted > 0) this.logger.info({ deleted, cutoff: cutoff.toISOString() }, 'expired experiment exposures deleted');
    return deleted;
  }

  /** Sweeps at start and then every interval; a sweep still running is not started twice. */
  start(): void {
    this.task.start();
  }

  stop(): void {
    this.task.stop();
  }
}
