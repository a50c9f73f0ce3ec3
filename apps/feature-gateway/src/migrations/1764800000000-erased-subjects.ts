import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Subjects erased by the deletion saga, as feature-gateway knows them: the pseudonymous id and when (nothing
 * else). Ingestion refuses events of an erased subject dated before the erasure (a late batch cannot bring the
 * data back), and a profile read that still finds such an event counts in `deleted_user_profile_hit_count`.
 */
export class ErasedSubjects1764800000000 implements MigrationInterface {
  name = 'ErasedSubjects1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE features.erased_subject (
      tenant_id text NOT NULL, subject_pid text NOT NULL, erased_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, subject_pid))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE features.erased_subject`);
  }
}
