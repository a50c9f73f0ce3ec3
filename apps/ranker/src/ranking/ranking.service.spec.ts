import { loadRegistry } from '@recsys/feature-registry';
import { PrivacyContext, PrivacyContextCodec, PrivacyMode, Purpose } from '@recsys/privacy-context';
import {
  dictionaryColumn,
  featureValue,
  RankCandidate,
  RankRequest,
  rankRequest as completeRankRequest,
  RankResponse,
  TextColumn,
  textColumn,
  textValues,
} from '@recsys/proto';
import { InvalidArgumentError, ServiceMetrics } from '@recsys/service-kit';
import pino from 'pino';
import { ModelClient, RankingModels } from './ranking-models';
import { RankingService, scaled } from './ranking.service';

const SECRET = 'r'.repeat(32);
const codec = new PrivacyContextCodec({ activeKeyId: 'k1', keys: { k1: SECRET } });
const registry = loadRegistry();

const value = featureValue;

function privacyToken(mode: PrivacyContext['mode'], overrides: Partial<PrivacyContext> = {}): string {
  const now = Date.now();
  return codec.encode({
    tenantId: 'acme',
    subjectPid: 'u_subject',
    mode,
    purposes: mode === PrivacyMode.PERSONALIZED ? [Purpose.PERSONALIZATION] : [],
    consentVersion: '1',
    policyVersion: 'p1',
    requestId: 'r1',
    issuedAtMs: now,
    expiresAtMs: now + 60_000,
    ...overrides,
  });
}

/** Two items identical in every public signal, differing only in category: affinity alone can order them. */
function candidate(itemId: string, category: string, quality = 0.5): RankCandidate {
  return {
    itemId,
    source: 'trending_region',
    retrievalScore: 0.5,
    sourceScores: { trending_region: 0.5 },
    features: {
      item_category: value({ text: category }),
      item_quality_score: value({ number: quality }),
      item_popularity: value({ number: 0.5 }),
      region_popularity: value({ number: 0.5 }),
    },
  };
}

function rankRequest(affinity: Record<string, number>, overrides: Partial<RankRequest> = {}): RankRequest {
  return completeRankRequest({
    tenantId: 'acme',
    mode: PrivacyMode.PERSONALIZED,
    candidates: [candidate('item-a', 'books'), candidate('item-b', 'music')],
    userFeatures: { user_category_affinity_30d: value({ weights: affinity }), recent_click_count: value({ number: 4 }) },
    ...overrides,
  });
}

function forgedPersonalToken(): string {
  const [format, kid, payload, signature] = privacyToken(PrivacyMode.NON_PERSONALIZED).split('.');
  const raised = {
    ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
    mode: PrivacyMode.PERSONALIZED,
    purposes: [Purpose.PERSONALIZATION],
  };
  return [format, kid, Buffer.from(JSON.stringify(raised)).toString('base64url'), signature].join('.');
}

