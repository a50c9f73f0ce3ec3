import { defaultConfigDir, loadRegistry, loadSurfaces } from '@recsys/feature-registry';
import { Interaction } from './interactions';
import {
  buildArtifacts,
  CatalogItem,
  categoryAffinity,
  histories,
  requestFor,
  routeCandidates,
  RouteSpec,
  sourceScores,
  TrainingConfig,
  trainRoutes,
} from './pipeline';
import { AFFINITY_TERM, rankLinear } from './ranker';
import { routeSpecs } from './routes';

const CONFIG: TrainingConfig = {
  ease: { lambda: 5, minSupport: 2, maxItems: 100, neighbors: 30 },
  als: { factors: 2, regularization: 0.1, alpha: 5, iterations: 10, cgSteps: 2, seed: 3 },
  minUsers: 2,
  cooccurrence: { itemsPerSubject: 30, neighborsPerItem: 30 },
  rankerHoldout: 2,
  candidatesPerSource: 30,
  rankerUsers: 100,
};

const itemsOf = (prefix: string) => Array.from({ length: 15 }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
const ALPHA = itemsOf('a');
const BETA = itemsOf('b');

/**
 * Two groups with disjoint tastes: 15 users who each use 8 of the 15 alpha items, and 25 (so beta items are
 * the more popular ones) who each use 8 of the 15 beta items. Deterministic.
 */
function syntheticRows(): Interaction[] {
  let state = 2024;
  const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows: Interaction[] = [];
  const group = (prefix: string, users: number, items: string[]) => {
    for (let u = 0; u < users; u++) {
      const shuffled = items.map((item) => ({ item, key: random() })).sort((x, y) => x.key - y.key);
      shuffled
        .slice(0, 8)
        .forEach(({ item }, t) => rows.push({ user: `${prefix}${u}`, item, weight: 1 + (t % 3), timestampMs: 1000 * u + t }));
    }
  };
  group('ua', 15, ALPHA);
  group('ub', 25, BETA);
  return rows;
}

const CATALOG: CatalogItem[] = [
  ...ALPHA.map((itemId, i) => ({
    itemId,
    category: 'alpha',
    tags: [`tag${i % 3}`],
    title: `Alpha story ${itemId}`,
    qualityScore: 0.3 + (i % 5) / 10,
  })),
  ...BETA.map((itemId, i) => ({
    itemId,
    category: 'beta',
    tags: [`tag${i % 3}`],
    title: `Beta story ${itemId}`,
    qualityScore: 0.3 + (i % 5) / 10,
  })),
];

describe(histories.name, () => {
  it("sums each user's weight per item and finds the most recent item (ties by the larger id)", () => {
    const h = histories([
      { user: 'u', item: 'x', weight: 1, timestampMs: 5 },
      { user: 'u', item: 'y', weight: 2, timestampMs: 9 },
      { user: 'u', item: 'x', weight: 3, timestampMs: 1 },
      { user: 'v', item: 'b', weight: 1, timestampMs: 4 },
      { user: 'v', item: 'c', weight: 1, timestampMs: 4 },
      { user: 'v', item: 'a', weight: 1, timestampMs: 4 },
    ]);
    expect(h.get('u')).toEqual({
      items: new Map([
        ['x', 4],
        ['y', 2],
      ]),
      last: 'y',
      lastAt: 9,
    });
    expect(h.get('v')!.last).toBe('c');
  });
});

describe(categoryAffinity.name, () => {
  it("gives each category its share of the history's positive weight", () => {
    const catalog = new Map(CATALOG.map((c) => [c.itemId, c]));
    const affinity = categoryAffinity(
      new Map([
        ['a00', 3],
        ['a01', 1],
        ['b00', 4],
        ['b01', -2],
        ['unknown', 5],
      ]),
      catalog,
    );
    expect(affinity).toEqual({ alpha: 0.5, beta: 0.5 });
    expect(categoryAffinity(new Map([['unknown', 1]]), catalog)).toEqual({});
  });
});

describe(requestFor.name, () => {
  it('passes the history only in personalized mode and only the last item in contextual mode', () => {
    const history = new Map([['a00', 1]]);
    expect(requestFor('personalized', history, 'a00')).toEqual({ history });
    expect(requestFor('contextual_only', history, 'a00')).toEqual({ seedItemId: 'a00' });
    expect(requestFor('non_personalized', history, 'a00')).toEqual({});
  });
});

describe(routeCandidates.name, () => {
  const artifacts = buildArtifacts(syntheticRows(), CATALOG, ['b03', 'a05'], CONFIG);

  it("merges the sources' normalized scores by item and never returns the seed item", () => {
    const route: RouteSpec = {
      name: 'r',
      mode: 'contextual_only',
      sources: ['item_to_item', 'content_similar', 'editorial'],
      terms: [],
    };
    const candidates = routeCandidates(route, artifacts, { seedItemId: 'a05' }, 10);
    expect(candidates.map((c) => c.itemId)).not.toContain('a05');
    // editorial lists a05 (the seed, dropped) and b03 at position 1 → score 1/1.
    expect(candidates.find((c) => c.itemId === 'b03')!.sourceScores).toEqual({ editorial: 1 });
    const fromItemToItem = candidates.filter((c) => c.sourceScores.item_to_item !== undefined);
    expect(fromItemToItem.length).toBeGreaterThan(0);
    expect(fromItemToItem.length).toBeLessThanOrEqual(10);
    expect(Math.max(...fromItemToItem.map((c) => c.sourceScores.item_to_item))).toBe(1);
    // Co-occurrence of an alpha item only reaches alpha items.
    for (const c of fromItemToItem) expect(c.category).toBe('alpha');
    const a01 = candidates.find((c) => c.itemId === 'a01');
    expect(a01?.numbers).toEqual({
      item_quality_score: 0.4,
      item_popularity: artifacts.popularity.get('a01') ?? 0,
      region_popularity: artifacts.popularity.get('a01') ?? 0,
    });
  });

  it('rejects an unknown source', () => {
    expect(() => sourceScores('nope', artifacts, {})).toThrow(/unknown candidate source nope/);
  });
});

describe(trainRoutes.name, () => {
  const registry = loadRegistry();
  const routes = routeSpecs(registry, loadSurfaces(defaultConfigDir(), registry).get('home')!);
  const rows = syntheticRows();
  const trained = trainRoutes(rows, CATALOG, ['b00', 'b01', 'a00'], routes, CONFIG);
  const personalized = routes.find((r) => r.mode === 'personalized')!;

  it('returns a ranker for every route that weights only the terms the route allows', () => {
    expect(Object.keys(trained.rankers).sort()).toEqual(routes.map((r) => r.name).sort());
    for (const route of routes) {
      expect(Object.keys(trained.rankers[route.name]).sort()).toEqual([...route.terms].sort());
      if (route.mode !== 'personalized') {
        expect(Object.keys(trained.rankers[route.name])).not.toContain(AFFINITY_TERM);
        expect(Object.keys(trained.rankers[route.name])).not.toContain('source:user_cf');
        expect(Object.keys(trained.rankers[route.name])).not.toContain('source:user_two_tower');
      }
    }
    expect(Object.values(trained.rankers[personalized.name]).some((w) => w !== 0)).toBe(true);
    // Every one of the 40 users has more than rankerHoldout items; their lists hold some held-out item.
    expect(trained.rankerLists[personalized.name]).toBeGreaterThan(30);
    expect(trained.rankerLists[personalized.name]).toBeLessThanOrEqual(40);
  });

  it("has the personalized route rank a user's group's unseen items above the other group's", () => {
    const catalog = trained.artifacts.catalog;
    const all = histories(rows);
    expect(all.size).toBe(40);
    for (const [user, { items: history }] of all) {
      const [own, other] = user.startsWith('ua') ? [ALPHA, BETA] : [BETA, ALPHA];
      const candidates = routeCandidates(
        personalized,
        trained.artifacts,
        requestFor('personalized', history, undefined),
        CONFIG.candidatesPerSource,
      );
      const ranked = rankLinear(trained.rankers[personalized.name], candidates, categoryAffinity(history, catalog)).map((s) => s.itemId);
      const unseenOwn = own.filter((i) => !history.has(i));
      expect(unseenOwn.length).toBe(7);
      for (const item of unseenOwn) expect(ranked).toContain(item);
      const lastOwn = Math.max(...unseenOwn.map((i) => ranked.indexOf(i)));
      const firstOther = Math.min(...ranked.map((id, pos) => (other.includes(id) ? pos : Infinity)));
      expect(firstOther).toBeLessThan(Infinity);
      // Named by user so a failure says whose list broke.
      expect({ user, ownFirst: lastOwn < firstOther }).toEqual({ user, ownFirst: true });
    }
  });
});
