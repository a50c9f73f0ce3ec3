import { PrivacyMode, Purpose, ServedMode } from '@recsys/privacy-context';
import { canUse, canUseWithInputs, purposeFromRegistry, purposeToRegistry, resolveFeatureSet, sourceAllowed } from './access-policy';
import { RegistryLookupError } from './errors';
import { loadRegistry } from './loader';
import { CandidateSourceDefinition, FeatureDefinition, FeatureSetDefinition, REGISTRY_PURPOSES, Registry } from './types';

const personalFeature: FeatureDefinition = {
  name: 'user_affinity',
  entity: 'user',
  value_type: 'weights',
  privacy_class: 'behavioral_personal',
  allowed_privacy_modes: ['personalized'],
  allowed_purposes: ['personalization', 'behavioral_training'],
  prohibited_purposes: ['ads_personalization'],
  requires_consent: 'personalization',
  retention_days: 90,
  debug_visibility: 'restricted',
  sensitive_inference: false,
  owner: 'test-team',
  description: 'A personal feature.',
};

const ctx = (mode: ServedMode, ...purposes: Purpose[]) => ({ mode, purposes });
const consented = ctx(PrivacyMode.PERSONALIZED, Purpose.PERSONALIZATION);

describe(canUse.name, () => {
  it('allows a feature for an allowed purpose, with consent, in an allowed mode', () => {
    expect(canUse(personalFeature, consented, Purpose.PERSONALIZATION)).toEqual({ allowed: true });
  });

  it('refuses a prohibited purpose before anything else', () => {
    const anonymous = ctx(PrivacyMode.NON_PERSONALIZED);
    expect(canUse(personalFeature, anonymous, Purpose.ADS_PERSONALIZATION)).toEqual({
      allowed: false,
      reason: 'PURPOSE_PROHIBITED',
    });
  });

  it('refuses a purpose the feature does not allow', () => {
    expect(canUse(personalFeature, consented, Purpose.QUALITY_MONITORING)).toEqual({
      allowed: false,
      reason: 'PURPOSE_NOT_ALLOWED',
    });
  });

  it('refuses PURPOSE_UNSPECIFIED as not allowed', () => {
    expect(canUse(personalFeature, consented, Purpose.PURPOSE_UNSPECIFIED)).toEqual({
      allowed: false,
      reason: 'PURPOSE_NOT_ALLOWED',
    });
  });

  it('refuses when the consent the feature requires is not granted, even for another allowed purpose', () => {
    const trainingOnly = ctx(PrivacyMode.PERSONALIZED, Purpose.BEHAVIORAL_TRAINING);
    expect(canUse(personalFeature, trainingOnly, Purpose.BEHAVIORAL_TRAINING)).toEqual({
      allowed: false,
      reason: 'CONSENT_MISSING',
    });
  });

  it('refuses a mode the feature does not allow, even with consent', () => {
    const contextual = ctx(PrivacyMode.CONTEXTUAL_ONLY, Purpose.PERSONALIZATION);
    expect(canUse(personalFeature, contextual, Purpose.PERSONALIZATION)).toEqual({
      allowed: false,
      reason: 'MODE_NOT_ALLOWED',
    });
  });

  it('refuses a mode that is not a served mode', () => {
    const unspecified = {
      mode: PrivacyMode.PRIVACY_MODE_UNSPECIFIED as unknown as ServedMode,
      purposes: [Purpose.PERSONALIZATION],
    };
    expect(canUse(personalFeature, unspecified, Purpose.PERSONALIZATION)).toEqual({
      allowed: false,
      reason: 'MODE_NOT_ALLOWED',
    });
  });
});

describe(purposeFromRegistry.name, () => {
  it('maps every registry purpose to the enum value and back', () => {
    for (const p of REGISTRY_PURPOSES) expect(purposeToRegistry(purposeFromRegistry(p))).toBe(p);
    expect(purposeFromRegistry('ads_personalization')).toBe(Purpose.ADS_PERSONALIZATION);
  });

  it('has no registry spelling for PURPOSE_UNSPECIFIED', () => {
    expect(purposeToRegistry(Purpose.PURPOSE_UNSPECIFIED)).toBeUndefined();
  });
});

describe(sourceAllowed.name, () => {
  const registry = loadRegistry();
  const source = (name: string) => registry.sources.get(name) as CandidateSourceDefinition;

  it('refuses user_cf in contextual_only mode', () => {
    expect(sourceAllowed(source('user_cf'), ctx(PrivacyMode.CONTEXTUAL_ONLY, Purpose.PERSONALIZATION))).toEqual({
      allowed: false,
      reason: 'MODE_NOT_ALLOWED',
    });
  });

  it('refuses user_cf in personalized mode without the PERSONALIZATION purpose', () => {
    expect(sourceAllowed(source('user_cf'), ctx(PrivacyMode.PERSONALIZED, Purpose.QUALITY_MONITORING))).toEqual({
      allowed: false,
      reason: 'CONSENT_MISSING',
    });
  });

  it('allows user_cf in personalized mode with PERSONALIZATION granted', () => {
    expect(sourceAllowed(source('user_cf'), consented)).toEqual({ allowed: true });
  });

  it('allows trending_region with nothing granted in non_personalized mode', () => {
    expect(sourceAllowed(source('trending_region'), ctx(PrivacyMode.NON_PERSONALIZED))).toEqual({ allowed: true });
  });

  it('refuses a personal source outside personalized mode even when its entry claims otherwise', () => {
    const misdeclared: CandidateSourceDefinition = {
      ...source('user_cf'),
      allowed_privacy_modes: ['personalized', 'contextual_only'],
      requires_consent: 'none',
    };
    const contextual = ctx(PrivacyMode.CONTEXTUAL_ONLY, Purpose.PERSONALIZATION);
    expect(sourceAllowed(misdeclared, contextual)).toEqual({
      allowed: false,
      reason: 'MODE_NOT_ALLOWED',
    });
  });
});

