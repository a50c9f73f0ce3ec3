import { MigrationInterface, QueryRunner } from 'typeorm';
import { chainHash, GENESIS_HASH } from '../audit/audit-chain';

/** The database role audit-service runs as after migrating (AUDIT_DB_ROLE): it cannot change or remove audit rows. */
export const AUDIT_WRITER_ROLE = 'recsys_audit_writer';

/**
 * The audit trail becomes append-only and hash-chained (seed §35), and the personal data with a retention moves
 * out of it:
 * - `audit.audit_record` gets a chain per tenant (`chain_seq`, `prev_hash`, `hash`) and `audit.chain_head` (the
 *   last position and hash per tenant, so a removed tail is detected too). A trigger refuses UPDATE, DELETE and
 *   TRUNCATE of audit rows for every role, the owner included; the runtime role has INSERT and SELECT only.
 * - Sampled decision records (30-day retention, deleted with their subject) move to `audit.decision_record`.
 * - `audit.debug_trace`: sampled, redacted Recommend traces (7-day retention).
 */
export class AuditChain1765000000000 implements MigrationInterface {
  name = 'AuditChain1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE audit.decision_record (
      tenant_id text NOT NULL, seq bigserial, record_id uuid NOT NULL,
      actor text NOT NULL, target text NOT NULL, reason text NOT NULL,
      occurred_at timestamptz NOT NULL, request_id text NOT NULL, details jsonb,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, seq))`);
    await q.query(`CREATE UNIQUE INDEX decision_record_record_id ON audit.decision_record (tenant_id, record_id)`);
    await q.query(`CREATE INDEX decision_record_target ON audit.decision_record (tenant_id, target, seq DESC)`);
    await q.query(`CREATE INDEX decision_record_time ON audit.decision_record (occurred_at)`);
    await q.query(
      `INSERT INTO audit.decision_record (tenant_id, record_id, actor, target, reason, occurred_at, request_id, details, received_at)
       SELECT tenant_id, record_id, actor, target, reason, occurred_at, request_id, details, received_at
       FROM audit.audit_record WHERE action = 'recommend.decision' ORDER BY seq`,
    );
    await q.query(`DELETE FROM audit.audit_record WHERE action = 'recommend.decision'`);

    await q.query(`ALTER TABLE audit.audit_record ADD COLUMN chain_seq bigint, ADD COLUMN prev_hash text, ADD COLUMN hash text`);
    await q.query(`CREATE TABLE audit.chain_head (tenant_id text PRIMARY KEY, last_seq bigint NOT NULL, last_hash text NOT NULL)`);
    // Chain what is there, per tenant in arrival order.
    const rows = (await q.query(
      `SELECT tenant_id, seq::text, record_id::text, actor, action, target, reason,
              (extract(epoch FROM occurred_at) * 1000)::bigint::text AS occurred_ms, request_id, details
       FROM audit.audit_record ORDER BY tenant_id, seq`,
    )) as {
      tenant_id: string;
      seq: string;
      record_id: string;
      actor: string;
      action: string;
      target: string;
      reason: string;
      occurred_ms: string;
      request_id: string;
      details: unknown;
    }[];
    const heads = new Map<string, { seq: number; hash: string }>();
    for (const r of rows) {
      const head = heads.get(r.tenant_id) ?? { seq: 0, hash: GENESIS_HASH };
      const chainSeq = head.seq + 1;
      const hash = chainHash(head.hash, {
        tenantId: r.tenant_id,
        chainSeq,
        recordId: r.record_id,
        actor: r.actor,
        action: r.action,
        target: r.target,
        reason: r.reason,
        occurredAtMs: Number(r.occurred_ms),
        requestId: r.request_id,
        details: r.details ?? null,
      });
      await q.query(`UPDATE audit.audit_record SET chain_seq = $3, prev_hash = $4, hash = $5 WHERE tenant_id = $1 AND seq = $2`, [
        r.tenant_id,
        r.seq,
        chainSeq,
        head.hash,
        hash,
      ]);
      heads.set(r.tenant_id, { seq: chainSeq, hash });
    }
    for (const [tenant, head] of heads) {
      await q.query(`INSERT INTO audit.chain_head (tenant_id, last_seq, last_hash) VALUES ($1, $2, $3)`, [tenant, head.seq, head.hash]);
    }
    await q.query(
      `ALTER TABLE audit.audit_record ALTER COLUMN chain_seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL`,
    );
    await q.query(`CREATE UNIQUE INDEX audit_record_chain ON audit.audit_record (tenant_id, chain_seq)`);

    await q.query(`CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit records are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit.audit_record
      FOR EACH ROW EXECUTE FUNCTION audit.refuse_change()`);
    await q.query(`CREATE TRIGGER audit_record_no_truncate BEFORE TRUNCATE ON audit.audit_record
      FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()`);

    await q.query(`CREATE TABLE audit.debug_trace (
      tenant_id text NOT NULL, request_id text NOT NULL, subject_hash text NOT NULL,
      occurred_at timestamptz NOT NULL, trace jsonb NOT NULL, payload_bytes int NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, request_id))`);
    await q.query(`CREATE INDEX debug_trace_subject ON audit.debug_trace (tenant_id, subject_hash)`);
    await q.query(`CREATE INDEX debug_trace_time ON audit.debug_trace (occurred_at)`);

    // The runtime role. Roles belong to the cluster: created once, tolerated when another database made it first.
    await q.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${AUDIT_WRITER_ROLE}') THEN
        BEGIN
          CREATE ROLE ${AUDIT_WRITER_ROLE} NOLOGIN;
        EXCEPTION WHEN OTHERS THEN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${AUDIT_WRITER_ROLE}') THEN RAISE; END IF;
        END;
      END IF;
    END $$`);
    await q.query(`GRANT USAGE ON SCHEMA audit TO ${AUDIT_WRITER_ROLE}`);
    await q.query(`GRANT SELECT, INSERT ON audit.audit_record TO ${AUDIT_WRITER_ROLE}`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON audit.chain_head TO ${AUDIT_WRITER_ROLE}`);
    await q.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON audit.decision_record, audit.debug_trace, audit.erased_subject TO ${AUDIT_WRITER_ROLE}`,
    );
    await q.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA audit TO ${AUDIT_WRITER_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM ${AUDIT_WRITER_ROLE}`);
    await q.query(`REVOKE ALL ON SCHEMA audit FROM ${AUDIT_WRITER_ROLE}`);
    await q.query(`DROP TABLE audit.debug_trace`);
    await q.query(`DROP TRIGGER audit_record_no_truncate ON audit.audit_record`);
    await q.query(`DROP TRIGGER audit_record_append_only ON audit.audit_record`);
    await q.query(`DROP FUNCTION audit.refuse_change()`);
    await q.query(`DROP TABLE audit.chain_head`);
    await q.query(`ALTER TABLE audit.audit_record DROP COLUMN chain_seq, DROP COLUMN prev_hash, DROP COLUMN hash`);
    await q.query(
      `INSERT INTO audit.audit_record (tenant_id, record_id, actor, action, target, reason, occurred_at, request_id, details, received_at)
       SELECT tenant_id, record_id, actor, 'recommend.decision', target, reason, occurred_at, request_id, details, received_at
       FROM audit.decision_record ORDER BY seq`,
    );
    await q.query(`DROP TABLE audit.decision_record`);
  }
}
