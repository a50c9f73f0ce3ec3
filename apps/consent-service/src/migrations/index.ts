import { InitConsent1764000000000 } from './1764000000000-init-consent';

export const CONSENT_MIGRATIONS = [InitConsent1764000000000];
