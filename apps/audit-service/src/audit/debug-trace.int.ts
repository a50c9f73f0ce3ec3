// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, TestDatabase } from '@recsys/testing';
import { DataSource } from 'typeorm';
import {
  DEBUG_TRACE_SCHEMA,
  DebugTraceDocument,
  createServiceDataSource,
  initializeServiceDataSource,
  ServiceMetrics,
  traceSubjectHash,
} from '@recsys/service-kit';
import { AUDIT_MIGRATIONS } from '../migrations';
import { AUDIT_WRITER_ROLE } from '../migrations/1765000000000-audit-chain';
import { AUDIT_ENTITIES } from './audit.entities';
import { AuditRepository } from './audit.repository';
import { DebugTraceService, parseDebugOperators } from './debug-trace.service';

const PID = 'u_AbCdEfGhIjKlMnOpQrStUv';

function trace(requestId: string, over: Partial<DebugTraceDocument> = {}): DebugTraceDocument {
  return {
    schema: DEBUG_TRACE_SCHEMA,
    request_id: requestId,
    tenant_id: 'acme',
    subject_hash: traceSubjectHash('acme', PID),
    occurred_at: new Date().toISOString(),
    request: { surface: 'home', region: 'ID-JK', device_type: 'mobile', local_hour: 9, seed_item_id: '', query_chars: 0, limit: 5 },
    privacy: { mode: 'PERSONALIZED', fallback_reason: '', consent_version: '4', policy_version: 'p', purposes: ['PERSONALIZATION'] },
    sources: [{ name: 'user_cf', ok: true, candidates: 10 }],
    features: [
      {
        name: 'recent_click_count',
        privacy_class: 'behavioral_personal',
        visibility: 'visible',
        sensitive_inference: false,
        allowed_purposes: ['personalization'],
        masked: false,
        value: 17,
      },
      {
        name: 'device_type',
        privacy_class: 'aggregate_non_personal',
        visibility: 'visible',
        sensitive_inference: false,
        allowed_purposes: ['personalization', 'quality_monitoring'],
        masked: false,
        value: 'mobile',
      },
      {
        name: 'user_recent_items',
        privacy_class: 'behavioral_personal',
        visibility: 'restricted',
        sensitive_inference: false,
        allowed_purposes: ['personalization'],
        masked: true,
      },
    ],
    hidden_features: 1,
    ranking: { route: 'home_personalized', model_version: 'v1', items: [{ item_id: 'i1', score: 1, source: 'user_cf', reason_code: 'X' }] },
    ...over,
  };
}

