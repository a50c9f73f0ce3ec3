import { FeatureDefinition, Registry, resolveFeatureSet, SessionPolicy } from '@recsys/feature-registry';
import { contentSimilarTopScores, RetrievalArtifacts, sessionIntentScores, topScores } from '@recsys/models';
import { GRANTABLE_PURPOSES, PrivacyContext, PrivacyContextCodec } from '@recsys/privacy-context';
import {
  FeatureValue,
  GetFeatureBatchEntry,
  GetFeatureBatchRequest,
  GetFeatureBatchResponse,
  GetFeaturesRequest,
  GetFeaturesResponse,
  ItemFeatures,
  ItemTable,
  textColumn,
  WithheldFeature,
} from '@recsys/proto';
import { isAnonymousPid, isValidTenantId } from '@recsys/tenant-keys';
import { InvalidArgumentError, PrivacyContextGuard, ServiceMetrics } from '@recsys/service-kit';
import { CatalogSnapshots, TenantSnapshot } from '../catalog/catalog-snapshot';
import { ItemRow } from '../catalog/catalog.repository';
import { SessionStore } from '../events/session-store';
import type { Logger } from 'pino';
import { ProfileEvent, ProfileStore } from '../profile/profile.store';
import { emptyFeatureValue as empty, listValue, USER_FEATURES, UserFeatureInputs } from './user-features';
import { itemsNamed, NamedItems, rowLookup } from './named-items';

const MAX_ITEMS = 1000;
const MAX_BATCH = 16;

/**
 * The ranked lists of these features in `answers`, by their items' rows of `table` (ranked_rows) instead of by id:
 * each id then travels once, in the table. An item the table lacks is left out of its list. The values are
 * replaced, not changed (a value may be shared, such as a remembered list).
 */
function listsByRow(answers: readonly GetFeatureBatchEntry[], features: readonly string[], table: ItemTable, named: NamedItems): void {
  const rowOf = rowLookup(table, named);
  const byRow = (values: Record<string, FeatureValue>, name: string) => {
    const value = values[name];
    const ids = value?.rankedItemIds;
    if (!ids || ids.length === 0) return;
    // Sized once (a list grown by push copies itself as it grows); the scores in a Float64Array, which the wire
    // codec writes as the packed field's bytes (typed as the message's list: this value is only sent).
    const rows = new Array<number>(ids.length);
    const scores = new Float64Array(ids.length);
    let kept = 0;
    for (let i = 0; i < ids.length; i++) {
      const row = rowOf(ids[i]);
      if (row === undefined) continue;
      rows[kept] = row;
      scores[kept++] = value.rankedScores[i];
    }
    rows.length = kept;
    const rankedScores = (kept === ids.length ? scores : scores.slice(0, kept)) as unknown as number[];
    values[name] = { ...value, rankedItemIds: [], rankedRows: rows, rankedScores };
  };
  for (const { response } of answers) {
    if (!response) continue;
    for (const name of features) {
      byRow(response.userFeatures, name);
      byRow(response.contextFeatures, name);
    }
  }
}

/** A request's item ids, each once, in order (a batch's own ranking request has them so already). */
function uniqueItemIds(req: GetFeaturesRequest): readonly string[] {
  return req.itemIds.length < 2 ? req.itemIds : [...new Set(req.itemIds)];
}

/** Profile reads of one call (one privacy context), shared by the requests of a batch. */
type ProfileMemo = Map<string, Promise<ProfileEvent[]>>;
const REGION_LIST_SIZE = 200;
const DEFAULT_CANDIDATES = 100;
const MAX_CANDIDATES = 1000;
/** The same bounds as the orchestrator's RecommendCommand, so a valid Recommend is never refused here. */
const MAX_SEED_ID = 256;
const MAX_QUERY = 512;
/** Before a tenant's first training (or for an unknown tenant): no models, no aggregates. */
const NO_ARTIFACTS = new RetrievalArtifacts(undefined, undefined, undefined, undefined);

/** Candidate features: computing one is a call of the candidate source it feeds (counted per mode). */
const RETRIEVAL_FEATURES = new Set(['user_cf_items', 'user_two_tower_items', 'session_intent_items', 'content_similar_items']);

