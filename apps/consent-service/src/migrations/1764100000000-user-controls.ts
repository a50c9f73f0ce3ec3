import { MigrationInterface, QueryRunner } from 'typeorm';

/** Less-like-this marks, and the durable queue that carries profile controls to feature-gateway. */
export class UserControls1764100000000 implements MigrationInterface {
  name = 'UserControls1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE consent.suppression DROP CONSTRAINT suppression_kind`);
    await q.query(`ALTER TABLE consent.suppression ADD CONSTRAINT suppression_kind CHECK (kind IN ('item','creator','less_like_item'))`);
    await q.query(`CREATE TABLE consent.control_propagation (
      tenant_id text NOT NULL, id bigserial, subject_pid text NOT NULL, control text NOT NULL,
      state text NOT NULL DEFAULT 'PENDING', attempts int NOT NULL DEFAULT 0, last_error text,
      created_at timestamptz NOT NULL DEFAULT now(), done_at timestamptz,
      PRIMARY KEY (tenant_id, id),
      CONSTRAINT control_propagation_state CHECK (state IN ('PENDING','DONE')))`);
    await q.query(`CREATE INDEX control_propagation_pending ON consent.control_propagation (id) WHERE state = 'PENDING'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE consent.control_propagation`);
    await q.query(`DELETE FROM consent.suppression WHERE kind = 'less_like_item'`);
    await q.query(`ALTER TABLE consent.suppression DROP CONSTRAINT suppression_kind`);
    await q.query(`ALTER TABLE consent.suppression ADD CONSTRAINT suppression_kind CHECK (kind IN ('item','creator'))`);
  }
}
