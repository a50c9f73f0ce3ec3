import { status } from '@grpc/grpc-js';
import { isPersonalClass, loadRegistry } from '@recsys/feature-registry';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { healthStatus, recommendRequest, repoRoot, SERVICE_NODE_FLAGS, SERVICES } from '@recsys/launcher';
import { PrivacyMode, Purpose, RecommendRequest, RecommendResponse, RequestContext, UserControl } from '@recsys/proto';
import { Pseudonymizer } from '@recsys/tenant-keys';
import { waitFor } from '@recsys/testing';
import { listServicesByReflection } from './support/grpc-probes';
import { metricLines, metricValue } from './support/metrics';
import { CacheMode, consentingUsersByHistory, Platform, startPlatform } from './support/platform';

const TENANT = 'demo-retail';
const registry = loadRegistry();
const personalSources = [...registry.sources.values()].filter((s) => s.requires_personal_data).map((s) => s.name);
const personalFeatures = [...registry.features.values()].filter((f) => isPersonalClass(f.privacy_class)).map((f) => f.name);

function request(userId: string, context: Partial<RequestContext> = {}, limit = 10): RecommendRequest {
  return recommendRequest(
    userId,
    { tenantId: TENANT, region: 'ID-JK', locale: 'id-ID', deviceType: 'mobile', localHour: 20, ...context },
    limit,
  );
}

function expectNothingPersonal(response: RecommendResponse): void {
  const privacy = response.privacy!;
  expect(privacy.sourcesUsed.filter((s) => personalSources.includes(s))).toEqual([]);
  expect(privacy.featureSet.filter((f) => personalFeatures.includes(f))).toEqual([]);
  expect(response.items.filter((i) => personalSources.includes(i.source))).toEqual([]);
}