/** Where an item feature is read: the tenant snapshot and the popularity of the request's scope. */
interface ItemScope {
  snapshot: TenantSnapshot;
  global: ReadonlyMap<string, number>;
  region: ReadonlyMap<string, number>;
}

/**
 * How each item feature is read for an item of the snapshot, by its value type (numbers and texts can go in
 * columns). Each item is looked up once per request, not once per feature (hundreds of items per ranking call).
 */
type ItemFeatureReader =
  | { kind: 'number'; read: (item: ItemRow, at: ItemScope) => number }
  | { kind: 'text'; read: (item: ItemRow) => string }
  | { kind: 'weights'; read: (item: ItemRow, at: ItemScope) => Record<string, number> };

const ITEM_FEATURES: Record<string, ItemFeatureReader> = {
  item_category: { kind: 'text', read: (item) => item.category ?? '' },
  item_creator: { kind: 'text', read: (item) => item.creatorId ?? '' },
  item_quality_score: { kind: 'number', read: (item) => item.qualityScore ?? 0 },
  item_popularity: { kind: 'number', read: (item, at) => at.global.get(item.itemId) ?? 0 },
  region_popularity: { kind: 'number', read: (item, at) => at.region.get(item.itemId) ?? 0 },
  item_cooccurrence_neighbors: { kind: 'weights', read: (item, at) => Object.fromEntries(at.snapshot.neighbors.get(item.itemId) ?? []) },
};

/** One item feature as a FeatureValue (the per-item, non-columnar form). */
function itemFeatureValue(reader: ItemFeatureReader, item: ItemRow, at: ItemScope): FeatureValue {
  switch (reader.kind) {
    case 'number':
      return { ...empty(), number: reader.read(item, at) };
    case 'text':
      return { ...empty(), text: reader.read(item) };
    case 'weights':
      return { ...empty(), weights: reader.read(item, at) };
  }
}

/**
 * GetFeatures: every feature of the requested set passes the registry's access policy against the signed
 * privacy context *before* any store is read. Withheld features are named with a reason code; the profile
 * store is opened only when an allowed feature needs it.
 */
export class FeatureService {
  private readonly fetched;
  private readonly withheldCount;
  private readonly fetchTotal;
  private readonly unusedTotal;
  private readonly unusedRate;
  private readonly retrievals;
  /** Feature set → the features its ranking route consumes (only sets that serve a route). */
  private readonly consumedBySet = new Map<string, Set<string>>();
  private readonly fetchCounts = new Map<string, { fetched: number; unused: number }>();
  private readonly contexts: PrivacyContextGuard;

  constructor(
    private readonly registry: Registry,
    private readonly snapshots: CatalogSnapshots,
    private readonly profile: ProfileStore,
    private readonly sessions: SessionStore,
    private readonly sessionPolicy: SessionPolicy,
    codec: PrivacyContextCodec,
    metrics: ServiceMetrics,
    private readonly logger: Logger,
  ) {
    this.contexts = new PrivacyContextGuard(codec, metrics, logger);
    this.fetched = metrics.histogram(
      'features_fetched_per_request',
      'Features served per GetFeatures call.',
      ['feature_set'],
      [0, 1, 2, 4, 8, 16, 32],
    );
    for (const route of registry.routes.values()) this.consumedBySet.set(route.feature_set, new Set(route.consumed_features));
    this.fetchTotal = metrics.counter('feature_fetch_total', 'Features served for ranking routes, by feature set.', ['feature_set']);
    this.unusedTotal = metrics.counter(
      'unused_feature_fetch_total',
      'Features served for a ranking route that the route does not consume.',
      ['feature_set'],
    );
    this.unusedRate = metrics.gauge(
      'unused_feature_fetch_rate',
      'Share of features served for a ranking route that the route does not consume (since start).',
      ['feature_set'],
    );
    this.retrievals = metrics.counter(
      'candidate_retrievals_total',
      'Candidate features computed (what each candidate source actually obtained), by feature and privacy mode.',
      ['feature', 'mode'],
    );
    this.withheldCount = metrics.counter(
      'privacy_filter_exclusion_count',
      'Features withheld by the registry access policy before any store was read, by reason.',
      ['reason'],
    );
  }

