/**
 * Runtime access checks against the registry: may this feature (or candidate source) be used for this request,
 * for this purpose? Every check fails closed: anything not explicitly allowed is withheld, with a reason code.
 */
import { isServedMode, modeRegistryName, personalizationAllowed, PrivacyContext, Purpose } from '@recsys/privacy-context';
import { RegistryLookupError } from './errors';
import {
  AccessDecision,
  CandidateSourceDefinition,
  FeatureDefinition,
  Registry,
  RegistryMode,
  RegistryPurpose,
  WithheldReason,
} from './types';

export type AccessContext = Pick<PrivacyContext, 'mode' | 'purposes'>;

const TO_ENUM: Readonly<Record<RegistryPurpose, Purpose>> = {
  personalization: Purpose.PERSONALIZATION,
  behavioral_training: Purpose.BEHAVIORAL_TRAINING,
  ads_personalization: Purpose.ADS_PERSONALIZATION,
  quality_monitoring: Purpose.QUALITY_MONITORING,
};

const ALLOWED: AccessDecision = Object.freeze({ allowed: true });
const deny = (reason: WithheldReason): AccessDecision => ({ allowed: false, reason });

/** The `Purpose` enum value of a registry purpose (`personalization` → `Purpose.PERSONALIZATION`). */
export function purposeFromRegistry(purpose: RegistryPurpose): Purpose {
  return TO_ENUM[purpose];
}

/** The registry spelling of a purpose; undefined for PURPOSE_UNSPECIFIED or a value we do not know. */
export function purposeToRegistry(purpose: Purpose): RegistryPurpose | undefined {
  return (Object.keys(TO_ENUM) as RegistryPurpose[]).find((p) => TO_ENUM[p] === purpose);
}

/** The registry spelling of the context's mode; undefined for anything that is not a served mode. */
function registryMode(ctx: AccessContext): RegistryMode | undefined {
  return isServedMode(ctx.mode) ? modeRegistryName(ctx.mode) : undefined;
}

function consentMissing(requires: RegistryPurpose | 'none', ctx: AccessContext): boolean {
  return requires !== 'none' && !ctx.purposes.includes(purposeFromRegistry(requires));
}

/**
 * May `feature` be used for `purpose` in this request? Checked in the order of seed §10: purpose prohibited,
 * purpose not allowed, consent missing, mode not allowed.
 */
export function canUse(feature: FeatureDefinition, ctx: AccessContext, purpose: Purpose): AccessDecision {
  const p = purposeToRegistry(purpose);
  if (p && feature.prohibited_purposes.includes(p)) return deny('PURPOSE_PROHIBITED');
  if (!p || !feature.allowed_purposes.includes(p)) return deny('PURPOSE_NOT_ALLOWED');
  if (consentMissing(feature.requires_consent, ctx)) return deny('CONSENT_MISSING');
  const mode = registryMode(ctx);
  if (!mode || !feature.allowed_privacy_modes.includes(mode)) return deny('MODE_NOT_ALLOWED');
  return ALLOWED;
}

/**
 * `canUse` for a feature and, recursively, every feature it is derived from: a derived feature is computed only
 * when each of its inputs could be read for this request too (the first refusal's reason is reported).
 */
export function canUseWithInputs(registry: Registry, feature: FeatureDefinition, ctx: AccessContext, purpose: Purpose): AccessDecision {
  const own = canUse(feature, ctx, purpose);
  if (!own.allowed) return own;
  for (const name of feature.derived_from ?? []) {
    const input = registry.features.get(name);
    const decision = input ? canUseWithInputs(registry, input, ctx, purpose) : deny('UNKNOWN_FEATURE');
    if (!decision.allowed) return decision;
  }
  return ALLOWED;
}

/**
 * May the orchestrator call this candidate source for this request? A source that reads personal data runs
 * only in personalized mode with PERSONALIZATION granted, whatever the registry entry says.
 */
export function sourceAllowed(source: CandidateSourceDefinition, ctx: AccessContext): AccessDecision {
  const mode = registryMode(ctx);
  if (!mode || !source.allowed_privacy_modes.includes(mode)) return deny('MODE_NOT_ALLOWED');
  if (consentMissing(source.requires_consent, ctx)) return deny('CONSENT_MISSING');
  if (source.requires_personal_data && !personalizationAllowed(ctx)) {
    return deny(mode === 'personalized' ? 'CONSENT_MISSING' : 'MODE_NOT_ALLOWED');
  }
  return ALLOWED;
}

export interface WithheldFeature {
  name: string;
  reason: WithheldReason;
}

export interface ResolvedFeatureSet {
  allowed: FeatureDefinition[];
  withheld: WithheldFeature[];
}

/**
 * Splits a feature set into the features this request may use and those it may not. A set asked for in a mode
 * it does not allow is withheld whole: the set's modes are part of its review, not a hint.
 */
export function resolveFeatureSet(registry: Registry, setName: string, ctx: AccessContext, purpose: Purpose): ResolvedFeatureSet {
  const set = registry.featureSets.get(setName);
  if (!set) throw new RegistryLookupError('feature set', setName);
  const mode = registryMode(ctx);
  const setAllowsMode = mode !== undefined && set.allowed_privacy_modes.includes(mode);
  const result: ResolvedFeatureSet = { allowed: [], withheld: [] };
  for (const name of set.features) {
    const feature = registry.features.get(name);
    const decision: AccessDecision = !feature
      ? deny('UNKNOWN_FEATURE')
      : setAllowsMode
        ? canUseWithInputs(registry, feature, ctx, purpose)
        : deny('MODE_NOT_ALLOWED');
    if (decision.allowed && feature) result.allowed.push(feature);
    else if (!decision.allowed) result.withheld.push({ name, reason: decision.reason });
  }
  return result;
}
