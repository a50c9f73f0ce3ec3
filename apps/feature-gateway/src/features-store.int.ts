// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, TestDatabase } from '@recsys/testing';
import { DataSource } from 'typeorm';
import { Interaction, neighborsOf, thresholdedCooccurrence, thresholdedPopularity, trainAls, InteractionMatrix } from '@recsys/models';

import { AggregateRepository } from './aggregates/aggregate.repository';
import { KEPT_VERSIONS, ModelRepository } from './training/model.repository';
import { TrainingDataRepository } from './training/training-data.repository';
import { openFeatureSchema } from './feature-schema.testing';

const TENANT = 'acme';
const OTHER = 'globex';
const K = 3;
const DAY = 86_400_000;
const WEIGHT: Record<string, number> = { purchase: 4, click: 2, dwell: 1.5, view: 1, hide: 0 };

/** A deterministic event stream: 40 subjects, 3 taste groups over 24 items, some noise and hides, distinct times. */
function events(): { pid: string; item: string; type: string; at: number }[] {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const types = ['view', 'view', 'view', 'click', 'purchase', 'dwell', 'hide'];
  const out: { pid: string; item: string; type: string; at: number }[] = [];
  const now = Date.now();
  let tick = 0;
  for (let u = 0; u < 40; u++) {
    const group = u % 3;
    const count = 5 + Math.floor(rand() * 40);
    for (let e = 0; e < count; e++) {
      const item = rand() < 0.8 ? group * 8 + Math.floor(rand() * 8) : Math.floor(rand() * 24);
      out.push({
        pid: `u_subject${String(u).padStart(15, '0')}x`,
        item: `i${item}`,
        type: types[Math.floor(rand() * types.length)],
        at: now - 30 * DAY + tick++ * 60_000,
      });
    }
  }
  return out;
}

describe('feature-gateway stores on PostgreSQL', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const stream = events();

  beforeAll(async () => {
    db = await createTestDatabase('recsys_features_int');
    dataSource = await openFeatureSchema(db.url);
    for (const tenant of [TENANT, OTHER]) {
      await dataSource.query(
        `INSERT INTO features.event (tenant_id, subject_pid, item_id, event_type, occurred_at, region)
         SELECT $1, r.pid, r.item, r.type, to_timestamp(r.at / 1000.0), 'ID-JK' FROM jsonb_to_recordset($2::jsonb) AS r(pid text, item text, type text, at float8)`,
        [tenant, JSON.stringify(tenant === TENANT ? stream : stream.slice(0, 50))],
      );
    }
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  /** The same stream as the offline code sees it: event weights per row, hides carry no weight. */
  const interactions = (): Interaction[] => stream.map((e) => ({ user: e.pid, item: e.item, weight: WEIGHT[e.type], timestampMs: e.at }));

  it('computes the same thresholded co-occurrence and popularity in SQL as @recsys/models does offline', async () => {
    const stats = await new AggregateRepository(dataSource).refresh(TENANT, K, 90);
    const offline = thresholdedCooccurrence(interactions(), { minUsers: K, itemsPerSubject: 30, neighborsPerItem: 50 });
    const expected = offline.items.flatMap((item, row) => neighborsOf(offline, row).map(([n, w]) => [item, n, Number(w.toFixed(5))]));
    const rows = (await dataSource.query(
      `SELECT item_id, neighbor_id, weight FROM features.item_neighbor WHERE tenant_id = $1 ORDER BY item_id, weight DESC, neighbor_id COLLATE "C"`,
      [TENANT],
    )) as { item_id: string; neighbor_id: string; weight: number }[];
    const actual = rows.map((r) => [r.item_id, r.neighbor_id, Number(r.weight.toFixed(5))]);
    const sort = (list: (string | number)[][]) => [...list].sort((a, b) => (a.join('|') < b.join('|') ? -1 : 1));
    expect(expected.length).toBeGreaterThan(50);
    expect(sort(actual)).toEqual(sort(expected));
    expect(stats.neighborPairs).toBe(expected.length);

    const popularity = (await dataSource.query(
      `SELECT item_id, score FROM features.item_popularity WHERE tenant_id = $1 AND scope = 'global'`,
      [TENANT],
    )) as { item_id: string; score: number }[];
    const offlinePopularity = thresholdedPopularity(interactions(), K);
    expect(new Map(popularity.map((r) => [r.item_id, Number(r.score.toFixed(6))]))).toEqual(
      new Map([...offlinePopularity].map(([item, s]) => [item, Number(s.toFixed(6))])),
    );
  });

  it('reads one tenant’s training rows, summed per subject and item, without hides or other tenants', async () => {
    const rows = await new TrainingDataRepository(dataSource).rows(TENANT, 90);
    const expected = new Map<string, number>();
    for (const e of stream)
      if (WEIGHT[e.type] > 0) expected.set(`${e.pid}|${e.item}`, (expected.get(`${e.pid}|${e.item}`) ?? 0) + WEIGHT[e.type]);
    expect(new Map(rows.map((r) => [`${r.user}|${r.item}`, r.weight]))).toEqual(expected);
    expect(rows.every((r) => r.tenant === TENANT)).toBe(true);
    expect(await new TrainingDataRepository(dataSource).tenants()).toEqual([TENANT, OTHER]);
  });

  it('publishes model versions per tenant: one active, the last few kept, artifacts read back intact', async () => {
    const models = new ModelRepository(dataSource);
    const matrix = InteractionMatrix.from(interactions());
    const embeddings = trainAls(matrix, { factors: 4, regularization: 0.1, alpha: 5, iterations: 3, cgSteps: 2, seed: 1 });
    const cf = thresholdedCooccurrence(interactions(), { minUsers: K, itemsPerSubject: 30, neighborsPerItem: 5 });
    const manifest = { name: 'm' } as never;
    for (let v = 1; v <= KEPT_VERSIONS + 2; v++) {
      await models.publish(
        TENANT,
        { version: `v${v}`, manifest, cards: { home_personalized: { v } }, rankers: { home_personalized: { 'source:user_cf': v } } },
        { cf, embeddings },
      );
    }
    expect(await models.activeVersion(TENANT)).toBe(`v${KEPT_VERSIONS + 2}`);
    expect(await models.activeVersion(OTHER)).toBeUndefined();
    const kept = (await dataSource.query(`SELECT version FROM features.model WHERE tenant_id = $1 ORDER BY version`, [TENANT])) as {
      version: string;
    }[];
    expect(kept.map((r) => r.version)).toEqual(Array.from({ length: KEPT_VERSIONS }, (_, i) => `v${i + 3}`));
    const active = await models.active(TENANT);
    expect(active?.artifacts.cf.items).toEqual(cf.items);
    expect(Array.from(active!.artifacts.cf.weights)).toEqual(Array.from(cf.weights));
    expect(Array.from(active!.artifacts.embeddings.vectors)).toEqual(Array.from(embeddings.vectors));
    expect(Array.from(active!.artifacts.embeddings.gramian)).toEqual(Array.from(embeddings.gramian));
    expect(await models.ranker(TENANT, 'home_personalized')).toEqual({
      version: `v${KEPT_VERSIONS + 2}`,
      weights: { 'source:user_cf': KEPT_VERSIONS + 2 },
      card: { v: KEPT_VERSIONS + 2 },
    });
    expect(await models.ranker(TENANT, 'home_contextual')).toBeUndefined();
    expect(await models.ranker(OTHER, 'home_personalized')).toBeUndefined();
  });
});
