import { Registry, SurfaceConfig } from '@recsys/feature-registry';
import { modeRegistryName, PrivacyContextCodec, PrivacyMode } from '@recsys/privacy-context';
import {
  FeatureValue,
  GetFeatureBatchEntry,
  getFeatureBatchRequest,
  GetFeaturesRequest,
  getFeaturesRequest,
  GetFeaturesResponse,
  ItemTable,
  RankerServiceClient,
  rankRequest,
  RankResponse,
  RecommendedItem,
  RecommendResponse,
  textAt,
  textColumnLength,
} from '@recsys/proto';
import { fingerprint, KeySpace, recommendationCacheKey, recommendationSubjectPrefix } from '@recsys/tenant-keys';
import { AppError, AuditSink, CacheStore, DECISION_ACTION, privacyMetadata, ServiceMetrics, UnaryClient } from '@recsys/service-kit';
import type { Logger } from 'pino';
import { Metadata } from '@grpc/grpc-js';
import { candidateCount, CandidateList, CandidateSource, FeatureClient, SourceRequest } from '../candidates/candidate-source';
import { CandidateRouter } from '../candidates/candidate-router';
import { PrivacyResolver, ResolvedPrivacy } from '../privacy/privacy-resolver';
import { RecommendCommand } from './recommend.command';
import { diversify } from './diversity';
import { ReasonMapper } from './reason-mapper';
import { ExplanationService } from '../explanations/explanation.service';
import { DebugTraceRecorder } from './debug-trace-recorder';
import { Assignment, ExperimentAssigner } from '../experiments/experiment-assigner';
import { ExposureSink } from '../experiments/exposure-sink';
import { FallbackRate } from './fallback-rate';
import { Admission } from './admission';
import { candidateColumns, MergedCandidates, offHeapTable } from './merged-candidates';

/** What one candidate source gave a Recommend. */
interface SourceResult {
  name: string;
  ok: boolean;
  candidates: CandidateList;
  served: string[];
}

export interface RecommendationDeps {
  registry: Registry;
  surfaces: Map<string, SurfaceConfig>;
  privacy: PrivacyResolver;
  router: CandidateRouter;
  features: FeatureClient;
  ranker: Pick<UnaryClient<RankerServiceClient>, 'rank'>;
  codec: PrivacyContextCodec;
  cache: CacheStore;
  audit: AuditSink;
  reasons: ReasonMapper;
  /** Fills each returned item's explanation from allowed facts only, validated; never fails the answer. */
  explanations: Pick<ExplanationService, 'fill'>;
  traces: Pick<DebugTraceRecorder, 'maybeRecord'>;
  experiments: Pick<ExperimentAssigner, 'assign'>;
  exposures: Pick<ExposureSink, 'record'>;
  metrics: ServiceMetrics;
  logger: Logger;
  keySpace: KeySpace;
  options: {
    downstreamTimeoutMs: number;
    cacheTtlSeconds: number;
    decisionSampleRate: number;
    /** Recommends worked on at once; one more is refused with RESOURCE_EXHAUSTED (0: no limit). */
    maxInFlight: number;
  };
}

/** Score multiplier for items of a category marked "less like this". */
const LESS_LIKE_FACTOR = 0.3;

/** Items one GetFeatures call may ask for (feature-gateway's bound). */
const MAX_FEATURE_ITEMS = 1000;

/** At least this many ranked candidates come back from the ranker (diversity chooses among them). */
const RANKED_RETURNED = 200;

/** What the business rules need of an item: its creator (blocks, diversity) and category (diversity, demotion, reasons). */
interface ItemAttributes {
  creator: string;
  category: string;
}

/**
 * The ranking features' item table (empty when none came back), and each item's row in it by id for what has
 * only an id (a less-liked item; a ranked item an older ranker names no index of). A Recommend knows its other
 * rows (lists by row, the ranker's candidate indexes), so the map of the table's ~750 ids is made at the first
 * lookup by id, not for every Recommend (it was a twentieth of what the orchestrator allocated, and it lived
 * through the ranker's call).
 */
class RankingTable {
  readonly table: ItemTable;
  private byId?: Map<string, number>;

