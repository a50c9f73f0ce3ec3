import pino from 'pino';
import { defaultConfigDir, loadRegistry, loadSessionPolicy, loadSurfaces } from '@recsys/feature-registry';
import { parseKeyring, PrivacyContextCodec, PrivacyMode, Purpose } from '@recsys/privacy-context';
import {
  dictionaryColumn,
  featureValue,
  FeatureValue,
  GetFeatureBatchRequest,
  GetFeatureBatchResponse,
  GetFeaturesRequest,
  GetFeaturesResponse,
  isDictionaryColumn,
  ItemTable,
  RankRequest,
  RankResponse,
  textValues,
} from '@recsys/proto';
import { MemoryCacheStore, ServiceMetrics } from '@recsys/service-kit';
import { CandidateRouter } from '../candidates/candidate-router';
import { CandidateSource } from '../candidates/candidate-source';
import { KillSwitches } from '../candidates/kill-switches';
import { FEATURE_LIST_SOURCES, FeatureListSource } from '../candidates/sources/feature-list.source';
import { ItemToItemSource } from '../candidates/sources/item-to-item.source';
import { ResolvedPrivacy } from '../privacy/privacy-resolver';
import { loadReasons } from './reason-config';
import { ReasonMapper } from './reason-mapper';
import { recommendCommand } from './recommend.command';
import { RecommendationService } from './recommendation.service';

/**
 * The orchestrator's calls to feature-gateway and the ranker, against stubs of both (the real path runs in the
 * e2e tests): what one Recommend sends, and what it does when an entry or the call fails.
 */
const registry = loadRegistry();
const surfaces = loadSurfaces(defaultConfigDir(), registry);
const reasons = loadReasons(defaultConfigDir());
const TENANT = 'acme';
const SEED = 'i-seed';
const HIDDEN = 'i-hidden';

const list = (ids: string[]): FeatureValue => featureValue({ rankedItemIds: ids, rankedScores: ids.map((_, i) => 1 / (i + 1)) });
const answer = (fields: Partial<GetFeaturesResponse>): GetFeaturesResponse => ({
  userFeatures: {},
  items: [],
  contextFeatures: {},
  withheld: [],
  served: [],
  ...fields,
});
/** The items' categories: the hidden, less-liked and seed items have their own. */
const categoryOf = (id: string) =>
  ({ [HIDDEN]: 'hidden-category', [SEED]: 'seed-category', 'i-less': 'gardening', i2: 'music', i4: 'music' })[id] ?? 'books';
const table = (ids: string[]): ItemTable => ({
  itemIds: ids,
  numbers: { item_quality_score: { values: ids.map(() => 0.5) } },
  // Dictionary-encoded, as feature-gateway answers a request with text_dictionaries.
  texts: { item_category: dictionaryColumn(ids.map(categoryOf)), item_creator: dictionaryColumn(ids.map((id) => `c-${id}`)) },
});

/** feature-gateway's answer to each request of the batch, by the request's feature set. */
type Answers = Record<string, GetFeaturesResponse | string>;

/**
 * `rankerIndexes`: the stub ranker names each ranked item's candidate index, as the ranker does; without, it
 * names none (0 for every item), as a ranker before candidate_index. `rankerAnswer.columns` false: it answers in
 * items even when asked for ranked columns (a ranker before ranked_columns); `rankerAnswer.edit` changes its answer.
 */
