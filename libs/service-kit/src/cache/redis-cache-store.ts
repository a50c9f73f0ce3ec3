import Redis from 'ioredis';
import { CacheStore } from './cache-store';

/** INCR and PEXPIRE every key in one script call: one round trip for a whole batch. */
const INCREMENT_MANY = `for _, key in ipairs(KEYS) do redis.call('INCR', key); redis.call('PEXPIRE', key, ARGV[1]) end return #KEYS`;

type WithIncrementMany = Redis & { recsysIncrementMany(count: number, ...args: (string | number)[]): Promise<number> };

/** Redis-backed cache shared by every replica. */
export class RedisCacheStore implements CacheStore {
  private readonly redis: WithIncrementMany;

  constructor(redis: Redis) {
    // defineCommand sends the script once (EVALSHA afterwards).
    redis.defineCommand('recsysIncrementMany', { lua: INCREMENT_MANY });
    this.redis = redis as WithIncrementMany;
  }

  static connect(url: string): RedisCacheStore {
    return new RedisCacheStore(new Redis(url, { maxRetriesPerRequest: 2, enableAutoPipelining: true, lazyConnect: false }));
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(key)) ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    return (await this.redis.mget(...keys)).map((value) => value ?? undefined);
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (!(ttlSeconds > 0)) throw new RangeError('ttlSeconds must be positive');
    await this.redis.set(key, value, 'PX', Math.max(1, Math.round(ttlSeconds * 1000)));
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    if (!(ttlSeconds > 0)) throw new RangeError('ttlSeconds must be positive');
    const [[incrError, value], [expireError]] = (await this.redis
      .multi()
      .incr(key)
      .pexpire(key, Math.max(1, Math.round(ttlSeconds * 1000)))
      .exec()) as [[Error | null, number], [Error | null, unknown]];
    if (incrError || expireError) throw incrError ?? expireError;
    return value;
  }

  async incrementMany(keys: string[], ttlSeconds: number): Promise<void> {
    if (!(ttlSeconds > 0)) throw new RangeError('ttlSeconds must be positive');
    if (keys.length === 0) return;
    await this.redis.recsysIncrementMany(keys.length, ...keys, Math.max(1, Math.round(ttlSeconds * 1000)));
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    // Glob characters in the prefix are escaped so a key part can never widen the match.
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await this.redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
