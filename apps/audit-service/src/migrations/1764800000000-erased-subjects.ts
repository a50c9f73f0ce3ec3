import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Subjects whose decision records the deletion saga purged, and when: a decision record of such a subject dated
 * before the purge that arrives later (senders batch asynchronously) is not stored.
 */
export class ErasedSubjects1764800000000 implements MigrationInterface {
  name = 'ErasedSubjects1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE audit.erased_subject (
      tenant_id text NOT NULL, subject_pid text NOT NULL, erased_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, subject_pid))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit.erased_subject`);
  }
}