  constructor(features: GetFeaturesResponse) {
    this.table = offHeapTable(features.itemTable ?? { itemIds: [], numbers: {}, texts: {} });
  }

  get(itemId: string): number | undefined {
    if (!this.byId) {
      const ids = this.table.itemIds;
      this.byId = new Map();
      for (let row = 0; row < ids.length; row += 1) this.byId.set(ids[row], row);
    }
    return this.byId.get(itemId);
  }

  /**
   * The row's creator and category ('' for an item not in the table), read from a dictionary-encoded column as it
   * came (no column of values is made: it would live through the ranker's call).
   */
  attributesAt(row: number | undefined): ItemAttributes {
    if (row === undefined) return { creator: '', category: '' };
    return { creator: this.creatorAt(row), category: textAt(this.table.texts.item_category, row) };
  }

  creatorAt(row: number): string {
    return textAt(this.table.texts.item_creator, row);
  }
}

/** A ranked item with its row of the ranking table (undefined: not in it). */
export interface RankedRow {
  itemId: string;
  score: number;
  source: string;
  internalReason: string;
  row: number | undefined;
}

/**
 * Each ranked item with its candidate's source and its row of the table (for the business rules and explanations),
 * by the index the ranker names (a few hundred of them: no map of the candidates' ids is made). The ranker answers
 * in columns (ranked_columns); a ranker older than that answers in items, each checked against its index by id.
 * An index outside the candidates is the ranker's bug: INTERNAL, never an item of someone else's answer.
 */
export function rankedRows(
  ranked: RankResponse,
  rankable: MergedCandidates,
  table: { get(itemId: string): number | undefined },
): RankedRow[] {
  const columns = ranked.ranked;
  if (!columns || ranked.items.length > 0)
    return ranked.items.map(({ itemId, score, source, internalReason, candidateIndex }): RankedRow => {
      const i = rankable.indexOf(itemId, candidateIndex);
      return i < 0
        ? { itemId, score, source, internalReason, row: table.get(itemId) }
        : { itemId, score, source: rankable.sources[i], internalReason, row: rankable.rows[i] };
    });
  const { candidateIndexes: indexes, scores } = columns;
  const reasons = columns.internalReasons;
  if (scores.length !== indexes.length || (reasons && textColumnLength(reasons) !== indexes.length && textColumnLength(reasons) !== 0))
    throw new AppError('INTERNAL', 'the ranker answered ranked columns of different lengths');
  const rows = new Array<RankedRow>(indexes.length);
  for (let k = 0; k < indexes.length; k++) {
    const i = indexes[k];
    if (!(i >= 0 && i < rankable.size))
      throw new AppError('INTERNAL', "the ranker named a candidate index outside the request's candidates");
    rows[k] = {
      itemId: rankable.itemIds[i],
      score: scores[k],
      source: rankable.sources[i],
      internalReason: textAt(reasons, k),
      row: rankable.rows[i],
    };
  }
  return rows;
}

/** What a Recommend keeps of its candidate sources and ranking features for the ranker's call and the answer. */
interface RankableCandidates {
  rankable: MergedCandidates;
  table: RankingTable;
  userFeatures: Record<string, FeatureValue>;
  contextFeatures: Record<string, FeatureValue>;
  /** The sources that answered (a failed one contributed nothing). */
  sourcesUsed: string[];
  /** Every feature served for the answer, to the sources and for ranking (with repeats). */
  served: string[];
  /** Each source's outcome, for the debug trace. */
  sources: { name: string; ok: boolean; candidates: number }[];
}

/** The serving path of seed §4, steps 2-8 (step 1, validation, happens in the gRPC layer). */
export class RecommendationService {
  private readonly requests;
  private readonly fallbacks;
  private readonly sourceFailures;
  private readonly sourceCalls;
  private readonly invalidations;
  private readonly fallbackRate;
  private readonly admission;

