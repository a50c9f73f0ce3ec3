import { openSchema } from '@recsys/service-kit';
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
