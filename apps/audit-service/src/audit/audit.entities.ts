import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One audit record. Targets are pseudonymous; details are the sender's redacted JSON. */
@Entity({ name: 'audit_record' })
export class AuditRecordEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @PrimaryColumn({ type: 'bigint' }) seq: string;
  @Column({ name: 'record_id', type: 'uuid' }) recordId: string;
  @Column({ type: 'text' }) actor: string;
  @Column({ type: 'text' }) action: string;
  @Column({ type: 'text' }) target: string;
  @Column({ type: 'text' }) reason: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt: Date;
  @Column({ name: 'request_id', type: 'text' }) requestId: string;
  @Column({ type: 'jsonb', nullable: true }) details: unknown;
}

export const AUDIT_ENTITIES = [AuditRecordEntity];
