import { InitConsent1764000000000 } from './1764000000000-init-consent';
import { UserControls1764100000000 } from './1764100000000-user-controls';

export const CONSENT_MIGRATIONS = [InitConsent1764000000000, UserControls1764100000000];
