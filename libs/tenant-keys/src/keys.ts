import { createHash } from 'node:crypto';
import { assertKeyPart, assertTenantId, TenantKeyError } from './tenant-id';

/**
 * Every cache key, channel and label for tenant data is built here. Shape:
 *
 *   <namespace>:{t:<tenant>}:<kind>:<parts...>
 *
 * `{t:<tenant>}` is a Redis Cluster hash tag: all keys of one tenant land in one slot, so a tenant's
 * invalidation can scan one node. The namespace separates deployments (and test runs) sharing one Redis.
 */
export interface KeySpace {
  namespace: string;
}

function assertNamespace(namespace: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(namespace)) throw new TenantKeyError('key namespace must be [A-Za-z0-9_-]{1,64}');
  return namespace;
}

function tenantPrefix(space: KeySpace, tenantId: string): string {
  return `${assertNamespace(space.namespace)}:{t:${assertTenantId(tenantId)}}`;
}

/** Everything that makes a cached recommendation valid for one request (seed §41). */
export interface RecommendationCacheKeyParts {
  tenantId: string;
  /** Pseudonymous subject, or `anon` for a subject-free request. */
  subjectPid: string;
  mode: string;
  consentVersion: string;
  policyVersion: string;
  /** Experiment variant; `none` outside experiments. */
  variant: string;
  /** Hash of the rest of the request (surface, region, seed item, limit, ...). */
  requestFingerprint: string;
}

export function recommendationCacheKey(space: KeySpace, p: RecommendationCacheKeyParts): string {
  return (
    recommendationSubjectPrefix(space, p.tenantId, p.subjectPid) +
    [
      assertKeyPart('mode', p.mode),
      `cv${assertKeyPart('consentVersion', p.consentVersion)}`,
      `pv${assertKeyPart('policyVersion', p.policyVersion)}`,
      `x${assertKeyPart('variant', p.variant)}`,
      assertKeyPart('requestFingerprint', p.requestFingerprint),
    ].join(':')
  );
}

/**
 * The prefix shared by every cached recommendation of one subject: drop them all on a consent change. It ends
 * with the separator, so the prefix of subject `u_a` never matches subject `u_ab`.
 */
export function recommendationSubjectPrefix(space: KeySpace, tenantId: string, subjectPid: string): string {
  return `${tenantPrefix(space, tenantId)}:rec:${assertKeyPart('subjectPid', subjectPid)}:`;
}

/** Cached privacy context resolution of one subject. */
export function privacyContextCacheKey(space: KeySpace, tenantId: string, subjectPid: string): string {
  return `${tenantPrefix(space, tenantId)}:pctx:${assertKeyPart('subjectPid', subjectPid)}`;
}

/** Cached feature values of one entity in one feature group. */
export function featureCacheKey(space: KeySpace, tenantId: string, entity: string, entityId: string, group: string): string {
  return [
    tenantPrefix(space, tenantId),
    'feat',
    assertKeyPart('entity', entity),
    assertKeyPart('group', group),
    assertKeyPart('entityId', entityId),
  ].join(':');
}

/** Prefix of every cached feature of one tenant and feature group (for invalidating a recomputed aggregate). */
export function featureGroupPrefix(space: KeySpace, tenantId: string, entity: string, group: string): string {
  return `${[tenantPrefix(space, tenantId), 'feat', assertKeyPart('entity', entity), assertKeyPart('group', group)].join(':')}:`;
}

/** Short-lived anonymous session state. */
export function sessionStateKey(space: KeySpace, tenantId: string, sessionId: string): string {
  return `${tenantPrefix(space, tenantId)}:sess:${assertKeyPart('sessionId', sessionId)}`;
}

/** The pub/sub channel that carries cache invalidations for one deployment (not per tenant: one subscriber). */
export function invalidationChannel(space: KeySpace): string {
  return `${assertNamespace(space.namespace)}:invalidate`;
}

/** A stable short fingerprint of request fields, for cache keys. Field order does not matter. */
export function fingerprint(fields: Record<string, string | number | boolean | undefined>): string {
  const canonical = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${String(fields[k] ?? '')}`)
    .join('&');
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}
