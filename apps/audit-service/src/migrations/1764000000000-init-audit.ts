import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitAudit1764000000000 implements MigrationInterface {
  name = 'InitAudit1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE audit.audit_record (
      tenant_id text NOT NULL, seq bigserial, record_id uuid NOT NULL,
      actor text NOT NULL, action text NOT NULL, target text NOT NULL, reason text NOT NULL,
      occurred_at timestamptz NOT NULL, request_id text NOT NULL, details jsonb,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, seq))`);
    await q.query(`CREATE UNIQUE INDEX audit_record_record_id ON audit.audit_record (tenant_id, record_id)`);
    await q.query(`CREATE INDEX audit_record_action ON audit.audit_record (tenant_id, action, seq DESC)`);
    await q.query(`CREATE INDEX audit_record_target ON audit.audit_record (tenant_id, target, seq DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit.audit_record`);
  }
}