  async getFeatures(req: GetFeaturesRequest, token: string | undefined): Promise<GetFeaturesResponse> {
    this.validate(req);
    if (req.itemsFromFeatures.length > 0) throw new InvalidArgumentError(['items_from_features is only valid in a GetFeatureBatch']);
    const ctx = this.contexts.resolve(token, req.tenantId);
    return this.serve(req, ctx, new Map());
  }

  /**
   * GetFeatureBatch: each request answered as GetFeatures would answer it, against one privacy context, reading
   * the subject's profile at most once; a failing request is reported in its entry, the others are served. The
   * one request that may name items of the others' answers (items_from_features) is answered after them, with
   * those items added to its own, at most MAX_ITEMS in all.
   */
  async getFeatureBatch(req: GetFeatureBatchRequest, token: string | undefined): Promise<GetFeatureBatchResponse> {
    const problems: string[] = [];
    if (req.requests.length === 0 || req.requests.length > MAX_BATCH) problems.push(`requests must hold 1..${MAX_BATCH} requests`);
    const tenants = new Set(req.requests.map((r) => r.tenantId));
    if (tenants.size > 1) {
      problems.push('every request of a batch must be for the same tenant');
      this.contexts.refused('batch_tenants', { tenants: [...tenants].filter(isValidTenantId).sort() });
    }
    const later = (r: GetFeaturesRequest) => r.itemsFromFeatures.length > 0;
    if (req.requests.filter(later).length > 1) problems.push('at most one request of a batch may have items_from_features');
    if (req.rankedRows && !req.requests.some((r) => later(r) && r.columnar))
      problems.push('ranked_rows needs a columnar request with items_from_features (its item table is what the rows index)');
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const tenantId = req.requests[0].tenantId;
    const ctx = this.contexts.resolve(token, tenantId);
    const profiles: ProfileMemo = new Map();
    const answer = async (r: GetFeaturesRequest, itemIds?: string[]): Promise<GetFeatureBatchEntry> => {
      try {
        this.validate(r);
        return { response: await this.serve({ ...r, itemIds: itemIds ?? r.itemIds }, ctx, profiles, itemIds), error: '' };
      } catch (error) {
        if (error instanceof InvalidArgumentError) return { response: undefined, error: `INVALID_ARGUMENT: ${error.message}` };
        this.logger.error({ featureSet: r.featureSet, err: error instanceof Error ? error.message : String(error) }, 'batch entry failed');
        return { response: undefined, error: 'INTERNAL' };
      }
    };
    const entries = await Promise.all(req.requests.map((r) => (later(r) ? undefined : answer(r))));
    const index = req.requests.findIndex(later);
    if (index >= 0) {
      const r = req.requests[index];
      // Only answers given for the same purpose name items for it; own items first, the whole within MAX_ITEMS.
      const sources = entries.filter((e, i): e is GetFeatureBatchEntry => e !== undefined && req.requests[i].purpose === r.purpose);
      const named = itemsNamed(sources, r.itemsFromFeatures, r.itemIds);
      const itemIds = named.ids.slice(0, MAX_ITEMS);
      const features = (entries[index] = await answer(r, itemIds)).response;
      // A table without columns (a feature set with no number or text item features) has no rows to name.
      const table = features?.itemTable;
      if (req.rankedRows && table && Object.keys(table.numbers).length + Object.keys(table.texts).length > 0)
        listsByRow(sources, r.itemsFromFeatures, table, named);
    }
    return { entries: entries as GetFeatureBatchEntry[] };
  }

