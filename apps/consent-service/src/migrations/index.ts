import { auditOutboxMigration } from '@recsys/service-kit';
import { InitConsent1764000000000 } from './1764000000000-init-consent';
import { UserControls1764100000000 } from './1764100000000-user-controls';
import { Deletion1764700000000 } from './1764700000000-deletion';
import { DeletionSessions1764800000000 } from './1764800000000-deletion-sessions';

export const CONSENT_MIGRATIONS = [
  InitConsent1764000000000,
  UserControls1764100000000,
  Deletion1764700000000,
  DeletionSessions1764800000000,
  auditOutboxMigration('consent', 1765000000000),
];
