import { defaultConfigDir, loadRegistry, loadSurfaces } from '@recsys/feature-registry';
import { generateDemoData } from '@recsys/demo-data';
import {
  categoryAffinity,
  evaluate,
  histories,
  Interaction,
  leaveLastOut,
  ranked,
  rankLinear,
  requestFor,
  routeCandidates,
  routeSpecs,
  thresholdedPopularity,
  TRAINING_DEFAULTS,
  trainRoutes,
} from '@recsys/models';

const WEIGHT: Record<string, number> = { purchase: 4, click: 2, dwell: 1.5, view: 1, hide: 0 };

/**
 * A small deterministic quality check on generated data: users of the demo generator have clear tastes (85% of
 * their events in 1-3 categories), so the personalized route — trained by the same pipeline as production — must
 * beat popularity on them by a wide margin, and the contextual route (seeded by the last item) must beat the
 * non-personal one.
 */
describe('route quality on generated users with clear tastes', () => {
  const registry = loadRegistry();
  const routes = routeSpecs(registry, loadSurfaces(defaultConfigDir(), registry).get('home')!);
  const data = generateDemoData({ seed: 7, tenants: ['demo-retail'], itemsPerTenant: 300, usersPerTenant: 400, meanEventsPerUser: 30 });
  const rows: Interaction[] = data.events
    .filter((e) => WEIGHT[e.eventType] > 0)
    .map((e) => ({ user: e.userId, item: e.itemId, weight: WEIGHT[e.eventType], timestampMs: e.timestampMs }));
  const catalog = data.items.map((i) => ({
    itemId: i.itemId,
    title: i.title,
    category: i.category,
    tags: i.tags,
    qualityScore: i.qualityScore,
  }));
  const split = leaveLastOut(rows, 3);
  const seen = histories(split.train);
  const config = { ...TRAINING_DEFAULTS, minUsers: 3, ease: { ...TRAINING_DEFAULTS.ease, minSupport: 2 } };
  const trained = trainRoutes(split.train, catalog, [], routes, config);
  const ndcg = (recommend: (user: string) => string[]) => evaluate(split.test, data.items.length, recommend).ndcg_at_10;
  const routeNdcg = (name: string) => {
    const route = routes.find((r) => r.name === name)!;
    return ndcg((user) => {
      const h = seen.get(user)!;
      const candidates = routeCandidates(route, trained.artifacts, requestFor(route.mode, h.items, h.last), config.candidatesPerSource);
      const affinity = route.mode === 'personalized' ? categoryAffinity(h.items, trained.artifacts.catalog) : {};
      return rankLinear(trained.rankers[route.name], candidates, affinity).map((s) => s.itemId);
    });
  };
  const popular = ranked(thresholdedPopularity(split.train, 1)).map(([item]) => item);
  const mostPop = ndcg((user) => popular.filter((item) => !seen.get(user)?.items.has(item)).slice(0, 20));

  it('trains a model for every route of the surface, weighting only what the route may use', () => {
    for (const route of routes) {
      expect(Object.keys(trained.rankers[route.name]).every((term) => route.terms.includes(term))).toBe(true);
      expect(trained.rankerLists[route.name]).toBeGreaterThan(50);
    }
  });

  it('ranks better personalized than by popularity for users with clear tastes', () => {
    expect(split.test.size).toBeGreaterThan(200);
    expect(routeNdcg('home_personalized')).toBeGreaterThan(1.3 * mostPop);
  });

  it('ranks better from the current item (contextual) than from nothing about the request (non-personal)', () => {
    expect(routeNdcg('home_contextual')).toBeGreaterThan(routeNdcg('home_non_personal'));
  });
});
