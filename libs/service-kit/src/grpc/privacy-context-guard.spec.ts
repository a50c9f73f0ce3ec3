import pino from 'pino';
import { parseKeyring, PrivacyContext, PrivacyContextCodec, PrivacyMode, Purpose } from '@recsys/privacy-context';
import { ServiceMetrics } from '../observability/metrics';
import { PrivacyContextGuard, tenantBoundaryViolations } from './privacy-context-guard';

const NOW = 1_800_000_000_000;
const codec = new PrivacyContextCodec(parseKeyring(`k1:${'a'.repeat(32)}`));
const forger = new PrivacyContextCodec(parseKeyring(`k1:${'b'.repeat(32)}`));

function context(tenantId: string): PrivacyContext {
  return {
    tenantId,
    subjectPid: 'u_AbCdEfGhIjKlMnOpQrStUv',
    mode: PrivacyMode.PERSONALIZED,
    purposes: [Purpose.PERSONALIZATION],
    consentVersion: '3',
    policyVersion: 'p',
    requestId: 'r',
    issuedAtMs: NOW,
    expiresAtMs: NOW + 30_000,
  };
}

describe(PrivacyContextGuard.name, () => {
  let metrics: ServiceMetrics;
  let guard: PrivacyContextGuard;
  const violations = async (check?: string) =>
    (await metrics.registry.getSingleMetric('tenant_boundary_violation_count')!.get()).values
      .filter((v) => !check || v.labels.check === check)
      .reduce((sum, v) => sum + v.value, 0);

  beforeEach(() => {
    metrics = new ServiceMetrics('test');
    guard = new PrivacyContextGuard(codec, metrics, pino({ level: 'silent' }));
  });

  it("acts on a valid context of the request's tenant and counts nothing", async () => {
    expect(guard.resolve(codec.encode(context('acme')), 'acme', NOW)).toEqual(context('acme'));
    expect(await violations()).toBe(0);
  });

  it('counts a validly signed context of another tenant as a tenant boundary violation and serves NON_PERSONALIZED', async () => {
    const resolved = guard.resolve(codec.encode(context('globex')), 'acme', NOW);
    expect(resolved).toMatchObject({
      tenantId: 'acme',
      subjectPid: '',
      mode: PrivacyMode.NON_PERSONALIZED,
      fallbackReason: 'privacy_context_tenant_mismatch',
    });
    expect(await violations('privacy_context')).toBe(1);
  });

  it('does not count a missing, forged or expired context (those are not a tenant crossing)', async () => {
    guard.resolve(undefined, 'acme', NOW);
    guard.resolve(forger.encode(context('globex')), 'acme', NOW);
    guard.resolve(codec.encode(context('acme')), 'acme', NOW + 60_000);
    expect(await violations()).toBe(0);
  });

  it('counts violations that callers detect themselves', async () => {
    guard.refused('batch_tenants', { tenants: ['acme', 'globex'] });
    expect(await violations('batch_tenants')).toBe(1);
  });

  it('shares one counter between the guards of a process', async () => {
    const second = new PrivacyContextGuard(codec, metrics);
    second.resolve(codec.encode(context('globex')), 'acme', NOW);
    guard.resolve(codec.encode(context('globex')), 'acme', NOW);
    expect(tenantBoundaryViolations(metrics)).toBe(metrics.registry.getSingleMetric('tenant_boundary_violation_count'));
    expect(await violations()).toBe(2);
  });
});
