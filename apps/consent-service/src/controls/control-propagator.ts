import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { FeatureServiceClient } from '@recsys/proto';
import { InvalidationBus, ServiceMetrics, UnaryClient } from '@recsys/service-kit';

interface PendingRow {
  tenant_id: string;
  id: string;
  subject_pid: string;
  control: string;
}

/**
 * Carries profile controls (CLEAR_HISTORY, RESET_PROFILE, and CONSENT_REVOKED when a PERSONALIZATION grant is withdrawn) to feature-gateway's profile store. The control is
 * queued in consent.control_propagation in the same transaction that records it, tried at once, and retried
 * by a sweep until feature-gateway confirms, so an unreachable store delays a control but never loses it.
 * Purges are idempotent, so a row carried out twice (a crash between purge and bookkeeping) does no harm.
 * After a purge every replica drops the subject's cached answers again: an answer computed from the old
 * history in the meantime is never served afterwards.
 */
export class ControlPropagator {
  private timer?: NodeJS.Timeout;
  private readonly failures;
  private readonly done;

  constructor(
    private readonly dataSource: DataSource,
    private readonly features: Pick<UnaryClient<FeatureServiceClient>, 'purgeSubjectProfile'>,
    private readonly bus: InvalidationBus,
    metrics: ServiceMetrics,
    private readonly logger: Logger,
    private readonly options = { intervalMs: 2000, timeoutMs: 2000 },
  ) {
    this.failures = metrics.counter(
      'control_propagation_failures_total',
      'Attempts to carry a user control to a store that failed (retried).',
      ['control'],
    );
    this.done = metrics.counter('control_propagation_done_total', 'User controls carried out by every store.', ['control']);
  }

  /** Carries out one queued control now; true when the store confirmed it. */
  async propagate(tenantId: string, id: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT tenant_id, id::text, subject_pid, control FROM consent.control_propagation WHERE tenant_id = $1 AND id = $2 AND state = 'PENDING'`,
      [tenantId, id],
    )) as PendingRow[];
    return rows.length === 0 ? true : this.carryOut(rows[0]);
  }

  /** One pass over every pending control, oldest first. */
  async sweep(limit = 100): Promise<number> {
    const rows = (await this.dataSource.query(
      `SELECT tenant_id, id::text, subject_pid, control FROM consent.control_propagation WHERE state = 'PENDING' ORDER BY id LIMIT $1`,
      [limit],
    )) as PendingRow[];
    let carried = 0;
    for (const row of rows) if (await this.carryOut(row)) carried += 1;
    return carried;
  }

  start(): void {
    const loop = () => {
      this.timer = setTimeout(() => {
        this.sweep()
          .catch((error: unknown) => this.logger.error({ err: String(error) }, 'control propagation sweep failed'))
          .finally(loop);
      }, this.options.intervalMs);
      this.timer.unref();
    };
    loop();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private async carryOut(row: PendingRow): Promise<boolean> {
    try {
      await this.features.purgeSubjectProfile(
        { tenantId: row.tenant_id, subjectPid: row.subject_pid, reason: row.control },
        { timeoutMs: this.options.timeoutMs },
      );
    } catch (error) {
      this.failures.inc({ control: row.control });
      await this.dataSource.query(
        `UPDATE consent.control_propagation SET attempts = attempts + 1, last_error = $3 WHERE tenant_id = $1 AND id = $2`,
        [row.tenant_id, row.id, String((error as Error).message ?? error).slice(0, 200)],
      );
      return false;
    }
    await this.dataSource.query(
      `UPDATE consent.control_propagation SET state = 'DONE', done_at = now(), attempts = attempts + 1 WHERE tenant_id = $1 AND id = $2`,
      [row.tenant_id, row.id],
    );
    this.done.inc({ control: row.control });
    await this.bus.publish({ tenantId: row.tenant_id, subjectPid: row.subject_pid, consentVersion: '', reason: `${row.control}_done` });
    return true;
  }
}
