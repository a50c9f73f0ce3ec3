import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deletion requests and their saga (seed §19), and the minimal proof a deletion leaves behind: that the
 * pseudonymous subject was deleted, when, by which request — nothing else of theirs.
 */
export class Deletion1764700000000 implements MigrationInterface {
  name = 'Deletion1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE consent.deletion_request (
      tenant_id text NOT NULL, deletion_id uuid NOT NULL, subject_pid text NOT NULL, idempotency_key text,
      state text NOT NULL DEFAULT 'PENDING', attempts int NOT NULL DEFAULT 0, last_error text,
      created_at timestamptz NOT NULL DEFAULT now(), completed_at timestamptz,
      PRIMARY KEY (tenant_id, deletion_id),
      CONSTRAINT deletion_state CHECK (state IN ('PENDING','RUNNING','COMPLETED')))`);
    await q.query(
      `CREATE UNIQUE INDEX deletion_idempotency ON consent.deletion_request (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await q.query(`CREATE INDEX deletion_open ON consent.deletion_request (created_at) WHERE state <> 'COMPLETED'`);
    await q.query(`CREATE TABLE consent.deletion_step (
      tenant_id text NOT NULL, deletion_id uuid NOT NULL, store text NOT NULL, position int NOT NULL,
      state text NOT NULL DEFAULT 'PENDING', records_removed bigint NOT NULL DEFAULT 0, updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, deletion_id, store),
      FOREIGN KEY (tenant_id, deletion_id) REFERENCES consent.deletion_request (tenant_id, deletion_id),
      CONSTRAINT deletion_step_state CHECK (state IN ('PENDING','DONE','VERIFIED','FAILED')))`);
    await q.query(`CREATE TABLE consent.deleted_subject (
      tenant_id text NOT NULL, subject_pid text NOT NULL, deleted_at timestamptz NOT NULL, deletion_id uuid NOT NULL,
      PRIMARY KEY (tenant_id, subject_pid))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE consent.deleted_subject, consent.deletion_step, consent.deletion_request`);
  }
}
