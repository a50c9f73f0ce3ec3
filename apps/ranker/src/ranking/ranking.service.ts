import { dirname } from 'node:path';
import { Registry, resolveFeatureSet } from '@recsys/feature-registry';
import { isServedMode, modeRegistryName, PrivacyContextCodec, PrivacyMode, Purpose, ServedMode, stricterOf } from '@recsys/privacy-context';
import { FeatureValue, RankRequest, RankResponse, RankedItem } from '@recsys/proto';
import { isValidTenantId } from '@recsys/tenant-keys';
import { AppError, InvalidArgumentError, ServiceMetrics } from '@recsys/service-kit';
import { LinearModel, loadLinearModel } from './linear-model';

const MAX_CANDIDATES = 2000;

interface Route {
  name: string;
  featureSet: string;
  model: LinearModel;
}

/**
 * One ranking route per privacy mode (seed §16). The route is chosen from the stricter of the requested mode
 * and the signed privacy context; features the route's set does not allow for that context are dropped before
 * scoring, so a caller cannot make a non-personal route use personal data by sending it.
 */
export class RankingService {
  private readonly routes = new Map<string, Route>();
  private readonly dropped;
  private readonly ranked;

  constructor(
    private readonly registry: Registry,
    private readonly codec: PrivacyContextCodec,
    metrics: ServiceMetrics,
  ) {
    for (const route of registry.routes.values()) {
      this.routes.set(`${route.surface}:${route.mode}`, {
        name: route.name,
        featureSet: route.feature_set,
        model: loadLinearModel(dirname(registry.dir), route),
      });
    }
    this.dropped = metrics.counter(
      'ranker_dropped_features_total',
      'Features sent to the ranker that its route did not allow, dropped before scoring.',
      ['route'],
    );
    this.ranked = metrics.counter('ranker_requests_total', 'Rank calls by route.', ['route']);
  }

  rank(req: RankRequest, token: string | undefined): RankResponse {
    this.validate(req);
    const ctx = this.codec.resolveOrDefault(token, req.tenantId);
    const mode = stricterOf(req.mode, ctx.mode);
    const route = this.routeFor(req.surface || 'home', mode);
    // Checked against the mode actually served, which may be stricter than the context's.
    const allowed = new Set(
      resolveFeatureSet(this.registry, route.featureSet, { ...ctx, mode }, Purpose.PERSONALIZATION).allowed.map((f) => f.name),
    );

    const droppedNames = new Set<string>();
    const keep = (features: Record<string, FeatureValue>) =>
      Object.fromEntries(
        Object.entries(features).filter(([name]) => {
          if (allowed.has(name)) return true;
          droppedNames.add(name);
          return false;
        }),
      );
    const user = keep(req.userFeatures);
    const affinity = user.user_category_affinity_30d?.weights ?? {};
    const w = route.model.weights;

    const items: RankedItem[] = req.candidates.map((c) => {
      const f = keep(c.features);
      const terms: [string, number][] = [
        [`source:${c.source}`, (w.retrieval ?? 0) * c.retrievalScore * (route.model.sourcePrior[c.source] ?? 0.5)],
        ['affinity', (w.user_category_affinity_30d ?? 0) * (affinity[f.item_category?.text ?? ''] ?? 0)],
        ['quality', (w.item_quality_score ?? 0) * (f.item_quality_score?.number ?? 0)],
        ['popularity', (w.item_popularity ?? 0) * (f.item_popularity?.number ?? 0)],
        ['region_popularity', (w.region_popularity ?? 0) * (f.region_popularity?.number ?? 0)],
      ];
      const score = terms.reduce((sum, [, v]) => sum + v, 0);
      const strongest = terms.reduce((best, t) => (t[1] > best[1] ? t : best));
      return { itemId: c.itemId, score, source: c.source, internalReason: strongest[0] };
    });
    items.sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1));
    if (droppedNames.size > 0) this.dropped.inc({ route: route.name }, droppedNames.size);
    this.ranked.inc({ route: route.name });
    return { route: route.name, modelVersion: route.model.version, items, droppedFeatures: [...droppedNames].sort(), mode };
  }

  private routeFor(surface: string, mode: ServedMode): Route {
    const route = this.routes.get(`${surface}:${modeRegistryName(mode)}`) ?? this.routes.get(`home:${modeRegistryName(mode)}`);
    if (!route) throw new AppError('FAILED_PRECONDITION', `no ranking route for mode ${mode}`);
    return route;
  }

  private validate(req: RankRequest): void {
    const problems: string[] = [];
    if (!isValidTenantId(req.tenantId)) problems.push('tenant_id is missing or invalid');
    if (!isServedMode(req.mode))
      problems.push(
        `mode must be one of ${[PrivacyMode.PERSONALIZED, PrivacyMode.CONTEXTUAL_ONLY, PrivacyMode.NON_PERSONALIZED].join(', ')}`,
      );
    if (req.candidates.length > MAX_CANDIDATES) problems.push(`at most ${MAX_CANDIDATES} candidates`);
    if (req.candidates.some((c) => !c.itemId)) problems.push('every candidate needs an item_id');
    if (problems.length > 0) throw new InvalidArgumentError(problems);
  }
}
