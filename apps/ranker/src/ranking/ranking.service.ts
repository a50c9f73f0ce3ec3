import { RankingRouteDefinition, Registry, resolveFeatureSet } from '@recsys/feature-registry';
import { RankableCandidate, rankLinear } from '@recsys/models';
import { isServedMode, modeRegistryName, PrivacyContextCodec, PrivacyMode, Purpose, ServedMode, stricterOf } from '@recsys/privacy-context';
import { FeatureValue, RankRequest, RankResponse } from '@recsys/proto';
import { isValidTenantId } from '@recsys/tenant-keys';
import { AppError, InvalidArgumentError, ServiceMetrics } from '@recsys/service-kit';
import { RankingModels } from './ranking-models';

const MAX_CANDIDATES = 2000;

/**
 * One ranking route per privacy mode (seed §16). The route is chosen from the stricter of the requested mode
 * and the signed privacy context; features the route's set does not allow for that context are dropped before
 * scoring, so a caller cannot make a non-personal route use personal data by sending it. The route's model is
 * the tenant's trained one when there is a valid one (see RankingModels), else the route's default.
 */
export class RankingService {
  private readonly routes = new Map<string, RankingRouteDefinition>();
  private readonly dropped;
  private readonly ranked;

  constructor(
    private readonly registry: Registry,
    private readonly models: RankingModels,
    private readonly codec: PrivacyContextCodec,
    metrics: ServiceMetrics,
  ) {
    for (const route of registry.routes.values()) this.routes.set(`${route.surface}:${route.mode}`, route);
    this.dropped = metrics.counter(
      'ranker_dropped_features_total',
      'Features sent to the ranker that its route did not allow, dropped before scoring.',
      ['route'],
    );
    this.ranked = metrics.counter('ranker_requests_total', 'Rank calls by route and model origin.', ['route', 'origin']);
  }

  async rank(req: RankRequest, token: string | undefined): Promise<RankResponse> {
    this.validate(req);
    const ctx = this.codec.resolveOrDefault(token, req.tenantId);
    const mode = stricterOf(req.mode, ctx.mode);
    const route = this.routeFor(req.surface || 'home', mode);
    // Checked against the mode actually served, which may be stricter than the context's.
    const allowed = new Set(
      resolveFeatureSet(this.registry, route.feature_set, { ...ctx, mode }, Purpose.PERSONALIZATION).allowed.map((f) => f.name),
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
    const affinity = keep(req.userFeatures).user_category_affinity_30d?.weights ?? {};
    const model = await this.models.get(req.tenantId, route);
    const candidates: RankableCandidate[] = req.candidates.map((c) => {
      const f = keep(c.features);
      const sourceScores = Object.keys(c.sourceScores).length > 0 ? c.sourceScores : { [c.source]: c.retrievalScore };
      return {
        itemId: c.itemId,
        sourceScores,
        category: f.item_category?.text ?? '',
        numbers: Object.fromEntries(Object.entries(f).map(([name, v]) => [name, v.number])),
      };
    });
    const sources = new Map(req.candidates.map((c) => [c.itemId, c.source]));
    const items = rankLinear(model.weights, candidates, affinity).map((s) => ({
      itemId: s.itemId,
      score: s.score,
      source: sources.get(s.itemId) ?? '',
      internalReason: s.strongest,
    }));
    if (droppedNames.size > 0) this.dropped.inc({ route: route.name }, droppedNames.size);
    this.ranked.inc({ route: route.name, origin: model.origin });
    return { route: route.name, modelVersion: `${model.origin}:${model.version}`, items, droppedFeatures: [...droppedNames].sort(), mode };
  }

  private routeFor(surface: string, mode: ServedMode): RankingRouteDefinition {
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
