import { InitAudit1764000000000 } from './1764000000000-init-audit';
import { ErasedSubjects1764800000000 } from './1764800000000-erased-subjects';
import { AuditChain1765000000000 } from './1765000000000-audit-chain';
import { ErasureAndHeadGuards1765200000000 } from './1765200000000-erasure-and-head-guards';

export const AUDIT_MIGRATIONS = [
  InitAudit1764000000000,
  ErasedSubjects1764800000000,
  AuditChain1765000000000,
  ErasureAndHeadGuards1765200000000,
];
