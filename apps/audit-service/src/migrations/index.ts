import { InitAudit1764000000000 } from './1764000000000-init-audit';

export const AUDIT_MIGRATIONS = [InitAudit1764000000000];
