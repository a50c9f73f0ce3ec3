import { DataSource } from 'typeorm';
import { AuditRecord } from '@recsys/proto';
import { DECISION_ACTION } from '../retention/decision-log-retention';

/** The audit schema: append and read only. */
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Appends records; a record id seen before is skipped, so a retried batch is stored once. A decision record of
   * an erased subject dated before the erasure (a batch still in flight during a deletion) is not stored.
   */
  async append(records: AuditRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const rows = (await this.dataSource.query(
      `INSERT INTO audit.audit_record (tenant_id, record_id, actor, action, target, reason, occurred_at, request_id, details)
       SELECT r.tenant_id, r.record_id::uuid, r.actor, r.action, r.target, r.reason, to_timestamp(r.occurred_at_ms / 1000.0), r.request_id,
              NULLIF(r.details_json, '')::jsonb
       FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, record_id text, actor text, action text, target text, reason text,
                                               occurred_at_ms bigint, request_id text, details_json text)
       WHERE r.action <> $2 OR NOT EXISTS (
         SELECT 1 FROM audit.erased_subject x
         WHERE x.tenant_id = r.tenant_id AND x.subject_pid = r.target AND to_timestamp(r.occurred_at_ms / 1000.0) <= x.erased_at)
       ON CONFLICT (tenant_id, record_id) DO NOTHING RETURNING seq`,
      [
        JSON.stringify(
          records.map((r) => ({
            tenant_id: r.tenantId,
            record_id: r.recordId,
            actor: r.actor,
            action: r.action,
            target: r.target,
            reason: r.reason,
            occurred_at_ms: r.occurredAtMs,
            request_id: r.requestId,
            details_json: r.detailsJson,
          })),
        ),
        DECISION_ACTION,
      ],
    )) as unknown[];
    return rows.length;
  }

  async query(tenantId: string, filter: { action?: string; target?: string; limit: number }): Promise<AuditRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT tenant_id, record_id::text, actor, action, target, reason,
              (extract(epoch FROM occurred_at) * 1000)::bigint AS occurred_at_ms, request_id, COALESCE(details::text, '') AS details_json
       FROM audit.audit_record
       WHERE tenant_id = $1 AND ($2 = '' OR action = $2) AND ($3 = '' OR target = $3)
       ORDER BY seq DESC LIMIT $4`,
      [tenantId, filter.action ?? '', filter.target ?? '', filter.limit],
    )) as Record<string, string>[];
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      recordId: r.record_id,
      actor: r.actor,
      action: r.action,
      target: r.target,
      reason: r.reason,
      occurredAtMs: Number(r.occurred_at_ms),
      requestId: r.request_id,
      detailsJson: r.details_json,
    }));
  }

  /**
   * Deletes a subject's decision records (the deletion saga) and records the erasure, in one transaction; the
   * audit trail of sensitive access (consent changes, controls, the deletion itself) stays. Idempotent.
   */
  async purgeSubjectDecisions(tenantId: string, subjectPid: string): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO audit.erased_subject (tenant_id, subject_pid, erased_at) VALUES ($1, $2, now())
         ON CONFLICT (tenant_id, subject_pid) DO UPDATE SET erased_at = now()`,
        [tenantId, subjectPid],
      );
      // A CTE, because TypeORM returns [rows, count] for a bare DELETE ... RETURNING.
      const [{ n }] = (await m.query(
        `WITH d AS (DELETE FROM audit.audit_record WHERE tenant_id = $1 AND target = $2 AND action = $3 RETURNING 1)
         SELECT count(*)::int AS n FROM d`,
        [tenantId, subjectPid, DECISION_ACTION],
      )) as { n: number }[];
      return n;
    });
  }

  async countSubjectDecisions(tenantId: string, subjectPid: string): Promise<number> {
    const [{ n }] = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM audit.audit_record WHERE tenant_id = $1 AND target = $2 AND action = $3`,
      [tenantId, subjectPid, DECISION_ACTION],
    )) as { n: number }[];
    return n;
  }
}