  constructor(private readonly deps: RecommendationDeps) {
    const m = deps.metrics;
    this.admission = new Admission(deps.options.maxInFlight, m);
    this.requests = m.counter('personalized_request_count_by_consent', 'Recommend requests by served mode and consent outcome.', [
      'mode',
      'consent',
    ]);
    this.fallbacks = m.counter(
      'non_personalized_fallback_total',
      'Recommend requests served in a stricter mode than PERSONALIZED, by reason.',
      ['reason'],
    );
    this.sourceFailures = m.counter(
      'candidate_source_failures_total',
      'Candidate source calls that failed (the source is left out of the answer).',
      ['source'],
    );
    this.sourceCalls = m.counter(
      'candidate_source_calls_total',
      'Candidate source calls by source; a personal source must never be called outside PERSONALIZED.',
      ['source', 'mode'],
    );
    this.invalidations = m.counter(
      'recommendation_cache_invalidations_total',
      'Subject invalidations of the recommendation cache received from the bus.',
    );
    this.fallbackRate = new FallbackRate(m);
  }

  /** Serves a Recommend, or refuses it at once with RESOURCE_EXHAUSTED when the in-flight limit is reached. */
  recommend(cmd: RecommendCommand): Promise<RecommendResponse> {
    return this.admission.run(() => this.serve(cmd));
  }

  private async serve(cmd: RecommendCommand): Promise<RecommendResponse> {
    const resolved = await this.deps.privacy.resolve(cmd);
    const ctx = resolved.context;
    this.requests.inc({
      mode: ctx.mode,
      consent: resolved.consentKnown ? (ctx.mode === PrivacyMode.PERSONALIZED ? 'granted' : 'not_granted') : 'unknown',
    });
    if (resolved.reason) this.fallbacks.inc({ reason: resolved.reason });
    this.fallbackRate.observe(resolved.reason !== '');

    const assignment = this.deps.experiments.assign(ctx, cmd.surface, cmd.sessionId);
    const cacheKey =
      resolved.consentKnown && this.deps.options.cacheTtlSeconds > 0
        ? this.cacheKey(cmd, resolved, assignment?.cacheVariant ?? 'none')
        : undefined;
    if (cacheKey) {
      const cached = await this.deps.cache.get(cacheKey).catch(() => undefined);
      if (cached) {
        const response = { ...(JSON.parse(cached) as RecommendResponse), requestId: ctx.requestId, fromCache: true };
        this.recordExposure(cmd, response, assignment);
        return response;
      }
    }

    const surface = this.deps.surfaces.get(cmd.surface)!;
    const metadata = privacyMetadata(this.deps.codec, ctx);
    const timeoutMs = this.deps.options.downstreamTimeoutMs;
    // The variant's change for the served mode goes through the router's gates like the surface's own sources.
    const change = assignment?.change;
    const routed = this.deps.router.route(surface, ctx, change);
    const sourceRequest: SourceRequest = { command: cmd, limit: change?.candidates_per_source ?? surface.candidatesPerSource };
    const route =
      [...this.deps.registry.routes.values()].find((r) => r.mode === modeRegistryName(ctx.mode) && r.surface === cmd.surface) ??
      [...this.deps.registry.routes.values()].find((r) => r.mode === modeRegistryName(ctx.mode) && r.surface === 'home')!;
    const ranking = getFeaturesRequest({
      tenantId: cmd.tenantId,
      featureSet: route.feature_set,
      // The less-liked items ride along (their categories are what gets demoted), within the gateway's bound.
      itemIds: [...resolved.lessLikeItemIds].slice(0, MAX_FEATURE_ITEMS),
      region: cmd.region,
      deviceType: cmd.deviceType,
      localHour: cmd.localHour,
      columnar: true,
      textDictionaries: true,
    });
    const prepared = await this.rankableCandidates(cmd, resolved, surface, routed.run, sourceRequest, ranking, change?.source_weights, {
      metadata,
      timeoutMs,
    });
    const { rankable, table } = prepared;
    const ranked = await this.deps.ranker.rank(
      rankRequest({
        tenantId: cmd.tenantId,
        surface: cmd.surface,
        mode: ctx.mode,
        userFeatures: prepared.userFeatures,
        contextFeatures: prepared.contextFeatures,
        ...candidateColumns(rankable, table.table),
        // Enough for diversity to choose from; all of them when less-liked categories will be demoted afterwards.
        topN: resolved.lessLikeItemIds.size > 0 ? 0 : Math.max(RANKED_RETURNED, cmd.limit * 10),
        weightMultipliers: change?.ranking_weights ?? {},
        // The candidates are known here by index: the answer names them so, in columns.
        rankedColumns: true,
      }),
      { metadata, timeoutMs },
    );

    const rankedItems = rankedRows(ranked, rankable, table);
    const kept = diversify(this.demoteLessLiked(rankedItems, table, resolved), (r) => table.attributesAt(r.row), surface, cmd.limit);
    const items = await this.deps.explanations.fill(
      kept.map((r) => this.recommended(r, table.attributesAt(r.row).category)),
      table.table,
      new Map(kept.map((r) => [r.itemId, r.row])),
    );
    const response: RecommendResponse = {
      requestId: ctx.requestId,
      items,
      privacy: {
        mode: ranked.mode,
        consentVersion: ctx.consentVersion,
        policyVersion: ctx.policyVersion,
        fallbackReason: resolved.reason,
        sourcesUsed: prepared.sourcesUsed,
        // Everything served for this answer: to the candidate sources and for ranking.
        featureSet: [...new Set(prepared.served)].sort(),
        rankingRoute: ranked.route,
        featureSetName: route.feature_set,
      },
      fromCache: false,
      experiment: assignment?.experiment.name ?? '',
      variant: assignment?.variant.name ?? '',
    };
    if (cacheKey) await this.deps.cache.set(cacheKey, JSON.stringify(response), this.deps.options.cacheTtlSeconds).catch(() => undefined);
    this.recordDecision(cmd, resolved, response, ranked.modelVersion);
    this.recordExposure(cmd, response, assignment);
    this.deps.traces.maybeRecord({
      command: cmd,
      context: ctx,
      response,
      sources: prepared.sources,
      features: { ...prepared.userFeatures, ...prepared.contextFeatures },
      modelVersion: ranked.modelVersion,
    });
    return response;
  }

