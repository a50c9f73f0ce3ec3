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
    out.set(k, [...(out.get(k) ?? []), value]);
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
    for (const { tenantId } of data.tenants) {
      expect(data.items.filter((i) => i.tenantId === tenantId)).toHaveLength(SMALL.itemsPerTenant);
      expect(data.users.filter((u) => u.tenantId === tenantId)).toHaveLength(SMALL.usersPerTenant);
      const events = data.events.filter((e) => e.tenantId === tenantId).length;
      const expected = SMALL.usersPerTenant * SMALL.meanEventsPerUser;
      expect(events).toBeGreaterThan(0.75 * expected);
      expect(events).toBeLessThan(1.25 * expected);
    }
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
    for (const item of data.items) {
      const prefix = item.tenantId === 'demo-retail' ? 'r' : 'm';
      expect(item.itemId).toMatch(new RegExp(`^${prefix}-item-\\d{5}$`));
      expect(item.creatorId).toMatch(new RegExp(`^${prefix}-creator-\\d{4}$`));
      expect(item.tags.length).toBeGreaterThanOrEqual(1);
      expect(item.tags.length).toBeLessThanOrEqual(3);
      expect(item.qualityScore).toBeGreaterThanOrEqual(0);
      expect(item.qualityScore).toBeLessThanOrEqual(1);
      expect(item.createdAtMs).toBeLessThan(DEMO_NOW_MS);
      expect(item.createdAtMs).toBeGreaterThanOrEqual(DEMO_NOW_MS - 365 * DAY_MS);
    }
    for (const user of data.users) expect(user.userId).toMatch(/^[rm]-user-\d{5}$/);
    for (const event of data.events) expect(event.sessionId).toMatch(/^[rm]-s-\d+$/);
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
    for (const event of data.events) {
      const item = itemById.get(event.itemId);
      const user = userById.get(event.userId);
      expect(item?.tenantId).toBe(event.tenantId);
      expect(user?.tenantId).toBe(event.tenantId);
      expect(item!.createdAtMs).toBeLessThanOrEqual(event.timestampMs);
    }
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
      expect(items.filter((i) => i.sensitive).every((i) => SENSITIVE_CATEGORIES.some((c) => c === i.category))).toBe(
        true,
      );
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
    const rate = (pred: (u: DemoData['users'][number]) => boolean): number =>
      data.users.filter(pred).length / data.users.length;
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
      const inEvents = new Set(
        data.events.filter((e) => e.tenantId === tenantId && e.region === SMALL_REGION).map((e) => e.userId),
      );
      expect(home.length).toBeGreaterThan(0);
      expect(home.length).toBeLessThan(10);
      expect(inEvents.size).toBeLessThan(10);
    }
  });

  it('orders events by time per user, inside the 60-day window before nowMs', () => {
    for (const events of groupBy(data.events, (e) => e.userId).values()) {
      for (let i = 1; i < events.length; i++) {
        expect(events[i].timestampMs).toBeGreaterThanOrEqual(events[i - 1].timestampMs);
      }
    }
    for (const event of data.events) {
      expect(event.timestampMs).toBeLessThan(DEMO_NOW_MS);
      expect(event.timestampMs).toBeGreaterThanOrEqual(DEMO_NOW_MS - 60 * DAY_MS);
    }
  });

  it('groups events into sessions of at most 10 that mostly stay in one category', () => {
    let pairs = 0;
    let sameCategory = 0;
    for (const session of groupBy(data.events, (e) => e.sessionId).values()) {
      expect(session.length).toBeLessThanOrEqual(10);
      expect(new Set(session.map((e) => e.userId)).size).toBe(1);
      for (let i = 1; i < session.length; i++) {
        pairs++;
        if (itemById.get(session[i].itemId)!.category === itemById.get(session[i - 1].itemId)!.category) sameCategory++;
      }
    }
    expect(sameCategory / pairs).toBeGreaterThan(0.6);
  });

  it('mixes event types realistically, with hides mostly outside the taste', () => {
    const share = (type: DemoEvent['eventType']): number =>
      data.events.filter((e) => e.eventType === type).length / data.events.length;
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