describe(RankingService.name, () => {
  const quiet = pino({ level: 'silent' });
  const defaultsOnly = () =>
    new RankingModels(registry, undefined, { refreshMs: 60_000, timeoutMs: 100 }, new ServiceMetrics('test'), quiet);
  const service = new RankingService(registry, defaultsOnly(), codec, new ServiceMetrics('test'));
  const order = (res: { items: { itemId: string }[] }) => res.items.map((i) => i.itemId);

  it.each<[string, () => string | undefined]>([
    ['a missing', () => undefined],
    ['a forged', forgedPersonalToken],
    ['another tenant’s', () => privacyToken(PrivacyMode.PERSONALIZED, { tenantId: 'globex' })],
    ['an expired', () => privacyToken(PrivacyMode.PERSONALIZED, { expiresAtMs: Date.now() - 1 })],
    ['a NON_PERSONALIZED', () => privacyToken(PrivacyMode.NON_PERSONALIZED)],
  ])('ranks on the non-personal route for %s context, whatever mode is requested', async (_, token) => {
    const response = await service.rank(rankRequest({ music: 1 }), token());
    expect(response.route).toBe('home_non_personal');
    expect(response.mode).toBe(PrivacyMode.NON_PERSONALIZED);
    expect(response.droppedFeatures).toEqual(['recent_click_count', 'user_category_affinity_30d']);
  });

  it('ignores the subject’s affinity on the non-personal route', async () => {
    expect(order(await service.rank(rankRequest({ music: 1 }), undefined))).toEqual(
      order(await service.rank(rankRequest({ books: 1 }), undefined)),
    );
    expect((await service.rank(rankRequest({ music: 1 }), undefined)).items.map((i) => i.internalReason)).not.toContain(
      'user_category_affinity_30d',
    );
  });

  it('uses the personalized route and keeps the personal features for a PERSONALIZED context', async () => {
    const response = await service.rank(rankRequest({ music: 1 }), privacyToken(PrivacyMode.PERSONALIZED));
    expect(response.route).toBe('home_personalized');
    expect(response.mode).toBe(PrivacyMode.PERSONALIZED);
    expect(response.droppedFeatures).toEqual([]);
    expect(response.modelVersion).toBe('default:default-2026-12-01');
  });

  it('lets the subject’s category affinity change the order on the personalized route', async () => {
    const token = privacyToken(PrivacyMode.PERSONALIZED);
    expect(order(await service.rank(rankRequest({ music: 1 }), token))).toEqual(['item-b', 'item-a']);
    expect(order(await service.rank(rankRequest({ books: 1 }), token))).toEqual(['item-a', 'item-b']);
    expect((await service.rank(rankRequest({ music: 1 }), token)).items[0].internalReason).toBe('user_category_affinity_30d');
  });

  it('does not personalize a PERSONALIZED context without the PERSONALIZATION purpose', async () => {
    const response = await service.rank(
      rankRequest({ music: 1 }),
      privacyToken(PrivacyMode.PERSONALIZED, { purposes: [Purpose.QUALITY_MONITORING] }),
    );
    expect(response.droppedFeatures).toContain('user_category_affinity_30d');
    expect(response.items.map((i) => i.internalReason)).not.toContain('user_category_affinity_30d');
  });

  it('uses the stricter route when the caller asks for a stricter mode than its context allows', async () => {
    const response = await service.rank(
      rankRequest({ music: 1 }, { mode: PrivacyMode.CONTEXTUAL_ONLY }),
      privacyToken(PrivacyMode.PERSONALIZED),
    );
    expect(response.route).toBe('home_contextual');
    expect(response.mode).toBe(PrivacyMode.CONTEXTUAL_ONLY);
    expect(response.droppedFeatures).toContain('user_category_affinity_30d');
  });

  it('keeps the stricter route’s public features when the caller asks for a stricter mode', async () => {
    const response = await service.rank(rankRequest({}, { mode: PrivacyMode.CONTEXTUAL_ONLY }), privacyToken(PrivacyMode.PERSONALIZED));
    expect(response.droppedFeatures).not.toContain('item_quality_score');
  });

  it('is deterministic: the same request ranks the same, in any candidate order, ties broken by item id', async () => {
    const token = privacyToken(PrivacyMode.PERSONALIZED);
    const candidates = ['c', 'a', 'e', 'b', 'd'].map((id, i) => candidate(`item-${id}`, i % 2 ? 'books' : 'music', i === 2 ? 0.9 : 0.5));
    const first = await service.rank(rankRequest({ books: 0.5, music: 0.5 }, { candidates }), token);
    const again = await service.rank(rankRequest({ books: 0.5, music: 0.5 }, { candidates: [...candidates].reverse() }), token);
    // The same items, scores and reasons; each item's candidate index is its place in its own request.
    const withoutIndex = (res: RankResponse) => ({ ...res, items: res.items.map(({ candidateIndex: _, ...item }) => item) });
    expect(withoutIndex(again)).toEqual(withoutIndex(first));
    for (const [response, sent] of [
      [first, candidates],
      [again, [...candidates].reverse()],
    ] as const)
      for (const item of response.items) expect(sent[item.candidateIndex].itemId).toBe(item.itemId);
    expect(order(first)).toEqual(['item-e', 'item-a', 'item-b', 'item-c', 'item-d']);
  });

  it('drops features a caller sends that the route does not allow, and says which', async () => {
    const withContext = candidate('item-a', 'books');
    withContext.features.context_local_hour = value({ number: 9 });
    const response = await service.rank(rankRequest({}, { candidates: [withContext] }), undefined);
    expect(response.droppedFeatures).toContain('context_local_hour');
  });

  it.each<[string, Partial<RankRequest>]>([
    ['an invalid tenant', { tenantId: 'Acme!' }],
    ['an unspecified mode', { mode: PrivacyMode.PRIVACY_MODE_UNSPECIFIED }],
    ['a candidate without an item id', { candidates: [candidate('', 'books')] }],
  ])('refuses %s', async (_, change) => {
    await expect(service.rank(rankRequest({}, change), privacyToken(PrivacyMode.PERSONALIZED))).rejects.toThrow(InvalidArgumentError);
  });
});

