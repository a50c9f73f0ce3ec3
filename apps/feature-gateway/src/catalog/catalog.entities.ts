import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'item' })
export class ItemEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @PrimaryColumn({ name: 'item_id', type: 'text' }) itemId: string;
  @Column({ type: 'text' }) title: string;
  @Column({ type: 'text' }) category: string;
  @Column({ name: 'creator_id', type: 'text' }) creatorId: string;
  @Column({ type: 'text', array: true }) tags: string[];
  @Column({ type: 'boolean' }) sensitive: boolean;
  @Column({ name: 'quality_score', type: 'double precision' }) qualityScore: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity({ name: 'event' })
export class EventEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'text' }) tenantId: string;
  @PrimaryColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'subject_pid', type: 'text' }) subjectPid: string;
  @Column({ name: 'item_id', type: 'text' }) itemId: string;
  @Column({ name: 'event_type', type: 'text' }) eventType: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt: Date;
  @Column({ name: 'session_id', type: 'text' }) sessionId: string;
  @Column({ type: 'text' }) region: string;
}

export const FEATURE_ENTITIES = [ItemEntity, EventEntity];
