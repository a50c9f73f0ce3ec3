import { DeletionRequest, DeletionStatusRequest } from '@recsys/proto';
import { checkId, checkTenant, fail } from '../consent/consent.commands';

export interface DeletionCommand {
  tenantId: string;
  userId: string;
  idempotencyKey: string;
  anonymousIds: string[];
}

const MAX_ANONYMOUS_IDS = 20;

const KEY = /^[A-Za-z0-9._:-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function deletionCommand(req: DeletionRequest): DeletionCommand {
  const problems: string[] = [];
  checkTenant(req.tenantId, problems);
  checkId('user_id', req.userId, true, problems);
  if (req.idempotencyKey && !KEY.test(req.idempotencyKey)) problems.push('idempotency_key must be 1-128 characters of A-Z a-z 0-9 . _ : -');
  if (req.anonymousIds.length > MAX_ANONYMOUS_IDS) problems.push(`anonymous_ids: at most ${MAX_ANONYMOUS_IDS}`);
  req.anonymousIds.forEach((id, i) => checkId(`anonymous_ids[${i}]`, id, true, problems));
  fail(problems);
  return { tenantId: req.tenantId, userId: req.userId, idempotencyKey: req.idempotencyKey, anonymousIds: [...new Set(req.anonymousIds)] };
}

export function deletionStatusQuery(req: DeletionStatusRequest): { tenantId: string; deletionId: string } {
  const problems: string[] = [];
  checkTenant(req.tenantId, problems);
  if (!UUID.test(req.deletionId)) problems.push('deletion_id must be the id RequestDeletion returned');
  fail(problems);
  return { tenantId: req.tenantId, deletionId: req.deletionId };
}