describe(`${RankingService.name} with candidates in columns`, () => {
  const service = new RankingService(
    registry,
    new RankingModels(registry, undefined, { refreshMs: 60_000, timeoutMs: 100 }, new ServiceMetrics('test'), pino({ level: 'silent' })),
    codec,
    new ServiceMetrics('test'),
  );
  /** The same candidates as `candidate()` builds, as columns. */
  function columns(specs: [string, string, number][], extra: Partial<RankRequest> = {}): Partial<RankRequest> {
    return {
      candidates: [],
      candidateTable: {
        itemIds: specs.map(([id]) => id),
        numbers: {
          item_quality_score: { values: specs.map(([, , q]) => q) },
          item_popularity: { values: specs.map(() => 0.5) },
          region_popularity: { values: specs.map(() => 0.5) },
        },
        texts: { item_category: textColumn(specs.map(([, c]) => c)) },
      },
      candidateSourceScores: { trending_region: { values: specs.map(() => 0.5) } },
      candidateSources: specs.map(() => 'trending_region'),
      ...extra,
    };
  }
  const specs: [string, string, number][] = ['c', 'a', 'e', 'b', 'd'].map((id, i) => [
    `item-${id}`,
    i % 2 ? 'books' : 'music',
    i === 2 ? 0.9 : 0.5,
  ]);

  it('ranks exactly as with one message per candidate', async () => {
    const token = privacyToken(PrivacyMode.PERSONALIZED);
    const perCandidate = await service.rank(
      rankRequest({ books: 0.5, music: 0.2 }, { candidates: specs.map(([id, c, q]) => candidate(id, c, q)) }),
      token,
    );
    const columnar = await service.rank(rankRequest({ books: 0.5, music: 0.2 }, columns(specs)), token);
    expect(columnar.items).toEqual(perCandidate.items);
    expect(columnar.items.map((i) => i.source)).toEqual(specs.map(() => 'trending_region'));
  });

  it("names each ranked item's place among the candidates (its row of the table, its index of the messages)", async () => {
    const token = privacyToken(PrivacyMode.PERSONALIZED);
    const ids = specs.map(([id]) => id);
    const columnar = await service.rank(rankRequest({ books: 0.5 }, columns(specs, { topN: 3 })), token);
    expect(columnar.items).toHaveLength(3);
    // Not the identity: the best-ranked item is not the first candidate.
    expect(columnar.items[0].candidateIndex).not.toBe(0);
    for (const item of columnar.items) expect(ids[item.candidateIndex]).toBe(item.itemId);
    const perCandidate = await service.rank(
      rankRequest({ books: 0.5 }, { candidates: specs.map(([id, c, q]) => candidate(id, c, q)) }),
      token,
    );
    for (const item of perCandidate.items) expect(ids[item.candidateIndex]).toBe(item.itemId);
  });

  it('ranks a dictionary-encoded category column exactly as the same column of values', async () => {
    const token = privacyToken(PrivacyMode.PERSONALIZED);
    const plain = await service.rank(rankRequest({ books: 0.5, music: 0.2 }, columns(specs)), token);
    const request = rankRequest({ books: 0.5, music: 0.2 }, columns(specs));
    request.candidateTable!.texts.item_category = dictionaryColumn(specs.map(([, c]) => c));
    const encoded = await service.rank(request, token);
    expect(encoded.items).toEqual(plain.items);
    // The affinity term counts: without it the order differs.
    const unaffine = await service.rank(rankRequest({}, columns(specs)), token);
    expect(unaffine.items.map((i) => i.itemId)).not.toEqual(encoded.items.map((i) => i.itemId));
  });

  it.each<[string, TextColumn, RegExp]>([
    ['too few codes', { values: [], dictionary: ['books'], codes: [0, 0] }, /item_category must have one value per candidate \(5\)/],
    [
      'a code outside the dictionary',
      { values: [], dictionary: ['books'], codes: [0, 0, 1, 0, 0] },
      /item_category has a code outside its dictionary \(1 entries\)/,
    ],
    [
      'values and a dictionary',
      { values: ['books', 'books', 'books', 'books', 'books'], dictionary: ['books'], codes: [0, 0, 0, 0, 0] },
      /item_category must have values or a dictionary, not both/,
    ],
  ])('refuses a dictionary-encoded column with %s', async (_, column, message) => {
    const request = rankRequest({}, columns(specs));
    request.candidateTable!.texts.item_category = column;
    await expect(service.rank(request, undefined)).rejects.toThrow(message);
  });

  it('drops a column the route does not allow before scoring, and returns only top_n', async () => {
    const request = rankRequest({}, columns(specs, { topN: 2 }));
    request.candidateTable!.numbers.context_local_hour = { values: specs.map(() => 9) };
    const response = await service.rank(request, undefined);
    expect(response.droppedFeatures).toContain('context_local_hour');
    expect(response.items).toHaveLength(2);
  });

  it('refuses columns whose length is not the number of candidates, naming the column', async () => {
    const request = rankRequest({}, columns(specs));
    request.candidateTable!.numbers.item_popularity = { values: [1] };
    request.candidateSources = [];
    await expect(service.rank(request, undefined)).rejects.toThrow(
      /candidate_table\.numbers\.item_popularity must have one value per candidate \(5\)/,
    );
    const sources = rankRequest({}, columns(specs, { candidateSources: ['trending_region'] }));
    await expect(service.rank(sources, undefined)).rejects.toThrow(/candidate_sources must be empty or have one value per candidate \(5\)/);
  });

  it('answers in columns when asked: the same candidates, scores and reasons as its items, best first', async () => {
    const token = privacyToken(PrivacyMode.PERSONALIZED);
    for (const topN of [0, 3]) {
      const items = (await service.rank(rankRequest({ books: 0.5 }, columns(specs, { topN })), token)).items;
      const answer = await service.rank(rankRequest({ books: 0.5 }, columns(specs, { topN, rankedColumns: true })), token);
      expect(answer.items).toEqual([]);
      const ranked = answer.ranked!;
      expect(ranked.candidateIndexes).toEqual(items.map((i) => i.candidateIndex));
      expect(Array.from(ranked.scores)).toEqual(items.map((i) => i.score));
      expect(textValues(ranked.internalReasons)).toEqual(items.map((i) => i.internalReason));
      // A handful of distinct reasons: each once in the dictionary.
      expect(ranked.internalReasons!.dictionary).toEqual([...new Set(items.map((i) => i.internalReason))]);
    }
    // Without the flag, no columns.
    expect((await service.rank(rankRequest({}, columns(specs)), token)).ranked).toBeUndefined();
  });

  it('ranks the same without the candidates’ sources, and then names none', async () => {
    const token = privacyToken(PrivacyMode.PERSONALIZED);
    const withSources = await service.rank(rankRequest({ books: 0.5 }, columns(specs)), token);
    const without = await service.rank(rankRequest({ books: 0.5 }, columns(specs, { candidateSources: [] })), token);
    expect(without.items.map((i) => i.source)).toEqual(specs.map(() => ''));
    expect(without.items).toEqual(withSources.items.map((i) => ({ ...i, source: '' })));
  });
});

