import { createHmac } from 'node:crypto';
import { DecodeFailure, parseKeyring, PrivacyContextCodec, PrivacyKeyring } from './codec';
import { PrivacyContext } from './privacy-context';
import { PrivacyMode, Purpose } from './privacy-mode';

const SECRET_A = 'a'.repeat(32);
const SECRET_B = 'b'.repeat(40);
const NOW = 1_700_000_000_000;

const keyring = (activeKeyId: string, keys: Record<string, string>): PrivacyKeyring => ({ activeKeyId, keys });

function context(overrides: Partial<PrivacyContext> = {}): PrivacyContext {
  return {
    tenantId: 'acme',
    subjectPid: 'u_subject',
    mode: PrivacyMode.CONTEXTUAL_ONLY,
    purposes: [Purpose.QUALITY_MONITORING],
    consentVersion: '3',
    policyVersion: '2026-11-01',
    requestId: 'req-1',
    issuedAtMs: NOW,
    expiresAtMs: NOW + 60_000,
    ...overrides,
  };
}

/** Signs any payload the way the pc1 format does, to build tokens the codec itself would never produce. */
function signRaw(secret: string, kid: string, payloadJson: string): string {
  const payload = Buffer.from(payloadJson).toString('base64url');
  const signature = createHmac('sha256', secret).update(`pc1.${kid}.${payload}`).digest('base64url');
  return `pc1.${kid}.${payload}.${signature}`;
}

describe(parseKeyring.name, () => {
  it('makes the first key the active one and keeps every key for verification', () => {
    expect(parseKeyring(` new:${SECRET_B} , old:${SECRET_A} `)).toEqual({ activeKeyId: 'new', keys: { new: SECRET_B, old: SECRET_A } });
  });

  it('keeps a ":" inside the secret', () => {
    const secret = `x:${'y'.repeat(32)}`;
    expect(parseKeyring(`k1:${secret}`).keys.k1).toBe(secret);
  });

  it('refuses a secret shorter than 32 characters', () => {
    expect(() => parseKeyring(`k1:${'s'.repeat(31)}`)).toThrow(/shorter than 32/);
    expect(() => parseKeyring(`k1:${SECRET_A},k2:short`)).toThrow(/"k2" is shorter than 32/);
  });

  it.each(['bad kid', 'a.b', 'k'.repeat(33), 'ключ'])('refuses the key id %p', (kid) => {
    expect(() => parseKeyring(`${kid}:${SECRET_A}`)).toThrow(/key id/);
  });

  it.each([`:${SECRET_A}`, SECRET_A])('refuses the entry %p without a key id', (spec) => {
    expect(() => parseKeyring(spec)).toThrow(/kid:secret/);
  });

  it.each(['', ' ', ' , '])('refuses the empty spec %p', (spec) => {
    expect(() => parseKeyring(spec)).toThrow(/at least one/);
  });
});

