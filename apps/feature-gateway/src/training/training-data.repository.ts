import { DataSource } from 'typeorm';
import { GovernedRow } from '@recsys/models';
import { EVENT_WEIGHT_SQL } from '../aggregates/aggregate.repository';

/**
 * Reads a tenant's stored behaviour as training rows: one row per (subject, item) with the summed event weight
 * and the latest time. Rows are pseudonymous (subject_pid); `hide` carries no weight and is left out.
 */
export class TrainingDataRepository {
  constructor(private readonly dataSource: DataSource) {}

  async rows(tenantId: string, windowDays: number): Promise<GovernedRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT subject_pid, item_id, sum(${EVENT_WEIGHT_SQL})::float8 AS weight, (extract(epoch FROM max(occurred_at)) * 1000)::float8 AS ts
       FROM features.event
       WHERE tenant_id = $1 AND event_type <> 'hide' AND occurred_at > now() - make_interval(days => $2)
       GROUP BY subject_pid, item_id ORDER BY subject_pid, item_id`,
      [tenantId, windowDays],
    )) as { subject_pid: string; item_id: string; weight: number; ts: number }[];
    return rows.map((r) => ({ tenant: tenantId, user: r.subject_pid, item: r.item_id, weight: r.weight, timestampMs: r.ts }));
  }

  /** Tenants with stored behaviour. */
  async tenants(): Promise<string[]> {
    const rows = (await this.dataSource.query(`SELECT DISTINCT tenant_id FROM features.event ORDER BY tenant_id`)) as {
      tenant_id: string;
    }[];
    return rows.map((r) => r.tenant_id);
  }
}