function setup(
  answers: Answers,
  batchFails?: Error,
  rankerIndexes = true,
  rankerAnswer: { columns?: boolean; edit?: (answer: RankResponse) => RankResponse } = {},
) {
  const batches: GetFeatureBatchRequest[] = [];
  const ranks: RankRequest[] = [];
  const singles: GetFeaturesRequest[] = [];
  const features = {
    getFeatures: jest.fn(async (req: GetFeaturesRequest): Promise<GetFeaturesResponse> => {
      singles.push(req);
      return answer({ itemTable: table(req.itemIds) });
    }),
    getFeatureBatch: jest.fn(async (req: GetFeatureBatchRequest): Promise<GetFeatureBatchResponse> => {
      batches.push(req);
      if (batchFails) throw batchFails;
      return {
        entries: req.requests.map((r) => {
          const a = answers[r.featureSet] ?? answer({});
          return typeof a === 'string' ? { response: undefined, error: a } : { response: a, error: '' };
        }),
      };
    }),
  };
  const ranker = {
    rank: jest.fn(async (req: RankRequest): Promise<RankResponse> => {
      ranks.push(req);
      const ids = req.candidateTable?.itemIds ?? [];
      // Best last candidate first: a ranked item's place in the answer is not its candidate index.
      const items = ids
        .map((itemId, i) => ({
          itemId,
          score: i + 1,
          source: '',
          internalReason: i % 2 ? 'source:user_cf' : 'item_quality_score',
          candidateIndex: rankerIndexes ? i : 0,
        }))
        .reverse();
      const columns = req.rankedColumns && rankerAnswer.columns !== false;
      const answer: RankResponse = {
        route: 'home_personalized',
        modelVersion: 'test:1',
        mode: PrivacyMode.PERSONALIZED,
        droppedFeatures: [],
        items: columns ? [] : items,
        ranked: columns
          ? {
              candidateIndexes: items.map((i) => i.candidateIndex),
              scores: items.map((i) => i.score),
              internalReasons: dictionaryColumn(items.map((i) => i.internalReason)),
            }
          : undefined,
      };
      return rankerAnswer.edit ? rankerAnswer.edit(answer) : answer;
    }),
  };
  const now = Date.now();
  const resolved: ResolvedPrivacy = {
    context: {
      tenantId: TENANT,
      subjectPid: 'u_subject',
      mode: PrivacyMode.PERSONALIZED,
      purposes: [Purpose.PERSONALIZATION],
      consentVersion: '1',
      policyVersion: 'p',
      requestId: 'r1',
      issuedAtMs: now,
      expiresAtMs: now + 60_000,
    },
    reason: '',
    hiddenItemIds: new Set([HIDDEN]),
    blockedCreatorIds: new Set(),
    lessLikeItemIds: new Set(['i-less']),
    consentKnown: true,
  };
  const sources = new Map<string, CandidateSource>(
    [new ItemToItemSource(), ...FEATURE_LIST_SOURCES.map((spec) => new FeatureListSource(spec))].map((s) => [s.name, s]),
  );
  const names = new Set(registry.sources.keys());
  const metrics = new ServiceMetrics('test');
  const logger = pino({ level: 'silent' });
  const service = new RecommendationService({
    registry,
    surfaces,
    privacy: { resolve: async () => resolved } as never,
    router: new CandidateRouter(
      registry,
      sources,
      new KillSwitches(new Set(), '', 1000, names, metrics, logger),
      loadSessionPolicy(defaultConfigDir()),
    ),
    features,
    ranker,
    codec: new PrivacyContextCodec(parseKeyring(`k1:${'s'.repeat(32)}`)),
    cache: new MemoryCacheStore(),
    audit: { record: () => undefined } as never,
    reasons: new ReasonMapper(reasons, registry),
    explanations: { fill: async (items) => items },
    traces: { maybeRecord: () => undefined },
    experiments: { assign: () => undefined },
    exposures: { record: () => undefined },
    metrics,
    logger,
    keySpace: { namespace: 'test' },
    options: { downstreamTimeoutMs: 1000, cacheTtlSeconds: 0, decisionSampleRate: 0, maxInFlight: 0 },
  });
  const request = {
    subject: { userId: 'user-1', anonymousId: '' },
    context: {
      tenantId: TENANT,
      surface: 'home',
      requestedPrivacyMode: PrivacyMode.PRIVACY_MODE_UNSPECIFIED,
      region: 'ID-JK',
      locale: '',
      deviceType: 'mobile',
      localHour: 20,
      seedItemId: SEED,
      query: '',
      sessionId: '',
      globalPrivacyControl: false,
    },
    limit: 10,
  };
  const recommend = () => service.recommend(recommendCommand(request, new Set(surfaces.keys())));
  return { recommend, batches, ranks, singles, metrics };
}

const lists: Answers = {
  candidates_user_cf: answer({ userFeatures: { user_cf_items: list(['i1', 'i2', HIDDEN]) }, served: ['user_cf_items'] }),
  candidates_user_two_tower: answer({ userFeatures: { user_two_tower_items: list(['i2', 'i3']) }, served: ['user_two_tower_items'] }),
  candidates_trending_region: answer({ contextFeatures: { region_popular_items: list(['i4', SEED]) }, served: ['region_popular_items'] }),
};

