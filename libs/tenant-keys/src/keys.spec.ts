import {
  featureCacheKey,
  featureGroupPrefix,
  fingerprint,
  invalidationChannel,
  KeySpace,
  privacyContextCacheKey,
  recommendationCacheKey,
  RecommendationCacheKeyParts,
  recommendationSubjectPrefix,
  sessionStateKey,
} from './keys';
import { TenantKeyError } from './tenant-id';

const space = { namespace: 'recsys' };

const recParts = (overrides: Partial<RecommendationCacheKeyParts> = {}): RecommendationCacheKeyParts => ({
  tenantId: 'acme',
  subjectPid: 'u_abc',
  mode: 'PERSONALIZED',
  consentVersion: '3',
  policyVersion: '2026-11-01',
  variant: 'none',
  requestFingerprint: 'fp1',
  ...overrides,
});

/** Every tenant-scoped builder, called with `tenant` (and optionally a key space) and otherwise valid parts. */
const BUILDERS: [string, (tenant: string, ks?: KeySpace) => string][] = [
  ['recommendationCacheKey', (t, ks = space) => recommendationCacheKey(ks, recParts({ tenantId: t }))],
  ['recommendationSubjectPrefix', (t, ks = space) => recommendationSubjectPrefix(ks, t, 'u_abc')],
  ['privacyContextCacheKey', (t, ks = space) => privacyContextCacheKey(ks, t, 'u_abc')],
  ['featureCacheKey', (t, ks = space) => featureCacheKey(ks, t, 'item', 'i1', 'home')],
  ['featureGroupPrefix', (t, ks = space) => featureGroupPrefix(ks, t, 'item', 'home')],
  ['sessionStateKey', (t, ks = space) => sessionStateKey(ks, t, 's1')],
];

/** Every key part other than the tenant, by builder, with a way to put `value` into it. */
const PARTS: [string, (value: string) => string][] = [
  ['recommendation subjectPid', (v) => recommendationCacheKey(space, recParts({ subjectPid: v }))],
  ['recommendation mode', (v) => recommendationCacheKey(space, recParts({ mode: v }))],
  ['recommendation consentVersion', (v) => recommendationCacheKey(space, recParts({ consentVersion: v }))],
  ['recommendation policyVersion', (v) => recommendationCacheKey(space, recParts({ policyVersion: v }))],
  ['recommendation variant', (v) => recommendationCacheKey(space, recParts({ variant: v }))],
  ['recommendation requestFingerprint', (v) => recommendationCacheKey(space, recParts({ requestFingerprint: v }))],
  ['subject prefix subjectPid', (v) => recommendationSubjectPrefix(space, 'acme', v)],
  ['privacy context subjectPid', (v) => privacyContextCacheKey(space, 'acme', v)],
  ['feature entity', (v) => featureCacheKey(space, 'acme', v, 'i1', 'home')],
  ['feature entityId', (v) => featureCacheKey(space, 'acme', 'item', v, 'home')],
  ['feature group', (v) => featureCacheKey(space, 'acme', 'item', 'i1', v)],
  ['feature group prefix entity', (v) => featureGroupPrefix(space, 'acme', v, 'home')],
  ['feature group prefix group', (v) => featureGroupPrefix(space, 'acme', 'item', v)],
  ['session id', (v) => sessionStateKey(space, 'acme', v)],
];

