import { PrivacyMode, Purpose } from '@recsys/proto';

export { PrivacyMode, Purpose };

/** The modes that can be served, loosest first. */
export const SERVED_MODES = [PrivacyMode.PERSONALIZED, PrivacyMode.CONTEXTUAL_ONLY, PrivacyMode.NON_PERSONALIZED] as const;
export type ServedMode = (typeof SERVED_MODES)[number];

/** Every purpose that can be granted. */
export const GRANTABLE_PURPOSES = [
  Purpose.PERSONALIZATION,
  Purpose.BEHAVIORAL_TRAINING,
  Purpose.ADS_PERSONALIZATION,
  Purpose.QUALITY_MONITORING,
] as const;

const STRICTNESS: Record<ServedMode, number> = {
  [PrivacyMode.PERSONALIZED]: 1,
  [PrivacyMode.CONTEXTUAL_ONLY]: 2,
  [PrivacyMode.NON_PERSONALIZED]: 3,
};

/** True for a mode that can be served (not UNSPECIFIED, not an unknown value). */
export function isServedMode(mode: unknown): mode is ServedMode {
  // Own keys only: `in` would also accept Object.prototype names such as "constructor".
  return typeof mode === 'string' && Object.prototype.hasOwnProperty.call(STRICTNESS, mode);
}

/**
 * The stricter of two modes. UNSPECIFIED means "no opinion" and never loosens anything; an unknown value is
 * treated as the strictest mode, because a value we cannot read must not widen what we do.
 */
export function stricterOf(a: PrivacyMode | string, b: PrivacyMode | string): ServedMode {
  const rank = (m: PrivacyMode | string): number => (m === PrivacyMode.PRIVACY_MODE_UNSPECIFIED ? 0 : isServedMode(m) ? STRICTNESS[m] : 3);
  const winner = rank(a) >= rank(b) ? a : b;
  if (winner === PrivacyMode.PRIVACY_MODE_UNSPECIFIED) return PrivacyMode.NON_PERSONALIZED;
  return isServedMode(winner) ? winner : PrivacyMode.NON_PERSONALIZED;
}

/** True when `mode` is at least as strict as `floor`. */
export function isAtLeastAsStrict(mode: ServedMode, floor: ServedMode): boolean {
  return STRICTNESS[mode] >= STRICTNESS[floor];
}

/** Lower-case registry spelling of a mode ("personalized", "contextual_only", "non_personalized"). */
export function modeRegistryName(mode: ServedMode): 'personalized' | 'contextual_only' | 'non_personalized' {
  switch (mode) {
    case PrivacyMode.PERSONALIZED:
      return 'personalized';
    case PrivacyMode.CONTEXTUAL_ONLY:
      return 'contextual_only';
    case PrivacyMode.NON_PERSONALIZED:
      return 'non_personalized';
  }
}
