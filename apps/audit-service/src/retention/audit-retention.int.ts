// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, TestDatabase } from '@recsys/testing';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { ServiceMetrics, openSchema } from '@recsys/service-kit';
import { AUDIT_ENTITIES } from '../audit/audit.entities';
import { AUDIT_MIGRATIONS } from '../migrations';
import { AuditRecord } from '@recsys/proto';
import { AuditRepository } from '../audit/audit.repository';
import { AuditRetention } from './audit-retention';

const DAY = 86_400_000;
const NOW = new Date('2026-12-01T00:00:00Z');

describe(AuditRetention.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('recsys_audit_retention_int');
    dataSource = await openSchema({
      url: db.url,
      schema: 'audit',
      entities: AUDIT_ENTITIES,
      migrations: AUDIT_MIGRATIONS,
      poolSize: 2,
      applicationName: 'int',
    });
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('deletes decision records and debug traces older than their retention, in batches, and never an audit record', async () => {
    const repository = new AuditRepository(dataSource);
    const record = (action: string, daysAgo: number): AuditRecord => ({
      tenantId: 'acme',
      recordId: randomUUID(),
      actor: 'svc:test',
      action,
      target: 'u_subjectAAAAAAAAAAAAAAA',
      reason: '',
      occurredAtMs: NOW.getTime() - daysAgo * DAY,
      requestId: '',
      detailsJson: '',
      seq: 0,
      hash: '',
    });
    const records = (action: string, daysAgo: number, count: number) => Array.from({ length: count }, () => record(action, daysAgo));
    await repository.append([
      ...records('recommend.decision', 40, 7),
      ...records('recommend.decision', 5, 3),
      ...records('consent.set', 40, 2),
    ]);
    for (const [i, daysAgo] of [8, 9, 2].entries()) {
      await dataSource.query(
        `INSERT INTO audit.debug_trace (tenant_id, request_id, subject_hash, occurred_at, trace, payload_bytes) VALUES ('acme', $1, 'h', $2, '{}', 2)`,
        [`r${i}`, new Date(NOW.getTime() - daysAgo * DAY)],
      );
    }
    const retention = new AuditRetention(
      dataSource,
      { decisionDays: 30, debugTraceDays: 7, intervalSeconds: 3600, batchSize: 3 },
      new ServiceMetrics('audit-retention-int'),
      pino({ level: 'silent' }),
    );
    expect(await retention.sweep(NOW)).toEqual({ decision_logs_sampled: 7, debug_traces: 2 });
    const count = async (table: string) => Number((await dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
    expect(await count('audit.decision_record')).toBe(3);
    expect(await count('audit.debug_trace')).toBe(1);
    expect(await count('audit.audit_record')).toBe(2);
    expect((await repository.verifyChain('acme')).intact).toBe(true);
    expect(await retention.sweep(NOW)).toEqual({ decision_logs_sampled: 0, debug_traces: 0 });
  });
});
