import {
  DEMO_NOW_MS,
  DEMO_TENANTS,
  SENSITIVE_CATEGORIES,
  SMALL_REGION,
  generateDemoData,
  summarize,
  type DemoData,
  type DemoEvent,
} from './generate';

const SMALL = { itemsPerTenant: 300, usersPerTenant: 200, meanEventsPerUser: 20 };
const DAY_MS = 24 * 60 * 60 * 1000;

function groupBy<T>(values: readonly T[], key: (value: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const value of values) {
    const k = key(value);
    const list = out.get(k);
    if (list) list.push(value);
    else out.set(k, [value]);
  }
  return out;
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

describe(generateDemoData.name, () => {
  let data: DemoData;
  let itemById: Map<string, DemoData['items'][number]>;
  let userById: Map<string, DemoData['users'][number]>;

  beforeAll(() => {
    data = generateDemoData(SMALL);
    itemById = new Map(data.items.map((i) => [i.itemId, i]));
    userById = new Map(data.users.map((u) => [u.userId, u]));
  });

  it('is deterministic for a seed and differs across seeds', () => {
    expect(JSON.stringify(generateDemoData(SMALL))).toBe(JSON.stringify(data));
    expect(JSON.stringify(generateDemoData({ ...SMALL, seed: 7 }))).not.toBe(JSON.stringify(data));
  });

  it('does not depend on the wall clock unless nowMs is given', () => {
    const events = generateDemoData({ ...SMALL, usersPerTenant: 20 }).events;
    expect(Math.max(...events.map((e) => e.timestampMs))).toBeLessThan(DEMO_NOW_MS);
    const shifted = generateDemoData({ ...SMALL, usersPerTenant: 20, nowMs: DEMO_NOW_MS + DAY_MS }).events;
    expect(shifted.map((e) => e.timestampMs - DAY_MS)).toEqual(events.map((e) => e.timestampMs));
  });

  it('generates both tenants with the requested counts', () => {
    expect(data.tenants.map((t) => t.tenantId)).toEqual(['demo-retail', 'demo-media']);
    expect(data.tenants).toEqual(DEMO_TENANTS);
    const expected = SMALL.usersPerTenant * SMALL.meanEventsPerUser;
    for (const { tenantId } of data.tenants) {
      expect(data.items.filter((i) => i.tenantId === tenantId)).toHaveLength(SMALL.itemsPerTenant);
      expect(data.users.filter((u) => u.tenantId === tenantId)).toHaveLength(SMALL.usersPerTenant);
      // Events per user are heavy-tailed, so a 200-user tenant can be well off its mean: loose bounds here.
      const events = data.events.filter((e) => e.tenantId === tenantId).length;
      expect(events).toBeGreaterThan(0.6 * expected);
      expect(events).toBeLessThan(1.4 * expected);
    }
    expect(data.events.length).toBeGreaterThan(0.75 * 2 * expected);
    expect(data.events.length).toBeLessThan(1.25 * 2 * expected);
  });

  it('keeps one tenant identical when generated alone', () => {
    const alone = generateDemoData({ ...SMALL, tenants: ['demo-media'] });
    expect(alone.tenants.map((t) => t.tenantId)).toEqual(['demo-media']);
    expect(alone.events).toEqual(data.events.filter((e) => e.tenantId === 'demo-media'));
  });

  it('rejects unknown tenants and invalid counts', () => {
    expect(() => generateDemoData({ tenants: ['acme'] })).toThrow(/unknown demo tenant/);
    expect(() => generateDemoData({ itemsPerTenant: -1 })).toThrow(/itemsPerTenant/);
  });

  it('uses unique, well-formed ids', () => {
    expect(new Set(data.items.map((i) => i.itemId)).size).toBe(data.items.length);
    expect(new Set(data.users.map((u) => u.userId)).size).toBe(data.users.length);
    // Collect offenders instead of one expect per record: faster, and a failure shows every bad record.
    const badItems = data.items.filter((item) => {
      const p = item.tenantId === 'demo-retail' ? 'r' : 'm';
      return (
        !new RegExp(`^${p}-item-\\d{5}$`).test(item.itemId) ||
        !new RegExp(`^${p}-creator-\\d{4}$`).test(item.creatorId) ||
        item.tags.length < 1 ||
        item.tags.length > 3 ||
        !(item.qualityScore >= 0 && item.qualityScore <= 1) ||
        !(item.createdAtMs < DEMO_NOW_MS && item.createdAtMs >= DEMO_NOW_MS - 365 * DAY_MS)
      );
    });
    expect(badItems).toEqual([]);
    expect(data.users.filter((u) => !/^[rm]-user-\d{5}$/.test(u.userId))).toEqual([]);
    expect(data.events.filter((e) => !/^[rm]-s-\d+$/.test(e.sessionId))).toEqual([]);
  });

  it('has about ten items per creator, each specialised in one or two categories', () => {
    for (const { tenantId } of data.tenants) {
      const items = data.items.filter((i) => i.tenantId === tenantId);
      const byCreator = groupBy(items, (i) => i.creatorId);
      expect(byCreator.size).toBeGreaterThanOrEqual(20);
      expect(byCreator.size).toBeLessThanOrEqual(30);
      for (const own of byCreator.values()) expect(new Set(own.map((i) => i.category)).size).toBeLessThanOrEqual(2);
    }
  });

  it('references existing items and users of the same tenant, after the item was created', () => {
    const bad = data.events.filter((event) => {
      const item = itemById.get(event.itemId);
      const user = userById.get(event.userId);
      return item?.tenantId !== event.tenantId || user?.tenantId !== event.tenantId || item.createdAtMs > event.timestampMs;
    });
    expect(bad).toEqual([]);
  });

  it('flags the sensitive categories in both tenants and has items in them', () => {
    for (const tenant of data.tenants) {
      for (const { name, sensitive } of tenant.categories) {
        expect(sensitive).toBe((SENSITIVE_CATEGORIES as readonly string[]).includes(name));
      }
      const items = data.items.filter((i) => i.tenantId === tenant.tenantId);
      for (const name of SENSITIVE_CATEGORIES) {
        const inCategory = items.filter((i) => i.category === name);
        expect(inCategory.length).toBeGreaterThan(0);
        expect(inCategory.every((i) => i.sensitive)).toBe(true);
      }
      expect(items.filter((i) => i.sensitive).every((i) => SENSITIVE_CATEGORIES.some((c) => c === i.category))).toBe(true);
    }
  });

  it('gives the top 10% of items a disproportionate share of events (power law)', () => {
    for (const { tenantId } of data.tenants) {
      const events = data.events.filter((e) => e.tenantId === tenantId);
      const counts = [...groupBy(events, (e) => e.itemId).values()].map((l) => l.length).sort((a, b) => b - a);
      const top = sum(counts.slice(0, SMALL.itemsPerTenant / 10));
      expect(top / events.length).toBeGreaterThan(0.35);
    }
  });

  it("concentrates users' events on their taste categories", () => {
    const shares = [...groupBy(data.events, (e) => e.userId)].map(([userId, events]) => {
      const tastes = userById.get(userId)!.tasteCategories;
      return events.filter((e) => tastes.includes(itemById.get(e.itemId)!.category)).length / events.length;
    });
    expect(sum(shares) / shares.length).toBeGreaterThan(0.7);
  });

  it('gives users 1-3 distinct tastes, rarely sensitive, and independent consent flags', () => {
    for (const user of data.users) {
      expect(user.tasteCategories.length).toBeGreaterThanOrEqual(1);
      expect(user.tasteCategories.length).toBeLessThanOrEqual(3);
      expect(new Set(user.tasteCategories).size).toBe(user.tasteCategories.length);
    }
    const rate = (pred: (u: DemoData['users'][number]) => boolean): number => data.users.filter(pred).length / data.users.length;
    expect(rate((u) => u.tasteCategories.some((c) => SENSITIVE_CATEGORIES.some((s) => s === c)))).toBeLessThan(0.12);
    expect(rate((u) => u.consentPersonalization)).toBeCloseTo(0.75, 1);
    expect(rate((u) => u.consentTraining)).toBeCloseTo(0.6, 1);
    // Both mixed combinations occur: training consent does not imply personalization consent or vice versa.
    expect(rate((u) => u.consentTraining && !u.consentPersonalization)).toBeGreaterThan(0.05);
    expect(rate((u) => !u.consentTraining && u.consentPersonalization)).toBeGreaterThan(0.05);
  });

  it('keeps SMALL_REGION below the k = 10 distinct users threshold but not empty', () => {
    for (const { tenantId, regions } of data.tenants) {
      expect(regions).toContain(SMALL_REGION);
      const home = data.users.filter((u) => u.tenantId === tenantId && u.homeRegion === SMALL_REGION);
      const inEvents = new Set(data.events.filter((e) => e.tenantId === tenantId && e.region === SMALL_REGION).map((e) => e.userId));
      expect(home.length).toBeGreaterThan(0);
      expect(home.length).toBeLessThan(10);
      expect(inEvents.size).toBeLessThan(10);
    }
  });

  it('orders events by time per user, inside the 60-day window before nowMs', () => {
    const unordered = [...groupBy(data.events, (e) => e.userId).values()].filter((events) =>
      events.some((e, i) => i > 0 && e.timestampMs < events[i - 1].timestampMs),
    );
    expect(unordered).toEqual([]);
    const outside = data.events.filter((e) => e.timestampMs >= DEMO_NOW_MS || e.timestampMs < DEMO_NOW_MS - 60 * DAY_MS);
    expect(outside).toEqual([]);
  });

  it('groups events into sessions of at most 10 that mostly stay in one category', () => {
    const sessions = [...groupBy(data.events, (e) => e.sessionId).values()];
    const malformed = sessions.filter(
      (s) => s.length > 10 || new Set(s.map((e) => e.userId)).size !== 1 || new Set(s.map((e) => e.region)).size !== 1,
    );
    expect(malformed).toEqual([]);
    const pairs = sessions.flatMap((s) => s.slice(1).map((e, i) => [s[i], e] as const));
    const category = (e: DemoEvent): string => itemById.get(e.itemId)!.category;
    const sameCategory = pairs.filter(([a, b]) => category(a) === category(b)).length;
    // Co-occurrence signal: far above what independent draws over 12 categories would give.
    expect(sameCategory / pairs.length).toBeGreaterThan(0.6);
  });

  it('mixes event types realistically, with hides mostly outside the taste', () => {
    const share = (type: DemoEvent['eventType']): number => data.events.filter((e) => e.eventType === type).length / data.events.length;
    expect(share('view')).toBeCloseTo(0.7, 1);
    expect(share('click')).toBeCloseTo(0.18, 1);
    expect(share('purchase')).toBeGreaterThan(0.01);
    expect(share('purchase')).toBeLessThan(0.08);
    const hides = data.events.filter((e) => e.eventType === 'hide');
    const offTaste = hides.filter((e) => !userById.get(e.userId)!.tasteCategories.includes(itemById.get(e.itemId)!.category));
    expect(hides.length).toBeGreaterThan(0);
    expect(offTaste.length / hides.length).toBeGreaterThan(0.6);
  });

  it('picks 20 high-quality, non-sensitive, varied editorial items per tenant', () => {
    for (const { tenantId } of data.tenants) {
      const entries = data.editorial.filter((e) => e.tenantId === tenantId);
      expect(entries.map((e) => e.position)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      const items = entries.map((e) => itemById.get(e.itemId)!);
      expect(entries.every((e) => e.surface === 'home')).toBe(true);
      expect(items.every((i) => i.tenantId === tenantId && !i.sensitive)).toBe(true);
      expect(new Set(items.map((i) => i.category)).size).toBeGreaterThanOrEqual(5);
      const meanQuality = sum(data.items.filter((i) => i.tenantId === tenantId).map((i) => i.qualityScore)) / 300;
      expect(Math.min(...items.map((i) => i.qualityScore))).toBeGreaterThan(meanQuality);
    }
  });

  it('summarizes per tenant', () => {
    const [retail, media] = summarize(data);
    expect(retail).toMatchObject({ tenantId: 'demo-retail', items: 300, users: 200, categories: 12 });
    expect(media.tenantId).toBe('demo-media');
    expect(retail.events).toBe(data.events.filter((e) => e.tenantId === 'demo-retail').length);
    expect(retail.sensitiveItems).toBe(data.items.filter((i) => i.tenantId === 'demo-retail' && i.sensitive).length);
    expect(retail.top10ItemShare).toBeGreaterThan(0.1);
    expect(retail.top10ItemShare).toBeLessThan(1);
  });

  it('generates the default-size data set quickly', () => {
    const started = Date.now();
    const full = generateDemoData();
    const elapsed = Date.now() - started;
    expect(full.items).toHaveLength(5000);
    expect(full.users).toHaveLength(4000);
    expect(full.events.length).toBeGreaterThan(80_000);
    expect(full.events.length).toBeLessThan(120_000);
    expect(full.editorial).toHaveLength(40);
    // Generous bound for slow CI machines; typically a few hundred ms.
    expect(elapsed).toBeLessThan(5_000);
  });
});
