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
}
