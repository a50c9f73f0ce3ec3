import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, status } from '@grpc/grpc-js';
import { recommendRequest } from '@recsys/launcher';
import {
  parseKeyring,
  PRIVACY_CONTEXT_METADATA_KEY,
  PrivacyContext,
  PrivacyContextCodec,
  PrivacyMode,
  Purpose,
} from '@recsys/privacy-context';
import { getFeatureBatchRequest, getFeaturesRequest, RankerServiceClient, rankRequest, RecommendRequest } from '@recsys/proto';
import { createGrpcClient } from '@recsys/service-kit';
import { Pseudonymizer } from '@recsys/tenant-keys';
import { waitFor } from '@recsys/testing';
import { metricValue } from './support/metrics';
import { consentingUsersByHistory, Platform, startPlatform } from './support/platform';

const TENANT = 'demo-retail';
const OTHER = 'tenant-observed';
const SERVICES = ['candidate-orchestrator', 'consent-service', 'feature-gateway', 'ranker', 'audit-service'] as const;

function request(userId: string, requestedPrivacyMode = PrivacyMode.PRIVACY_MODE_UNSPECIFIED): RecommendRequest {
  return recommendRequest(userId, { tenantId: TENANT, requestedPrivacyMode, region: 'ID-JK', deviceType: 'mobile', localHour: 9 }, 10);
}