  /**
   * The Recommend's rankable candidates with their ranking features: the routed sources' lists merged into one row
   * per item (hidden items and the seed itself left out), best-scored first, up to the surface's cap, without the
   * items the ranking features lack or whose creator the subject blocked. Only what the rest of the answer needs
   * leaves this method: the sources' lists, their candidates and the gateway's answers to them are garbage once it
   * returns instead of living on through the ranker's call (they were most of the young objects a Recommend in
   * flight kept alive, and copying survivors is what the services' garbage collection pauses for).
   */
  private async rankableCandidates(
    cmd: RecommendCommand,
    resolved: ResolvedPrivacy,
    surface: SurfaceConfig,
    sources: CandidateSource[],
    sourceRequest: SourceRequest,
    ranking: GetFeaturesRequest,
    sourceWeights: Record<string, number> | undefined,
    call: { metadata: Metadata; timeoutMs: number },
  ): Promise<RankableCandidates> {
    const fetched = await this.sourcesAndRankingFeatures(sources, sourceRequest, ranking, resolved.context.mode, call);
    const results = fetched.results;
    let features = fetched.features;
    const lists = results.map((r) => ({ weight: sourceWeights?.[r.name] ?? 1, list: r.candidates }));
    const excluded = (itemId: string) => resolved.hiddenItemIds.has(itemId) || itemId === cmd.seedItemId;
    let table = new RankingTable(features);
    // A list by row (ranked_rows) names items of the table; a list by id may name none of them. Lists by row are
    // asked first: with one of them, the table's ids are never mapped.
    const withFeatures =
      lists.some((l) => (l.list.rows?.length ?? 0) > 0) ||
      lists.some((l) => !l.list.rows && l.list.itemIds.some((id) => table.get(id) !== undefined));
    if (lists.some((l) => candidateCount(l.list) > 0) && !withFeatures) {
      // A feature-gateway older than items_from_features (a rolling deploy) ignores it: ask for the items directly
      // (never for the hidden items or the seed, which are not candidates).
      this.deps.logger.warn('ranking features came back without the candidates; fetching them with GetFeatures');
      const candidates = lists.flatMap((l) => l.list.itemIds).filter((id) => !excluded(id));
      const itemIds = [...new Set([...candidates, ...resolved.lessLikeItemIds])].slice(0, MAX_FEATURE_ITEMS);
      features = await this.deps.features.getFeatures({ ...ranking, itemIds }, call);
      table = new RankingTable(features);
    }
    // Only items with ranking features can be ranked: the merge keeps items by their row of the table.
    const candidates = MergedCandidates.merge(lists, table.table.itemIds, excluded, surface.maxCandidates);
    const blocked = resolved.blockedCreatorIds;
    return {
      rankable: blocked.size === 0 ? candidates : candidates.filter((_, row) => !blocked.has(table.creatorAt(row))),
      table,
      userFeatures: features.userFeatures,
      contextFeatures: features.contextFeatures,
      // A source that failed contributed nothing and is not reported as used.
      sourcesUsed: results.filter((r) => r.ok).map((r) => r.name),
      served: [...results.flatMap((r) => r.served), ...features.served],
      sources: results.map((r) => ({ name: r.name, ok: r.ok, candidates: candidateCount(r.candidates) })),
    };
  }

