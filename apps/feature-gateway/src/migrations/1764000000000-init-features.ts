import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitFeatures1764000000000 implements MigrationInterface {
  name = 'InitFeatures1764000000000';

  async up(q: QueryRunner): Promise<void> {
    // Catalog: public_catalog data.
    await q.query(`CREATE TABLE features.item (
      tenant_id text NOT NULL, item_id text NOT NULL, title text NOT NULL, category text NOT NULL,
      creator_id text NOT NULL, tags text[] NOT NULL DEFAULT '{}', sensitive boolean NOT NULL DEFAULT false,
      quality_score double precision NOT NULL DEFAULT 0.5, created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, item_id))`);
    await q.query(`CREATE TABLE features.editorial_entry (
      tenant_id text NOT NULL, surface text NOT NULL, position int NOT NULL, item_id text NOT NULL,
      PRIMARY KEY (tenant_id, surface, position))`);
    // Behaviour of subjects who consented to personalization (behavioral_personal). Pseudonymous ids only.
    await q.query(`CREATE TABLE features.event (
      tenant_id text NOT NULL, id bigserial, subject_pid text NOT NULL, item_id text NOT NULL,
      event_type text NOT NULL, occurred_at timestamptz NOT NULL, session_id text NOT NULL DEFAULT '',
      region text NOT NULL DEFAULT '', received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id),
      CONSTRAINT event_type_known CHECK (event_type IN ('view','click','purchase','hide','dwell')))`);
    await q.query(`CREATE INDEX event_subject ON features.event (tenant_id, subject_pid, occurred_at DESC)`);
    await q.query(`CREATE INDEX event_time ON features.event (tenant_id, occurred_at)`);
    // Thresholded aggregates (aggregate_non_personal): only groups of at least k distinct users are kept.
    await q.query(`CREATE TABLE features.item_popularity (
      tenant_id text NOT NULL, scope text NOT NULL, scope_key text NOT NULL, item_id text NOT NULL,
      users int NOT NULL, score double precision NOT NULL,
      PRIMARY KEY (tenant_id, scope, scope_key, item_id),
      CONSTRAINT popularity_scope CHECK (scope IN ('global','country','region')))`);
    await q.query(`CREATE TABLE features.scope_population (
      tenant_id text NOT NULL, scope text NOT NULL, scope_key text NOT NULL, users int NOT NULL,
      PRIMARY KEY (tenant_id, scope, scope_key))`);
    await q.query(`CREATE TABLE features.item_neighbor (
      tenant_id text NOT NULL, item_id text NOT NULL, neighbor_id text NOT NULL, users int NOT NULL,
      weight double precision NOT NULL,
      PRIMARY KEY (tenant_id, item_id, neighbor_id))`);
    await q.query(`CREATE TABLE features.aggregate_state (
      tenant_id text PRIMARY KEY, refreshed_at timestamptz NOT NULL, last_event_id bigint NOT NULL, min_users int NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE features.aggregate_state, features.item_neighbor, features.scope_population,
      features.item_popularity, features.event, features.editorial_entry, features.item`);
  }
}
