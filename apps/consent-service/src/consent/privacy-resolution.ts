import { GRANTABLE_PURPOSES, PrivacyMode, Purpose, ServedMode, stricterOf } from '@recsys/privacy-context';
import { StoredConsent } from './consent.repository';

export interface ResolutionInput {
  stored: StoredConsent;
  /** False for an anonymous or subject-free request. */
  signedIn: boolean;
  requestedMode: PrivacyMode;
  globalPrivacyControl: boolean;
}

export interface Resolution {
  mode: ServedMode;
  purposes: Purpose[];
  /** Why the mode is not PERSONALIZED, or why it is stricter than consent alone allows; empty otherwise. */
  reason: string;
}

/** Purposes that a Global Privacy Control signal switches off (sale/share and ads). */
const GPC_BLOCKED: Purpose[] = [Purpose.ADS_PERSONALIZATION];

/**
 * The fail-safe mode resolution of seed §13: personal modes only with an explicit grant; no record, no
 * sign-in or personalization switched off → CONTEXTUAL_ONLY; GPC removes ads personalization; a requested
 * stricter mode always wins.
 */
export function resolvePrivacy(input: ResolutionInput): Resolution {
  const { stored } = input;
  let purposes = GRANTABLE_PURPOSES.filter((p) => stored.grants[p] === true);
  if (input.globalPrivacyControl) purposes = purposes.filter((p) => !GPC_BLOCKED.includes(p));

  let mode: ServedMode = PrivacyMode.CONTEXTUAL_ONLY;
  let reason = '';
  if (!input.signedIn) reason = 'anonymous_subject';
  else if (!stored.exists) reason = 'no_consent_record';
  else if (stored.personalizationOff) reason = 'personalization_turned_off';
  else if (!purposes.includes(Purpose.PERSONALIZATION)) reason = 'no_personalization_consent';
  else mode = PrivacyMode.PERSONALIZED;

  const served = stricterOf(mode, input.requestedMode);
  if (served !== mode) reason = 'requested_stricter_mode';
  if (served !== PrivacyMode.PERSONALIZED) purposes = purposes.filter((p) => p !== Purpose.PERSONALIZATION);
  return { mode: served, purposes, reason };
}