  /**
   * Runs the routed candidate sources and fetches the ranking route's features in one GetFeatureBatch: the
   * sources' requests (each still gated on its own there), then `ranking`, which names the items of the sources'
   * lists (items_from_features) so their ranking features come back with them. A source whose entry failed, or
   * all of them when the call failed, is left out; without ranking features there is no answer (the call's error,
   * or INTERNAL for a failed entry).
   */
  private async sourcesAndRankingFeatures(
    sources: CandidateSource[],
    request: SourceRequest,
    ranking: GetFeaturesRequest,
    mode: string,
    call: { metadata: Metadata; timeoutMs: number },
  ): Promise<{ results: SourceResult[]; features: GetFeaturesResponse }> {
    const planned = sources.map((source) => {
      this.sourceCalls.inc({ source: source.name, mode });
      return { source, request: source.request(request) };
    });
    const sent = planned.filter((p) => p.request);
    const itemsFromFeatures = [...new Set(sent.map((p) => p.source.listFeature))];
    let entries: GetFeatureBatchEntry[] = [];
    let failure: unknown;
    try {
      entries = (
        await this.deps.features.getFeatureBatch(
          // The sources' lists come back naming their items by row of the ranking table: each id travels once.
          getFeatureBatchRequest([...sent.map((p) => p.request!), { ...ranking, itemsFromFeatures }], {
            rankedRows: itemsFromFeatures.length > 0,
          }),
          call,
        )
      ).entries;
    } catch (error) {
      failure = error;
    }
    const results = planned.map(({ source, request: featureRequest }): SourceResult => {
      const none = { source: source.name, itemIds: [], scores: [] };
      if (!featureRequest) return { name: source.name, ok: true, candidates: none, served: [] };
      const entry = failure ? undefined : entries[sent.findIndex((p) => p.source === source)];
      const failed = (err: string) => {
        this.sourceFailures.inc({ source: source.name });
        this.deps.logger.warn({ source: source.name, err }, 'candidate source failed');
        return { name: source.name, ok: false, candidates: none, served: [] };
      };
      if (!entry?.response) return failed(failure ? (failure as Error).message : entry?.error || 'no answer');
      try {
        return { name: source.name, ok: true, candidates: source.candidates(entry.response, request), served: entry.response.served };
      } catch (error) {
        // An answer the source cannot read (say, a malformed ranked list): left out like a failed call.
        return failed((error as Error).message);
      }
    });
    if (failure) throw failure;
    const features = entries[sent.length]?.response;
    if (!features) throw new AppError('INTERNAL', `ranking features failed: ${entries[sent.length]?.error || 'no answer'}`);
    return { results, features };
  }

  /** Drops every cached answer of a subject (consent or control change, from the invalidation bus). */
  async invalidateSubject(tenantId: string, subjectPid: string): Promise<number> {
    this.invalidations.inc();
    return this.deps.cache.deleteByPrefix(recommendationSubjectPrefix(this.deps.keySpace, tenantId, subjectPid));
  }

