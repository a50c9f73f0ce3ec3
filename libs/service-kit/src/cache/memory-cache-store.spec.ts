import { MemoryCacheStore } from './memory-cache-store';

/** A store on a hand-moved clock, so expiry is tested exactly rather than by sleeping. */
function storeAt(start = 1_000_000, maxEntries?: number) {
  const clock = { now: start };
  const store = new MemoryCacheStore(maxEntries, () => clock.now);
  return { store, clock };
}

describe(MemoryCacheStore.name, () => {
  it('returns a value until its TTL has passed, then forgets it', async () => {
    const { store, clock } = storeAt();
    await store.set('k', 'v', 2);
    clock.now += 1999;
    expect(await store.get('k')).toBe('v');
    clock.now += 1;
    expect(await store.get('k')).toBeUndefined();
    clock.now -= 1000;
    expect(await store.get('k')).toBeUndefined();
  });

  it('honours fractional TTLs', async () => {
    const { store, clock } = storeAt();
    await store.set('k', 'v', 0.25);
    clock.now += 249;
    expect(await store.get('k')).toBe('v');
    clock.now += 1;
    expect(await store.get('k')).toBeUndefined();
  });

  it('restarts the TTL when a key is set again', async () => {
    const { store, clock } = storeAt();
    await store.set('k', 'old', 1);
    clock.now += 900;
    await store.set('k', 'new', 1);
    clock.now += 900;
    expect(await store.get('k')).toBe('new');
  });

  it.each([0, -1, Number.NaN])('refuses the TTL %p', async (ttl) => {
    const { store } = storeAt();
    await expect(store.set('k', 'v', ttl)).rejects.toThrow(RangeError);
    expect(await store.get('k')).toBeUndefined();
  });

  it('evicts the oldest insertion first when full', async () => {
    const { store } = storeAt(0, 3);
    for (const k of ['a', 'b', 'c']) await store.set(k, k, 60);
    await store.set('a', 'a2', 60); // re-inserting makes "a" the newest
    await store.set('d', 'd', 60);
    expect(await store.get('b')).toBeUndefined();
    expect(await Promise.all(['a', 'c', 'd'].map((k) => store.get(k)))).toEqual(['a2', 'c', 'd']);
  });

  it('deletes by prefix and counts what it deleted', async () => {
    const { store } = storeAt();
    for (const k of ['t1:u1:a', 't1:u1:b', 't1:u10:a', 't2:u1:a']) await store.set(k, 'v', 60);
    expect(await store.deleteByPrefix('t1:u1:')).toBe(2);
    expect(await store.get('t1:u10:a')).toBe('v');
    expect(await store.get('t2:u1:a')).toBe('v');
    expect(await store.deleteByPrefix('nothing')).toBe(0);
  });

  it('forgets everything on close', async () => {
    const { store } = storeAt();
    await store.set('k', 'v', 60);
    await store.close();
    expect(await store.get('k')).toBeUndefined();
  });
});