describe(RankingModels.name, () => {
  const quiet = pino({ level: 'silent' });
  const route = (name: string) => registry.routes.get(name)!;
  /** A stub model store (the collaborator), answering one model per route name. */
  function store(models: Record<string, Record<string, number>>, fail = false): ModelClient & { calls: number } {
    const client = {
      calls: 0,
      getRankingModel: async ({ route }: { route: string }) => {
        client.calls += 1;
        if (fail) throw new Error('unavailable');
        const weights = models[route];
        return weights ? { found: true, version: 'v7', weights, cardJson: '{}' } : { found: false, version: '', weights: {}, cardJson: '' };
      },
    };
    return client;
  }
  const models = (client: ModelClient) =>
    new RankingModels(registry, client, { refreshMs: 60_000, timeoutMs: 100 }, new ServiceMetrics('test'), quiet);

  it('serves a tenant’s trained model, and asks the store once per refresh interval', async () => {
    const client = store({ home_personalized: { 'source:user_cf': 1, 'source:user_two_tower': 0.25 } });
    const m = models(client);
    const model = await m.get('acme', route('home_personalized'));
    expect(model).toMatchObject({ origin: 'trained', version: 'v7', weights: { 'source:user_cf': 1, 'source:user_two_tower': 0.25 } });
    await m.get('acme', route('home_personalized'));
    expect(client.calls).toBe(1);
  });

  it('uses the route’s default model when the tenant has none or the store fails', async () => {
    expect((await models(store({})).get('acme', route('home_contextual'))).origin).toBe('default');
    expect((await models(store({}, true)).get('acme', route('home_contextual'))).origin).toBe('default');
  });

  it('refuses a trained model that weights a personal source on the contextual route', async () => {
    const model = await models(store({ home_contextual: { 'source:item_to_item': 1, 'source:user_cf': 2 } })).get(
      'acme',
      route('home_contextual'),
    );
    expect(model.origin).toBe('default');
    expect(model.weights['source:user_cf']).toBeUndefined();
  });

  it('ranks with the trained weights: a trained model can put another source first', async () => {
    const client = store({ home_personalized: { 'source:editorial': 1 } });
    const service = new RankingService(registry, models(client), codec, new ServiceMetrics('test'));
    const candidates: RankCandidate[] = [
      { ...candidate('item-cf', 'books'), source: 'user_cf', sourceScores: { user_cf: 1 } },
      { ...candidate('item-ed', 'books'), source: 'editorial', sourceScores: { editorial: 0.5 } },
    ];
    const response = await service.rank(rankRequest({}, { candidates }), privacyToken(PrivacyMode.PERSONALIZED));
    expect(response.modelVersion).toBe('trained:v7');
    expect(response.items.map((i) => i.itemId)).toEqual(['item-ed', 'item-cf']);
  });
});

describe(scaled.name, () => {
  it('scales only the terms the route model already weights: a multiplier cannot add a term', () => {
    const weights = { 'source:trending_region': 0.5, item_popularity: 1 };
    expect(scaled(weights, { 'source:trending_region': 2, 'source:user_cf': 5 })).toEqual({
      'source:trending_region': 1,
      item_popularity: 1,
    });
    expect(scaled(weights, {})).toBe(weights);
    expect(scaled(weights, { item_popularity: Number.NaN })).toEqual(weights);
  });
});
