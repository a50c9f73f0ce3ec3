import { invalidationChannel } from '@recsys/tenant-keys';
import { CacheStore } from './cache-store';
import { InvalidationBus } from './invalidation-bus';
import { MemoryCacheStore } from './memory-cache-store';
import { PgInvalidationBus } from './pg-invalidation-bus';
import { RedisCacheStore } from './redis-cache-store';
import { RedisInvalidationBus } from './redis-invalidation-bus';

type CacheSettings = { REDIS_URL: string; DATABASE_URL: string; KEY_NAMESPACE: string };

export interface CacheInfrastructure {
  cache: CacheStore;
  bus: InvalidationBus;
  kind: 'redis' | 'embedded';
}

/** Redis when REDIS_URL is set; otherwise the embedded default's in-process cache. */
export function createCacheStore(config: CacheSettings): CacheStore {
  return config.REDIS_URL ? RedisCacheStore.connect(config.REDIS_URL) : new MemoryCacheStore();
}

/** Redis pub/sub when REDIS_URL is set; otherwise PostgreSQL LISTEN/NOTIFY. */
export function createInvalidationBus(config: CacheSettings): InvalidationBus {
  const channel = invalidationChannel({ namespace: config.KEY_NAMESPACE });
  return config.REDIS_URL ? new RedisInvalidationBus(config.REDIS_URL, channel) : new PgInvalidationBus(config.DATABASE_URL, channel);
}

export function createCacheInfrastructure(config: CacheSettings): CacheInfrastructure {
  return { cache: createCacheStore(config), bus: createInvalidationBus(config), kind: config.REDIS_URL ? 'redis' : 'embedded' };
}
