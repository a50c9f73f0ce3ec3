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
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[]) AS u(t, p, i, k, ts, s, r)
         WHERE NOT EXISTS (SELECT 1 FROM features.erased_subject x WHERE x.tenant_id = u.t AND x.subject_pid = u.p AND to_timestamp(u.ts / 1000.0) <= x.erased_at)`,
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
   * recomputes them without the subject. Idempotent: a second call removes 0. With `erase` (the deletion saga)
   * the subject is recorded as erased in the same transaction: from then on no event of theirs dated before now
   * can be stored again.
   */
  async deleteSubject(tenantId: string, subjectPid: string, erase = false): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      if (erase) {
        await m.query(
          `INSERT INTO features.erased_subject (tenant_id, subject_pid, erased_at) VALUES ($1, $2, now())
           ON CONFLICT (tenant_id, subject_pid) DO UPDATE SET erased_at = now()`,
          [tenantId, subjectPid],
        );
      }
      // A CTE, because TypeORM returns [rows, count] for a bare DELETE ... RETURNING.
      const [{ n: removed }] = (await m.query(
        `WITH d AS (DELETE FROM features.event WHERE tenant_id = $1 AND subject_pid = $2 RETURNING 1) SELECT count(*)::int AS n FROM d`,
        [tenantId, subjectPid],
      )) as { n: number }[];
      if (removed > 0) await m.query(`DELETE FROM features.aggregate_state WHERE tenant_id = $1`, [tenantId]);
      return removed;
    });
  }

  /** When each of these subjects was erased by a deletion (ms), for those that were. */
  async erasedAt(tenantId: string, subjectPids: string[]): Promise<Map<string, number>> {
    if (subjectPids.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `SELECT subject_pid, (extract(epoch FROM erased_at) * 1000)::float8 AS at FROM features.erased_subject
       WHERE tenant_id = $1 AND subject_pid = ANY($2)`,
      [tenantId, subjectPids],
    )) as { subject_pid: string; at: number }[];
    return new Map(rows.map((r) => [r.subject_pid, r.at]));
  }

  /** Behaviour events still stored for a subject (the deletion saga's verification). */
  async countSubject(tenantId: string, subjectPid: string): Promise<number> {
    const rows = (await this.dataSource.query(`SELECT count(*)::int AS n FROM features.event WHERE tenant_id = $1 AND subject_pid = $2`, [
      tenantId,
      subjectPid,
    ])) as { n: number }[];
    return rows[0].n;
  }

  /** A subject's stored events, oldest first, for their data export. */
  async exportSubject(
    tenantId: string,
    subjectPid: string,
  ): Promise<{ item_id: string; event_type: string; occurred_at: string; session_id: string; region: string }[]> {
    return (await this.dataSource.query(
      `SELECT item_id, event_type, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, session_id, region
       FROM features.event e WHERE tenant_id = $1 AND subject_pid = $2 ORDER BY e.occurred_at, e.id`,
      [tenantId, subjectPid],
    )) as { item_id: string; event_type: string; occurred_at: string; session_id: string; region: string }[];
  }
}
