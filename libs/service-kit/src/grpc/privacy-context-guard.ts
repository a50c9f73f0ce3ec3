import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { nonPersonalizedContext, PrivacyContext, PrivacyContextCodec } from '@recsys/privacy-context';
import { ServiceMetrics } from '../observability/metrics';

/** Where a cross-tenant access was detected (a small, fixed set: the metric's only label). */
export type TenantBoundaryCheck =
  /** A validly signed privacy context of one tenant sent with a request for another. */
  | 'privacy_context'
  /** One batch call asking for the data of more than one tenant. */
  | 'batch_tenants';

const VIOLATIONS = 'tenant_boundary_violation_count';

/**
 * `tenant_boundary_violation_count`: cross-tenant accesses detected and refused. Must stay 0: every increment
 * is a caller that asked for one tenant's data with another tenant's credentials or in another tenant's call.
 * One counter per process registry, whichever component asks first.
 */
export function tenantBoundaryViolations(metrics: ServiceMetrics): Counter<'check'> {
  const existing = metrics.registry.getSingleMetric(VIOLATIONS);
  if (existing) return existing as Counter<'check'>;
  return metrics.counter(VIOLATIONS, 'Cross-tenant accesses detected and refused, by check. Must stay 0.', ['check']);
}

/**
 * The privacy context a downstream service acts on (see PrivacyContextCodec.resolveOrDefault): the verified one,
 * or NON_PERSONALIZED when it is missing, expired, forged or for another tenant. A context of another tenant is
 * a tenant boundary violation, counted and logged (tenants only: no subject, no token).
 */
export class PrivacyContextGuard {
  private readonly violations: Counter<'check'>;

  constructor(
    private readonly codec: PrivacyContextCodec,
    metrics: ServiceMetrics,
    private readonly logger?: Logger,
  ) {
    this.violations = tenantBoundaryViolations(metrics);
  }

  resolve(token: string | undefined, tenantId: string, now = Date.now()): PrivacyContext {
    const result = this.codec.decode(token, tenantId, now);
    if (result.ok) return result.context;
    if (result.reason === 'tenant_mismatch') {
      const other = this.codec.decode(token, undefined, now);
      this.refused('privacy_context', { tenant: tenantId, contextTenant: other.ok ? other.context.tenantId : '' });
    }
    return nonPersonalizedContext(tenantId, `privacy_context_${result.reason}`, now);
  }

  /** Counts (and logs) a cross-tenant access that the caller detected and refused itself. */
  refused(check: TenantBoundaryCheck, tenants: Record<string, string | string[]>): void {
    this.violations.inc({ check });
    this.logger?.warn({ check, ...tenants }, 'tenant boundary violation refused');
  }
}
