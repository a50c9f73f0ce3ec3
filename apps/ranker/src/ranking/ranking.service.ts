import { RankingRouteDefinition, Registry, resolveFeatureSet } from '@recsys/feature-registry';
import { CandidateColumns, RankableCandidate, Ranked, rankLinear, rankLinearColumns } from '@recsys/models';
import { isServedMode, modeRegistryName, PrivacyContextCodec, PrivacyMode, Purpose, ServedMode, stricterOf } from '@recsys/privacy-context';
import {
  dictionaryColumn,
  FeatureValue,
  isDictionaryColumn,
  RankedColumns,
  RankRequest,
  RankResponse,
  textColumnLength,
  textValues,
} from '@recsys/proto';
import { isValidTenantId } from '@recsys/tenant-keys';
import { AppError, InvalidArgumentError, PrivacyContextGuard, ServiceMetrics } from '@recsys/service-kit';
import type { Logger } from 'pino';
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
  private readonly contexts: PrivacyContextGuard;

  constructor(
    private readonly registry: Registry,
    private readonly models: RankingModels,
    codec: PrivacyContextCodec,
    metrics: ServiceMetrics,
    logger?: Logger,
  ) {
    this.contexts = new PrivacyContextGuard(codec, metrics, logger);
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
    const ctx = this.contexts.resolve(token, req.tenantId);
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
    const allow = (name: string) => {
      if (allowed.has(name)) return true;
      droppedNames.add(name);
      return false;
    };
    const weights = scaled(model.weights, req.weightMultipliers);
    let ranked: Ranked[];
    let sources: Map<string, string>;
    if (req.candidateTable?.itemIds.length) {
      ranked = rankLinearColumns(weights, this.columns(req, allow), affinity, req.topN);
      // The orchestrator keeps its candidates' sources (candidate_sources empty): no map of 500 empty names then.
      sources =
        req.candidateSources.length > 0
          ? new Map(req.candidateTable.itemIds.map((id, i) => [id, req.candidateSources[i] ?? '']))
          : new Map();
    } else {
      const fromMessages = this.fromCandidates(req, keep);
      ranked = rankLinear(weights, fromMessages.candidates, affinity);
      sources = fromMessages.sources;
    }
    const top = req.topN > 0 && req.topN < ranked.length ? ranked.slice(0, req.topN) : ranked;
    const items = req.rankedColumns
      ? []
      : top.map((s) => ({
          itemId: s.itemId,
          score: s.score,
          source: sources.get(s.itemId) ?? '',
          internalReason: s.strongest,
          candidateIndex: s.index,
        }));
    if (droppedNames.size > 0) this.dropped.inc({ route: route.name }, droppedNames.size);
    this.ranked.inc({ route: route.name, origin: model.origin });
    return {
      route: route.name,
      modelVersion: `${model.origin}:${model.version}`,
      items,
      droppedFeatures: [...droppedNames].sort(),
      mode,
      ranked: req.rankedColumns ? rankedColumns(top) : undefined,
    };
  }

  /** Candidates sent as columns (the serving path): only the columns of allowed features are read. */
  private columns(req: RankRequest, allow: (feature: string) => boolean): CandidateColumns {
    const table = req.candidateTable!;
    const numbers = Object.fromEntries(
      Object.entries(table.numbers)
        .filter(([name]) => allow(name))
        .map(([name, column]) => [name, column.values]),
    );
    const texts = new Map(Object.entries(table.texts).filter(([name]) => allow(name)));
    return {
      itemIds: table.itemIds,
      sourceScores: Object.fromEntries(Object.entries(req.candidateSourceScores).map(([source, column]) => [source, column.values])),
      numbers,
      categories: textValues(texts.get('item_category')),
    };
  }

  /** Candidates sent one message each, with a feature map per candidate. */
  private fromCandidates(
    req: RankRequest,
    keep: (features: Record<string, FeatureValue>) => Record<string, FeatureValue>,
  ): { candidates: RankableCandidate[]; sources: Map<string, string> } {
    const candidates = req.candidates.map((c) => {
      const f = keep(c.features);
      const sourceScores = Object.keys(c.sourceScores).length > 0 ? c.sourceScores : { [c.source]: c.retrievalScore };
      return {
        itemId: c.itemId,
        sourceScores,
        category: f.item_category?.text ?? '',
        numbers: Object.fromEntries(Object.entries(f).map(([name, v]) => [name, v.number])),
      };
    });
    return { candidates, sources: new Map(req.candidates.map((c) => [c.itemId, c.source])) };
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
    const table = req.candidateTable;
    if (table) {
      const n = table.itemIds.length;
      if (n > MAX_CANDIDATES) problems.push(`at most ${MAX_CANDIDATES} candidates`);
      if (table.itemIds.some((id) => !id)) problems.push('every candidate needs an item_id');
      if (n > 0 && req.candidates.length > 0) problems.push('send candidates either as candidate_table or as candidates, not both');
      const columns: [string, number][] = [
        ...Object.entries(table.numbers).map(([k, v]): [string, number] => [`candidate_table.numbers.${k}`, v.values.length]),
        ...Object.entries(table.texts).map(([k, v]): [string, number] => [`candidate_table.texts.${k}`, textColumnLength(v)]),
        ...Object.entries(req.candidateSourceScores).map(([k, v]): [string, number] => [`candidate_source_scores.${k}`, v.values.length]),
      ];
      for (const [name, length] of columns) if (length !== n) problems.push(`${name} must have one value per candidate (${n})`);
      for (const [name, column] of Object.entries(table.texts)) {
        if (!isDictionaryColumn(column)) continue;
        if (column.values.length > 0) problems.push(`candidate_table.texts.${name} must have values or a dictionary, not both`);
        if (column.codes.some((code) => code >= column.dictionary.length))
          problems.push(`candidate_table.texts.${name} has a code outside its dictionary (${column.dictionary.length} entries)`);
      }
      if (req.candidateSources.length !== 0 && req.candidateSources.length !== n)
        problems.push(`candidate_sources must be empty or have one value per candidate (${n})`);
    }
    if (req.topN < 0) problems.push('top_n must not be negative');
    if (problems.length > 0) throw new InvalidArgumentError(problems);
  }
}

/**
 * Ranked candidates in columns (RankRequest.ranked_columns): their indexes, scores (a Float64Array, written as the
 * packed field's bytes: this answer is only sent) and reasons, dictionary-encoded.
 */
export function rankedColumns(ranked: readonly Ranked[]): RankedColumns {
  const candidateIndexes = new Array<number>(ranked.length);
  const scores = new Float64Array(ranked.length);
  const reasons = new Array<string>(ranked.length);
  for (let k = 0; k < ranked.length; k++) {
    candidateIndexes[k] = ranked[k].index;
    scores[k] = ranked[k].score;
    reasons[k] = ranked[k].strongest;
  }
  return { candidateIndexes, scores: scores as unknown as number[], internalReasons: dictionaryColumn(reasons) };
}

/**
 * An experiment variant's multipliers applied to the route model's weights: only terms the model already weights
 * are scaled, so a multiplier can never bring a term into a route (a term the model does not weight stays 0).
 */
export function scaled(weights: Record<string, number>, multipliers: Record<string, number> | undefined): Record<string, number> {
  if (!multipliers || Object.keys(multipliers).length === 0) return weights;
  return Object.fromEntries(
    Object.entries(weights).map(([term, w]) => {
      const m = multipliers[term];
      return [term, typeof m === 'number' && Number.isFinite(m) && m >= 0 && m <= 10 ? w * m : w];
    }),
  );
}