  /** `unique`: the request's item ids each once, when the caller has them so (else they are made unique here). */
  private async serve(
    req: GetFeaturesRequest,
    ctx: PrivacyContext,
    profiles: ProfileMemo,
    unique: readonly string[] = uniqueItemIds(req),
  ): Promise<GetFeaturesResponse> {
    const resolved = resolveFeatureSet(this.registry, req.featureSet, ctx, req.purpose);
    const withheld: WithheldFeature[] = [...resolved.withheld];
    // Anonymous session state needs the tenant's session policy on top of the registry's modes.
    const allowed = resolved.allowed.filter((f) => {
      if (f.entity !== 'session' || this.sessionPolicy.allows(req.tenantId)) return true;
      withheld.push({ name: f.name, reason: 'SESSION_POLICY_DENIED' });
      return false;
    });
    for (const w of withheld) this.withheldCount.inc({ reason: w.reason });
    const byEntity = (...entities: FeatureDefinition['entity'][]) => allowed.filter((f) => entities.includes(f.entity)).map((f) => f.name);
    const snapshot = this.snapshots.get(req.tenantId);
    const limit = req.candidateLimit || DEFAULT_CANDIDATES;

    const userFeatures: Record<string, FeatureValue> = {};
    const userNames = byEntity('user').filter((name) => USER_FEATURES[name]);
    if (userNames.length > 0 && ctx.subjectPid) {
      let events = profiles.get(ctx.subjectPid);
      if (!events) profiles.set(ctx.subjectPid, (events = this.profile.read(ctx)));
      const inputs = new UserFeatureInputs(await events, Date.now(), snapshot?.retrieval ?? NO_ARTIFACTS, limit, req.rankedLists);
      for (const name of userNames) userFeatures[name] = USER_FEATURES[name](inputs);
    }

    const items: ItemFeatures[] = [];
    const itemTable: ItemTable = { itemIds: [], numbers: {}, texts: {} };
    const itemNames = byEntity('item').filter((name) => ITEM_FEATURES[name]);
    if (snapshot && itemNames.length > 0) {
      const scope = snapshot.scopeFor(req.region);
      const at: ItemScope = { snapshot, global: snapshot.popularityIn('global:*'), region: snapshot.popularityIn(scope) };
      // The requested items the catalog holds, each once, in request order.
      const present: ItemRow[] = [];
      for (const id of unique) {
        const item = snapshot.items.get(id);
        if (item) present.push(item);
      }
      // Columnar: each number or text feature as one column over the items (hundreds of items per ranking call).
      const columns = req.columnar ? itemNames.filter((name) => ITEM_FEATURES[name].kind !== 'weights') : [];
      if (columns.length > 0) {
        itemTable.itemIds = present.map((item) => item.itemId);
        for (const name of columns) {
          const reader = ITEM_FEATURES[name];
          if (reader.kind === 'number') itemTable.numbers[name] = { values: present.map((item) => reader.read(item, at)) };
          else if (reader.kind === 'text') {
            const values = present.map((item) => reader.read(item));
            itemTable.texts[name] = req.textDictionaries ? snapshot.dictionaryEncoder(name).encode(values) : textColumn(values);
          }
        }
      }
      const perItem = itemNames.filter((name) => !columns.includes(name));
      if (perItem.length > 0) {
        for (const item of present) {
          const features: Record<string, FeatureValue> = {};
          for (const name of perItem) features[name] = itemFeatureValue(ITEM_FEATURES[name], item, at);
          items.push({ itemId: item.itemId, features });
        }
      }
    }

    const contextFeatures: Record<string, FeatureValue> = {};
    for (const name of byEntity('context', 'region', 'session')) {
      const value = await this.contextFeature(name, req, ctx, snapshot, limit);
      if (value) contextFeatures[name] = value;
    }

    const served = [...Object.keys(userFeatures), ...itemNames, ...Object.keys(contextFeatures)];
    for (const name of served) if (RETRIEVAL_FEATURES.has(name)) this.retrievals.inc({ feature: name, mode: ctx.mode });
    this.fetched.observe({ feature_set: req.featureSet }, served.length);
    this.countUnused(req.featureSet, served);
    return { userFeatures, items, contextFeatures, withheld, served, itemTable };
  }

  /** Data minimization (seed §40): fetched but not consumed by the route is a liability, so it is measured. */
  private countUnused(featureSet: string, served: string[]): void {
    const consumed = this.consumedBySet.get(featureSet);
    if (!consumed || served.length === 0) return;
    const unused = served.filter((name) => !consumed.has(name)).length;
    const counts = this.fetchCounts.get(featureSet) ?? { fetched: 0, unused: 0 };
    counts.fetched += served.length;
    counts.unused += unused;
    this.fetchCounts.set(featureSet, counts);
    this.fetchTotal.inc({ feature_set: featureSet }, served.length);
    this.unusedTotal.inc({ feature_set: featureSet }, unused);
    this.unusedRate.set({ feature_set: featureSet }, counts.unused / counts.fetched);
  }

