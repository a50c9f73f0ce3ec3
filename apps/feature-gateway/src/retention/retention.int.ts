// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, TestDatabase } from '@recsys/testing';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { ServiceMetrics } from '@recsys/service-kit';
import { RetentionRepository } from './retention.repository';
import { RetentionSweeper } from './retention-sweeper';
import { openFeatureSchema } from '../feature-schema.testing';

const DAY = 86_400_000;
const NOW = new Date('2026-12-01T00:00:00Z');

describe(RetentionSweeper.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let metrics: ServiceMetrics;

  beforeAll(async () => {
    db = await createTestDatabase('recsys_retention_int');
    dataSource = await openFeatureSchema(db.url);
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  /** Events of one tenant `daysAgo` old, `count` each. */
  async function insert(tenantId: string, ages: [daysAgo: number, count: number][]): Promise<void> {
    await dataSource.query(`INSERT INTO features.catalog_state (tenant_id, changed_at) VALUES ($1, now()) ON CONFLICT DO NOTHING`, [
      tenantId,
    ]);
    for (const [daysAgo, count] of ages) {
      await dataSource.query(
        `INSERT INTO features.event (tenant_id, subject_pid, item_id, event_type, occurred_at)
         SELECT $1, 'u_' || lpad(g::text, 22, '0'), 'i' || (g % 7), 'view', $2::timestamptz - (g || ' seconds')::interval
         FROM generate_series(1, $3) AS g`,
        [tenantId, new Date(NOW.getTime() - daysAgo * DAY), count],
      );
    }
  }
  const count = async (tenantId: string) =>
    Number((await dataSource.query(`SELECT count(*) AS n FROM features.event WHERE tenant_id = $1`, [tenantId]))[0].n);

  it('deletes exactly the expired events of each tenant, in batches, recomputes their aggregates and reports the oldest age', async () => {
    await insert('acme', [
      [10, 5],
      [89, 3],
      [91, 7],
      [200, 4],
    ]);
    await insert('globex', [[30, 6]]);
    await dataSource.query(
      `INSERT INTO features.aggregate_state (tenant_id, refreshed_at, last_event_id, min_users) VALUES ('acme', now(), 0, 10), ('globex', now(), 0, 10)`,
    );
    metrics = new ServiceMetrics('retention-int');
    const sweeper = new RetentionSweeper(
      new RetentionRepository(dataSource),
      { rawEventDays: 90, aggregateDays: 180, exposureDays: 30, intervalSeconds: 3600, batchSize: 2 },
      metrics,
      pino({ level: 'silent' }),
    );
    const report = await sweeper.sweep(NOW);
    expect(report.eventsDeleted).toBe(11);
    expect(await count('acme')).toBe(8);
    expect(await count('globex')).toBe(6);
    const oldest = (await dataSource.query(`SELECT min(occurred_at) AS t FROM features.event WHERE tenant_id = 'acme'`))[0].t as Date;
    expect(NOW.getTime() - oldest.getTime()).toBeLessThan(90 * DAY);
    // acme lost events, so its aggregates are recomputed on the next refresh; globex's stay.
    const states = (await dataSource.query(`SELECT tenant_id FROM features.aggregate_state ORDER BY tenant_id`)) as { tenant_id: string }[];
    expect(states.map((s) => s.tenant_id)).toEqual(['globex']);
    const gauge = await metrics.registry.getSingleMetricAsString('raw_event_retention_age_seconds');
    expect(gauge).toContain('tenant="acme"');
    const acmeAge = Number(
      gauge
        .split('\n')
        .find((l) => l.includes('tenant="acme"'))!
        .split(' ')
        .pop(),
    );
    expect(acmeAge / 86_400).toBeGreaterThan(89);
    expect(acmeAge / 86_400).toBeLessThan(90);
    // A second sweep finds nothing.
    expect((await sweeper.sweep(NOW)).eventsDeleted).toBe(0);
  });

  it('drops aggregates nobody refreshed for longer than their retention', async () => {
    await dataSource.query(
      `INSERT INTO features.item_popularity (tenant_id, scope, scope_key, item_id, users, score) VALUES ('stale', 'global', '*', 'i1', 12, 1), ('globex', 'global', '*', 'i1', 12, 1)`,
    );
    await dataSource.query(
      `INSERT INTO features.aggregate_state (tenant_id, refreshed_at, last_event_id, min_users) VALUES ('stale', $1, 0, 10)`,
      [new Date(NOW.getTime() - 181 * DAY)],
    );
    const sweeper = new RetentionSweeper(
      new RetentionRepository(dataSource),
      { rawEventDays: 90, aggregateDays: 180, exposureDays: 30, intervalSeconds: 3600, batchSize: 100 },
      new ServiceMetrics('retention-int-2'),
      pino({ level: 'silent' }),
    );
    expect((await sweeper.sweep(NOW)).aggregatesDeleted).toBe(1);
    const left = (await dataSource.query(`SELECT tenant_id FROM features.item_popularity ORDER BY tenant_id`)) as { tenant_id: string }[];
    expect(left.map((r) => r.tenant_id)).toEqual(['globex']);
  });

  it('deletes exactly the experiment exposures older than their retention, of every tenant, in batches', async () => {
    // [tenant, request id, days old]: 30 days is the limit; a second past it is expired.
    const exposures: [string, string, number][] = [
      ['acme', 'fresh-1', 1],
      ['acme', 'fresh-29', 29],
      ['acme', 'edge-30', 30 - 1 / 86_400],
      ['acme', 'old-30', 30 + 1 / 86_400],
      ['acme', 'old-31', 31],
      ['acme', 'old-200', 200],
      ['globex', 'fresh-10', 10],
      ['globex', 'old-45', 45],
      ['globex', 'old-46', 46],
    ];
    for (const [tenantId, requestId, daysAgo] of exposures) {
      await dataSource.query(
        `INSERT INTO features.exposure (tenant_id, request_id, experiment, variant, mode, surface, subject_pid, item_ids, occurred_at)
         VALUES ($1, $2, 'home_test', 'control', 'PERSONALIZED', 'home', $3, '{i1}', $4)`,
        [tenantId, requestId, requestId.startsWith('old') ? 'u_' + 'x'.repeat(22) : '', new Date(NOW.getTime() - daysAgo * DAY)],
      );
    }
    const sweeperMetrics = new ServiceMetrics('retention-int-3');
    const sweeper = new RetentionSweeper(
      new RetentionRepository(dataSource),
      { rawEventDays: 90, aggregateDays: 180, exposureDays: 30, intervalSeconds: 3600, batchSize: 2 },
      sweeperMetrics,
      pino({ level: 'silent' }),
    );
    const eventsBefore = await count('acme');
    const report = await sweeper.sweep(NOW);
    expect(report.exposuresDeleted).toBe(5);
    const left = (await dataSource.query(`SELECT tenant_id, request_id FROM features.exposure ORDER BY tenant_id, request_id`)) as {
      tenant_id: string;
      request_id: string;
    }[];
    expect(left.map((r) => `${r.tenant_id}/${r.request_id}`)).toEqual(['acme/edge-30', 'acme/fresh-1', 'acme/fresh-29', 'globex/fresh-10']);
    expect(await count('acme')).toBe(eventsBefore);
    const deleted = await sweeperMetrics.registry.getSingleMetricAsString('retention_deleted_total');
    expect(deleted).toContain('retention_deleted_total{data_class="experiment_exposures",service="retention-int-3"} 5');
    expect((await sweeper.sweep(NOW)).exposuresDeleted).toBe(0);
  });
});
