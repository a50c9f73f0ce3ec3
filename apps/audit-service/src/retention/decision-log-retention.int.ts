// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, TestDatabase } from '@recsys/testing';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { createServiceDataSource, initializeServiceDataSource, ServiceMetrics } from '@recsys/service-kit';
import { AUDIT_ENTITIES } from '../audit/audit.entities';
import { AUDIT_MIGRATIONS } from '../migrations';
import { DecisionLogRetention } from './decision-log-retention';

const DAY = 86_400_000;
const NOW = new Date('2026-12-01T00:00:00Z');

describe(DecisionLogRetention.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('recsys_audit_retention_int');
    dataSource = await initializeServiceDataSource(
      createServiceDataSource({
        url: db.url,
        schema: 'audit',
        entities: AUDIT_ENTITIES,
        migrations: AUDIT_MIGRATIONS,
        poolSize: 2,
        applicationName: 'int',
      }),
      'audit',
    );
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('deletes sampled decision records older than their retention, in batches, and nothing else', async () => {
    const insert = (action: string, daysAgo: number, count: number) =>
      dataSource.query(
        `INSERT INTO audit.audit_record (tenant_id, record_id, actor, action, target, reason, occurred_at, request_id)
         SELECT 'acme', gen_random_uuid(), '', $1, 'u_x', '', $2::timestamptz, '' FROM generate_series(1, $3)`,
        [action, new Date(NOW.getTime() - daysAgo * DAY), count],
      );
    await insert('recommend.decision', 40, 7);
    await insert('recommend.decision', 5, 3);
    await insert('consent.set', 40, 2);
    const retention = new DecisionLogRetention(
      dataSource,
      { days: 30, intervalSeconds: 3600, batchSize: 3 },
      new ServiceMetrics('audit-retention-int'),
      pino({ level: 'silent' }),
    );
    expect(await retention.sweep(NOW)).toBe(7);
    const left = (await dataSource.query(`SELECT action, count(*)::int AS n FROM audit.audit_record GROUP BY action ORDER BY action`)) as {
      action: string;
      n: number;
    }[];
    expect(left).toEqual([
      { action: 'consent.set', n: 2 },
      { action: 'recommend.decision', n: 3 },
    ]);
    expect(await retention.sweep(NOW)).toBe(0);
  });
});
