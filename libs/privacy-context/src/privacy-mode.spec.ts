import { nonPersonalizedContext, personalizationAllowed } from './privacy-context';
import { isServedMode, PrivacyMode, Purpose, SERVED_MODES, stricterOf } from './privacy-mode';

const { PERSONALIZED, CONTEXTUAL_ONLY, NON_PERSONALIZED, PRIVACY_MODE_UNSPECIFIED } = PrivacyMode;

describe(stricterOf.name, () => {
  it.each([
    [PERSONALIZED, CONTEXTUAL_ONLY, CONTEXTUAL_ONLY],
    [PERSONALIZED, NON_PERSONALIZED, NON_PERSONALIZED],
    [CONTEXTUAL_ONLY, NON_PERSONALIZED, NON_PERSONALIZED],
    [PERSONALIZED, PERSONALIZED, PERSONALIZED],
    [CONTEXTUAL_ONLY, CONTEXTUAL_ONLY, CONTEXTUAL_ONLY],
  ])('picks the stricter of %s and %s in either order', (a, b, stricter) => {
    expect(stricterOf(a, b)).toBe(stricter);
    expect(stricterOf(b, a)).toBe(stricter);
  });

  it.each(SERVED_MODES)('never loosens %s when the other side is UNSPECIFIED', (mode) => {
    expect(stricterOf(mode, PRIVACY_MODE_UNSPECIFIED)).toBe(mode);
    expect(stricterOf(PRIVACY_MODE_UNSPECIFIED, mode)).toBe(mode);
  });

  it('serves NON_PERSONALIZED when neither side has an opinion', () => {
    expect(stricterOf(PRIVACY_MODE_UNSPECIFIED, PRIVACY_MODE_UNSPECIFIED)).toBe(NON_PERSONALIZED);
  });

  it.each(['7', 'UNRECOGNIZED', 'personalized', '', 7 as unknown as string])(
    'treats the unknown value %p as NON_PERSONALIZED, whatever the other side says',
    (unknown) => {
      for (const other of [...SERVED_MODES, PRIVACY_MODE_UNSPECIFIED]) {
        expect(stricterOf(unknown, other)).toBe(NON_PERSONALIZED);
        expect(stricterOf(other, unknown)).toBe(NON_PERSONALIZED);
      }
    },
  );
});

describe(isServedMode.name, () => {
  it.each(SERVED_MODES)('accepts the served mode %s', (mode) => {
    expect(isServedMode(mode)).toBe(true);
  });

  it.each([PRIVACY_MODE_UNSPECIFIED, PrivacyMode.UNRECOGNIZED, 'personalized', '', 7, undefined, null])('refuses %p', (mode) => {
    expect(isServedMode(mode)).toBe(false);
  });

  it.each(['toString', 'constructor', '__proto__'])('refuses the Object.prototype member name %p', (mode) => {
    expect(isServedMode(mode)).toBe(false);
    expect(stricterOf(PERSONALIZED, mode)).toBe(NON_PERSONALIZED);
  });
});

describe(personalizationAllowed.name, () => {
  it('allows personalization only in PERSONALIZED mode with the PERSONALIZATION purpose granted', () => {
    expect(personalizationAllowed({ mode: PERSONALIZED, purposes: [Purpose.QUALITY_MONITORING, Purpose.PERSONALIZATION] })).toBe(true);
  });

  it('refuses PERSONALIZED mode without the PERSONALIZATION purpose', () => {
    expect(personalizationAllowed({ mode: PERSONALIZED, purposes: [Purpose.BEHAVIORAL_TRAINING, Purpose.ADS_PERSONALIZATION] })).toBe(
      false,
    );
  });

  it.each([CONTEXTUAL_ONLY, NON_PERSONALIZED] as const)('refuses %s even with the PERSONALIZATION purpose', (mode) => {
    expect(personalizationAllowed({ mode, purposes: [Purpose.PERSONALIZATION] })).toBe(false);
  });
});

describe(nonPersonalizedContext.name, () => {
  it('carries nothing personal: no subject, no purposes, NON_PERSONALIZED, and the reason', () => {
    const ctx = nonPersonalizedContext('acme', 'privacy_context_missing', 1_000);
    expect(ctx).toEqual({
      tenantId: 'acme',
      subjectPid: '',
      mode: NON_PERSONALIZED,
      purposes: [],
      consentVersion: '0',
      policyVersion: '',
      requestId: '',
      issuedAtMs: 1_000,
      expiresAtMs: 1_000,
      fallbackReason: 'privacy_context_missing',
    });
    expect(personalizationAllowed(ctx)).toBe(false);
  });
});
