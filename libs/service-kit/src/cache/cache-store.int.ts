// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this lib imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { sleep, uniqueNamespace } from '@recsys/testing';
import { CacheStore } from './cache-store';
import { MemoryCacheStore } from './memory-cache-store';
import { RedisCacheStore } from './redis-cache-store';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The CacheStore contract: every implementation must pass the same suite. Keys live under a fresh namespace per
 * run, so runs sharing one Redis never see each other's keys.
 */
describe.each<[string, () => CacheStore]>([
  [MemoryCacheStore.name, () => new MemoryCacheStore()],
  [RedisCacheStore.name, () => RedisCacheStore.connect(REDIS_URL)],
])('CacheStore contract: %s', (_, create) => {
  const ns = uniqueNamespace('cache');
  let store: CacheStore;
  let n = 0;
  /** A fresh key prefix per test. */
  const scope = () => `${ns}:${++n}`;

  beforeAll(() => {
    store = create();
  });

  afterAll(async () => {
    await store.deleteByPrefix(ns);
    await store.close();
  });

  it('returns undefined for a key never set', async () => {
    expect(await store.get(`${scope()}:absent`)).toBeUndefined();
  });

  it('round-trips values exactly', async () => {
    const s = scope();
    const values = ['plain', '', ' spaced \n lines ', 'ünïcödé ✓ 日本語 😀', JSON.stringify({ a: [1, 2], b: null }), 'x'.repeat(100_000)];
    await Promise.all(values.map((v, i) => store.set(`${s}:${i}`, v, 60)));
    expect(await Promise.all(values.map((_, i) => store.get(`${s}:${i}`)))).toEqual(values);
  });

  it('reads several keys at once, in order, with undefined for each key not set or expired', async () => {
    const s = scope();
    await store.set(`${s}:a`, 'A', 60);
    await store.set(`${s}:c`, '', 60);
    await store.set(`${s}:gone`, 'G', 0.2);
    await sleep(300);
    expect(await store.getMany([`${s}:c`, `${s}:b`, `${s}:a`, `${s}:gone`, `${s}:a`])).toEqual(['', undefined, 'A', undefined, 'A']);
    expect(await store.getMany([])).toEqual([]);
  });

  it('overwrites a value set again', async () => {
    const key = `${scope()}:k`;
    await store.set(key, 'first', 60);
    await store.set(key, 'second', 60);
    expect(await store.get(key)).toBe('second');
  });

  it('forgets a value once its TTL has passed', async () => {
    const s = scope();
    await store.set(`${s}:short`, 'v', 0.3);
    await store.set(`${s}:long`, 'v', 60);
    expect(await store.get(`${s}:short`)).toBe('v');
    await sleep(450);
    expect(await store.get(`${s}:short`)).toBeUndefined();
    expect(await store.get(`${s}:long`)).toBe('v');
  });

  it('restarts the TTL when a key is set again', async () => {
    const key = `${scope()}:k`;
    await store.set(key, 'old', 0.3);
    await store.set(key, 'new', 60);
    await sleep(450);
    expect(await store.get(key)).toBe('new');
  });

  it.each([0, -1])('refuses the TTL %p', async (ttl) => {
    const key = `${scope()}:k`;
    await expect(store.set(key, 'v', ttl)).rejects.toThrow(RangeError);
    expect(await store.get(key)).toBeUndefined();
  });

  it('increments a counter atomically from zero and keeps its TTL', async () => {
    const key = `${scope()}:counter`;
    const values = await Promise.all(Array.from({ length: 20 }, () => store.increment(key, 60)));
    expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await store.get(key)).toBe('20');
    const short = `${scope()}:short-counter`;
    await store.increment(short, 0.3);
    await sleep(450);
    expect(await store.increment(short, 0.3)).toBe(1);
  });

  it('increments many counters in one call', async () => {
    const s = scope();
    await store.increment(`${s}:a`, 60);
    await store.incrementMany([`${s}:a`, `${s}:b`, `${s}:c`], 60);
    await store.incrementMany([`${s}:c`], 60);
    expect([await store.get(`${s}:a`), await store.get(`${s}:b`), await store.get(`${s}:c`)]).toEqual(['2', '1', '2']);
    await store.incrementMany([], 60);
  });

  it('deletes one key', async () => {
    const s = scope();
    await store.set(`${s}:a`, '1', 60);
    await store.set(`${s}:b`, '2', 60);
    await store.delete(`${s}:a`);
    await store.delete(`${s}:never-set`);
    expect(await store.get(`${s}:a`)).toBeUndefined();
    expect(await store.get(`${s}:b`)).toBe('2');
  });

  it('deletes exactly the keys under a prefix and counts them', async () => {
    const s = scope();
    const under = [`${s}:u1:a`, `${s}:u1:b`, `${s}:u1:c:d`];
    const outside = [`${s}:u10:a`, `${s}:u2:a`, `${s}:x:u1:a`, `${s}:u1`];
    await Promise.all([...under, ...outside].map((k) => store.set(k, 'v', 60)));

    expect(await store.deleteByPrefix(`${s}:u1:`)).toBe(under.length);

    expect(await Promise.all(under.map((k) => store.get(k)))).toEqual(under.map(() => undefined));
    expect(await Promise.all(outside.map((k) => store.get(k)))).toEqual(outside.map(() => 'v'));
    expect(await store.deleteByPrefix(`${s}:u1:`)).toBe(0);
  });

  it('deletes many keys under a prefix', async () => {
    const s = scope();
    const keys = Array.from({ length: 1200 }, (_, i) => `${s}:bulk:${i}`);
    await Promise.all(keys.map((k) => store.set(k, 'v', 60)));
    await store.set(`${s}:keep`, 'v', 60);
    expect(await store.deleteByPrefix(`${s}:bulk:`)).toBe(keys.length);
    expect(await store.get(`${s}:bulk:599`)).toBeUndefined();
    expect(await store.get(`${s}:keep`)).toBe('v');
  });

  it.each([
    ['*', 'a*', ['aXYZ', 'a']],
    ['?', 'a?', ['aX', 'a']],
    ['[...]', 'a[bc]', ['ab', 'ac', 'a[b']],
    ['\\', 'a\\*', ['a\\X', 'a*']],
  ])('treats the glob character %s in a prefix literally', async (_, literal, lookalikes) => {
    const s = scope();
    const target = `${s}:${literal}:1`;
    const others = lookalikes.map((l) => `${s}:${l}:1`);
    await Promise.all([target, ...others].map((k) => store.set(k, 'v', 60)));

    expect(await store.deleteByPrefix(`${s}:${literal}`)).toBe(1);

    expect(await store.get(target)).toBeUndefined();
    expect(await Promise.all(others.map((k) => store.get(k)))).toEqual(others.map(() => 'v'));
  });
});
