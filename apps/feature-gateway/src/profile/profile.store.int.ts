// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, TestDatabase, uniqueNamespace } from '@recsys/testing';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { RedisCacheStore, ServiceMetrics } from '@recsys/service-kit';
import { featureCacheKey } from '@recsys/tenant-keys';
import { EventRepository } from '../events/event.repository';
import { closeTestStores, insertTestItems, openFeatureSchema, personalizedContext } from '../feature-schema.testing';
import { ProfileStore } from './profile.store';

const TENANT = 'acme';
const SUBJECT = 'u_profileAAAAAAAAAAAAAAA';

/** The profile store's read-through cache on the real PostgreSQL and Redis: one round trip, generations, erasure. */
describe(ProfileStore.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let redis: Redis;
  let metrics: ServiceMetrics;
  let profiles: ProfileStore;
  const keySpace = { namespace: uniqueNamespace() };
  const profileKey = () => featureCacheKey(keySpace, TENANT, 'user', SUBJECT, 'profile');
  const context = () => personalizedContext(TENANT, SUBJECT);
  const lookups = async (outcome: string, of = metrics) =>
    (await of.registry.getSingleMetric('profile_cache_lookups_total')!.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  const click = (itemId: string, minutesAgo: number) => ({
    tenantId: TENANT,
    subjectPid: SUBJECT,
    itemId,
    eventType: 'click',
    timestampMs: Date.now() - minutesAgo * 60_000,
    sessionId: 's1',
    region: '',
  });
  /** The Redis commands the next `run` sends (MONITOR on a connection of its own). */
  async function commandsDuring(run: () => Promise<unknown>): Promise<string[]> {
    const monitor = await redis.monitor();
    const end = `${keySpace.namespace}:end`;
    const seen: string[] = [];
    let ended: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (ended = resolve));
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.includes(end)) ended();
      else if (args.some((a) => a.startsWith(keySpace.namespace))) seen.push(args[0].toLowerCase());
    });
    await run();
    // MONITOR reports asynchronously: a command of our own marks the end.
    await redis.get(end);
    await done;
    monitor.disconnect();
    return seen;
  }

  beforeAll(async () => {
    db = await createTestDatabase('recsys_profile_store_int');
    dataSource = await openFeatureSchema(db.url);
    redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    metrics = new ServiceMetrics('profile-store-int');
    profiles = new ProfileStore(dataSource, metrics, { cache: new RedisCacheStore(redis), keySpace, ttlSeconds: 600 });
    await insertTestItems(dataSource, TENANT, 3);
    await new EventRepository(dataSource).insert([click('i1', 10)]);
  }, 60_000);

  afterAll(() => closeTestStores({ redis, namespace: keySpace.namespace, dataSource, db }));

  it('fills the cache on a miss and serves the next read from it, reading generation and entry in one MGET', async () => {
    const misses = await lookups('miss');
    expect((await profiles.read(context())).map((e) => e.itemId)).toEqual(['i1']);
    expect(await lookups('miss')).toBe(misses + 1);
    // Stamped with the generation it was read at (none raised yet: 0).
    expect(await redis.get(profileKey())).toMatch(/^0\n\[/);

    const hits = await lookups('hit');
    const commands = await commandsDuring(async () => expect((await profiles.read(context())).map((e) => e.itemId)).toEqual(['i1']));
    expect(await lookups('hit')).toBe(hits + 1);
    expect(commands).toEqual(['mget']);
  });

  it('never serves an entry of an earlier generation: new events are read after an invalidation', async () => {
    await profiles.read(context());
    await new EventRepository(dataSource).insert([click('i2', 5)]);
    // Still the cached entry until the change is announced...
    expect((await profiles.read(context())).map((e) => e.itemId)).toEqual(['i1']);
    await profiles.invalidate(TENANT, [SUBJECT]);
    // ...then the entry (still in Redis, of the old generation) is not accepted, and a fresh one replaces it.
    const misses = await lookups('miss');
    expect((await profiles.read(context())).map((e) => e.itemId)).toEqual(['i2', 'i1']);
    expect(await lookups('miss')).toBe(misses + 1);
    expect(await profiles.cachedEntries(TENANT, SUBJECT)).toBe(1);
  });

  it('counts an entry of an earlier generation as unreachable, and erase deletes it all the same', async () => {
    await profiles.read(context());
    await profiles.invalidate(TENANT, [SUBJECT]);
    expect(await redis.exists(profileKey())).toBe(1);
    expect(await profiles.cachedEntries(TENANT, SUBJECT)).toBe(0);
    expect(await profiles.erase(TENANT, SUBJECT)).toBe(0);
    expect(await redis.exists(profileKey())).toBe(0);

    // A reachable entry is counted and erased too.
    await profiles.read(context());
    expect(await profiles.erase(TENANT, SUBJECT)).toBe(1);
    expect(await redis.exists(profileKey())).toBe(0);
    expect(await profiles.cachedEntries(TENANT, SUBJECT)).toBe(0);
  });

  it('never returns an event past the retention period, from PostgreSQL or from a cached entry', async () => {
    const subject = 'u_retainedAAAAAAAAAAAAAA';
    let now = Date.now();
    const own = new ServiceMetrics('profile-store-retention-int');
    const retained = new ProfileStore(
      dataSource,
      own,
      { cache: new RedisCacheStore(redis), keySpace, ttlSeconds: 600 },
      { rawEventDays: 2, now: () => now },
    );
    const at = (itemId: string, hoursAgo: number) => ({
      ...click(itemId, 0),
      subjectPid: subject,
      timestampMs: now - hoursAgo * 3_600_000,
    });
    // Stored but not swept yet: three days old, past the two days.
    await new EventRepository(dataSource).insert([at('i1', 72), at('i2', 36), at('i3', 1)]);
    const read = async () => (await retained.read(personalizedContext(TENANT, subject))).map((e) => e.itemId);
    expect(await read()).toEqual(['i3', 'i2']);
    expect(await lookups('miss', own)).toBe(1);
    // The entry filled then holds i2; a day later i2 is past the period too, and the cached read leaves it out.
    now += 24 * 3_600_000;
    expect(await read()).toEqual(['i3']);
    expect(await lookups('hit', own)).toBe(1);
    await retained.erase(TENANT, subject);
  });
});
