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

  /** Inserts personal behaviour events in one statement. */
  async insert(events: StoredEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const rows = (await this.dataSource.query(
      `INSERT INTO features.event (tenant_id, subject_pid, item_id, event_type, occurred_at, session_id, region)
       SELECT r.tenant_id, r.subject_pid, r.item_id, r.event_type, to_timestamp(r.ts / 1000.0), r.session_id, r.region
       FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, subject_pid text, item_id text, event_type text, ts bigint, session_id text, region text)
       RETURNING 1`,
      [
        JSON.stringify(
          events.map((e) => ({
            tenant_id: e.tenantId,
            subject_pid: e.subjectPid,
            item_id: e.itemId,
            event_type: e.eventType,
            ts: e.timestampMs,
            session_id: e.sessionId,
            region: e.region,
          })),
        ),
      ],
    )) as unknown[];
    return rows.length;
  }

  /**
   * Removes every behaviour event of one subject and marks the tenant's aggregates stale, so the next refresh
   * recomputes them without the subject. Idempotent: a second call removes 0.
   */
  async deleteSubject(tenantId: string, subjectPid: string): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const removed = (await m.query(`DELETE FROM features.event WHERE tenant_id = $1 AND subject_pid = $2 RETURNING 1`, [
        tenantId,
        subjectPid,
      ])) as unknown[];
      if (removed.length > 0) await m.query(`DELETE FROM features.aggregate_state WHERE tenant_id = $1`, [tenantId]);
      return removed.length;
    });
  }
}
