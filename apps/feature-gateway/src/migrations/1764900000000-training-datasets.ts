import { MigrationInterface, QueryRunner } from 'typeorm';

export class TrainingDatasets1764900000000 implements MigrationInterface {
  name = 'TrainingDatasets1764900000000';

  async up(q: QueryRunner): Promise<void> {
    // Governed training datasets (seed §17, §30, §44): what a model was trained from, with the manifest of the
    // privacy filters applied. Pseudonymous ids only. `state` is 'ready' once every row is written; readers
    // never see a dataset in another state.
    await q.query(`CREATE TABLE features.training_dataset (
      tenant_id text NOT NULL, dataset_id text NOT NULL, name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(), manifest jsonb NOT NULL, state text NOT NULL,
      rows_removed_by_deletion bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant_id, dataset_id),
      CONSTRAINT training_dataset_state CHECK (state IN ('building', 'ready')))`);
    // One row per (subject, item) of a dataset. `tenant_id` owns the dataset; `source_tenant` is the tenant the
    // subject belongs to (another one only in a global_shared dataset), so a deletion finds every copy.
    await q.query(`CREATE TABLE features.training_row (
      tenant_id text NOT NULL, dataset_id text NOT NULL, source_tenant text NOT NULL, subject_pid text NOT NULL,
      item_id text NOT NULL, weight double precision NOT NULL, ts timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, dataset_id, source_tenant, subject_pid, item_id),
      FOREIGN KEY (tenant_id, dataset_id) REFERENCES features.training_dataset ON DELETE CASCADE)`);
    await q.query(`CREATE INDEX training_row_subject ON features.training_row (source_tenant, subject_pid)`);
    // Subjects removed by a deletion are in features.erased_subject: a build whose consent check ran before the
    // deletion purges them before it commits, so a deleted subject cannot come back through a dataset being built.
    // Recorded permissions for global_shared training (seed §28: "needs explicit permission/contract").
    await q.query(`CREATE TABLE features.training_scope_permission (
      tenant_id text NOT NULL, contract_ref text NOT NULL, granted_by text NOT NULL,
      granted_at timestamptz NOT NULL DEFAULT now(), revoked_at timestamptz, revoked_by text,
      PRIMARY KEY (tenant_id, granted_at))`);
    await q.query(
      `CREATE UNIQUE INDEX training_scope_permission_current ON features.training_scope_permission (tenant_id) WHERE revoked_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE features.training_scope_permission, features.training_row,
      features.training_dataset`);
  }
}