  /** An answer served in an experiment variant is an exposure (personal data of its own class, seed §29). */
  private recordExposure(cmd: RecommendCommand, response: RecommendResponse, assignment: Assignment | undefined): void {
    if (!assignment) return;
    this.deps.exposures.record({
      tenantId: cmd.tenantId,
      subjectPid: assignment.exposureSubject,
      experiment: assignment.experiment.name,
      variant: assignment.variant.name,
      mode: String(response.privacy?.mode ?? ''),
      requestId: response.requestId,
      itemIds: response.items.map((i) => i.itemId),
      occurredAtMs: Date.now(),
      surface: cmd.surface,
    });
  }

  private cacheKey(cmd: RecommendCommand, resolved: ResolvedPrivacy, variant: string): string {
    const ctx = resolved.context;
    return recommendationCacheKey(this.deps.keySpace, {
      tenantId: cmd.tenantId,
      subjectPid: ctx.subjectPid || 'anon',
      mode: ctx.mode,
      consentVersion: ctx.consentVersion,
      policyVersion: ctx.policyVersion || 'none',
      variant,
      requestFingerprint: fingerprint({
        surface: cmd.surface,
        region: cmd.region,
        locale: cmd.locale,
        device: cmd.deviceType,
        hour: cmd.localHour,
        seed: cmd.seedItemId,
        query: cmd.query,
        limit: cmd.limit,
        requested: cmd.requestedMode,
        gpc: cmd.globalPrivacyControl,
        // A kill switch changes what may be served: answers from before it must not outlive it.
        killSwitch: this.deps.router.disabledSources,
      }),
    });
  }

  /**
   * LESS_LIKE_THIS: items of a category the subject marked are scored down (not hidden), in every mode. The marked
   * items' categories are read from the ranking table, by id (the request brought them along).
   */
  private demoteLessLiked(ranked: RankedRow[], table: RankingTable, resolved: ResolvedPrivacy): RankedRow[] {
    if (resolved.lessLikeItemIds.size === 0) return ranked;
    const demoted = new Set([...resolved.lessLikeItemIds].map((id) => table.attributesAt(table.get(id)).category).filter(Boolean));
    return (
      ranked
        // Lower in either sign: a learned linear score can be negative, where multiplying would raise it.
        .map((r) =>
          demoted.has(table.attributesAt(r.row).category)
            ? { ...r, score: r.score >= 0 ? r.score * LESS_LIKE_FACTOR : r.score / LESS_LIKE_FACTOR }
            : r,
        )
        .sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1))
    );
  }

  /** An item of the answer, with its user-safe reason (diversity and the limit chose it already). */
  private recommended(r: RankedRow, category: string): RecommendedItem {
    const reason = this.deps.reasons.map(r.internalReason, category);
    return { itemId: r.itemId, score: r.score, reasonCode: reason.code, reasonText: reason.text, source: r.source, explanation: '' };
  }

  /** A sampled, redacted decision record; never blocks or fails the answer. */
  private recordDecision(cmd: RecommendCommand, resolved: ResolvedPrivacy, response: RecommendResponse, modelVersion: string): void {
    if (Math.random() >= this.deps.options.decisionSampleRate) return;
    const privacy = response.privacy!;
    this.deps.audit.record({
      tenantId: cmd.tenantId,
      actor: '',
      action: DECISION_ACTION,
      target: resolved.context.subjectPid || 'anon',
      reason: privacy.mode,
      requestId: response.requestId,
      details: {
        surface: cmd.surface,
        mode: privacy.mode,
        consentVersion: privacy.consentVersion,
        policyVersion: privacy.policyVersion,
        fallbackReason: privacy.fallbackReason,
        sourcesUsed: privacy.sourcesUsed,
        featureSet: privacy.featureSet,
        route: privacy.rankingRoute,
        modelVersion,
        itemCount: response.items.length,
        experiment: response.experiment,
        variant: response.variant,
      },
    });
  }
}
