import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** One row per subject: the consent version and the personalization switch. */
@Entity({ name: 'subject_consent' })
export class SubjectConsentEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @PrimaryColumn({ name: 'subject_pid', type: 'text' }) subjectPid: string;
  @Column({ name: 'consent_version', type: 'bigint' }) consentVersion: string;
  @Column({ name: 'personalization_off', type: 'boolean' }) personalizationOff: boolean;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** The current decision per purpose. */
@Entity({ name: 'consent_grant' })
export class ConsentGrantEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @PrimaryColumn({ name: 'subject_pid', type: 'text' }) subjectPid: string;
  @PrimaryColumn({ type: 'text' }) purpose: string;
  @Column({ type: 'boolean' }) granted: boolean;
  @Column({ type: 'text' }) source: string;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** Append-only history of every consent change and user control: who/what set it, when, at which version. */
@Entity({ name: 'consent_history' })
export class ConsentHistoryEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'subject_pid', type: 'text' }) subjectPid: string;
  @Column({ type: 'text' }) change: string;
  @Column({ type: 'jsonb' }) detail: Record<string, unknown>;
  @Column({ type: 'text' }) source: string;
  @Column({ name: 'consent_version', type: 'bigint' }) consentVersion: string;
  @Column({ name: 'recorded_at', type: 'timestamptz' }) recordedAt: Date;
}

/** Hidden items and blocked creators: suppressed in every mode. */
@Entity({ name: 'suppression' })
export class SuppressionEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @PrimaryColumn({ name: 'subject_pid', type: 'text' }) subjectPid: string;
  @PrimaryColumn({ type: 'text' }) kind: 'item' | 'creator';
  @PrimaryColumn({ name: 'target_id', type: 'text' }) targetId: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

export const CONSENT_ENTITIES = [SubjectConsentEntity, ConsentGrantEntity, ConsentHistoryEntity, SuppressionEntity];
