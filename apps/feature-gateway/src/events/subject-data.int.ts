// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, TestDatabase, uniqueNamespace } from '@recsys/testing';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { buildGovernedDataset, DEFAULT_PRIVACY_FILTERS } from '@recsys/models';
import { RedisCacheStore, ServiceMetrics } from '@recsys/service-kit';
import { sessionStateKey } from '@recsys/tenant-keys';
import { ProfileStore } from '../profile/profile.store';
import { DatasetRepository } from '../training/dataset.repository';
import { ExposureRepository } from '../experiments/exposure.repository';
import { ExposureService } from '../experiments/exposure.service';
import { EventRepository } from './event.repository';
import { SessionStore } from './session-store';
import { SubjectDataService } from './subject-data.service';
import { closeTestStores, insertTestItems, openFeatureSchema, personalizedContext } from '../feature-schema.testing';

const TENANT = 'acme';
const SUBJECT = 'u_subjectAAAAAAAAAAAAAAA';
const OTHER = 'u_subjectBBBBBBBBBBBBBBB';
const VISITOR = 'a_visitorAAAAAAAAAAAAAAA';
const MINUTE = 60_000;
/** Whole seconds, so an exported time can be compared exactly. */
const SEEDED_AT = Math.floor(Date.now() / 1000) * 1000;

