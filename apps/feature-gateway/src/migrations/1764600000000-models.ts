import { MigrationInterface, QueryRunner } from 'typeorm';

export class Models1764600000000 implements MigrationInterface {
  name = 'Models1764600000000';

  async up(q: QueryRunner): Promise<void> {
    // Trained models of one tenant, one row per version: retrieval artifacts (user_cf item-item weights, the
    // two-tower item tower), ranking route weights, the governed dataset's manifest and the model cards. Derived
    // from behavioral_personal data of subjects who consented to training; never holds a subject id.
    await q.query(`CREATE TABLE features.model (
      tenant_id text NOT NULL, version text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
      active boolean NOT NULL DEFAULT false, manifest jsonb NOT NULL, cards jsonb NOT NULL, rankers jsonb NOT NULL,
      artifacts bytea NOT NULL,
      PRIMARY KEY (tenant_id, version))`);
    await q.query(`CREATE UNIQUE INDEX model_one_active ON features.model (tenant_id) WHERE active`);
    // When each tenant's catalog last changed: replicas reload a tenant's snapshot only after a change.
    await q.query(`CREATE TABLE features.catalog_state (tenant_id text PRIMARY KEY, changed_at timestamptz NOT NULL)`);
    await q.query(`INSERT INTO features.catalog_state (tenant_id, changed_at) SELECT DISTINCT tenant_id, now() FROM features.item`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE features.catalog_state, features.model`);
  }
}