describe(resolveFeatureSet.name, () => {
  const registry = loadRegistry();
  const names = (features: FeatureDefinition[]) => features.map((f) => f.name);

  it('allows every feature of home_personalized with consent in personalized mode', () => {
    const { allowed, withheld } = resolveFeatureSet(registry, 'home_personalized', consented, Purpose.PERSONALIZATION);
    expect(names(allowed)).toEqual(registry.featureSets.get('home_personalized')?.features);
    expect(withheld).toEqual([]);
  });

  it('withholds the personal features of home_personalized when PERSONALIZATION is not granted', () => {
    const noConsent = ctx(PrivacyMode.PERSONALIZED);
    const { allowed, withheld } = resolveFeatureSet(registry, 'home_personalized', noConsent, Purpose.PERSONALIZATION);
    expect(withheld).toEqual([
      { name: 'user_category_affinity_30d', reason: 'CONSENT_MISSING' },
      { name: 'recent_click_count', reason: 'CONSENT_MISSING' },
    ]);
    expect(names(allowed)).toEqual([
      'item_category',
      'item_creator',
      'item_quality_score',
      'item_popularity',
      'region_popularity',
      'context_local_hour',
      'device_type',
    ]);
  });

  it('withholds the whole set when asked for in a mode the set does not allow', () => {
    const contextual = ctx(PrivacyMode.CONTEXTUAL_ONLY, Purpose.PERSONALIZATION);
    const { allowed, withheld } = resolveFeatureSet(registry, 'home_personalized', contextual, Purpose.PERSONALIZATION);
    expect(allowed).toEqual([]);
    expect(withheld).toHaveLength(9);
    expect(new Set(withheld.map((w) => w.reason))).toEqual(new Set(['MODE_NOT_ALLOWED']));
  });

  it('withholds a feature the registry does not define as UNKNOWN_FEATURE', () => {
    const base = registry.featureSets.get('home_non_personal') as FeatureSetDefinition;
    const partial: Registry = {
      ...registry,
      featureSets: new Map([['odd_set', { ...base, features: ['item_category', 'ghost'] }]]),
    };
    const { allowed, withheld } = resolveFeatureSet(partial, 'odd_set', ctx(PrivacyMode.NON_PERSONALIZED), Purpose.PERSONALIZATION);
    expect(names(allowed)).toEqual(['item_category']);
    expect(withheld).toEqual([{ name: 'ghost', reason: 'UNKNOWN_FEATURE' }]);
  });

  it('throws RegistryLookupError for an unknown set', () => {
    expect(() => resolveFeatureSet(registry, 'no_such_set', consented, Purpose.PERSONALIZATION)).toThrow(RegistryLookupError);
  });
});

describe(canUseWithInputs.name, () => {
  /** A derived feature more permissive than its input (the registry check refuses this; the runtime check must too). */
  const derived: FeatureDefinition = {
    ...personalFeature,
    name: 'user_picks',
    allowed_purposes: ['personalization', 'quality_monitoring'],
    derived_from: ['user_affinity'],
  };
  const registry = {
    dir: '',
    features: new Map([
      [personalFeature.name, personalFeature],
      [derived.name, derived],
    ]),
    featureSets: new Map(),
    sources: new Map(),
    routes: new Map(),
  } as Registry;

  it('allows a derived feature when the feature and every input may be used', () => {
    expect(canUseWithInputs(registry, derived, consented, Purpose.PERSONALIZATION)).toEqual({ allowed: true });
  });

  it('refuses a derived feature with the reason of the first input that may not be used', () => {
    const monitoring = ctx(PrivacyMode.PERSONALIZED, Purpose.PERSONALIZATION);
    expect(canUse(derived, monitoring, Purpose.QUALITY_MONITORING)).toEqual({ allowed: true });
    expect(canUseWithInputs(registry, derived, monitoring, Purpose.QUALITY_MONITORING)).toEqual({
      allowed: false,
      reason: 'PURPOSE_NOT_ALLOWED',
    });
  });

  it('withholds the repository’s two-tower candidates when the embedding they derive from is not allowed', () => {
    const real = loadRegistry();
    const resolved = resolveFeatureSet(real, 'candidates_user_two_tower', ctx(PrivacyMode.PERSONALIZED), Purpose.PERSONALIZATION);
    expect(resolved.allowed).toEqual([]);
    expect(resolved.withheld).toEqual([{ name: 'user_two_tower_items', reason: 'CONSENT_MISSING' }]);
  });
});
