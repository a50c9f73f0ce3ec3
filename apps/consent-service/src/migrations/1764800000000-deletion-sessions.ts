import { MigrationInterface, QueryRunner } from 'typeorm';

/** The pseudonymous visitor ids whose data (session state, decision records, traces) a deletion also removes (from `anonymous_ids`). */
export class DeletionSessions1764800000000 implements MigrationInterface {
  name = 'DeletionSessions1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE consent.deletion_request ADD COLUMN visitor_pids text[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE consent.deletion_request DROP COLUMN visitor_pids`);
  }
}
