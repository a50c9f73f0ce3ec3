/** Thrown when a key would be built without a valid tenant: such a key could mix tenants' data. */
export class TenantKeyError extends Error {
  override readonly name = 'TenantKeyError';
}

const TENANT_ID = /^[a-z0-9](?:[a-z0-9_-]{0,62})$/;

/**
 * The id under which platform-wide privacy configuration (the registry in service, global kill switches) is
 * audited. Reserved: no tenant can have it.
 */
export const PLATFORM_TENANT = 'platform';

/**
 * Tenant ids are lower-case slugs of 1..63 characters: letters, digits, "-" and "_", starting alphanumeric; the
 * reserved `platform` is not one.
 */
export function isValidTenantId(tenantId: unknown): tenantId is string {
  return typeof tenantId === 'string' && TENANT_ID.test(tenantId) && tenantId !== PLATFORM_TENANT;
}

/** A tenant's audit chain, or the platform's. */
export function isAuditTenantId(tenantId: unknown): tenantId is string {
  return isValidTenantId(tenantId) || tenantId === PLATFORM_TENANT;
}

export function assertTenantId(tenantId: unknown): string {
  if (typeof tenantId !== 'string' || tenantId.length === 0) throw new TenantKeyError('tenant id is required');
  if (!isValidTenantId(tenantId)) {
    throw new TenantKeyError('tenant id must be 1-63 characters of a-z, 0-9, "-" or "_", starting alphanumeric');
  }
  return tenantId;
}

/** Key parts other than the tenant: non-empty and free of the ":" separator and Redis hash-tag braces. */
export function assertKeyPart(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new TenantKeyError(`${name} is required`);
  if (/[:{}\s]/.test(value)) throw new TenantKeyError(`${name} must not contain ":", "{", "}" or whitespace`);
  return value;
}
