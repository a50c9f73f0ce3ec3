import { PrivacyContext, PrivacyMode, Purpose } from '@recsys/privacy-context';
import { openSchema } from '@recsys/service-kit';
// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import type { TestDatabase } from '@recsys/testing';
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { FEATURE_ENTITIES } from './catalog/catalog.entities';
import { FEATURE_MIGRATIONS } from './migrations';

/** For integration tests: feature-gateway's `features` schema in a test database, migrated. */
export function openFeatureSchema(url: string, poolSize = 2): Promise<DataSource> {
  return openSchema({
    url,
    schema: 'features',
    entities: FEATURE_ENTITIES,
    migrations: FEATURE_MIGRATIONS,
    poolSize,
    applicationName: 'int',
  });
}

/** For integration tests: catalog items `i1`..`i<count>` of a tenant, of categories `c0`..`c2` and creators `cr<n>`. */
export async function insertTestItems(dataSource: DataSource, tenantId: string, count: number): Promise<void> {
  await dataSource.query(
    `INSERT INTO features.item (tenant_id, item_id, title, category, creator_id, tags, quality_score)
     SELECT $1, 'i' || g, 'Item ' || g, 'c' || (g % 3), 'cr' || g, '{}', 0.5 FROM generate_series(1, $2::int) AS g`,
    [tenantId, count],
  );
}

/** For integration tests: deletes the run's Redis keys, then closes Redis and the schema and drops the database. */
export async function closeTestStores(stores: {
  redis?: Redis;
  namespace: string;
  dataSource?: DataSource;
  db?: TestDatabase;
}): Promise<void> {
  const { redis, namespace, dataSource, db } = stores;
  if (redis) {
    const keys = await redis.keys(`${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
  await dataSource?.destroy();
  await db?.drop();
}

/** For integration tests: a personalization context of a subject, valid for a minute (never signed or sent). */
export function personalizedContext(tenantId: string, subjectPid: string): PrivacyContext {
  return {
    tenantId,
    subjectPid,
    mode: PrivacyMode.PERSONALIZED,
    purposes: [Purpose.PERSONALIZATION],
    consentVersion: '1',
    policyVersion: 'test',
    requestId: 'int',
    issuedAtMs: Date.now(),
    expiresAtMs: Date.now() + 60_000,
  };
}
