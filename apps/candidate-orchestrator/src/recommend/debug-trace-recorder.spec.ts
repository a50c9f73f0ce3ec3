import pino from 'pino';
import { loadRegistry } from '@recsys/feature-registry';
import { PrivacyContext, PrivacyMode, Purpose } from '@recsys/privacy-context';
import { featureValue, RecordDebugTracesRequest } from '@recsys/proto';
import { DebugTraceDocument, ServiceMetrics, traceView } from '@recsys/service-kit';
import { DebugTraceRecorder, TraceInput } from './debug-trace-recorder';

const registry = loadRegistry();
const USER_ID = 'alice.example-user-42';
const PID = 'u_AbCdEfGhIjKlMnOpQrStUv';
const value = featureValue;

function input(): TraceInput {
  const context: PrivacyContext = {
    tenantId: 'acme',
    subjectPid: PID,
    mode: PrivacyMode.PERSONALIZED,
    purposes: [Purpose.PERSONALIZATION],
    consentVersion: '3',
    policyVersion: 'p1',
    requestId: 'req-1',
    issuedAtMs: 0,
    expiresAtMs: 1,
  };
  return {
    command: {
      tenantId: 'acme',
      userId: USER_ID,
      anonymousId: '',
      surface: 'home',
      requestedMode: PrivacyMode.PRIVACY_MODE_UNSPECIFIED,
      region: 'ID-JK',
      locale: 'id-ID',
      deviceType: 'mobile',
      localHour: 9,
      seedItemId: '',
      query: 'rash on my arm pharmacy',
      sessionId: 's-77',
      globalPrivacyControl: false,
      limit: 2,
    },
    context,
    response: {
      requestId: 'req-1',
      items: [{ itemId: 'i1', score: 0.9, reasonCode: 'BECAUSE_YOU_VIEWED', reasonText: '', source: 'user_cf', explanation: '' }],
      privacy: {
        mode: PrivacyMode.PERSONALIZED,
        consentVersion: '3',
        policyVersion: 'p1',
        fallbackReason: '',
        sourcesUsed: ['user_cf'],
        featureSet: [],
        rankingRoute: 'home_personalized',
        featureSetName: 'home_personalized',
      },
      fromCache: false,
      experiment: '',
      variant: '',
    },
    sources: [{ name: 'user_cf', ok: true, candidates: 120 }],
    features: {
      user_recent_items: value({ weights: { 'item-secret-1': 0.9 } }),
      user_embedding: value({ vector: [0.1, 0.2, 0.3] }),
      user_category_affinity_30d: value({ weights: { pharmacy: 0.8 } }),
      recent_click_count: value({ number: 17 }),
      device_type: value({ text: 'mobile' }),
      context_local_hour: value({ number: 9 }),
    },
    modelVersion: 'v7',
  };
}

describe(DebugTraceRecorder.name, () => {
  const sent: RecordDebugTracesRequest[] = [];
  const recorder = new DebugTraceRecorder(
    registry,
    { recordDebugTraces: (req) => Promise.resolve(void sent.push(req)).then(() => ({ stored: req.traces.length })) },
    new ServiceMetrics('trace-spec'),
    pino({ level: 'silent' }),
    { sampleRate: 1, timeoutMs: 100 },
  );

  it('stores no raw or pseudonymous id, no query text and no masked value; hidden features are not even named', async () => {
    recorder.maybeRecord(input());
    await Promise.resolve();
    expect(sent).toHaveLength(1);
    const bytes = sent[0].traces[0].traceJson;
    for (const secret of [USER_ID, PID, 'rash', 'pharmacy', 'item-secret-1', 's-77', 'user_embedding', '0.2'])
      expect(bytes).not.toContain(secret);
    const doc = JSON.parse(bytes) as DebugTraceDocument;
    expect(doc.subject_hash).toMatch(/^h_[A-Za-z0-9_-]{22}$/);
    expect(doc.request.query_chars).toBe(23);
    expect(doc.hidden_features).toBe(1);
    const byName = Object.fromEntries(doc.features.map((f) => [f.name, f]));
    expect(byName.user_recent_items).toMatchObject({ masked: true, visibility: 'restricted' });
    expect(byName.user_recent_items.value).toBeUndefined();
    expect(byName.user_category_affinity_30d).toMatchObject({ masked: true, sensitive_inference: true });
    expect(byName.user_category_affinity_30d.value).toBeUndefined();
    expect(byName.recent_click_count).toMatchObject({ masked: false, value: 17 });
    expect(byName.device_type).toMatchObject({ value: 'mobile' });
  });

  it('gives each role its view: names only, non-personal values, values the stated purpose allows', () => {
    const doc = recorder.build(input());
    const values = (view: Record<string, unknown>) =>
      Object.fromEntries((view.features as { name: string; value?: unknown }[]).filter((f) => 'value' in f).map((f) => [f.name, f.value]));
    expect(values(traceView(doc, 'viewer'))).toEqual({});
    expect(traceView(doc, 'viewer')).not.toHaveProperty('subject_hash');
    expect((traceView(doc, 'viewer').privacy as Record<string, unknown>).consent_version).toBeUndefined();
    expect(values(traceView(doc, 'engineer'))).toEqual({ context_local_hour: 9, device_type: 'mobile' });
    expect(values(traceView(doc, 'privacy_officer', 'personalization'))).toEqual({
      context_local_hour: 9,
      device_type: 'mobile',
      recent_click_count: 17,
    });
    expect(values(traceView(doc, 'privacy_officer', 'quality_monitoring'))).toEqual({ context_local_hour: 9, device_type: 'mobile' });
    expect(traceView(doc, 'privacy_officer', 'personalization')).toMatchObject({
      privacy: { consent_version: '3', purposes: ['PERSONALIZATION'] },
    });
  });

  it('samples: a rate of 0 records nothing', async () => {
    const none: RecordDebugTracesRequest[] = [];
    const off = new DebugTraceRecorder(
      registry,
      { recordDebugTraces: (req) => Promise.resolve(void none.push(req)).then(() => ({ stored: 0 })) },
      new ServiceMetrics('trace-spec-off'),
      pino({ level: 'silent' }),
      { sampleRate: 0, timeoutMs: 100 },
    );
    for (let i = 0; i < 50; i++) off.maybeRecord(input());
    await Promise.resolve();
    expect(none).toEqual([]);
  });
});