/** Debug traces on the real PostgreSQL: refused unless redacted, read only through a role's view, every read audited. */
describe(DebugTraceService.name, () => {
  let db: TestDatabase;
  let owner: DataSource;
  let runtime: DataSource;
  let metrics: ServiceMetrics;
  let audit: AuditRepository;
  let service: DebugTraceService;
  const store = (doc: DebugTraceDocument, occurredAtMs = Date.now()) =>
    service.record({
      traces: [{ tenantId: doc.tenant_id, requestId: doc.request_id, occurredAtMs, traceJson: JSON.stringify(doc) }],
    });
  const access = async (role: string, outcome: string) =>
    (await metrics.registry.getSingleMetric('debug_access_count')!.get()).values.find(
      (v) => v.labels.role === role && v.labels.outcome === outcome,
    )?.value ?? 0;
  const reads = async () =>
    (await audit.query('acme', { action: 'debug_trace.read', limit: 100 })).map((r) => ({
      actor: r.actor,
      details: JSON.parse(r.detailsJson),
    }));
  const view = async (role: string, reason: string) =>
    JSON.parse((await service.get({ tenantId: 'acme', requestId: 'req-1', role, reason, actor: 'ops-jane' })).traceJson) as {
      features: { name: string; value?: unknown }[];
    };
  const values = (v: { features: { name: string; value?: unknown }[] }) =>
    Object.fromEntries(v.features.filter((f) => 'value' in f).map((f) => [f.name, f.value]));

  beforeAll(async () => {
    db = await createTestDatabase('recsys_debug_trace_int');
    const options = { url: db.url, schema: 'audit', entities: AUDIT_ENTITIES, poolSize: 2, applicationName: 'int' };
    owner = await initializeServiceDataSource(createServiceDataSource({ ...options, migrations: AUDIT_MIGRATIONS }), 'audit');
    runtime = await createServiceDataSource({ ...options, migrations: [], role: AUDIT_WRITER_ROLE }).initialize();
    metrics = new ServiceMetrics('debug-trace-int');
    audit = new AuditRepository(runtime);
    service = new DebugTraceService(
      runtime,
      audit,
      metrics,
      parseDebugOperators('ops-jane:viewer|engineer|privacy_officer,ops-joe:viewer|engineer'),
    );
  }, 60_000);

  afterAll(async () => {
    await runtime?.destroy();
    await owner?.destroy();
    await db?.drop();
  });

  it('stores a redacted trace once, and refuses one that holds an id or an unmasked restricted value, storing nothing', async () => {
    expect(await store(trace('req-1'))).toBe(1);
    expect(await store(trace('req-1'))).toBe(0);
    await expect(
      store(
        trace('req-2', { ranking: { route: 'r', model_version: '', items: [{ item_id: PID, score: 1, source: 's', reason_code: 'X' }] } }),
      ),
    ).rejects.toThrow(/pseudonymous subject id/);
    const leaky = trace('req-3');
    leaky.features[2] = { ...leaky.features[2], value: { 'item-9': 1 } };
    await expect(store(leaky)).rejects.toThrow(/user_recent_items must be masked/);
    await expect(store(trace('req-4', { request: { ...trace('x').request, region: 'mail jane@example.com' } }))).rejects.toThrow(/e-mail/);
    const stored = (await owner.query(`SELECT request_id, trace::text AS bytes FROM audit.debug_trace`)) as {
      request_id: string;
      bytes: string;
    }[];
    expect(stored.map((r) => r.request_id)).toEqual(['req-1']);
    // The stored bytes: no subject id, nothing of the masked feature's value.
    expect(stored[0].bytes).not.toContain(PID);
    expect(stored[0].bytes).not.toContain('item-9');
  });

  it('shows each role exactly its view and audits every read with actor, role and reason', async () => {
    expect(values(await view('viewer', 'checking why item i1 ranked first'))).toEqual({});
    expect(values(await view('engineer', 'ranking bug RB-12'))).toEqual({ device_type: 'mobile' });
    expect(values(await view('privacy_officer', 'purpose:personalization ticket:PRIV-7'))).toEqual({
      device_type: 'mobile',
      recent_click_count: 17,
    });
    expect(values(await view('privacy_officer', 'purpose:quality_monitoring ticket:PRIV-8'))).toEqual({ device_type: 'mobile' });
    const audited = await reads();
    expect(audited).toHaveLength(4);
    expect(audited.every((r) => r.actor === 'operator:ops-jane' && r.details.outcome === 'granted')).toBe(true);
    expect(audited.map((r) => r.details.role).sort()).toEqual(['engineer', 'privacy_officer', 'privacy_officer', 'viewer']);
    expect(await access('privacy_officer', 'granted')).toBe(2);
    expect((await audit.verifyChain('acme')).intact).toBe(true);
  });

  it('refuses a read without a role, without a reason, or a privacy officer without a purpose — and audits the refusal', async () => {
    const before = (await reads()).length;
    await expect(service.get({ tenantId: 'acme', requestId: 'req-1', role: '', reason: 'curious', actor: 'ops-joe' })).rejects.toThrow(
      /role must be one of/,
    );
    await expect(service.get({ tenantId: 'acme', requestId: 'req-1', role: 'engineer', reason: '', actor: 'ops-joe' })).rejects.toThrow(
      /reason is required/,
    );
    await expect(
      service.get({ tenantId: 'acme', requestId: 'req-1', role: 'privacy_officer', reason: 'just looking', actor: 'ops-joe' }),
    ).rejects.toThrow(/purpose/);
    await expect(
      service.get({ tenantId: 'acme', requestId: 'req-1', role: 'engineer', reason: 'user jane@example.com asked', actor: 'ops-joe' }),
    ).rejects.toThrow(/never whom/);
    const after = await reads();
    expect(after.length - before).toBe(4);
    expect(after.slice(0, 4).every((r) => r.details.outcome === 'refused' && r.actor === 'operator:ops-joe')).toBe(true);
    // The refused reason with an e-mail address did not reach the append-only chain.
    expect(JSON.stringify(await audit.query('acme', { action: 'debug_trace.read', limit: 100 }))).not.toContain('jane@example.com');
    expect(await access('none', 'refused')).toBe(1);
  });

  it('deletes the subject’s traces with their decision records, and refuses a trace of theirs that arrives late', async () => {
    expect(await audit.purgeSubjectDecisions('acme', PID, traceSubjectHash('acme', PID))).toBe(1);
    expect(await audit.countSubjectDecisions('acme', PID, traceSubjectHash('acme', PID))).toBe(0);
    // Still in flight during the deletion: dated before it, so not stored.
    expect(await store(trace('req-late'), Date.now() - 60_000)).toBe(0);
    expect(await audit.countSubjectDecisions('acme', PID, traceSubjectHash('acme', PID))).toBe(0);
  });

  it('lets an operator read only in the roles DEBUG_TRACE_OPERATORS gives them', async () => {
    await store(trace('req-op'));
    await expect(
      service.get({
        tenantId: 'acme',
        requestId: 'req-op',
        role: 'privacy_officer',
        reason: 'purpose:personalization ticket:P-1',
        actor: 'ops-joe',
      }),
    ).rejects.toThrow(/may not read debug traces as privacy_officer/);
    await expect(
      service.get({ tenantId: 'acme', requestId: 'req-op', role: 'viewer', reason: 'checking', actor: 'ops-nobody' }),
    ).rejects.toThrow(/may not read/);
    expect(() => parseDebugOperators('ops-jane:root')).toThrow(/root is not one of/);
    expect(() => parseDebugOperators('ops jane')).toThrow(/not operator:role/);
  });
});
