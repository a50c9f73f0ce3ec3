import { createHmac, timingSafeEqual } from 'node:crypto';
import { GRANTABLE_PURPOSES, isServedMode, Purpose } from './privacy-mode';
import { nonPersonalizedContext, PrivacyContext } from './privacy-context';

/** The gRPC metadata key that carries the signed privacy context. */
export const PRIVACY_CONTEXT_METADATA_KEY = 'x-recsys-privacy-context';

const FORMAT = 'pc1';

export type DecodeFailure = 'missing' | 'malformed' | 'unknown_key' | 'bad_signature' | 'expired' | 'tenant_mismatch';
export type DecodeResult = { ok: true; context: PrivacyContext } | { ok: false; reason: DecodeFailure };

/** Signing keys by key id; the active one signs, every listed one verifies (so keys rotate without downtime). */
export interface PrivacyKeyring {
  activeKeyId: string;
  keys: Record<string, string>;
}

/**
 * Parses `PRIVACY_CONTEXT_KEYS` ("kid1:secret1,kid2:secret2"; the first is active). Secrets must be at least 32
 * characters so a guessed key cannot forge a context.
 */
export function parseKeyring(spec: string): PrivacyKeyring {
  const entries = spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf(':');
      if (at <= 0) throw new Error('privacy context keys must look like "kid:secret[,kid:secret]"');
      return [part.slice(0, at), part.slice(at + 1)] as const;
    });
  if (entries.length === 0) throw new Error('at least one privacy context key is required');
  for (const [kid, secret] of entries) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid)) throw new Error(`privacy context key id "${kid}" is not [A-Za-z0-9_-]{1,32}`);
    if (secret.length < 32) throw new Error(`privacy context key "${kid}" is shorter than 32 characters`);
  }
  return { activeKeyId: entries[0][0], keys: Object.fromEntries(entries) };
}

/** Encodes and verifies privacy contexts as `pc1.<kid>.<payload>.<hmac-sha256>` (base64url parts). */
export class PrivacyContextCodec {
  constructor(private readonly keyring: PrivacyKeyring) {
    if (!keyring.keys[keyring.activeKeyId]) throw new Error('the active privacy context key is not in the keyring');
  }

  encode(context: PrivacyContext): string {
    const kid = this.keyring.activeKeyId;
    const payload = Buffer.from(JSON.stringify(context)).toString('base64url');
    return `${FORMAT}.${kid}.${payload}.${this.sign(kid, payload)}`;
  }

  /** Verifies signature and expiry; a valid token for another tenant than `expectedTenant` is refused too. */
  decode(token: string | undefined, expectedTenant?: string, now = Date.now()): DecodeResult {
    if (!token) return { ok: false, reason: 'missing' };
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== FORMAT) return { ok: false, reason: 'malformed' };
    const [, kid, payload, signature] = parts;
    if (!this.keyring.keys[kid]) return { ok: false, reason: 'unknown_key' };
    const expected = Buffer.from(this.sign(kid, payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad_signature' };
    let context: PrivacyContext;
    try {
      context = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PrivacyContext;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (!isWellFormed(context)) return { ok: false, reason: 'malformed' };
    if (context.expiresAtMs <= now) return { ok: false, reason: 'expired' };
    if (expectedTenant !== undefined && context.tenantId !== expectedTenant) return { ok: false, reason: 'tenant_mismatch' };
    return { ok: true, context };
  }

  /**
   * The context a downstream service must act on: the verified one, or a NON_PERSONALIZED one when the token is
   * missing, expired, forged or for another tenant. Never throws.
   */
  resolveOrDefault(token: string | undefined, tenantId: string, now = Date.now()): PrivacyContext {
    const result = this.decode(token, tenantId, now);
    return result.ok ? result.context : nonPersonalizedContext(tenantId, `privacy_context_${result.reason}`, now);
  }

  private sign(kid: string, payload: string): string {
    return createHmac('sha256', this.keyring.keys[kid]).update(`${FORMAT}.${kid}.${payload}`).digest('base64url');
  }
}

function isWellFormed(c: PrivacyContext): boolean {
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.tenantId === 'string' &&
    c.tenantId.length > 0 &&
    typeof c.subjectPid === 'string' &&
    isServedMode(c.mode) &&
    Array.isArray(c.purposes) &&
    c.purposes.every((p: Purpose) => (GRANTABLE_PURPOSES as readonly string[]).includes(p)) &&
    typeof c.expiresAtMs === 'number' &&
    typeof c.consentVersion === 'string'
  );
}
