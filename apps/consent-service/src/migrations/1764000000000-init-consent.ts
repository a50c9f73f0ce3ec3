import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitConsent1764000000000 implements MigrationInterface {
  name = 'InitConsent1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE consent.subject_consent (
      tenant_id text NOT NULL, subject_pid text NOT NULL,
      consent_version bigint NOT NULL, personalization_off boolean NOT NULL DEFAULT false,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, subject_pid))`);
    await q.query(`CREATE TABLE consent.consent_grant (
      tenant_id text NOT NULL, subject_pid text NOT NULL, purpose text NOT NULL,
      granted boolean NOT NULL, source text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, subject_pid, purpose),
      CONSTRAINT consent_grant_purpose CHECK (purpose IN ('PERSONALIZATION','BEHAVIORAL_TRAINING','ADS_PERSONALIZATION','QUALITY_MONITORING')))`);
    await q.query(`CREATE TABLE consent.consent_history (
      tenant_id text NOT NULL, id bigserial, subject_pid text NOT NULL, change text NOT NULL,
      detail jsonb NOT NULL, source text NOT NULL, consent_version bigint NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id))`);
    await q.query(`CREATE INDEX consent_history_subject ON consent.consent_history (tenant_id, subject_pid, id)`);
    await q.query(`CREATE TABLE consent.suppression (
      tenant_id text NOT NULL, subject_pid text NOT NULL, kind text NOT NULL, target_id text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, subject_pid, kind, target_id),
      CONSTRAINT suppression_kind CHECK (kind IN ('item','creator')))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE consent.suppression, consent.consent_history, consent.consent_grant, consent.subject_consent`);
  }
}
