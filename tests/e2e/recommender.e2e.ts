import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { isPersonalClass, loadRegistry } from '@recsys/feature-registry';
import { parseKeyring, PRIVACY_CONTEXT_METADATA_KEY, PrivacyContext, PrivacyContextCodec } from '@recsys/privacy-context';
import { recommendRequest } from '@recsys/launcher';
import {
  getFeatureBatchRequest,
  getFeaturesRequest,
  PrivacyMode,
  Purpose,
  RecommendRequest,
  RequestContext,
  UserControl,
} from '@recsys/proto';
import { Pseudonymizer } from '@recsys/tenant-keys';
import { waitFor } from '@recsys/testing';
import { metricValue } from './support/metrics';
import { consentingUsersByHistory, Platform, startPlatform } from './support/platform';

const TENANT = 'demo-retail';
const registry = loadRegistry();
const PERSONAL_SOURCES = [...registry.sources.values()].filter((s) => s.requires_personal_data).map((s) => s.name);
/** The gateway-side candidate features of the personal sources: computing one is the source doing its work. */
const PERSONAL_RETRIEVALS = ['user_cf_items', 'user_two_tower_items'];

describe('candidate sources, trained routes and governed training, end to end', () => {
  let p: Platform;
  let pseudonymizer: Pseudonymizer;
  let users: string[];
  let killSwitchDir: string;
  const gateway = () => p.stack.metricsPort('feature-gateway');
  const orchestrator = () => p.stack.metricsPort('candidate-orchestrator');
  const request = (userId: string, context: Partial<RequestContext> = {}, limit = 20): RecommendRequest =>
    recommendRequest(userId, { tenantId: TENANT, region: 'ID-JK', deviceType: 'mobile', localHour: 20, ...context }, limit);
  const retrievals = async (feature: string) => metricValue(gateway(), 'candidate_retrievals_total', { feature });
  const sourceCalls = async (source: string) => metricValue(orchestrator(), 'candidate_source_calls_total', { source });
  const categoryOf = (itemId: string) => p.data.items.find((i) => i.itemId === itemId)!.category;
  /** Call metadata with a privacy context signed as the orchestrator signs it, for direct calls to feature-gateway. */
  const signed = (mode: PrivacyContext['mode'], subjectPid: string, purposes: Purpose[]) => {
    const codec = new PrivacyContextCodec(parseKeyring(p.stack.env.PRIVACY_CONTEXT_KEYS!));
    const metadata = new Metadata();
    const now = Date.now();
    const consentVersion = subjectPid ? '1' : '0';
    const context = { tenantId: TENANT, subjectPid, mode, purposes, consentVersion, policyVersion: 'e2e', requestId: 'e2e' };
    metadata.set(PRIVACY_CONTEXT_METADATA_KEY, codec.encode({ ...context, issuedAtMs: now, expiresAtMs: now + 60_000 }));
    return metadata;
  };

  beforeAll(async () => {
    killSwitchDir = mkdtempSync(join(tmpdir(), 'e2e-kill-'));
    p = await startPlatform('redis', { KILL_SWITCH_FILE: join(killSwitchDir, 'kill-switches.yaml'), KILL_SWITCH_POLL_MS: '200' });
    pseudonymizer = new Pseudonymizer(p.stack.env.PSEUDONYM_SECRET!);
    users = consentingUsersByHistory(p.data);
  }, 180_000);

  afterAll(async () => {
    await p?.close();
    rmSync(killSwitchDir, { recursive: true, force: true });
  }, 60_000);

  it('serves PERSONALIZED answers from the trained user_cf and user_two_tower sources and the tenant’s trained ranker', async () => {
    const trainedBefore = await metricValue(p.stack.metricsPort('ranker'), 'ranker_requests_total', {
      route: 'home_personalized',
      origin: 'trained',
    });
    const sources = new Set<string>();
    for (const userId of users.slice(0, 5)) {
      const response = await p.recommend.recommend(request(userId));
      expect(response.privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
      expect(response.privacy?.sourcesUsed).toEqual(expect.arrayContaining(['user_cf', 'user_two_tower']));
      // The decision names what the sources were served too, not only the ranking features.
      expect(response.privacy?.featureSet).toEqual(
        expect.arrayContaining(['user_cf_items', 'user_two_tower_items', 'user_category_affinity_30d']),
      );
      response.items.forEach((i) => sources.add(i.source));
      // Business rules after scoring (config/surfaces.yaml, home): ≤ 2 items per creator, ≤ 4 per category.
      const count = (key: (itemId: string) => string) => {
        const counts = new Map<string, number>();
        for (const i of response.items) counts.set(key(i.itemId), (counts.get(key(i.itemId)) ?? 0) + 1);
        return Math.max(...counts.values());
      };
      expect(count((id) => p.data.items.find((i) => i.itemId === id)!.creatorId)).toBeLessThanOrEqual(2);
      expect(count(categoryOf)).toBeLessThanOrEqual(4);
      expect(response.items.length).toBe(20);
    }
    expect(sources).toContain('user_cf');
    expect(sources).toContain('user_two_tower');
    expect(
      await metricValue(p.stack.metricsPort('ranker'), 'ranker_requests_total', { route: 'home_personalized', origin: 'trained' }),
    ).toBeGreaterThan(trainedBefore);
  });

  it.each([
    ['CONTEXTUAL_ONLY', PrivacyMode.CONTEXTUAL_ONLY],
    ['NON_PERSONALIZED', PrivacyMode.NON_PERSONALIZED],
  ] as const)('never runs a personal source in %s: neither the orchestrator nor the gateway saw a call', async (_, mode) => {
    const before = await Promise.all([...PERSONAL_SOURCES.map(sourceCalls), ...PERSONAL_RETRIEVALS.map(retrievals)]);
    for (const userId of users.slice(0, 5)) {
      const response = await p.recommend.recommend(request(userId, { requestedPrivacyMode: mode, seedItemId: p.data.items[3].itemId }));
      expect(response.privacy?.mode).toBe(mode);
      expect(response.privacy?.sourcesUsed.filter((s) => PERSONAL_SOURCES.includes(s))).toEqual([]);
      expect(response.items.filter((i) => PERSONAL_SOURCES.includes(i.source))).toEqual([]);
      expect(response.privacy?.featureSet.filter((f) => isPersonalClass(registry.features.get(f)!.privacy_class))).toEqual([]);
    }
    const after = await Promise.all([...PERSONAL_SOURCES.map(sourceCalls), ...PERSONAL_RETRIEVALS.map(retrievals)]);
    expect(after).toEqual(before);
    expect(await metricValue(gateway(), 'profile_fetch_in_non_personalized_mode')).toBe(0);
  });

  it('runs content_similar on the item being viewed in CONTEXTUAL_ONLY, and its candidates share the item’s content', async () => {
    const seed = p.data.items[10];
    const before = await retrievals('content_similar_items');
    const response = await p.recommend.recommend(
      request(users[0], { requestedPrivacyMode: PrivacyMode.CONTEXTUAL_ONLY, seedItemId: seed.itemId }),
    );
    expect(response.privacy?.sourcesUsed).toEqual(expect.arrayContaining(['item_to_item', 'content_similar']));
    expect(await retrievals('content_similar_items')).toBe(before + 1);
    expect(response.items.map((i) => i.itemId)).not.toContain(seed.itemId);
    // What the source itself proposes, asked as the orchestrator would (signed CONTEXTUAL_ONLY context).
    const metadata = signed(PrivacyMode.CONTEXTUAL_ONLY, '', []);
    const reply = await p.features.getFeatures(
      getFeaturesRequest({ tenantId: TENANT, featureSet: 'candidates_content_similar', seedItemId: seed.itemId, candidateLimit: 20 }),
      { metadata },
    );
    const proposed = Object.keys(reply.contextFeatures.content_similar_items?.weights ?? {});
    expect(proposed.length).toBe(20);
    expect(proposed).not.toContain(seed.itemId);
    expect(proposed.filter((id) => categoryOf(id) === seed.category).length).toBe(20);
  });

  it('answers candidate lists as ranked lists when asked: the same best items, best first, scaled to the best', async () => {
    const metadata = signed(PrivacyMode.PERSONALIZED, pseudonymizer.userPid(TENANT, users[0]), [Purpose.PERSONALIZATION]);
    const limit = 15;
    const lists: [string, string, 'user' | 'context'][] = [
      ['candidates_user_cf', 'user_cf_items', 'user'],
      ['candidates_user_two_tower', 'user_two_tower_items', 'user'],
      ['candidates_content_similar', 'content_similar_items', 'context'],
      ['candidates_trending_region', 'region_popular_items', 'context'],
      ['candidates_editorial', 'editorial_items', 'context'],
    ];
    const batch = async (rankedLists: boolean) =>
      (
        await p.features.getFeatureBatch(
          getFeatureBatchRequest(
            lists.map(([featureSet]) =>
              getFeaturesRequest({
                tenantId: TENANT,
                featureSet,
                region: 'ID-JK',
                seedItemId: p.data.items[10].itemId,
                candidateLimit: limit,
                rankedLists,
              }),
            ),
          ),
          { metadata },
        )
      ).entries;
    const [asWeights, asLists] = await Promise.all([batch(false), batch(true)]);
    lists.forEach(([, feature, entity], i) => {
      const pick = (entry: (typeof asWeights)[number]) =>
        (entity === 'user' ? entry.response!.userFeatures : entry.response!.contextFeatures)[feature];
      const weights = pick(asWeights[i]);
      const ranked = pick(asLists[i]);
      expect(weights.rankedItemIds).toEqual([]);
      expect(ranked.weights).toEqual({});
      const all = Object.entries(weights.weights);
      expect(all.length).toBeGreaterThan(0);
      const max = Math.max(...all.map(([, w]) => w));
      expect(ranked.rankedItemIds).toHaveLength(Math.min(limit, all.length));
      expect(ranked.rankedScores).toHaveLength(ranked.rankedItemIds.length);
      expect(ranked.rankedScores[0]).toBeCloseTo(1, 9);
      // The two batches may be served a millisecond apart, and a user list's history weights decay with the time
      // of the call (half-life in days): ~6e-10 relative per millisecond. Well within 1e-6, far from a mis-scaling.
      ranked.rankedItemIds.forEach((id, r) => {
        // Each listed item with its own score, scaled to the best; best first.
        expect(ranked.rankedScores[r]).toBeCloseTo(weights.weights[id] / max, 6);
        if (r > 0) expect(ranked.rankedScores[r]).toBeLessThanOrEqual(ranked.rankedScores[r - 1]);
      });
      // Nothing left out scores above the last listed item.
      const listed = new Set(ranked.rankedItemIds);
      const last = ranked.rankedScores[ranked.rankedScores.length - 1] * max;
      for (const [id, w] of all) if (!listed.has(id)) expect(w).toBeLessThanOrEqual(last * (1 + 1e-6));
    });
  });

  it('follows an anonymous visitor’s session with session_intent, and never in NON_PERSONALIZED', async () => {
    const anonymousId = 'e2e-visitor-1';
    const seen = p.data.items.slice(20, 23);
    const result = await p.features.ingestEvents({
      events: seen.map((item, i) => ({
        tenantId: TENANT,
        userId: '',
        anonymousId,
        itemId: item.itemId,
        eventType: 'view',
        timestampMs: Date.now() - (3 - i) * 60_000,
        sessionId: 's-1',
        region: 'ID-JK',
      })),
    });
    expect(result.accepted).toBe(3);
    const anonymous = (mode = PrivacyMode.PRIVACY_MODE_UNSPECIFIED): RecommendRequest => ({
      ...request(''),
      subject: { userId: '', anonymousId },
      context: { ...request('').context!, requestedPrivacyMode: mode },
    });
    const before = await retrievals('session_intent_items');
    const response = await p.recommend.recommend(anonymous());
    expect(response.privacy?.mode).toBe(PrivacyMode.CONTEXTUAL_ONLY);
    expect(response.privacy?.sourcesUsed).toContain('session_intent');
    expect(await retrievals('session_intent_items')).toBe(before + 1);
    expect(response.items.some((i) => i.source === 'session_intent')).toBe(true);
    // The session's own items are not news.
    expect(response.items.map((i) => i.itemId)).not.toEqual(expect.arrayContaining([seen[2].itemId]));

    const strict = await p.recommend.recommend(anonymous(PrivacyMode.NON_PERSONALIZED));
    expect(strict.privacy?.sourcesUsed).not.toContain('session_intent');
    expect(await retrievals('session_intent_items')).toBe(before + 1);
  });

  it('never gives a personal or sensitive-inference reason on an item of a sensitive category', async () => {
    const sensitive = new Set(p.data.items.filter((i) => i.sensitive).map((i) => i.itemId));
    let personalReasons = 0;
    for (const userId of users.slice(0, 30)) {
      for (const item of (await p.recommend.recommend(request(userId))).items) {
        // user_two_tower derives from user_embedding, a sensitive inference: its reason is never shown.
        expect(item.reasonCode).not.toBe('MATCHES_INTERESTS');
        if (item.reasonCode === 'SIMILAR_TO_HISTORY') personalReasons++;
        if (sensitive.has(item.itemId)) expect(['SIMILAR_TO_HISTORY', 'RELATED_TO_SESSION']).not.toContain(item.reasonCode);
      }
    }
    expect(personalReasons).toBeGreaterThan(0);
  });

  it('builds the training dataset only from subjects with a current training grant (opt-outs excluded)', async () => {
    const consenting = p.data.users.filter((u) => u.consentPersonalization && u.consentTraining).map((u) => u.userId);
    const noGrant = p.data.users.filter((u) => u.consentPersonalization && !u.consentTraining).map((u) => u.userId);
    const optedOut = consenting.find((u) => users.slice(0, 40).includes(u))!;
    await p.consent.applyUserControl({ tenantId: TENANT, userId: optedOut, control: UserControl.OPT_OUT_TRAINING, targetId: '' });
    const [report] = await p.stack.train([TENANT], { dryRun: true });
    const subjects = new Set(report.subjects as string[]);
    const pid = (userId: string) => pseudonymizer.userPid(TENANT, userId);
    expect(subjects.has(pid(optedOut))).toBe(false);
    for (const userId of noGrant) expect(subjects.has(pid(userId))).toBe(false);
    const stillTrainable = consenting.filter((u) => u !== optedOut && subjects.has(pid(u)));
    expect(stillTrainable.length).toBeGreaterThan(10);
    const manifest = report.dataset as {
      privacy_filter_version: string;
      deletion_snapshot: string;
      excluded: { no_training_consent_subjects: number };
    };
    expect(manifest.excluded.no_training_consent_subjects).toBeGreaterThanOrEqual(1);
    expect(manifest.privacy_filter_version).toMatch(/^pf-/);
    expect(manifest.deletion_snapshot).toBeTruthy();
    // Re-granting training brings the subject back on the next build: the filter reads current consent.
    await p.consent.setConsent({
      tenantId: TENANT,
      userId: optedOut,
      source: 'e2e',
      grants: [{ purpose: Purpose.BEHAVIORAL_TRAINING, granted: true }],
    });
    const [again] = await p.stack.train([TENANT], { dryRun: true });
    expect((again.subjects as string[]).includes(pid(optedOut))).toBe(true);
    // Two runs of the training job, each its own process: more than jest's 5 s default on a busy machine.
  }, 30_000);

  it('switches a source off for one tenant at once with the kill-switch file, and back on, without a restart', async () => {
    const userId = users[2];
    const file = join(killSwitchDir, 'kill-switches.yaml');
    expect((await p.recommend.recommend(request(userId))).privacy?.sourcesUsed).toContain('user_cf');
    writeFileSync(file, `disabled: [${TENANT}/user_cf]\n`);
    // A cached answer from before the switch must not be served after it either.
    await waitFor(async () => !(await p.recommend.recommend(request(userId))).privacy?.sourcesUsed.includes('user_cf'), 5000, 100);
    const before = await retrievals('user_cf_items');
    for (const u of users.slice(0, 5)) {
      const response = await p.recommend.recommend(request(u));
      expect(response.privacy?.sourcesUsed).not.toContain('user_cf');
      expect(response.privacy?.sourcesUsed).toContain('user_two_tower');
      expect(response.items.filter((i) => i.source === 'user_cf')).toEqual([]);
    }
    expect(await retrievals('user_cf_items')).toBe(before);
    writeFileSync(file, 'disabled: []\n');
    await waitFor(async () => (await p.recommend.recommend(request(userId))).privacy?.sourcesUsed.includes('user_cf') ?? false, 5000, 100);
  });
});