/** A W3C traceparent with a fresh trace id, as an instrumented client would send it. */
function traced(): { traceId: string; metadata: Metadata } {
  const traceId = randomBytes(16).toString('hex');
  const metadata = new Metadata();
  metadata.set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`);
  return { traceId, metadata };
}

/** The JSON log lines of one service in this run. */
function logLines(p: Platform, app: string): Record<string, unknown>[] {
  return readFileSync(join(p.logDir, `${app}.log`), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The orchestrator's in-flight limit in this file (MAX_IN_FLIGHT_RECOMMENDS). */
const SHED_LIMIT = 2;

describe('privacy observability, end to end', () => {
  let p: Platform;
  let codec: PrivacyContextCodec;
  let pseudonymizer: Pseudonymizer;
  let ranker: ReturnType<typeof createGrpcClient<RankerServiceClient>>;
  let consenting: string[];
  let declining: string[];
  const orchestrator = () => p.stack.metricsPort('candidate-orchestrator');
  const gateway = () => p.stack.metricsPort('feature-gateway');
  /** A metric summed over every service. */
  const everywhere = async (name: string, labels: Record<string, string> = {}) =>
    (await Promise.all(SERVICES.map((s) => metricValue(p.stack.metricsPort(s), name, labels)))).reduce((a, b) => a + b, 0);

  /** A signed context as the orchestrator would send it, for `contextTenant`. */
  function contextFor(contextTenant: string, userId: string, signer = codec): Metadata {
    const now = Date.now();
    const context: PrivacyContext = {
      tenantId: contextTenant,
      subjectPid: pseudonymizer.userPid(contextTenant, userId),
      mode: PrivacyMode.PERSONALIZED,
      purposes: [Purpose.PERSONALIZATION],
      consentVersion: '1',
      policyVersion: 'e2e',
      requestId: 'e2e-observability',
      issuedAtMs: now,
      expiresAtMs: now + 60_000,
    };
    const metadata = new Metadata();
    metadata.set(PRIVACY_CONTEXT_METADATA_KEY, signer.encode(context));
    return metadata;
  }

  beforeAll(async () => {
    // Debug level: every handled call writes its access line (with its trace id), so there is more to scan for ids.
    // A small in-flight limit, so that load shedding can be seen (every other test sends one Recommend at a time).
    p = await startPlatform('redis', { LOG_LEVEL: 'debug', MAX_IN_FLIGHT_RECOMMENDS: String(SHED_LIMIT) });
    codec = new PrivacyContextCodec(parseKeyring(p.stack.env.PRIVACY_CONTEXT_KEYS!));
    pseudonymizer = new Pseudonymizer(p.stack.env.PSEUDONYM_SECRET!);
    ranker = createGrpcClient<RankerServiceClient>('RankerService', p.stack.address('ranker'), 10_000);
    consenting = consentingUsersByHistory(p.data);
    declining = p.data.users.filter((u) => !u.consentPersonalization).map((u) => u.userId);
  }, 180_000);

  afterAll(async () => {
    ranker?.close();
    await p?.close();
  }, 60_000);

  it('counts a consenting user’s Recommend as PERSONALIZED with consent granted', async () => {
    const labels = { mode: 'PERSONALIZED', consent: 'granted' };
    const before = await metricValue(orchestrator(), 'personalized_request_count_by_consent', labels);
    const answer = await p.recommend.recommend(request(consenting[0]));
    expect(answer.privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
    expect(await metricValue(orchestrator(), 'personalized_request_count_by_consent', labels)).toBe(before + 1);
  });

  it('sheds load: past its in-flight limit the orchestrator refuses at once with RESOURCE_EXHAUSTED, and serves again after', async () => {
    const shedBefore = await metricValue(orchestrator(), 'recommend_shed_total');
    // Users no other test asks for: an admitted answer is cached, and other tests expect uncached ones.
    const burst = consenting.slice(20, 32);
    const outcomes = await Promise.allSettled(burst.map((userId) => p.recommend.recommend(request(userId))));
    const served = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(served.length).toBeGreaterThanOrEqual(1);
    expect(served.length).toBeLessThan(burst.length);
    for (const r of refused)
      expect(r.reason).toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: expect.stringContaining(`limit of ${SHED_LIMIT}`) });
    expect(await metricValue(orchestrator(), 'recommend_shed_total')).toBe(shedBefore + refused.length);
    // Nothing is left holding a place: the next requests, one at a time, are all served.
    for (const userId of burst.slice(0, 3))
      expect((await p.recommend.recommend(request(userId))).privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
    expect(await metricValue(orchestrator(), 'recommend_in_flight')).toBe(0);
  });

  it('counts a user without consent in the fallback counter and raises the fallback rate', async () => {
    const rateBefore = await metricValue(orchestrator(), 'non_personalized_fallback_rate');
    const fallbacksBefore = await metricValue(orchestrator(), 'non_personalized_fallback_total');
    const notGrantedBefore = await metricValue(orchestrator(), 'personalized_request_count_by_consent', { consent: 'not_granted' });
    const answer = await p.recommend.recommend(request(declining[0]));
    expect(answer.privacy?.mode).not.toBe(PrivacyMode.PERSONALIZED);
    expect(
      await metricValue(orchestrator(), 'non_personalized_fallback_total', { reason: answer.privacy!.fallbackReason }),
    ).toBeGreaterThan(0);
    expect(await metricValue(orchestrator(), 'non_personalized_fallback_total')).toBe(fallbacksBefore + 1);
    expect(await metricValue(orchestrator(), 'personalized_request_count_by_consent', { consent: 'not_granted' })).toBe(
      notGrantedBefore + 1,
    );
    expect(await metricValue(orchestrator(), 'non_personalized_fallback_rate')).toBeGreaterThan(rateBefore);
  });

  it('keeps the must-be-zero metrics at 0 across normal traffic in every mode', async () => {
    for (const userId of [...consenting.slice(1, 6), ...declining.slice(1, 4)]) {
      for (const mode of [PrivacyMode.PRIVACY_MODE_UNSPECIFIED, PrivacyMode.CONTEXTUAL_ONLY, PrivacyMode.NON_PERSONALIZED]) {
        await p.recommend.recommend(request(userId, mode));
      }
    }
    await p.recommend.recommend(request(''));
    expect(await metricValue(orchestrator(), 'personalized_request_count_by_consent', { mode: 'NON_PERSONALIZED' })).toBeGreaterThan(0);
    expect(await metricValue(gateway(), 'features_fetched_per_request_count')).toBeGreaterThan(0);
    expect({
      profileFetchInNonPersonalizedMode: await everywhere('profile_fetch_in_non_personalized_mode'),
      deletedUserProfileHits: await everywhere('deleted_user_profile_hit_count'),
      tenantBoundaryViolations: await everywhere('tenant_boundary_violation_count'),
      personalSourcesOutsidePersonalized:
        (await metricValue(orchestrator(), 'candidate_source_calls_total', { source: 'user_cf', mode: 'CONTEXTUAL_ONLY' })) +
        (await metricValue(orchestrator(), 'candidate_source_calls_total', { source: 'user_cf', mode: 'NON_PERSONALIZED' })),
    }).toEqual({
      profileFetchInNonPersonalizedMode: 0,
      deletedUserProfileHits: 0,
      tenantBoundaryViolations: 0,
      personalSourcesOutsidePersonalized: 0,
    });
  });

  it('counts a validly signed context of another tenant as a tenant boundary violation, in feature-gateway and ranker', async () => {
    const userId = consenting[0];
    const crossed = { check: 'privacy_context' };
    const gatewayBefore = await metricValue(gateway(), 'tenant_boundary_violation_count', crossed);
    const rankerBefore = await metricValue(p.stack.metricsPort('ranker'), 'tenant_boundary_violation_count', crossed);

    const features = await p.features.getFeatures(getFeaturesRequest({ tenantId: TENANT, featureSet: 'home_personalized' }), {
      metadata: contextFor(OTHER, userId),
    });
    expect(features.userFeatures).toEqual({});
    const ranked = await ranker.rank(rankRequest({ tenantId: TENANT, surface: 'home', mode: PrivacyMode.PERSONALIZED }), {
      metadata: contextFor(OTHER, userId),
    });
    expect(ranked.mode).toBe(PrivacyMode.NON_PERSONALIZED);

    expect(await metricValue(gateway(), 'tenant_boundary_violation_count', crossed)).toBe(gatewayBefore + 1);
    expect(await metricValue(p.stack.metricsPort('ranker'), 'tenant_boundary_violation_count', crossed)).toBe(rankerBefore + 1);
  });

  it('counts a batch that mixes tenants, and not a forged or missing context', async () => {
    const before = await everywhere('tenant_boundary_violation_count');
    await expect(
      p.features.getFeatureBatch(
        getFeatureBatchRequest([
          getFeaturesRequest({ tenantId: TENANT, featureSet: 'home_personalized' }),
          getFeaturesRequest({ tenantId: OTHER, featureSet: 'home_personalized' }),
        ]),
      ),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(await metricValue(gateway(), 'tenant_boundary_violation_count', { check: 'batch_tenants' })).toBeGreaterThan(0);
    expect(await everywhere('tenant_boundary_violation_count')).toBe(before + 1);

    // A context signed with a key the platform does not know, or none at all: refused, but not a tenant crossing.
    const forger = new PrivacyContextCodec(parseKeyring(`e2e:${'f'.repeat(40)}`));
    const forged = await p.features.getFeatures(getFeaturesRequest({ tenantId: TENANT, featureSet: 'home_personalized' }), {
      metadata: contextFor(TENANT, consenting[0], forger),
    });
    expect(forged.userFeatures).toEqual({});
    await p.features.getFeatures(getFeaturesRequest({ tenantId: TENANT, featureSet: 'home_personalized' }));
    expect(await everywhere('tenant_boundary_violation_count')).toBe(before + 1);
  });

  it('carries the caller’s traceparent through the orchestrator to feature-gateway and ranker, into their log lines', async () => {
    const { traceId, metadata } = traced();
    // A user no earlier test asked for: a cached answer would not reach feature-gateway and ranker.
    const answer = await p.recommend.recommend(request(consenting[10]), { metadata });
    expect(answer.fromCache).toBe(false);
    for (const app of ['candidate-orchestrator', 'consent-service', 'feature-gateway', 'ranker']) {
      await waitFor(() => logLines(p, app).some((l) => l.trace_id === traceId), 3000);
      const lines = logLines(p, app).filter((l) => l.trace_id === traceId);
      expect({ app, lines: lines.length > 0 }).toEqual({ app, lines: true });
      expect(lines.every((l) => typeof l.span_id === 'string' && /^[0-9a-f]{16}$/.test(l.span_id))).toBe(true);
    }
    // Each service handled the call in a span of its own within the one trace.
    const spans = ['feature-gateway', 'ranker'].map((app) => logLines(p, app).find((l) => l.trace_id === traceId)!.span_id);
    expect(new Set(spans).size).toBe(2);
  }, 20_000);

  it('starts a trace per request when the caller sends none', async () => {
    await p.recommend.recommend(request(consenting[2]));
    await p.recommend.recommend(request(consenting[2]));
    const traces = logLines(p, 'candidate-orchestrator')
      .filter((l) => l.msg === 'rpc' && l.rpc === 'recsys.v1.RecommendationService/Recommend')
      .slice(-2)
      .map((l) => l.trace_id);
    expect(traces).toHaveLength(2);
    expect(traces[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(traces[1]).not.toBe(traces[0]);
  });

  it('logs an anonymous visitor’s events without the raw anonymous id (checked with every other id when the platform closes)', async () => {
    const anonymousId = `observed-device-${randomBytes(4).toString('hex')}`;
    p.trackRawId('anonymous id', anonymousId);
    const item = p.data.items[0].itemId;
    await p.features.ingestEvents({
      events: [
        {
          tenantId: TENANT,
          userId: '',
          anonymousId,
          itemId: item,
          eventType: 'view',
          timestampMs: Date.now() - 1000,
          sessionId: '',
          region: 'ID-JK',
        },
      ],
    });
    const answer = await p.recommend.recommend({ ...request(''), subject: { userId: '', anonymousId } });
    expect(answer.items.length).toBeGreaterThan(0);
  });
});