describe.each<CacheMode>(['redis', 'embedded'])('the platform end to end (%s cache)', (mode) => {
  let p: Platform;
  let users: string[];
  const port = (app: (typeof SERVICES)[number]['app']) => p.stack.metricsPort(app);

  beforeAll(async () => {
    p = await startPlatform(mode);
    // Consenting users with the most history: user_cf has something to work with.
    users = consentingUsersByHistory(p.data);
  }, 120_000);

  afterAll(async () => {
    await p?.close();
  }, 60_000);

  it('serves grpc.health.v1 and server reflection on all five services', async () => {
    for (const s of SERVICES) {
      expect(await healthStatus(p.stack.address(s.app), s.service)).toBe('SERVING');
      expect(await listServicesByReflection(p.stack.address(s.app))).toEqual(expect.arrayContaining([s.service, 'grpc.health.v1.Health']));
    }
  });

  it('runs every service with the serving Node flags, as the container image does', () => {
    expect(SERVICE_NODE_FLAGS).toEqual(
      expect.arrayContaining(['--no-flush-bytecode', '--initial-old-space-size=256', '--no-memory-reducer']),
    );
    for (const s of SERVICES) {
      // What the running process was started with, as the kernel has it.
      const argv = readFileSync(`/proc/${p.stack.apps.get(s.app)!.process.pid}/cmdline`, 'utf8').split('\0');
      for (const flag of SERVICE_NODE_FLAGS) expect(argv).toContain(flag);
    }
    const entrypoint = readFileSync(join(repoRoot(), 'docker', 'entrypoint.sh'), 'utf8');
    expect(entrypoint).toContain(`exec node ${SERVICE_NODE_FLAGS.join(' ')} "$main"`);
  });

  it('gives a consenting user PERSONALIZED results from personal sources', async () => {
    const before = await metricValue(port('feature-gateway'), 'profile_store_reads_total', { mode: 'PERSONALIZED' });
    const response = await p.recommend.recommend(request(users[0]));
    expect(response.privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
    expect(response.privacy?.sourcesUsed).toContain('user_cf');
    expect(response.privacy?.featureSet).toContain('user_category_affinity_30d');
    expect(response.privacy?.rankingRoute).toBe('home_personalized');
    expect(response.items.length).toBe(10);
    expect(response.items.some((i) => i.source === 'user_cf')).toBe(true);
    expect(await metricValue(port('feature-gateway'), 'profile_store_reads_total', { mode: 'PERSONALIZED' })).toBeGreaterThan(before);
    // Every RPC is timed per method and status code.
    expect(
      await metricValue(port('candidate-orchestrator'), 'grpc_server_handling_seconds_count', { method: 'Recommend', code: 'OK' }),
    ).toBeGreaterThan(0);
    expect(
      await metricValue(port('feature-gateway'), 'grpc_server_handling_seconds_count', { method: 'GetFeatureBatch', code: 'OK' }),
    ).toBeGreaterThan(0);
  });

  it('never reads the profile store nor runs a personal source for a non-personalized request (seed §38)', async () => {
    const userId = users[1];
    const readsBefore = await metricValue(port('feature-gateway'), 'profile_store_reads_total');
    const userCfBefore = await metricValue(port('candidate-orchestrator'), 'candidate_source_calls_total', { source: 'user_cf' });
    const response = await p.recommend.recommend(request(userId, { requestedPrivacyMode: PrivacyMode.NON_PERSONALIZED }));
    expect(response.privacy?.mode).toBe(PrivacyMode.NON_PERSONALIZED);
    expect(response.privacy?.rankingRoute).toBe('home_non_personal');
    expect(response.items.length).toBeGreaterThan(0);
    expectNothingPersonal(response);
    for (const source of response.privacy!.sourcesUsed)
      expect(registry.sources.get(source)?.allowed_privacy_modes).toContain('non_personalized');
    expect(await metricValue(port('feature-gateway'), 'profile_store_reads_total')).toBe(readsBefore);
    expect(await metricValue(port('feature-gateway'), 'profile_fetch_in_non_personalized_mode')).toBe(0);
    expect(await metricValue(port('candidate-orchestrator'), 'candidate_source_calls_total', { source: 'user_cf' })).toBe(userCfBefore);
    expect(await metricLines(port('candidate-orchestrator'), 'candidate_source_calls_total')).not.toEqual(
      expect.arrayContaining([
        expect.stringMatching(/source="user_cf".*mode="NON_PERSONALIZED"|mode="NON_PERSONALIZED".*source="user_cf"/),
      ]),
    );
  });

  it('serves CONTEXTUAL_ONLY with nothing personal right after consent is withdrawn, never a cached personal answer', async () => {
    const userId = users[2];
    const first = await p.recommend.recommend(request(userId));
    expect(first.privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
    expect((await p.recommend.recommend(request(userId))).fromCache).toBe(true);
    const invalidationsBefore = await metricValue(port('candidate-orchestrator'), 'recommendation_cache_invalidations_total');

    const state = await p.consent.setConsent({
      tenantId: TENANT,
      userId,
      grants: [{ purpose: Purpose.PERSONALIZATION, granted: false }],
      source: 'e2e',
    });
    expect(Number(state.consentVersion)).toBeGreaterThan(Number(first.privacy!.consentVersion));

    const after = await p.recommend.recommend(request(userId));
    expect(after.fromCache).toBe(false);
    expect(after.privacy?.mode).toBe(PrivacyMode.CONTEXTUAL_ONLY);
    expect(after.privacy?.consentVersion).toBe(state.consentVersion);
    expect(after.privacy?.fallbackReason).toBe('no_personalization_consent');
    expectNothingPersonal(after);
    // The invalidation message crossed processes (Redis pub/sub or PostgreSQL NOTIFY).
    await waitFor(
      async () => (await metricValue(port('candidate-orchestrator'), 'recommendation_cache_invalidations_total')) > invalidationsBefore,
      5000,
    );
  });

  it('never shows a hidden item or an item of a blocked creator again, in any mode', async () => {
    const userId = users[3];
    const before = await p.recommend.recommend(request(userId, {}, 20));
    const hidden = before.items[0].itemId;
    const creatorOf = (itemId: string) => p.data.items.find((i) => i.itemId === itemId)!.creatorId;
    const blockedCreator = creatorOf(before.items[1].itemId);
    await p.consent.applyUserControl({ tenantId: TENANT, userId, control: UserControl.HIDE_ITEM, targetId: hidden });
    await p.consent.applyUserControl({ tenantId: TENANT, userId, control: UserControl.BLOCK_CREATOR, targetId: blockedCreator });
    for (const requestedPrivacyMode of [PrivacyMode.PRIVACY_MODE_UNSPECIFIED, PrivacyMode.CONTEXTUAL_ONLY, PrivacyMode.NON_PERSONALIZED]) {
      const after = await p.recommend.recommend(request(userId, { requestedPrivacyMode }, 50));
      expect(after.items.length).toBeGreaterThan(0);
      expect(after.items.map((i) => i.itemId)).not.toContain(hidden);
      expect(after.items.map((i) => creatorOf(i.itemId))).not.toContain(blockedCreator);
    }
  });

  it('personalizes a new user within seconds of consent and first events, and stores no behaviour without consent', async () => {
    const newUser = `e2e-new-${mode}`;
    const declined = `e2e-declined-${mode}`;
    const { rows } = await p.db.query(
      `SELECT item_id FROM features.item_neighbor WHERE tenant_id = $1 GROUP BY item_id ORDER BY count(*) DESC, item_id LIMIT 5`,
      [TENANT],
    );
    const seeds = rows.map((r: { item_id: string }) => r.item_id);
    expect(seeds.length).toBeGreaterThan(0);
    await p.consent.setConsent({
      tenantId: TENANT,
      userId: newUser,
      grants: [{ purpose: Purpose.PERSONALIZATION, granted: true }],
      source: 'e2e',
    });
    await p.consent.setConsent({
      tenantId: TENANT,
      userId: declined,
      grants: [{ purpose: Purpose.PERSONALIZATION, granted: false }],
      source: 'e2e',
    });
    const now = Date.now();
    const events = [newUser, declined].flatMap((userId) =>
      seeds.map((itemId, i) => ({
        tenantId: TENANT,
        userId,
        anonymousId: '',
        itemId,
        eventType: 'click',
        timestampMs: now - 1000 * (i + 1),
        sessionId: 's1',
        region: 'ID-JK',
      })),
    );
    const result = await p.features.ingestEvents({ events });
    expect(result).toMatchObject({ accepted: events.length, rejected: 0, storedPersonal: seeds.length });

    const started = Date.now();
    const response = await p.recommend.recommend(request(newUser));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(response.privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
    expect(response.items.some((i) => i.source === 'user_cf')).toBe(true);

    // What the real store holds: the consenting user's events under a pseudonymous id, nothing of the other.
    const pseudonymizer = new Pseudonymizer(p.stack.env.PSEUDONYM_SECRET!);
    const stored = async (userId: string) =>
      Number(
        (
          await p.db.query(`SELECT count(*) FROM features.event WHERE tenant_id = $1 AND subject_pid = $2`, [
            TENANT,
            pseudonymizer.userPid(TENANT, userId),
          ])
        ).rows[0].count,
      );
    expect(await stored(newUser)).toBe(seeds.length);
    expect(await stored(declined)).toBe(0);
    const raw = await p.db.query(`SELECT count(*) FROM features.event WHERE subject_pid IN ($1, $2)`, [newUser, declined]);
    expect(Number(raw.rows[0].count)).toBe(0);
  });

  it('rejects bad input with INVALID_ARGUMENT before anything runs', async () => {
    const callsBefore = await metricValue(port('candidate-orchestrator'), 'candidate_source_calls_total');
    const noTenant = request(users[0], { tenantId: '' });
    await expect(p.recommend.recommend(noTenant)).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('tenant_id is required'),
    });
    const unknownMode = request(users[0], { requestedPrivacyMode: 7 as unknown as PrivacyMode });
    await expect(p.recommend.recommend(unknownMode)).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('requested_privacy_mode'),
    });
    await expect(p.recommend.recommend(request(users[0], {}, 1000))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('limit'),
    });
    expect(await metricValue(port('candidate-orchestrator'), 'candidate_source_calls_total')).toBe(callsBefore);
  });

  it('writes decision records to audit-service with pseudonymous targets only', async () => {
    await p.recommend.recommend(request(users[4]));
    let records: Awaited<ReturnType<Platform['audit']['queryRecords']>>['records'] = [];
    await waitFor(async () => {
      records = (await p.audit.queryRecords({ tenantId: TENANT, action: 'recommend.decision', target: '', limit: 1000 })).records;
      return records.length > 0;
    }, 5000);
    const consentRecords = (await p.audit.queryRecords({ tenantId: TENANT, action: 'consent.set', target: '', limit: 10 })).records;
    expect(consentRecords.length).toBeGreaterThan(0);
    const text = JSON.stringify([...records, ...consentRecords]);
    for (const u of p.data.users) expect(text).not.toContain(`"${u.userId}"`);
    expect(records[0].target).toMatch(/^u_[A-Za-z0-9_-]{22}$|^anon$/);
    expect(JSON.parse(records[0].detailsJson)).toEqual(
      expect.objectContaining({ mode: expect.any(String), sourcesUsed: expect.any(Array) }),
    );
  });

  it('answers CONTEXTUAL_ONLY with a fallback reason, not an error, when consent-service is down', async () => {
    const fallbacksBefore = await metricValue(port('candidate-orchestrator'), 'consent_unknown_fallback_count');
    await p.stack.stopApp('consent-service');
    try {
      const response = await p.recommend.recommend(request(users[0]));
      expect(response.privacy?.mode).toBe(PrivacyMode.CONTEXTUAL_ONLY);
      expect(response.privacy?.fallbackReason).toBe('consent_unavailable');
      expect(response.items.length).toBeGreaterThan(0);
      expectNothingPersonal(response);
      expect(await metricValue(port('candidate-orchestrator'), 'consent_unknown_fallback_count')).toBeGreaterThan(fallbacksBefore);
    } finally {
      await p.stack.startApp('consent-service');
    }
    // Recovery: once the orchestrator's channel reconnects (gRPC backoff), consent is honoured again.
    await waitFor(async () => (await p.recommend.recommend(request(users[0]))).privacy?.mode === PrivacyMode.PERSONALIZED, 15_000, 200);
  }, 30_000);
});