/** feature-gateway's subject data on the real PostgreSQL and Redis: purge, count, export, erasure guard. */
describe(SubjectDataService.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let redis: Redis;
  let cache: RedisCacheStore;
  let metrics: ServiceMetrics;
  let profiles: ProfileStore;
  let service: SubjectDataService;
  let recorder: ExposureService;
  const events = () => new EventRepository(dataSource);
  const keySpace = { namespace: uniqueNamespace() };
  const sessions = () => new SessionStore(cache, keySpace, 86_400);
  const datasets = () => new DatasetRepository(dataSource);
  const exposures = () => new ExposureRepository(dataSource);
  const exposure = (subjectPid: string, requestId: string, variant: string, minutesAgo: number, itemIds: string[]) => ({
    tenantId: TENANT,
    subjectPid,
    experiment: 'home_test',
    variant,
    mode: 'PERSONALIZED',
    requestId,
    itemIds,
    occurredAtMs: SEEDED_AT - minutesAgo * MINUTE,
    surface: 'home',
  });
  const storedExposures = async (pid: string) =>
    Number(
      (await dataSource.query(`SELECT count(*) AS n FROM features.exposure WHERE tenant_id = $1 AND subject_pid = $2`, [TENANT, pid]))[0].n,
    );
  const context = (subjectPid: string) => personalizedContext(TENANT, subjectPid);
  const stored = async (pid: string) =>
    Number(
      (await dataSource.query(`SELECT count(*) AS n FROM features.event WHERE tenant_id = $1 AND subject_pid = $2`, [TENANT, pid]))[0].n,
    );
  const hits = async () => (await metrics.registry.getSingleMetric('deleted_user_profile_hit_count')!.get()).values[0]?.value ?? 0;

  beforeAll(async () => {
    db = await createTestDatabase('recsys_subject_data_int');
    dataSource = await openFeatureSchema(db.url);
    redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    cache = new RedisCacheStore(redis);
    metrics = new ServiceMetrics('subject-data-int');
    profiles = new ProfileStore(dataSource, metrics, { cache, keySpace, ttlSeconds: 600 });
    service = new SubjectDataService(events(), profiles, sessions(), datasets(), exposures(), metrics);
    recorder = new ExposureService(exposures(), metrics, 30);
    await insertTestItems(dataSource, TENANT, 10);
  }, 60_000);

  afterAll(() => closeTestStores({ redis, namespace: keySpace.namespace, dataSource, db }));

  async function seed(): Promise<void> {
    const now = Date.now();
    const event = (subjectPid: string, item: string, minutesAgo: number) => ({
      tenantId: TENANT,
      subjectPid,
      itemId: item,
      eventType: 'click',
      timestampMs: now - minutesAgo * MINUTE,
      sessionId: 's1',
      region: 'ID-JK',
    });
    await events().insert([event(SUBJECT, 'i1', 30), event(SUBJECT, 'i2', 20), event(SUBJECT, 'i3', 10), event(OTHER, 'i1', 5)]);
    await sessions().append(TENANT, SUBJECT, [{ itemId: 'i4', eventType: 'view', timestampMs: now - MINUTE }]);
    await sessions().append(TENANT, VISITOR, [{ itemId: 'i5', eventType: 'view', timestampMs: now - MINUTE }]);
    const rows = [SUBJECT, OTHER].flatMap((user) =>
      ['i1', 'i2'].map((item) => ({ tenant: TENANT, user, item, weight: 1, timestampMs: now })),
    );
    const { manifest } = buildGovernedDataset('acme-training', TENANT, rows, DEFAULT_PRIVACY_FILTERS, {
      deleted: new Set(),
      noTrainingConsent: new Set(),
      deletionSnapshot: 'none',
    });
    await datasets().save(
      TENANT,
      {
        datasetId: `ds_int_${now}`,
        manifest: { ...manifest, dataset_id: `ds_int_${now}`, window_days: 90, contributing_tenants: [TENANT], filter_overrides: [] },
        rows: rows.map((r) => ({ sourceTenant: r.tenant, user: r.user, item: r.item, weight: r.weight, timestampMs: r.timestampMs })),
      },
      3,
    );
    // Exposures of the subject (two), of another subject and unlinked ones; fixed request ids, so a second seed
    // stores none again (RecordExposures is idempotent).
    await recorder.record({
      exposures: [
        exposure(SUBJECT, 'req-subject-2', 'treatment', 15, ['i3']),
        exposure(SUBJECT, 'req-subject-1', 'control', 25, ['i1', 'i2']),
        exposure(OTHER, 'req-other-1', 'control', 25, ['i1']),
        exposure('', 'req-unlinked-1', 'treatment', 25, ['i1']),
      ],
    });
    // A profile read fills the cache.
    expect((await profiles.read(context(SUBJECT))).length).toBeGreaterThanOrEqual(3);
  }

  it('exports the subject’s events oldest first, their session state and their datasets, nothing of another subject', async () => {
    await seed();
    const exported = await service.export({ tenantId: TENANT, subjectPid: SUBJECT });
    const eventsJson = JSON.parse(exported.eventsJson) as { item_id: string; occurred_at: string }[];
    expect(eventsJson.map((e) => e.item_id)).toEqual(['i1', 'i2', 'i3']);
    expect(eventsJson.every((e) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(e.occurred_at))).toBe(true);
    expect(JSON.parse(exported.sessionStateJson)).toEqual([expect.objectContaining({ item_id: 'i4', event_type: 'view' })]);
    expect(JSON.parse(exported.trainingDatasetsJson)).toEqual([expect.objectContaining({ rows: 2 })]);
    expect(JSON.parse(exported.exposuresJson)).toEqual([
      {
        experiment: 'home_test',
        variant: 'control',
        mode: 'PERSONALIZED',
        surface: 'home',
        request_id: 'req-subject-1',
        item_ids: ['i1', 'i2'],
        occurred_at: new Date(SEEDED_AT - 25 * MINUTE).toISOString(),
      },
      {
        experiment: 'home_test',
        variant: 'treatment',
        mode: 'PERSONALIZED',
        surface: 'home',
        request_id: 'req-subject-2',
        item_ids: ['i3'],
        occurred_at: new Date(SEEDED_AT - 15 * MINUTE).toISOString(),
      },
    ]);
    expect(JSON.stringify(exported)).not.toContain(OTHER);
    expect(JSON.stringify(exported)).not.toContain('req-other-1');
    expect(JSON.stringify(exported)).not.toContain('req-unlinked-1');
  });

  it('a user control purges behaviour, cached profile and session state but not stored datasets or exposure logs', async () => {
    const before = await service.count({ tenantId: TENANT, subjectPid: SUBJECT });
    expect(before).toEqual({ events: 3, sessionEntries: 1, profileCacheEntries: 1, datasetRows: 2, exposures: 2 });
    const result = await service.purge({ tenantId: TENANT, subjectPid: SUBJECT, reason: 'CLEAR_HISTORY' });
    expect(result).toEqual({
      eventsRemoved: 3,
      sessionEntriesRemoved: 1,
      profileCacheEntriesRemoved: 1,
      datasetRowsRemoved: 0,
      exposuresRemoved: 0,
    });
    expect(await service.count({ tenantId: TENANT, subjectPid: SUBJECT })).toEqual({
      events: 0,
      sessionEntries: 0,
      profileCacheEntries: 0,
      datasetRows: 2,
      exposures: 2,
    });
    // Not erased: the subject's new events are stored.
    expect(
      await events().insert([
        {
          tenantId: TENANT,
          subjectPid: SUBJECT,
          itemId: 'i6',
          eventType: 'view',
          timestampMs: Date.now() - MINUTE,
          sessionId: '',
          region: '',
        },
      ]),
    ).toBe(1);
    expect(await stored(OTHER)).toBe(1);
  });

  it('DELETION empties every store of the subject (and a visitor’s session state), idempotently, and nothing else', async () => {
    await seed();
    await profiles.read(context(SUBJECT));
    const first = await service.purge({ tenantId: TENANT, subjectPid: SUBJECT, reason: 'DELETION' });
    expect(first).toEqual({
      eventsRemoved: 4,
      sessionEntriesRemoved: 1,
      profileCacheEntriesRemoved: 1,
      datasetRowsRemoved: 4,
      exposuresRemoved: 2,
    });
    expect(await service.purge({ tenantId: TENANT, subjectPid: VISITOR, reason: 'DELETION' })).toMatchObject({ sessionEntriesRemoved: 2 });
    expect(await redis.exists(sessionStateKey(keySpace, TENANT, VISITOR))).toBe(0);
    const none = { events: 0, sessionEntries: 0, profileCacheEntries: 0, datasetRows: 0, exposures: 0 };
    expect(await service.count({ tenantId: TENANT, subjectPid: SUBJECT })).toEqual(none);
    expect(await service.purge({ tenantId: TENANT, subjectPid: SUBJECT, reason: 'DELETION' })).toEqual({
      eventsRemoved: 0,
      sessionEntriesRemoved: 0,
      profileCacheEntriesRemoved: 0,
      datasetRowsRemoved: 0,
      exposuresRemoved: 0,
    });
    expect(await storedExposures(SUBJECT)).toBe(0);
    // The other subject keeps everything, and the unlinked exposures stay (they belong to nobody).
    expect(await stored(OTHER)).toBe(2);
    expect(await storedExposures(OTHER)).toBe(1);
    expect(await storedExposures('')).toBe(1);
    expect((await service.count({ tenantId: TENANT, subjectPid: OTHER })).datasetRows).toBe(4);
  });

  it('refuses events of an erased subject dated before the erasure, stores later ones, and counts any old event a read finds', async () => {
    const erasedAt = Math.floor(
      (
        await dataSource.query(`SELECT extract(epoch FROM erased_at) * 1000 AS t FROM features.erased_subject WHERE subject_pid = $1`, [
          SUBJECT,
        ])
      )[0].t,
    );
    const late = { tenantId: TENANT, subjectPid: SUBJECT, itemId: 'i7', eventType: 'click', sessionId: '', region: '' };
    expect(await events().insert([{ ...late, timestampMs: erasedAt - MINUTE }])).toBe(0);
    expect(await events().insert([{ ...late, timestampMs: erasedAt + 1000 }])).toBe(1);
    expect(await hits()).toBe(0);
    expect((await profiles.read(context(SUBJECT))).map((e) => e.itemId)).toEqual(['i7']);

    // A store the saga missed (a restored backup, say) brings an old event back: the read leaves it out and counts it.
    await dataSource.query(
      `INSERT INTO features.event (tenant_id, subject_pid, item_id, event_type, occurred_at) VALUES ($1, $2, 'i8', 'click', to_timestamp($3 / 1000.0))`,
      [TENANT, SUBJECT, erasedAt - 10 * MINUTE],
    );
    await profiles.invalidate(TENANT, [SUBJECT]);
    expect((await profiles.read(context(SUBJECT))).map((e) => e.itemId)).toEqual(['i7']);
    expect(await hits()).toBe(1);
  });

  it('refuses malformed requests with every problem named', async () => {
    await expect(service.purge({ tenantId: 'Bad Tenant', subjectPid: 'alice', reason: 'drop everything' })).rejects.toThrow(
      /tenant_id.*subject_pid.*reason/s,
    );
    await expect(service.export({ tenantId: TENANT, subjectPid: 'alice@example.com' })).rejects.toThrow(/subject_pid/);
  });
});
