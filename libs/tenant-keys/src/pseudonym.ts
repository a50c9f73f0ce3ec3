import { createHmac } from 'node:crypto';
import { assertTenantId, TenantKeyError } from './tenant-id';

const SUBJECT_PID = /^[ua]_[A-Za-z0-9_-]{22}$/;

/** True for the shape of a pseudonymous subject id (`u_…` of a user, `a_…` of an anonymous visitor). */
export function isSubjectPid(value: string): boolean {
  return SUBJECT_PID.test(value);
}

/** True for the pseudonymous id of an anonymous visitor (whose state lives only in the session store). */
export function isAnonymousPid(value: string): boolean {
  return value.startsWith('a_') && isSubjectPid(value);
}

/**
 * Pseudonymous subject ids: a keyed HMAC per tenant of the raw user id. Stable (joins across stores work),
 * different per tenant (no cross-tenant linkage), and not reversible without the secret. The raw id never
 * leaves the edge services; logs, metrics, traces, caches and training sets see only this.
 */
export class Pseudonymizer {
  private readonly tenantKeys = new Map<string, Buffer>();

  constructor(private readonly secret: string) {
    if (secret.length < 32) throw new TenantKeyError('pseudonymization secret must be at least 32 characters');
  }

  /** `u_` + 22 base64url characters (132 bits). */
  userPid(tenantId: string, userId: string): string {
    if (!userId) throw new TenantKeyError('user id is required to pseudonymize');
    return `u_${this.mac(tenantId, `user:${userId}`)}`;
  }

  /** `a_` + 22 characters, for an anonymous visitor id. */
  anonymousPid(tenantId: string, anonymousId: string): string {
    if (!anonymousId) throw new TenantKeyError('anonymous id is required to pseudonymize');
    return `a_${this.mac(tenantId, `anon:${anonymousId}`)}`;
  }

  private mac(tenantId: string, value: string): string {
    return createHmac('sha256', this.tenantKey(tenantId)).update(value).digest('base64url').slice(0, 22);
  }

  private tenantKey(tenantId: string): Buffer {
    assertTenantId(tenantId);
    let key = this.tenantKeys.get(tenantId);
    if (!key) {
      key = createHmac('sha256', this.secret).update(`tenant:${tenantId}`).digest();
      this.tenantKeys.set(tenantId, key);
    }
    return key;
  }
}