describe(RecommendationService.name, () => {
  it('asks for every routed source and the ranking features of their items in one batch, and ranks the merged rows', async () => {
    const ranking = answer({ itemTable: table(['i-less', 'i1', 'i2', HIDDEN, 'i3', 'i4', SEED]), served: ['item_category'] });
    const { recommend, batches, ranks, singles } = setup({ ...lists, home_personalized: ranking });
    const response = await recommend();
    expect(singles).toHaveLength(0);

    expect(batches).toHaveLength(1);
    const requests = batches[0].requests;
    const last = requests[requests.length - 1];
    // The ranking request comes last, names the list features of the sources before it, and brings the less-liked item.
    expect(requests.slice(0, -1).map((r) => r.featureSet)).toEqual(
      expect.arrayContaining(['candidates_user_cf', 'candidates_trending_region']),
    );
    expect(last).toMatchObject({ featureSet: 'home_personalized', columnar: true, textDictionaries: true, itemIds: ['i-less'] });
    expect(last.itemsFromFeatures).toEqual(expect.arrayContaining(['user_cf_items', 'user_two_tower_items', 'region_popular_items']));
    expect(last.itemsFromFeatures).toHaveLength(new Set(last.itemsFromFeatures).size);
    // Ranked: the merged candidates found in the table, without the hidden item and the seed.
    expect(ranks).toHaveLength(1);
    expect([...ranks[0].candidateTable!.itemIds].sort()).toEqual(['i1', 'i2', 'i3', 'i4']);
    // The categories go on dictionary-encoded, with only the candidates' own: not the hidden, less-liked or seed item's.
    const categories = ranks[0].candidateTable!.texts.item_category;
    expect(isDictionaryColumn(categories)).toBe(true);
    expect(textValues(categories)).toEqual(ranks[0].candidateTable!.itemIds.map(categoryOf));
    expect([...categories.dictionary].sort()).toEqual(['books', 'music']);
    expect(response.items.map((i) => i.itemId).sort()).toEqual(['i1', 'i2', 'i3', 'i4']);
    // Each item names its best-scoring source (the ranker's stub names none: the orchestrator keeps them).
    expect(Object.fromEntries(response.items.map((i) => [i.itemId, i.source]))).toEqual({
      i1: 'user_cf',
      i2: 'user_two_tower',
      i3: 'user_two_tower',
      i4: 'trending_region',
    });
    expect(response.privacy?.sourcesUsed).toEqual(expect.arrayContaining(['user_cf', 'user_two_tower', 'trending_region']));
  });

  it('takes lists that name their items by row of the ranking table (ranked_rows) as it takes them by id', async () => {
    const rankingIds = ['i-less', 'i1', 'i2', HIDDEN, 'i3', 'i4', SEED];
    const byRow = (value: FeatureValue): FeatureValue => ({
      ...value,
      rankedItemIds: [],
      rankedRows: value.rankedItemIds.map((id) => rankingIds.indexOf(id)),
    });
    const rowLists: Answers = {
      candidates_user_cf: answer({ userFeatures: { user_cf_items: byRow(list(['i1', 'i2', HIDDEN])) } }),
      candidates_user_two_tower: answer({ userFeatures: { user_two_tower_items: byRow(list(['i2', 'i3'])) } }),
      candidates_trending_region: answer({ contextFeatures: { region_popular_items: byRow(list(['i4', SEED])) } }),
    };
    const { recommend, batches, ranks, singles } = setup({ ...rowLists, home_personalized: answer({ itemTable: table(rankingIds) }) });
    const response = await recommend();
    expect(batches[0].rankedRows).toBe(true);
    expect(singles).toHaveLength(0);
    // The hidden item and the seed stay out, found through their rows.
    expect([...ranks[0].candidateTable!.itemIds].sort()).toEqual(['i1', 'i2', 'i3', 'i4']);
    expect(Object.fromEntries(response.items.map((i) => [i.itemId, i.source]))).toEqual({
      i1: 'user_cf',
      i2: 'user_two_tower',
      i3: 'user_two_tower',
      i4: 'trending_region',
    });
  });

  it('asks the ranker for ranked columns and answers the same as from a ranker that answers in items', async () => {
    const ranking = answer({ itemTable: table(['i-less', 'i1', 'i2', HIDDEN, 'i3', 'i4', SEED]) });
    const byColumns = setup({ ...lists, home_personalized: ranking });
    const fromColumns = await byColumns.recommend();
    expect(byColumns.ranks[0].rankedColumns).toBe(true);
    const byItems = setup({ ...lists, home_personalized: ranking }, undefined, true, { columns: false });
    const fromItems = await byItems.recommend();
    const view = (r: typeof fromColumns) => r.items.map((i) => [i.itemId, i.source, i.reasonCode, i.score]);
    expect(view(fromColumns)).toEqual(view(fromItems));
    // In the ranker's order (best last candidate first), each with its own source and reason.
    expect(fromColumns.items.map((i) => i.itemId)).toEqual([...byColumns.ranks[0].candidateTable!.itemIds].reverse());
    expect(new Set(fromColumns.items.map((i) => i.reasonCode)).size).toBeGreaterThan(1);
  });

  it.each<[string, (a: RankResponse) => RankResponse, RegExp]>([
    [
      'an index outside the candidates',
      (a) => ({ ...a, ranked: { ...a.ranked!, candidateIndexes: a.ranked!.candidateIndexes.map((i, k) => (k === 1 ? 4 : i)) } }),
      /candidate index outside/,
    ],
    [
      'a negative index',
      (a) => ({ ...a, ranked: { ...a.ranked!, candidateIndexes: a.ranked!.candidateIndexes.map(() => -1) } }),
      /candidate index outside/,
    ],
    ['columns of different lengths', (a) => ({ ...a, ranked: { ...a.ranked!, scores: a.ranked!.scores.slice(1) } }), /different lengths/],
  ])('fails the Recommend with INTERNAL when the ranked columns name %s', async (_, edit, message) => {
    const ranking = answer({ itemTable: table(['i-less', 'i1', 'i2', HIDDEN, 'i3', 'i4', SEED]) });
    const { recommend } = setup({ ...lists, home_personalized: ranking }, undefined, true, { edit });
    await expect(recommend()).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(message) });
  });

  it("finds each ranked item's source by id when the ranker names no candidate indexes (a ranker before them)", async () => {
    const ranking = answer({ itemTable: table(['i-less', 'i1', 'i2', HIDDEN, 'i3', 'i4', SEED]) });
    const { recommend, ranks } = setup({ ...lists, home_personalized: ranking }, undefined, false, { columns: false });
    const response = await recommend();
    // Not a stub that happens to rank in candidate order: index 0 is right for one item only.
    expect(response.items.map((i) => i.itemId)).toEqual([...ranks[0].candidateTable!.itemIds].reverse());
    expect(Object.fromEntries(response.items.map((i) => [i.itemId, i.source]))).toEqual({
      i1: 'user_cf',
      i2: 'user_two_tower',
      i3: 'user_two_tower',
      i4: 'trending_region',
    });
  });

  it('asks for the merged items with GetFeatures when the batch brought none of them (a gateway before items_from_features)', async () => {
    const { recommend, ranks, singles } = setup({ ...lists, home_personalized: answer({ itemTable: table(['i-less']) }) });
    const response = await recommend();
    expect(singles).toHaveLength(1);
    expect(singles[0]).toMatchObject({ featureSet: 'home_personalized', columnar: true });
    expect([...singles[0].itemIds].sort()).toEqual(['i-less', 'i1', 'i2', 'i3', 'i4']);
    expect([...ranks[0].candidateTable!.itemIds].sort()).toEqual(['i1', 'i2', 'i3', 'i4']);
    expect(response.items).toHaveLength(4);
  });

  it('leaves out a source whose entry failed and still answers', async () => {
    const ranking = answer({ itemTable: table(['i1', 'i2', 'i3', 'i4']) });
    const { recommend, ranks, metrics } = setup({ ...lists, candidates_user_cf: 'INTERNAL', home_personalized: ranking });
    const response = await recommend();
    expect(response.privacy?.sourcesUsed).not.toContain('user_cf');
    expect(response.privacy?.sourcesUsed).toContain('user_two_tower');
    expect([...ranks[0].candidateTable!.itemIds].sort()).toEqual(['i2', 'i3', 'i4']);
    const failures = await metrics.registry.getSingleMetric('candidate_source_failures_total')!.get();
    expect(failures.values).toEqual([expect.objectContaining({ labels: { source: 'user_cf' }, value: 1 })]);
  });

  it('gives no answer without ranking features: a failed ranking entry is INTERNAL, a failed call its own error', async () => {
    const entryFailed = setup({ ...lists, home_personalized: 'INTERNAL' });
    await expect(entryFailed.recommend()).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining('ranking features failed'),
    });
    expect(entryFailed.ranks).toHaveLength(0);

    const callFailed = setup(lists, Object.assign(new Error('14 UNAVAILABLE: feature-gateway is down'), { code: 14 }));
    await expect(callFailed.recommend()).rejects.toThrow('feature-gateway is down');
    expect(callFailed.ranks).toHaveLength(0);
  });
});