describe('tenant key builders', () => {
  describe.each(BUILDERS)('%s', (_, build) => {
    it('refuses an empty tenant', () => {
      expect(() => build('')).toThrow(new TenantKeyError('tenant id is required'));
    });

    it.each(['Acme', '-acme', 'ac:me', 'ac{me', 'ac}me', 'ac me', 'a'.repeat(64), 'acme\n'])('refuses the invalid tenant %p', (tenant) => {
      expect(() => build(tenant)).toThrow(TenantKeyError);
    });

    it('accepts a valid tenant and puts it in the Redis hash tag', () => {
      expect(build('acme-2_b')).toContain(':{t:acme-2_b}:');
    });

    it.each(['', 'a:b', 'a{b}', 'a b', 'n'.repeat(65)])('refuses the invalid namespace %p', (namespace) => {
      expect(() => build('acme', { namespace })).toThrow(TenantKeyError);
    });
  });

  describe.each(PARTS)('the %s part', (_, build) => {
    it.each(['', 'a:b', 'a{b', 'a}b', 'a b', 'a\tb', 'a\nb'])('refuses %p', (value) => {
      expect(() => build(value)).toThrow(TenantKeyError);
    });
  });

  it('builds the documented key shapes', () => {
    expect(recommendationCacheKey(space, recParts())).toBe('recsys:{t:acme}:rec:u_abc:PERSONALIZED:cv3:pv2026-11-01:xnone:fp1');
    expect(recommendationSubjectPrefix(space, 'acme', 'u_abc')).toBe('recsys:{t:acme}:rec:u_abc:');
    expect(privacyContextCacheKey(space, 'acme', 'u_abc')).toBe('recsys:{t:acme}:pctx:u_abc');
    expect(featureCacheKey(space, 'acme', 'item', 'i1', 'home')).toBe('recsys:{t:acme}:feat:item:home:i1');
    expect(featureGroupPrefix(space, 'acme', 'item', 'home')).toBe('recsys:{t:acme}:feat:item:home:');
    expect(sessionStateKey(space, 'acme', 's1')).toBe('recsys:{t:acme}:sess:s1');
    expect(invalidationChannel(space)).toBe('recsys:invalidate');
  });

  it('starts every recommendation key of a subject with that subject’s prefix', () => {
    const prefix = recommendationSubjectPrefix(space, 'acme', 'u_abc');
    expect(recommendationCacheKey(space, recParts()).startsWith(prefix)).toBe(true);
    // The prefix ends with the separator: subject u_ab's prefix does not match subject u_abc's keys.
    expect(recommendationCacheKey(space, recParts()).startsWith(recommendationSubjectPrefix(space, 'acme', 'u_ab'))).toBe(false);
    expect(recommendationCacheKey(space, recParts({ subjectPid: 'u_other' })).startsWith(prefix)).toBe(false);
    expect(recommendationCacheKey(space, recParts({ tenantId: 'globex' })).startsWith(prefix)).toBe(false);
  });

  it('starts every cached feature of a group with the group prefix', () => {
    expect(featureCacheKey(space, 'acme', 'item', 'i1', 'home').startsWith(featureGroupPrefix(space, 'acme', 'item', 'home'))).toBe(true);
  });

  it.each<[string, Partial<RecommendationCacheKeyParts>]>([
    ['tenant', { tenantId: 'globex' }],
    ['subject', { subjectPid: 'anon' }],
    ['mode', { mode: 'CONTEXTUAL_ONLY' }],
    ['consent version', { consentVersion: '4' }],
    ['policy version', { policyVersion: '2027-01-01' }],
    ['variant', { variant: 'b' }],
    ['request fingerprint', { requestFingerprint: 'fp2' }],
  ])('gives recommendations of a different %s a different key', (_, change) => {
    expect(recommendationCacheKey(space, recParts(change))).not.toBe(recommendationCacheKey(space, recParts()));
  });

  it('separates deployments by namespace', () => {
    expect(recommendationCacheKey({ namespace: 'other' }, recParts())).not.toBe(recommendationCacheKey(space, recParts()));
    expect(() => invalidationChannel({ namespace: 'a:b' })).toThrow(TenantKeyError);
    expect(invalidationChannel({ namespace: 'other' })).not.toBe(invalidationChannel(space));
  });
});

describe(fingerprint.name, () => {
  it('does not depend on the order of the fields', () => {
    expect(fingerprint({ surface: 'home', region: 'ID-JK', limit: 10 })).toBe(fingerprint({ limit: 10, region: 'ID-JK', surface: 'home' }));
  });

  it.each<[string, Record<string, string | number | boolean | undefined>]>([
    ['a changed value', { surface: 'home', region: 'ID-BA', limit: 10 }],
    ['a changed number', { surface: 'home', region: 'ID-JK', limit: 11 }],
    ['an extra field', { surface: 'home', region: 'ID-JK', limit: 10, gpc: true }],
    ['a value moved to another field', { surface: 'ID-JK', region: 'home', limit: 10 }],
  ])('changes with %s', (_, fields) => {
    expect(fingerprint(fields)).not.toBe(fingerprint({ surface: 'home', region: 'ID-JK', limit: 10 }));
  });

  it('is a short key part safe for cache keys', () => {
    const fp = fingerprint({ query: 'a b:{c}', seed: 'x' });
    expect(fp).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(recommendationCacheKey(space, recParts({ requestFingerprint: fp }))).toContain(fp);
  });
});
