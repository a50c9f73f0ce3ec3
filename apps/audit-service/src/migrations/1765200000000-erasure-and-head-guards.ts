import { MigrationInterface, QueryRunner } from 'typeorm';
import { AUDIT_WRITER_ROLE } from './1765000000000-audit-chain';

/**
 * - `audit.erased_trace_subject`: the trace subject hashes the deletion saga purged, so a debug trace still in
 *   flight during a deletion is not stored afterwards.
 * - `audit.chain_head` may only move forward: deleting a tenant's head, or winding it back to hide a removed tail,
 *   is refused by a trigger as audit rows are.
 */
export class ErasureAndHeadGuards1765200000000 implements MigrationInterface {
  name = 'ErasureAndHeadGuards1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE audit.erased_trace_subject (
      tenant_id text NOT NULL, subject_hash text NOT NULL, erased_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, subject_hash))`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON audit.erased_trace_subject TO ${AUDIT_WRITER_ROLE}`);
    await q.query(`CREATE FUNCTION audit.head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' OR NEW.last_seq < OLD.last_seq OR NEW.tenant_id <> OLD.tenant_id THEN
          RAISE EXCEPTION 'audit chain heads only move forward: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER chain_head_forward_only BEFORE UPDATE OR DELETE ON audit.chain_head
      FOR EACH ROW EXECUTE FUNCTION audit.head_forward_only()`);
    await q.query(`CREATE TRIGGER chain_head_no_truncate BEFORE TRUNCATE ON audit.chain_head
      FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()`);
    // The migrating user must be a member of the runtime role to switch to it (AUDIT_DB_ROLE). Where it may not
    // grant that to itself, a DBA does (docs/audit.md); the service then says so at start.
    await q.query(`DO $$ BEGIN
      EXECUTE format('GRANT ${AUDIT_WRITER_ROLE} TO %I', current_user);
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'could not grant ${AUDIT_WRITER_ROLE} to %: %', current_user, SQLERRM;
    END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER chain_head_no_truncate ON audit.chain_head`);
    await q.query(`DROP TRIGGER chain_head_forward_only ON audit.chain_head`);
    await q.query(`DROP FUNCTION audit.head_forward_only()`);
    await q.query(`DROP TABLE audit.erased_trace_subject`);
  }
}