describe(PrivacyContextCodec.name, () => {
  const codec = new PrivacyContextCodec(keyring('k1', { k1: SECRET_A }));

  const expectFailure = (token: string | undefined, reason: DecodeFailure, tenant = 'acme') =>
    expect(codec.decode(token, tenant, NOW)).toEqual({ ok: false, reason });

  it('refuses a keyring whose active key is missing', () => {
    expect(() => new PrivacyContextCodec(keyring('k2', { k1: SECRET_A }))).toThrow(/active privacy context key/);
  });

  it('round-trips a context through encode and decode', () => {
    const original = context({ mode: PrivacyMode.PERSONALIZED, purposes: [Purpose.PERSONALIZATION], fallbackReason: 'x' });
    const token = codec.encode(original);
    expect(token).toMatch(/^pc1\.k1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(codec.decode(token, 'acme', NOW)).toEqual({ ok: true, context: original });
  });

  it('refuses a forged payload that raises the mode to PERSONALIZED under the original signature', () => {
    const [format, kid, payload, signature] = codec.encode(context()).split('.');
    const raised = {
      ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
      mode: PrivacyMode.PERSONALIZED,
      purposes: [Purpose.PERSONALIZATION],
    };
    const forged = [format, kid, Buffer.from(JSON.stringify(raised)).toString('base64url'), signature].join('.');
    expectFailure(forged, 'bad_signature');
  });

  it('refuses a token signed with another secret under a known key id', () => {
    const attacker = new PrivacyContextCodec(keyring('k1', { k1: SECRET_B }));
    expectFailure(attacker.encode(context({ mode: PrivacyMode.PERSONALIZED })), 'bad_signature');
  });

  it('refuses a token signed with a key id it does not know', () => {
    const other = new PrivacyContextCodec(keyring('k9', { k9: SECRET_A }));
    expectFailure(other.encode(context()), 'unknown_key');
  });

  it('refuses a truncated or altered signature', () => {
    const token = codec.encode(context());
    expectFailure(token.slice(0, -1), 'bad_signature');
    expectFailure(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, 'bad_signature');
  });

  it('refuses an expired context, including one expiring exactly now', () => {
    expectFailure(codec.encode(context({ expiresAtMs: NOW - 1 })), 'expired');
    expectFailure(codec.encode(context({ expiresAtMs: NOW })), 'expired');
    expect(codec.decode(codec.encode(context({ expiresAtMs: NOW + 1 })), 'acme', NOW).ok).toBe(true);
  });

  it('refuses a valid context of another tenant', () => {
    expectFailure(codec.encode(context({ tenantId: 'globex' })), 'tenant_mismatch', 'acme');
  });

  it('checks the tenant only when one is expected', () => {
    expect(codec.decode(codec.encode(context({ tenantId: 'globex' })), undefined, NOW).ok).toBe(true);
  });

  it.each([undefined, ''])('reports a missing token for %p', (token) => {
    expectFailure(token, 'missing');
  });

  it.each(['garbage', 'pc1.k1.payload', 'pc1.k1.a.b.c', 'pc2.k1.e30.sig'])('reports the malformed token %p', (token) => {
    expectFailure(token, 'malformed');
  });

  it('reports a correctly signed payload that is not JSON as malformed', () => {
    expectFailure(signRaw(SECRET_A, 'k1', '{not json'), 'malformed');
  });

  it.each<[string, Record<string, unknown>]>([
    ['an UNSPECIFIED mode', { mode: PrivacyMode.PRIVACY_MODE_UNSPECIFIED }],
    ['an unknown mode', { mode: 'SUPER_PERSONALIZED' }],
    ['an unknown purpose', { purposes: ['EVERYTHING'] }],
    ['an empty tenant', { tenantId: '' }],
    ['a missing expiry', { expiresAtMs: undefined }],
    ['a numeric consent version', { consentVersion: 3 }],
  ])('reports a correctly signed context with %s as malformed', (_, change) => {
    expectFailure(signRaw(SECRET_A, 'k1', JSON.stringify({ ...context(), ...change })), 'malformed');
  });

  it('reports a correctly signed non-object payload as malformed', () => {
    expectFailure(signRaw(SECRET_A, 'k1', 'null'), 'malformed');
    expectFailure(signRaw(SECRET_A, 'k1', '"PERSONALIZED"'), 'malformed');
  });

  describe('key rotation', () => {
    const oldCodec = new PrivacyContextCodec(parseKeyring(`old:${SECRET_A}`));
    const rotated = new PrivacyContextCodec(parseKeyring(`new:${SECRET_B},old:${SECRET_A}`));

    it('still verifies a token signed with the previous key while that key is listed as non-active', () => {
      const token = oldCodec.encode(context());
      expect(rotated.decode(token, 'acme', NOW)).toEqual({ ok: true, context: context() });
    });

    it('signs new tokens with the active key, which the old codec does not know yet', () => {
      const token = rotated.encode(context());
      expect(token.split('.')[1]).toBe('new');
      expect(oldCodec.decode(token, 'acme', NOW)).toEqual({ ok: false, reason: 'unknown_key' });
    });

    it('refuses old tokens once the previous key is retired', () => {
      const retired = new PrivacyContextCodec(parseKeyring(`new:${SECRET_B}`));
      expect(retired.decode(oldCodec.encode(context()), 'acme', NOW)).toEqual({ ok: false, reason: 'unknown_key' });
    });
  });

  describe('resolveOrDefault', () => {
    const personal = context({ mode: PrivacyMode.PERSONALIZED, purposes: [Purpose.PERSONALIZATION, Purpose.BEHAVIORAL_TRAINING] });
    const [format, kid, payload] = codec.encode(personal).split('.');

    it('returns the verified context when the token is valid', () => {
      expect(codec.resolveOrDefault(codec.encode(personal), 'acme', NOW)).toEqual(personal);
    });

    it.each<[DecodeFailure, string | undefined]>([
      ['missing', undefined],
      ['malformed', 'garbage'],
      ['unknown_key', new PrivacyContextCodec(keyring('zz', { zz: SECRET_A })).encode(personal)],
      ['bad_signature', `${format}.${kid}.${payload}.${'A'.repeat(43)}`],
      ['expired', codec.encode({ ...personal, expiresAtMs: NOW - 1 })],
      ['tenant_mismatch', codec.encode({ ...personal, tenantId: 'globex' })],
    ])('falls back to NON_PERSONALIZED with no purposes when the token is %s', (reason, token) => {
      const resolved = codec.resolveOrDefault(token, 'acme', NOW);
      expect(resolved).toMatchObject({
        tenantId: 'acme',
        subjectPid: '',
        mode: PrivacyMode.NON_PERSONALIZED,
        purposes: [],
        fallbackReason: `privacy_context_${reason}`,
      });
    });
  });
});
