import { DataSource, EntityManager } from 'typeorm';
import { AuditRecord } from '@recsys/proto';
import { DECISION_ACTION } from '@recsys/service-kit';
import { ChainCheck, chainHash, ChainVerifier, GENESIS_HASH, StoredChainRecord } from './audit-chain';

/** The sampled Recommend decision records: personal data with a 30-day retention, kept apart from the chain. */
export { DECISION_ACTION };

/** Records read per page when a chain is verified. */
const VERIFY_PAGE = 2000;

const ISO_MS = `(extract(epoch FROM occurred_at) * 1000)::bigint`;

/**
 * The audit schema. The audit trail (`audit_record`) is append-only and hash-chained per tenant: every record
 * carries its position and the hash of its predecessor, appends of one tenant are serialized, and the database
 * refuses UPDATE and DELETE of its rows. Sampled decision records (`decision_record`) are personal data with a
 * retention and are deleted with their subject, so they are stored apart and not chained.
 */
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Appends records; a record id seen before is skipped, so a retried batch is stored once. A decision record of
   * an erased subject dated before the erasure (a batch still in flight during a deletion) is not stored.
   */
  async append(records: AuditRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const decisions = records.filter((r) => r.action === DECISION_ACTION);
    let appended = decisions.length > 0 ? await this.appendDecisions(decisions) : 0;
    const byTenant = new Map<string, AuditRecord[]>();
    for (const r of records) if (r.action !== DECISION_ACTION) byTenant.set(r.tenantId, [...(byTenant.get(r.tenantId) ?? []), r]);
    for (const [tenantId, batch] of byTenant) appended += await this.appendChained(tenantId, batch);
    return appended;
  }

  private async appendDecisions(records: AuditRecord[]): Promise<number> {
    const rows = (await this.dataSource.query(
      `INSERT INTO audit.decision_record (tenant_id, record_id, actor, target, reason, occurred_at, request_id, details)
       SELECT r.tenant_id, r.record_id::uuid, r.actor, r.target, r.reason, to_timestamp(r.occurred_at_ms / 1000.0), r.request_id,
              NULLIF(r.details_json, '')::jsonb
       FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, record_id text, actor text, target text, reason text,
                                               occurred_at_ms bigint, request_id text, details_json text)
       WHERE NOT EXISTS (
         SELECT 1 FROM audit.erased_subject x
         WHERE x.tenant_id = r.tenant_id AND x.subject_pid = r.target AND to_timestamp(r.occurred_at_ms / 1000.0) <= x.erased_at)
       ON CONFLICT (tenant_id, record_id) DO NOTHING RETURNING seq`,
      [JSON.stringify(records.map(toRow))],
    )) as unknown[];
    return rows.length;
  }

  /** One tenant's records onto its chain, in one transaction holding the tenant's chain lock. */
  private appendChained(tenantId: string, records: AuditRecord[]): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`audit-chain:${tenantId}`]);
      const seen = new Set(
        (
          (await m.query(`SELECT record_id::text FROM audit.audit_record WHERE tenant_id = $1 AND record_id = ANY($2::uuid[])`, [
            tenantId,
            records.map((r) => r.recordId),
          ])) as { record_id: string }[]
        ).map((r) => r.record_id),
      );
      const fresh = records.filter((r) => !seen.has(r.recordId) && !seen.has(r.recordId.toLowerCase()));
      if (fresh.length === 0) return 0;
      const head = await this.head(m, tenantId);
      let seq = head?.lastSeq ?? 0;
      let prev = head?.lastHash ?? GENESIS_HASH;
      const rows = fresh.map((r) => {
        seq += 1;
        const details = r.detailsJson ? (JSON.parse(r.detailsJson) as unknown) : null;
        const hash = chainHash(prev, { ...r, recordId: r.recordId.toLowerCase(), chainSeq: seq, details });
        const row = { ...toRow(r), record_id: r.recordId.toLowerCase(), chain_seq: seq, prev_hash: prev, hash };
        prev = hash;
        return row;
      });
      await m.query(
        `INSERT INTO audit.audit_record (tenant_id, record_id, actor, action, target, reason, occurred_at, request_id, details, chain_seq, prev_hash, hash)
         SELECT r.tenant_id, r.record_id::uuid, r.actor, r.action, r.target, r.reason, to_timestamp(r.occurred_at_ms / 1000.0), r.request_id,
                NULLIF(r.details_json, '')::jsonb, r.chain_seq, r.prev_hash, r.hash
         FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, record_id text, actor text, action text, target text, reason text,
                                                 occurred_at_ms bigint, request_id text, details_json text, chain_seq bigint,
                                                 prev_hash text, hash text)
         ORDER BY r.chain_seq`,
        [JSON.stringify(rows)],
      );
      await m.query(
        `INSERT INTO audit.chain_head (tenant_id, last_seq, last_hash) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET last_seq = EXCLUDED.last_seq, last_hash = EXCLUDED.last_hash`,
        [tenantId, seq, prev],
      );
      return rows.length;
    });
  }

  private async head(m: EntityManager, tenantId: string): Promise<{ lastSeq: number; lastHash: string } | undefined> {
    const rows = (await m.query(`SELECT last_seq::text, last_hash FROM audit.chain_head WHERE tenant_id = $1`, [tenantId])) as {
      last_seq: string;
      last_hash: string;
    }[];
    return rows[0] && { lastSeq: Number(rows[0].last_seq), lastHash: rows[0].last_hash };
  }

  /** Checks a tenant's whole chain, page by page, and names the first broken record. */
  async verifyChain(tenantId: string): Promise<ChainCheck> {
    // The head first: records appended while the check runs lie beyond it and are not read.
    const head = await this.head(this.dataSource.manager, tenantId);
    const verifier = new ChainVerifier();
    let after = 0;
    for (;;) {
      const page = (await this.dataSource.query(
        `SELECT chain_seq::text AS position, record_id::text, actor, action, target, reason, ${ISO_MS}::text AS occurred_ms, request_id, details,
                prev_hash, hash
         FROM audit.audit_record WHERE tenant_id = $1 AND chain_seq > $2 AND chain_seq <= $4 ORDER BY chain_seq LIMIT $3`,
        [tenantId, after, VERIFY_PAGE, head?.lastSeq ?? Number.MAX_SAFE_INTEGER],
      )) as {
        position: string;
        record_id: string;
        actor: string;
        action: string;
        target: string;
        reason: string;
        occurred_ms: string;
        request_id: string;
        details: unknown;
        prev_hash: string;
        hash: string;
      }[];
      const records: StoredChainRecord[] = page.map((r) => ({
        tenantId,
        chainSeq: Number(r.position),
        recordId: r.record_id,
        actor: r.actor,
        action: r.action,
        target: r.target,
        reason: r.reason,
        occurredAtMs: Number(r.occurred_ms),
        requestId: r.request_id,
        details: r.details ?? null,
        prevHash: r.prev_hash,
        hash: r.hash,
      }));
      if (!verifier.feed(records) || page.length < VERIFY_PAGE) break;
      after = records[records.length - 1].chainSeq;
    }
    return verifier.finish(head);
  }

  async query(tenantId: string, filter: { action?: string; target?: string; limit: number }): Promise<AuditRecord[]> {
    const action = filter.action ?? '';
    const parts: string[] = [];
    if (action === '' || action !== DECISION_ACTION) {
      parts.push(`SELECT tenant_id, record_id::text, actor, action, target, reason, ${ISO_MS} AS occurred_at_ms, request_id,
                         COALESCE(details::text, '') AS details_json, chain_seq AS seq, hash, occurred_at
                  FROM audit.audit_record WHERE tenant_id = $1 AND ($2::text = '' OR action = $2::text) AND ($3::text = '' OR target = $3::text)`);
    }
    if (action === '' || action === DECISION_ACTION) {
      parts.push(`SELECT tenant_id, record_id::text, actor, '${DECISION_ACTION}' AS action, target, reason, ${ISO_MS} AS occurred_at_ms,
                         request_id, COALESCE(details::text, '') AS details_json, 0::bigint AS seq, '' AS hash, occurred_at
                  FROM audit.decision_record WHERE tenant_id = $1 AND $2::text IN ('', '${DECISION_ACTION}') AND ($3::text = '' OR target = $3::text)`);
    }
    const rows = (await this.dataSource.query(
      `SELECT * FROM (${parts.join(' UNION ALL ')}) r ORDER BY occurred_at DESC, seq DESC LIMIT $4`,
      [tenantId, action, filter.target ?? '', filter.limit],
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
      seq: Number(r.seq),
      hash: r.hash,
    }));
  }

  /**
   * Deletes a subject's decision records and debug traces (the deletion saga) and records the erasure, in one
   * transaction; the audit trail of sensitive access (consent changes, controls, the deletion itself) stays.
   * Idempotent.
   */
  async purgeSubjectDecisions(tenantId: string, subjectPid: string, subjectHash: string): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO audit.erased_subject (tenant_id, subject_pid, erased_at) VALUES ($1, $2, now())
         ON CONFLICT (tenant_id, subject_pid) DO UPDATE SET erased_at = now()`,
        [tenantId, subjectPid],
      );
      await m.query(
        `INSERT INTO audit.erased_trace_subject (tenant_id, subject_hash, erased_at) VALUES ($1, $2, now())
         ON CONFLICT (tenant_id, subject_hash) DO UPDATE SET erased_at = now()`,
        [tenantId, subjectHash],
      );
      // CTEs, because TypeORM returns [rows, count] for a bare DELETE ... RETURNING.
      const [{ n }] = (await m.query(
        `WITH d AS (DELETE FROM audit.decision_record WHERE tenant_id = $1 AND target = $2 RETURNING 1),
              t AS (DELETE FROM audit.debug_trace WHERE tenant_id = $1 AND subject_hash = $3 RETURNING 1)
         SELECT ((SELECT count(*) FROM d) + (SELECT count(*) FROM t))::int AS n`,
        [tenantId, subjectPid, subjectHash],
      )) as { n: number }[];
      return n;
    });
  }

  /** Decision records and debug traces still held of a subject (the deletion saga's verification). */
  async countSubjectDecisions(tenantId: string, subjectPid: string, subjectHash: string): Promise<number> {
    const [{ n }] = (await this.dataSource.query(
      `SELECT ((SELECT count(*) FROM audit.decision_record WHERE tenant_id = $1 AND target = $2)
             + (SELECT count(*) FROM audit.debug_trace WHERE tenant_id = $1 AND subject_hash = $3))::int AS n`,
      [tenantId, subjectPid, subjectHash],
    )) as { n: number }[];
    return n;
  }
}

function toRow(r: AuditRecord) {
  return {
    tenant_id: r.tenantId,
    record_id: r.recordId,
    actor: r.actor,
    action: r.action,
    target: r.target,
    reason: r.reason,
    occurred_at_ms: r.occurredAtMs,
    request_id: r.requestId,
    details_json: r.detailsJson,
  };
}
