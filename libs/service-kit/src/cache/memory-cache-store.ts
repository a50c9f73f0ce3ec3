import { CacheStore } from './cache-store';

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * The embedded default's cache: one process, bounded size (oldest insertion evicted first), TTLs honoured on
 * read. Cross-process consistency comes from the invalidation bus, not from this class.
 */
export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return Promise.all(keys.map((key) => this.get(key)));
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.setNow(key, value, ttlSeconds);
  }

  private setNow(key: string, value: string, ttlSeconds: number): void {
    if (!(ttlSeconds > 0)) throw new RangeError('ttlSeconds must be positive');
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    // No await between read and write: concurrent increments in this process never interleave.
    const entry = this.entries.get(key);
    const current = entry && entry.expiresAt > this.now() ? Number(entry.value) : 0;
    const next = current + 1;
    this.setNow(key, String(next), ttlSeconds);
    return next;
  }

  async incrementMany(keys: string[], ttlSeconds: number): Promise<void> {
    for (const key of keys) await this.increment(key, ttlSeconds);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    let deleted = 0;
    for (const key of [...this.entries.keys()]) {
      if (key.startsWith(prefix)) {
        this.entries.delete(key);
        deleted += 1;
      }
    }
    return deleted;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
