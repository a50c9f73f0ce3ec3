import { DataSource } from 'typeorm';

export interface StoredEvent {
  tenantId: string;
  subjectPid: string;
  itemId: string;
  eventType: string;
  timestampMs: number;
  sessionId: string;
  region: string;
}

export class EventRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts personal behaviour events in one statement. Column arrays through `unnest` cost the server about a
   * third less than a JSON document per batch, and no RETURNING: the row count comes back with the command.
   */
  async insert(events: StoredEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const runner = this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(
        `INSERT INTO features.event (tenant_id, subject_pid, item_id, event_type, occurred_at, session_id, region)
         SELECT t, p, i, k, to_timestamp(ts / 1000.0), s, r
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[]) AS u(t, p, i, k, ts, s, r)`,
        [
          events.map((e) => e.tenantId),
          events.map((e) => e.subjectPid),
          events.map((e) => e.itemId),
          events.map((e) => e.eventType),
          events.map((e) => e.timestampMs),
          events.map((e) => e.sessionId),
          events.map((e) => e.region),
        ],
        true,
      );
      return (result as { affected?: number }).affected ?? 0;
    } finally {
      await runner.release();
    }
  }

  /**
   * Removes every behaviour event of one subject and marks the tenant's aggregates stale, so the next refresh
   * recomputes them without the subject. Idempotent: a second call removes 0.
   */
  async deleteSubject(tenantId: string, subjectPid: string): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      // A CTE, because TypeORM returns [rows, count] for a bare DELETE ... RETURNING.
      const [{ n: removed }] = (await m.query(
        `WITH d AS (DELETE FROM features.event WHERE tenant_id = $1 AND subject_pid = $2 RETURNING 1) SELECT count(*)::int AS n FROM d`,
        [tenantId, subjectPid],
      )) as { n: number }[];
      if (removed > 0) await m.query(`DELETE FROM features.aggregate_state WHERE tenant_id = $1`, [tenantId]);
      return removed;
    });
  }

  /** Behaviour events still stored for a subject (the deletion saga's verification). */
  async countSubject(tenantId: string, subjectPid: string): Promise<number> {
    const rows = (await this.dataSource.query(`SELECT count(*)::int AS n FROM features.event WHERE tenant_id = $1 AND subject_pid = $2`, [
      tenantId,
      subjectPid,
    ])) as { n: number }[];
    return rows[0].n;
  }
}
