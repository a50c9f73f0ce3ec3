import { PrivacyMode, Purpose } from '@recsys/privacy-context';
import type { StoredConsent } from './consent.repository';
import { ResolutionInput, resolvePrivacy } from './privacy-resolution';

const ALL_GRANTED = {
  [Purpose.PERSONALIZATION]: true,
  [Purpose.BEHAVIORAL_TRAINING]: true,
  [Purpose.ADS_PERSONALIZATION]: true,
  [Purpose.QUALITY_MONITORING]: true,
};

function stored(overrides: Partial<StoredConsent> = {}): StoredConsent {
  return {
    exists: true,
    consentVersion: '2',
    personalizationOff: false,
    grants: ALL_GRANTED,
    hiddenItemIds: [],
    blockedCreatorIds: [],
    lessLikeItemIds: [],
    ...overrides,
  };
}

function resolve(overrides: Partial<ResolutionInput> = {}) {
  return resolvePrivacy({
    stored: stored(),
    signedIn: true,
    requestedMode: PrivacyMode.PRIVACY_MODE_UNSPECIFIED,
    globalPrivacyControl: false,
    ...overrides,
  });
}

describe(resolvePrivacy.name, () => {
  it('personalizes a signed-in subject who granted PERSONALIZATION, with every granted purpose', () => {
    expect(resolve()).toEqual({
      mode: PrivacyMode.PERSONALIZED,
      purposes: [Purpose.PERSONALIZATION, Purpose.BEHAVIORAL_TRAINING, Purpose.ADS_PERSONALIZATION, Purpose.QUALITY_MONITORING],
      reason: '',
    });
  });

  it.each<[string, Partial<ResolutionInput>, string]>([
    ['an anonymous subject', { signedIn: false }, 'anonymous_subject'],
    ['a subject without a consent record', { stored: stored({ exists: false, grants: {} }) }, 'no_consent_record'],
    ['a subject who turned personalization off', { stored: stored({ personalizationOff: true }) }, 'personalization_turned_off'],
    [
      'a subject without the PERSONALIZATION grant',
      { stored: stored({ grants: { [Purpose.QUALITY_MONITORING]: true } }) },
      'no_personalization_consent',
    ],
    [
      'a subject who refused PERSONALIZATION',
      { stored: stored({ grants: { ...ALL_GRANTED, [Purpose.PERSONALIZATION]: false } }) },
      'no_personalization_consent',
    ],
  ])('serves %s CONTEXTUAL_ONLY without PERSONALIZATION', (_, input, reason) => {
    const resolution = resolve(input);
    expect(resolution.mode).toBe(PrivacyMode.CONTEXTUAL_ONLY);
    expect(resolution.reason).toBe(reason);
    expect(resolution.purposes).not.toContain(Purpose.PERSONALIZATION);
  });

  it('checks the reasons in order: sign-in first, then the record, then the switch, then the grant', () => {
    const worst = stored({ exists: false, personalizationOff: true, grants: {} });
    expect(resolve({ signedIn: false, stored: worst }).reason).toBe('anonymous_subject');
    expect(resolve({ stored: worst }).reason).toBe('no_consent_record');
    expect(resolve({ stored: stored({ personalizationOff: true, grants: {} }) }).reason).toBe('personalization_turned_off');
  });

  it('keeps the other granted purposes when personalization is switched off', () => {
    expect(resolve({ stored: stored({ personalizationOff: true }) }).purposes).toEqual([
      Purpose.BEHAVIORAL_TRAINING,
      Purpose.ADS_PERSONALIZATION,
      Purpose.QUALITY_MONITORING,
    ]);
  });

  it('removes ADS_PERSONALIZATION under Global Privacy Control and keeps personalization', () => {
    const resolution = resolve({ globalPrivacyControl: true });
    expect(resolution.mode).toBe(PrivacyMode.PERSONALIZED);
    expect(resolution.purposes).toEqual([Purpose.PERSONALIZATION, Purpose.BEHAVIORAL_TRAINING, Purpose.QUALITY_MONITORING]);
    expect(resolution.reason).toBe('');
  });

  it.each([PrivacyMode.CONTEXTUAL_ONLY, PrivacyMode.NON_PERSONALIZED])(
    'serves a requested stricter %s to a consenting subject',
    (requestedMode) => {
      const resolution = resolve({ requestedMode });
      expect(resolution).toEqual({
        mode: requestedMode,
        purposes: [Purpose.BEHAVIORAL_TRAINING, Purpose.ADS_PERSONALIZATION, Purpose.QUALITY_MONITORING],
        reason: 'requested_stricter_mode',
      });
    },
  );

  it('lets a requested NON_PERSONALIZED win over an anonymous CONTEXTUAL_ONLY', () => {
    expect(resolve({ signedIn: false, requestedMode: PrivacyMode.NON_PERSONALIZED })).toMatchObject({
      mode: PrivacyMode.NON_PERSONALIZED,
      reason: 'requested_stricter_mode',
    });
  });

  it('never loosens the mode for a requested PERSONALIZED', () => {
    expect(resolve({ signedIn: false, requestedMode: PrivacyMode.PERSONALIZED })).toMatchObject({
      mode: PrivacyMode.CONTEXTUAL_ONLY,
      reason: 'anonymous_subject',
    });
  });

  it('keeps the consent reason when the requested mode is the one consent allows anyway', () => {
    expect(resolve({ signedIn: false, requestedMode: PrivacyMode.CONTEXTUAL_ONLY })).toMatchObject({
      mode: PrivacyMode.CONTEXTUAL_ONLY,
      reason: 'anonymous_subject',
    });
  });

  it('serves NON_PERSONALIZED for a requested mode it cannot read', () => {
    const resolution = resolve({ requestedMode: 7 as unknown as PrivacyMode });
    expect(resolution.mode).toBe(PrivacyMode.NON_PERSONALIZED);
    expect(resolution.purposes).not.toContain(Purpose.PERSONALIZATION);
  });
});
