/**
 * A string key-value cache with TTLs. Two implementations pass one contract suite: Redis (production and
 * tests) and an in-process map (the embedded default, where there is no Redis server). Keys come from
 * @recsys/tenant-keys only.
 */
export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  /**
   * `get` for several keys in one round trip (on Redis one MGET, read at one moment), in order. On Redis Cluster
   * the keys must share a hash slot: keys from one tenant do, through the `{t:<tenant>}` tag of tenant-keys.
   */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomically adds 1 to a counter (absent counts as 0), (re)starts its TTL and resolves with the new value. */
  increment(key: string, ttlSeconds: number): Promise<number>;
  /**
   * `increment` for many keys in one round trip. On Redis Cluster the keys must share a hash slot: keys from one
   * tenant do, through the `{t:<tenant>}` tag of tenant-keys.
   */
  incrementMany(keys: string[], ttlSeconds: number): Promise<void>;
  /** Deletes every key that starts with `prefix`; resolves with how many were deleted. */
  deleteByPrefix(prefix: string): Promise<number>;
  close(): Promise<void>;
}