  private async contextFeature(
    name: string,
    req: GetFeaturesRequest,
    ctx: PrivacyContext,
    snapshot: TenantSnapshot | undefined,
    limit: number,
  ): Promise<FeatureValue | undefined> {
    switch (name) {
      case 'context_local_hour':
        return { ...empty(), number: req.localHour >= 0 && req.localHour <= 23 ? req.localHour : -1 };
      case 'device_type':
        return { ...empty(), text: req.deviceType };
      case 'region_popular_items': {
        if (!snapshot) return { ...empty(), text: 'global:*' };
        const scope = snapshot.scopeFor(req.region);
        // The same for every request of the scope until the next snapshot: made once, shared.
        return snapshot.sharedValue(`region_popular_items|${scope}|${req.rankedLists ? limit : 'weights'}`, () => {
          const top = snapshot.topIn(scope, REGION_LIST_SIZE);
          // A ranked list is a candidate list (at most `limit`, the best scored 1); the weights keep raw popularity.
          if (req.rankedLists) return listValue(topScores(new Map(top), limit), true, { ...empty(), text: scope });
          return { ...empty(), text: scope, weights: Object.fromEntries(top) };
        });
      }
      case 'content_similar_items': {
        const top = contentSimilarTopScores(
          snapshot?.retrieval ?? NO_ARTIFACTS,
          req.seedItemId || undefined,
          req.query || undefined,
          limit,
        );
        return listValue(top, req.rankedLists);
      }
      case 'session_intent_items': {
        // Only an anonymous visitor has session state; a signed-in subject's behaviour is in the profile store.
        if (!isAnonymousPid(ctx.subjectPid)) return { ...empty() };
        const events = await this.sessions.read(req.tenantId, ctx.subjectPid);
        // An item the visitor hid does not speak for their intent, whatever they did with it before.
        const hidden = new Set(events.filter((e) => e.eventType === 'hide').map((e) => e.itemId));
        const newestFirst = events
          .filter((e) => !hidden.has(e.itemId))
          .map((e) => e.itemId)
          .reverse();
        return listValue(topScores(sessionIntentScores(snapshot?.retrieval ?? NO_ARTIFACTS, newestFirst), limit), req.rankedLists);
      }
      case 'editorial_items': {
        const make = () => {
          const list = snapshot?.editorial.get('home') ?? [];
          const entries = list.map((id, i): [string, number] => [id, 1 / (i + 1)]);
          // As a ranked list exactly what the weights give (an item listed twice keeps its later position's score).
          return req.rankedLists ? listValue(topScores(new Map(entries), limit), true) : listValue(entries, false);
        };
        return snapshot ? snapshot.sharedValue(`editorial_items|${req.rankedLists ? limit : 'weights'}`, make) : make();
      }
      default:
        return undefined;
    }
  }

  private validate(req: GetFeaturesRequest): void {
    const problems: string[] = [];
    if (!isValidTenantId(req.tenantId)) problems.push('tenant_id is missing or invalid');
    if (!this.registry.featureSets.has(req.featureSet)) problems.push('feature_set is not a registered feature set');
    if (!(GRANTABLE_PURPOSES as readonly string[]).includes(req.purpose)) problems.push('purpose must be a known Purpose');
    if (req.itemIds.length > MAX_ITEMS) problems.push(`at most ${MAX_ITEMS} item_ids`);
    if (req.candidateLimit < 0 || req.candidateLimit > MAX_CANDIDATES) problems.push(`candidate_limit must be 0..${MAX_CANDIDATES}`);
    if (req.query.length > MAX_QUERY) problems.push(`query must be at most ${MAX_QUERY} characters`);
    if (req.seedItemId.length > MAX_SEED_ID) problems.push(`seed_item_id must be at most ${MAX_SEED_ID} characters`);
    if (req.itemsFromFeatures.length > MAX_BATCH || req.itemsFromFeatures.some((name) => !this.registry.features.has(name)))
      problems.push(`items_from_features must name at most ${MAX_BATCH} registered features`);
    if (problems.length > 0) throw new InvalidArgumentError(problems);
  }
}
