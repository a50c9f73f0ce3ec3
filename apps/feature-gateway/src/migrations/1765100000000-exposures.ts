import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Experiment exposure logs (seed §29), a data class of their own (`experiment_exposures`: personal, pseudonymous):
 * which answer a Recommend request served in which experiment variant and privacy mode. `subject_pid` is the
 * pseudonymous subject only when their consent covered the experiment's purpose, else ''. One row per request
 * (a retried batch is stored once); kept EXPOSURE_RETENTION_DAYS, deleted with the subject.
 */
export class Exposures1765100000000 implements MigrationInterface {
  name = 'Exposures1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE features.exposure (
      tenant_id text NOT NULL, id bigserial, request_id text NOT NULL, experiment text NOT NULL,
      variant text NOT NULL, mode text NOT NULL, surface text NOT NULL, subject_pid text NOT NULL DEFAULT '',
      item_ids text[] NOT NULL DEFAULT '{}', occurred_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, id),
      CONSTRAINT exposure_request UNIQUE (tenant_id, request_id),
      CONSTRAINT exposure_mode_known CHECK (mode IN ('PERSONALIZED','CONTEXTUAL_ONLY','NON_PERSONALIZED')))`);
    // Deletion, export and count of one subject.
    await q.query(`CREATE INDEX exposure_subject ON features.exposure (tenant_id, subject_pid)`);
    // The retention sweep, oldest first.
    await q.query(`CREATE INDEX exposure_time ON features.exposure (occurred_at)`);
    // The results command.
    await q.query(`CREATE INDEX exposure_experiment ON features.exposure (tenant_id, experiment)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE features.exposure`);
  }
}
