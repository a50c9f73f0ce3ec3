import Redis from 'ioredis';
import { Metadata, status } from '@grpc/grpc-js';
import {
  parseKeyring,
  PRIVACY_CONTEXT_METADATA_KEY,
  PrivacyContext,
  PrivacyContextCodec,
  PrivacyMode,
  Purpose,
} from '@recsys/privacy-context';
import {
  Event,
  getFeatureBatchRequest,
  GetFeaturesRequest,
  getFeaturesRequest,
  isDictionaryColumn,
  textValues,
  UserControl,
} from '@recsys/proto';
import { Pseudonymizer, sessionStateKey } from '@recsys/tenant-keys';
import { metricValue } from './support/metrics';
import { Platform, startPlatform } from './support/platform';

const RETAIL = 'demo-retail';
const OTHER = 'tenant-b';

describe('feature-gateway: permissioned features, thresholds and ingestion, end to end', () => {
  let p: Platform;
  let codec: PrivacyContextCodec;
  let pseudonymizer: Pseudonymizer;
  let k: number;
  const now = () => Date.now();

  /** A context as the orchestrator would sign it, for direct calls to feature-gateway. */
  function metadataFor(
    tenantId: string,
    userId: string,
    purposes: Purpose[] = [Purpose.PERSONALIZATION],
    mode: PrivacyContext['mode'] = PrivacyMode.PERSONALIZED,
  ) {
    const metadata = new Metadata();
    const context: PrivacyContext = {
      tenantId,
      subjectPid: pseudonymizer.userPid(tenantId, userId),
      mode,
      purposes,
      consentVersion: '1',
      policyVersion: 'test',
      requestId: 'e2e',
      issuedAtMs: now(),
      expiresAtMs: now() + 60_000,
    };
    metadata.set(PRIVACY_CONTEXT_METADATA_KEY, codec.encode(context));
    return metadata;
  }
  const featureRequest = (tenantId: string, over: Partial<GetFeaturesRequest> = {}): GetFeaturesRequest =>
    getFeaturesRequest({ tenantId, featureSet: 'home_personalized', ...over });
  const event = (tenantId: string, userId: string, itemId: string, over: Partial<Event> = {}): Event => ({
    tenantId,
    userId,
    anonymousId: '',
    itemId,
    eventType: 'click',
    timestampMs: now() - 60_000,
    sessionId: 's',
    region: 'ID-JK',
    ...over,
  });
  const consent = (tenantId: string, userId: string) =>
    p.consent.setConsent({ tenantId, userId, grants: [{ purpose: Purpose.PERSONALIZATION, granted: true }], source: 'e2e' });

  beforeAll(async () => {
    p = await startPlatform('redis');
    codec = new PrivacyContextCodec(parseKeyring(p.stack.env.PRIVACY_CONTEXT_KEYS!));
    pseudonymizer = new Pseudonymizer(p.stack.env.PSEUDONYM_SECRET!);
    k = Number(p.stack.env.AGGREGATION_MIN_USERS);
  }, 120_000);

  afterAll(async () => {
    await p?.close();
  }, 60_000);

  it('keeps tenants apart: the same user id in two tenants never sees the other tenant\u2019s features', async () => {
    const userId = 'shared-user-id';
    await p.features.importCatalog({
      tenantId: OTHER,
      items: [1, 2, 3].map((n) => ({
        itemId: `b-${n}`,
        title: `B ${n}`,
        category: 'b_only',
        creatorId: 'b-creator',
        tags: [],
        sensitive: false,
        qualityScore: 0.5,
        createdAtMs: 0,
      })),
      editorial: [],
    });
    const retailItems = p.data.items.slice(0, 3).map((i) => i.itemId);
    await consent(RETAIL, userId);
    await consent(OTHER, userId);
    await p.features.ingestEvents({
      events: [...retailItems.map((i) => event(RETAIL, userId, i)), ...['b-1', 'b-2'].map((i) => event(OTHER, userId, i))],
    });

    const inOther = await p.features.getFeatures(featureRequest(OTHER), { metadata: metadataFor(OTHER, userId) });
    expect(Object.keys(inOther.userFeatures.user_category_affinity_30d.weights)).toEqual(['b_only']);
    const inRetail = await p.features.getFeatures(featureRequest(RETAIL), { metadata: metadataFor(RETAIL, userId) });
    expect(Object.keys(inRetail.userFeatures.user_category_affinity_30d.weights)).not.toContain('b_only');
    expect(Object.keys(inRetail.userFeatures.user_category_affinity_30d.weights).length).toBeGreaterThan(0);
    // A valid context of one tenant does not open another tenant's profile.
    const crossed = await p.features.getFeatures(featureRequest(OTHER), { metadata: metadataFor(RETAIL, userId) });
    expect(crossed.userFeatures).toEqual({});
    // Stored under different pseudonymous ids per tenant: no cross-tenant linkage in the store.
    const pids = (
      await p.db.query(`SELECT DISTINCT tenant_id, subject_pid FROM features.event WHERE subject_pid = ANY($1)`, [
        [pseudonymizer.userPid(RETAIL, userId), pseudonymizer.userPid(OTHER, userId)],
      ])
    ).rows;
    expect(new Set(pids.map((r) => r.subject_pid)).size).toBe(2);
  });

  it('serves profiles through a read-through cache that new events invalidate at once', async () => {
    const userId = 'cached-profile-user';
    const port = p.stack.metricsPort('feature-gateway');
    await consent(RETAIL, userId);
    // Two items of different categories: the profile's category affinity shows which events it saw.
    const first = p.data.items[0];
    const second = p.data.items.find((i) => i.category !== first.category)!;
    await p.features.ingestEvents({ events: [event(RETAIL, userId, first.itemId)] });
    const read = async () =>
      Object.keys(
        (await p.features.getFeatures(featureRequest(RETAIL), { metadata: metadataFor(RETAIL, userId) })).userFeatures
          .user_category_affinity_30d.weights,
      ).sort();
    expect(await read()).toEqual([first.category]);
    const hitsBefore = await metricValue(port, 'profile_cache_lookups_total', { outcome: 'hit' });
    expect(await read()).toEqual([first.category]);
    expect(await metricValue(port, 'profile_cache_lookups_total', { outcome: 'hit' })).toBe(hitsBefore + 1);
    await p.features.ingestEvents({ events: [event(RETAIL, userId, second.itemId)] });
    expect(await read()).toEqual([first.category, second.category].sort());
  });

  it('answers a batch entry by entry: one bad request fails alone, and the profile is read once per batch', async () => {
    const userId = 'feature-batch-user';
    const port = p.stack.metricsPort('feature-gateway');
    await consent(RETAIL, userId);
    await p.features.ingestEvents({ events: [event(RETAIL, userId, p.data.items[0].itemId)] });
    const readsBefore = await metricValue(port, 'profile_store_reads_total');
    const reply = await p.features.getFeatureBatch(
      getFeatureBatchRequest([
        featureRequest(RETAIL, { featureSet: 'candidates_user_cf' }),
        featureRequest(RETAIL, { featureSet: 'no_such_set' }),
        featureRequest(RETAIL, { featureSet: 'candidates_user_two_tower' }),
        featureRequest(RETAIL, { featureSet: 'home_personalized' }),
      ]),
      { metadata: metadataFor(RETAIL, userId) },
    );
    expect(reply.entries.map((e) => e.error)).toEqual(['', 'INVALID_ARGUMENT: feature_set is not a registered feature set', '', '']);
    expect(reply.entries[0].response?.served).toEqual(['user_cf_items']);
    expect(reply.entries[2].response?.served).toEqual(['user_two_tower_items']);
    expect(Object.keys(reply.entries[3].response?.userFeatures.user_category_affinity_30d.weights ?? {})).toEqual([
      p.data.items[0].category,
    ]);
    expect(await metricValue(port, 'profile_store_reads_total')).toBe(readsBefore + 1);
    // The same privacy rules as GetFeatures: without a context, the personal sets are withheld in every entry.
    const anonymous = await p.features.getFeatureBatch(
      getFeatureBatchRequest([featureRequest(RETAIL, { featureSet: 'candidates_user_cf' })]),
    );
    expect(anonymous.entries[0].response?.served).toEqual([]);
    expect(anonymous.entries[0].response?.withheld).toEqual([{ name: 'user_cf_items', reason: 'MODE_NOT_ALLOWED' }]);
    await expect(
      p.features.getFeatureBatch(getFeatureBatchRequest([featureRequest(RETAIL), featureRequest(OTHER)]), {
        metadata: metadataFor(RETAIL, userId),
      }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });

  it('fetches in one batch the candidate lists and the ranking features of the items they name (items_from_features)', async () => {
    const userId = 'feature-batch-items-user';
    await consent(RETAIL, userId);
    const catalog = p.data.items.filter((i) => i.tenantId === RETAIL);
    // A seed with co-occurrence neighbours, so both kinds of list (ranked list, weights map) name items.
    const probe = await p.features.getFeatureBatch(
      getFeatureBatchRequest(
        catalog.slice(0, 16).map((i) => featureRequest(RETAIL, { featureSet: 'candidates_item_to_item', itemIds: [i.itemId] })),
      ),
      { metadata: metadataFor(RETAIL, userId) },
    );
    const seedIndex = probe.entries.findIndex(
      (e) => Object.keys(e.response?.items[0]?.features.item_cooccurrence_neighbors?.weights ?? {}).length > 0,
    );
    expect(seedIndex).toBeGreaterThanOrEqual(0);
    const seed = catalog[seedIndex].itemId;
    const extra = catalog[20].itemId;
    const ranking = featureRequest(RETAIL, {
      featureSet: 'home_personalized',
      region: 'ID-JK',
      columnar: true,
      // An item asked twice comes back once.
      itemIds: [extra, 'no-such-item', extra],
      itemsFromFeatures: ['region_popular_items', 'item_cooccurrence_neighbors'],
    });
    const reply = await p.features.getFeatureBatch(
      getFeatureBatchRequest([
        // Asked first, answered last: it names the items of the requests after it.
        ranking,
        featureRequest(RETAIL, { featureSet: 'candidates_trending_region', region: 'ID-JK', rankedLists: true, candidateLimit: 30 }),
        featureRequest(RETAIL, { featureSet: 'candidates_item_to_item', itemIds: [seed] }),
      ]),
      { metadata: metadataFor(RETAIL, userId) },
    );
    expect(reply.entries.map((e) => e.error)).toEqual(['', '', '']);
    const trending = reply.entries[1].response!.contextFeatures.region_popular_items.rankedItemIds;
    const neighbours = Object.keys(reply.entries[2].response!.items[0]?.features.item_cooccurrence_neighbors?.weights ?? {});
    expect(trending.length).toBeGreaterThan(0);
    expect(neighbours.length).toBeGreaterThan(0);
    const expected = [...new Set([extra, ...trending, ...neighbours])];
    const table = reply.entries[0].response!.itemTable!;
    // Every named item of the catalog once, in order of first appearance; an unknown id has no row.
    expect(table.itemIds).toEqual(expected);
    expect(table.texts.item_category.values).toEqual(expected.map((id) => catalog.find((i) => i.itemId === id)!.category));
    expect(table.numbers.item_quality_score.values).toHaveLength(expected.length);
    // GetFeatures too: each item once, in order of first appearance.
    const single = await p.features.getFeatures(
      { ...ranking, itemsFromFeatures: [], itemIds: [extra, seed, extra, 'no-such-item', seed] },
      { metadata: metadataFor(RETAIL, userId) },
    );
    expect(single.itemTable!.itemIds).toEqual([extra, seed]);
    // Asked for text dictionaries, the text columns come dictionary-encoded and read as the same values.
    const encoded = await p.features.getFeatures(
      { ...ranking, itemsFromFeatures: [], itemIds: expected, textDictionaries: true },
      { metadata: metadataFor(RETAIL, userId) },
    );
    expect(encoded.itemTable!.itemIds).toEqual(expected);
    for (const name of ['item_category', 'item_creator']) {
      const column = encoded.itemTable!.texts[name];
      expect(isDictionaryColumn(column)).toBe(true);
      expect(column.dictionary).toHaveLength(new Set(column.dictionary).size);
      expect(textValues(column)).toEqual(table.texts[name].values);
    }

    // Asked for ranked_rows, the lists name their items by row of the ranking table: the same items and scores.
    const trendingScores = reply.entries[1].response!.contextFeatures.region_popular_items.rankedScores;
    const byRow = await p.features.getFeatureBatch(
      getFeatureBatchRequest(
        [
          ranking,
          featureRequest(RETAIL, { featureSet: 'candidates_trending_region', region: 'ID-JK', rankedLists: true, candidateLimit: 30 }),
        ],
        { rankedRows: true },
      ),
      { metadata: metadataFor(RETAIL, userId) },
    );
    const rowList = byRow.entries[1].response!.contextFeatures.region_popular_items;
    const rowTable = byRow.entries[0].response!.itemTable!;
    expect(rowList.rankedItemIds).toEqual([]);
    expect(rowList.rankedRows.map((row) => rowTable.itemIds[row])).toEqual(trending);
    expect(rowList.rankedScores).toEqual(trendingScores);
    // ranked_rows needs a columnar request with items_from_features: its table is what the rows index.
    await expect(
      p.features.getFeatureBatch(getFeatureBatchRequest([featureRequest(RETAIL)], { rankedRows: true }), {
        metadata: metadataFor(RETAIL, userId),
      }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('ranked_rows needs a columnar request') });

    // Only a batch has other answers to name items of; a feature it names must be registered.
    await expect(p.features.getFeatures(ranking, { metadata: metadataFor(RETAIL, userId) })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('items_from_features is only valid in a GetFeatureBatch'),
    });
    // At most 1 000 items in all, the request's own first: with 1 000 of its own, none of the named ones is added.
    const trendingRequest = featureRequest(RETAIL, { featureSet: 'candidates_trending_region', region: 'ID-JK', rankedLists: true });
    const full = await p.features.getFeatureBatch(
      getFeatureBatchRequest([trendingRequest, { ...ranking, itemIds: Array.from({ length: 1000 }, (_, i) => `unknown-${i}`) }]),
      { metadata: metadataFor(RETAIL, userId) },
    );
    expect(full.entries[0].response!.contextFeatures.region_popular_items.rankedItemIds.length).toBeGreaterThan(0);
    expect(full.entries[1].response!.itemTable!.itemIds).toEqual([]);
    // Only answers given for the request's own purpose name items for it.
    const bothPurposes = metadataFor(RETAIL, userId, [Purpose.PERSONALIZATION, Purpose.QUALITY_MONITORING]);
    const otherPurpose = await p.features.getFeatureBatch(
      getFeatureBatchRequest([
        { ...trendingRequest, purpose: Purpose.QUALITY_MONITORING },
        { ...ranking, itemIds: [extra] },
      ]),
      { metadata: bothPurposes },
    );
    expect(otherPurpose.entries[0].response!.contextFeatures.region_popular_items.rankedItemIds.length).toBeGreaterThan(0);
    expect(otherPurpose.entries[1].response!.itemTable!.itemIds).toEqual([extra]);
    // One such request per batch: a second one is refused with the whole batch.
    await expect(
      p.features.getFeatureBatch(getFeatureBatchRequest([trendingRequest, ranking, ranking]), { metadata: metadataFor(RETAIL, userId) }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('at most one request') });
    const unknown = await p.features.getFeatureBatch(getFeatureBatchRequest([{ ...ranking, itemsFromFeatures: ['no_such_feature'] }]), {
      metadata: metadataFor(RETAIL, userId),
    });
    expect(unknown.entries[0].error).toContain('items_from_features must name at most 16 registered features');
  });

  it('never returns a feature for a purpose it prohibits, whatever the context grants', async () => {
    const userId = 'ads-purpose-user';
    await consent(RETAIL, userId);
    await p.features.ingestEvents({ events: [event(RETAIL, userId, p.data.items[0].itemId)] });
    const excludedBefore = await metricValue(p.stack.metricsPort('feature-gateway'), 'privacy_filter_exclusion_count', {
      reason: 'PURPOSE_PROHIBITED',
    });
    const reply = await p.features.getFeatures(featureRequest(RETAIL, { purpose: Purpose.ADS_PERSONALIZATION }), {
      metadata: metadataFor(RETAIL, userId, [Purpose.PERSONALIZATION, Purpose.ADS_PERSONALIZATION]),
    });
    expect(reply.userFeatures).toEqual({});
    expect(reply.withheld).toEqual(expect.arrayContaining([{ name: 'user_category_affinity_30d', reason: 'PURPOSE_PROHIBITED' }]));
    expect(
      await metricValue(p.stack.metricsPort('feature-gateway'), 'privacy_filter_exclusion_count', { reason: 'PURPOSE_PROHIBITED' }),
    ).toBeGreaterThan(excludedBefore);
  });

  it('never reveals a regional aggregate of fewer than k users, and falls back to a broader one', async () => {
    const region = 'ZZ-AA';
    const item = p.data.items[5].itemId;
    const users = Array.from({ length: k }, (_, i) => `small-region-user-${i}`);
    for (const u of users) await consent(RETAIL, u);
    const trending = async () =>
      (
        await p.features.getFeatures(featureRequest(RETAIL, { featureSet: 'candidates_trending_region', region }), {
          metadata: metadataFor(RETAIL, users[0]),
        })
      ).contextFeatures.region_popular_items;
    const stored = async () =>
      (
        await p.db.query(
          `SELECT scope, scope_key, users FROM features.scope_population WHERE tenant_id = $1 AND scope_key IN ('ZZ', 'ZZ-AA')`,
          [RETAIL],
        )
      ).rows.length +
      (await p.db.query(`SELECT 1 FROM features.item_popularity WHERE tenant_id = $1 AND scope_key IN ('ZZ', 'ZZ-AA')`, [RETAIL])).rows
        .length;

    // k - 1 distinct users: nothing of the region is kept, readers fall back to the global aggregate.
    await p.features.ingestEvents({ events: users.slice(0, k - 1).map((u) => event(RETAIL, u, item, { region })) });
    await p.features.refreshAggregates({ tenantId: RETAIL });
    expect(await stored()).toBe(0);
    expect((await trending()).text).toBe('global:*');

    // The k-th user makes the group large enough.
    await p.features.ingestEvents({ events: [event(RETAIL, users[k - 1], item, { region })] });
    await p.features.refreshAggregates({ tenantId: RETAIL });
    expect(await stored()).toBeGreaterThan(0);
    const regional = await trending();
    expect(regional.text).toBe(`region:${region}`);
    expect(Object.keys(regional.weights)).toEqual([item]);
  });

  it('rejects malformed events one by one without losing the valid ones of the same batch', async () => {
    const userId = 'batch-user';
    await consent(RETAIL, userId);
    const item = p.data.items[1].itemId;
    const events = [
      event(RETAIL, userId, item),
      event(RETAIL, userId, ''),
      event(RETAIL, userId, item, { eventType: 'teleport' }),
      event(RETAIL, userId, item, { timestampMs: now() + 3_600_000 }),
      event(RETAIL, userId, item, { eventType: 'view' }),
      event(RETAIL, userId, 'no-such-item'),
    ];
    const result = await p.features.ingestEvents({ events });
    expect(result).toMatchObject({ accepted: 2, rejected: 4, storedPersonal: 2 });
    expect(result.rejections.map((r) => r.index)).toEqual([1, 2, 3, 5]);
    expect(result.rejections.map((r) => r.reason)).toEqual([
      'item_id is required',
      expect.stringContaining('event_type must be one of'),
      'timestamp_ms is in the future',
      'item_id is not in the tenant catalog',
    ]);
    const rows = await p.db.query(`SELECT event_type FROM features.event WHERE tenant_id = $1 AND subject_pid = $2 ORDER BY event_type`, [
      RETAIL,
      pseudonymizer.userPid(RETAIL, userId),
    ]);
    expect(rows.rows).toEqual([{ event_type: 'click' }, { event_type: 'view' }]);
  });

  it('stores behaviour only while personalization is allowed, and refuses a batch when consent-service cannot answer', async () => {
    const userId = 'switch-user';
    const stored = async () =>
      Number(
        (
          await p.db.query(`SELECT count(*) AS n FROM features.event WHERE tenant_id = $1 AND subject_pid = $2`, [
            RETAIL,
            pseudonymizer.userPid(RETAIL, userId),
          ])
        ).rows[0].n,
      );
    await consent(RETAIL, userId);
    await p.consent.applyUserControl({ tenantId: RETAIL, userId, control: UserControl.TURN_OFF_PERSONALIZATION, targetId: '' });
    expect(await p.features.ingestEvents({ events: [event(RETAIL, userId, p.data.items[0].itemId)] })).toMatchObject({
      accepted: 1,
      storedPersonal: 0,
    });
    await p.consent.applyUserControl({ tenantId: RETAIL, userId, control: UserControl.TURN_ON_PERSONALIZATION, targetId: '' });
    expect(await p.features.ingestEvents({ events: [event(RETAIL, userId, p.data.items[0].itemId)] })).toMatchObject({
      accepted: 1,
      storedPersonal: 1,
    });
    expect(await stored()).toBe(1);

    const port = p.stack.metricsPort('feature-gateway');
    const fallbacksBefore = await metricValue(port, 'consent_unknown_fallback_count', { caller: 'ingestion' });
    await p.stack.stopApp('consent-service');
    try {
      // Nothing is assumed and nothing is written: the batch is refused so the producer retries it.
      await expect(p.features.ingestEvents({ events: [event(RETAIL, userId, p.data.items[1].itemId)] })).rejects.toMatchObject({
        code: status.UNAVAILABLE,
      });
    } finally {
      await p.stack.startApp('consent-service');
    }
    expect(await stored()).toBe(1);
    expect(await metricValue(port, 'consent_unknown_fallback_count', { caller: 'ingestion' })).toBeGreaterThan(fallbacksBefore);
  }, 30_000);

  it('keeps anonymous session events only in Redis, under a pseudonymous id, with a 24 h TTL', async () => {
    const anonymousId = 'visitor-cookie-123';
    const item = p.data.items[2].itemId;
    const result = await p.features.ingestEvents({ events: [event(RETAIL, '', item, { anonymousId, eventType: 'view' })] });
    expect(result).toMatchObject({ accepted: 1, storedPersonal: 0 });
    const pid = pseudonymizer.anonymousPid(RETAIL, anonymousId);
    const redis = new Redis(p.stack.env.REDIS_URL!);
    try {
      const key = sessionStateKey({ namespace: p.stack.env.KEY_NAMESPACE! }, RETAIL, pid);
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(86_000_000);
      expect(ttl).toBeLessThanOrEqual(86_400_000);
      expect(JSON.parse((await redis.get(key))!)).toEqual([expect.objectContaining({ itemId: item, eventType: 'view' })]);
      expect((await redis.keys(`${p.stack.env.KEY_NAMESPACE}:*${anonymousId}*`)).length).toBe(0);
    } finally {
      redis.disconnect();
    }
    const pg = await p.db.query(`SELECT count(*) AS n FROM features.event WHERE subject_pid IN ($1, $2)`, [pid, anonymousId]);
    expect(Number(pg.rows[0].n)).toBe(0);
  });

  it('measures features fetched for a route that the route does not consume', async () => {
    const port = p.stack.metricsPort('feature-gateway');
    const before = await metricValue(port, 'feature_fetch_total', { feature_set: 'home_contextual' });
    const reply = await p.features.getFeatures(
      featureRequest(RETAIL, { featureSet: 'home_contextual', itemIds: [p.data.items[0].itemId], deviceType: 'mobile', localHour: 8 }),
      { metadata: metadataFor(RETAIL, 'anyone', [], PrivacyMode.CONTEXTUAL_ONLY) },
    );
    expect(reply.served).toEqual(expect.arrayContaining(['device_type', 'context_local_hour']));
    expect(await metricValue(port, 'feature_fetch_total', { feature_set: 'home_contextual' })).toBe(before + reply.served.length);
    // device_type and context_local_hour are in the set but no model consumes them yet.
    expect(await metricValue(port, 'unused_feature_fetch_rate', { feature_set: 'home_contextual' })).toBeGreaterThan(0);
  });
});
