import { invalidationChannel } from '@recsys/tenant-keys';
import { CacheStore } from './cache-store';
import { InvalidationBus } from './invalidation-bus';
import { MemoryCacheStore } from './memory-cache-store';
import { PgInvalidationBus } from './pg-invalidation-bus';
import { RedisCacheStore } from './redis-cache-store';
import { RedisInvalidationBus } from './redis-invalidation-bus';

export interface CacheInfrastructure {
  cache: CacheStore;
  bus: InvalidationBus;
  kind: 'redis' | 'embedded';
}

/** Redis when REDIS_URL is set; otherwise an in-process cache with PostgreSQL LISTEN/NOTIFY invalidation. */
export function createCacheInfrastructure(config: { REDIS_URL: string; DATABASE_URL: string; KEY_NAMESPACE: string }): CacheInfrastructure {
  const channel = invalidationChannel({ namespace: config.KEY_NAMESPACE });
  if (config.REDIS_URL) {
    return { cache: RedisCacheStore.connect(config.REDIS_URL), bus: new RedisInvalidationBus(config.REDIS_URL, channel), kind: 'redis' };
  }
  return { cache: new MemoryCacheStore(), bus: new PgInvalidationBus(config.DATABASE_URL, channel), kind: 'embedded' };
}
