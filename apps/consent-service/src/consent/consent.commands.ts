import { isServedMode, PrivacyMode, Purpose, GRANTABLE_PURPOSES } from '@recsys/privacy-context';
import { isSubjectPid, isValidTenantId } from '@recsys/tenant-keys';
import { InvalidArgumentError } from '@recsys/service-kit';
import {
  CheckPersonalizationConsentRequest,
  CheckTrainingConsentRequest,
  GetPrivacyContextRequest,
  SetConsentRequest,
  UserControl,
  UserControlRequest,
} from '@recsys/proto';

const MAX_ID = 256;

export function checkTenant(tenantId: string, problems: string[]): void {
  if (!tenantId) problems.push('tenant_id is required');
  else if (!isValidTenantId(tenantId)) problems.push('tenant_id must be 1-63 characters of a-z, 0-9, "-" or "_"');
}

export function checkId(name: string, value: string, required: boolean, problems: string[]): void {
  if (!value) {
    if (required) problems.push(`${name} is required`);
  } else if (value.length > MAX_ID) problems.push(`${name} must be at most ${MAX_ID} characters`);
}

export function fail(problems: string[]): void {
  if (problems.length > 0) throw new InvalidArgumentError(problems);
}

export interface SetConsentCommand {
  tenantId: string;
  userId: string;
  grants: { purpose: Purpose; granted: boolean }[];
  source: string;
}

export function setConsentCommand(req: SetConsentRequest): SetConsentCommand {
  const problems: string[] = [];
  checkTenant(req.tenantId, problems);
  checkId('user_id', req.userId, true, problems);
  if (req.grants.length === 0) problems.push('grants must name at least one purpose');
  const seen = new Set<string>();
  req.grants.forEach((g, i) => {
    if (!(GRANTABLE_PURPOSES as readonly string[]).includes(g.purpose))
      problems.push(`grants[${i}].purpose must be one of ${GRANTABLE_PURPOSES.join(', ')}`);
    else if (seen.has(g.purpose)) problems.push(`grants[${i}].purpose ${g.purpose} is listed twice`);
    seen.add(g.purpose);
  });
  if (req.source.length > 64) problems.push('source must be at most 64 characters');
  fail(problems);
  return { tenantId: req.tenantId, userId: req.userId, grants: req.grants, source: req.source || 'api' };
}

export interface PrivacyContextQuery {
  tenantId: string;
  userId: string;
  anonymousId: string;
  requestedMode: PrivacyMode;
  globalPrivacyControl: boolean;
}

export function privacyContextQuery(req: GetPrivacyContextRequest): PrivacyContextQuery {
  const problems: string[] = [];
  checkTenant(req.tenantId, problems);
  checkId('user_id', req.userId, false, problems);
  checkId('anonymous_id', req.anonymousId, false, problems);
  const mode = req.requestedPrivacyMode as string;
  if (mode !== PrivacyMode.PRIVACY_MODE_UNSPECIFIED && !isServedMode(mode))
    problems.push('requested_privacy_mode is not a known PrivacyMode');
  fail(problems);
  return {
    tenantId: req.tenantId,
    userId: req.userId,
    anonymousId: req.anonymousId,
    requestedMode: req.requestedPrivacyMode,
    globalPrivacyControl: req.globalPrivacyControl,
  };
}

export interface UserControlCommand {
  tenantId: string;
  userId: string;
  control: UserControl;
  targetId: string;
}

const NEEDS_TARGET: string[] = [UserControl.HIDE_ITEM, UserControl.BLOCK_CREATOR, UserControl.LESS_LIKE_THIS];

export function userControlCommand(req: UserControlRequest): UserControlCommand {
  const problems: string[] = [];
  checkTenant(req.tenantId, problems);
  checkId('user_id', req.userId, true, problems);
  const known = Object.values(UserControl).filter(
    (c) => c !== UserControl.USER_CONTROL_UNSPECIFIED && c !== UserControl.UNRECOGNIZED,
  ) as string[];
  if (!known.includes(req.control)) problems.push(`control must be one of ${known.join(', ')}`);
  else if (NEEDS_TARGET.includes(req.control)) checkId('target_id', req.targetId, true, problems);
  fail(problems);
  return { tenantId: req.tenantId, userId: req.userId, control: req.control, targetId: req.targetId };
}

const MAX_BATCH = 1000;

export function consentCheckQuery(req: CheckPersonalizationConsentRequest): { tenantId: string; userIds: string[] } {
  const problems: string[] = [];
  checkTenant(req.tenantId, problems);
  if (req.userIds.length > MAX_BATCH) problems.push(`at most ${MAX_BATCH} user_ids`);
  const bad = req.userIds.findIndex((id) => !id || id.length > MAX_ID);
  if (bad >= 0) problems.push(`user_ids[${bad}] must be 1-${MAX_ID} characters`);
  fail(problems);
  return { tenantId: req.tenantId, userIds: req.userIds };
}

const MAX_TRAINING_BATCH = 5000;

export function trainingConsentQuery(req: CheckTrainingConsentRequest): { tenantId: string; subjectPids: string[] } {
  const problems: string[] = [];
  checkTenant(req.tenantId, problems);
  if (req.subjectPids.length > MAX_TRAINING_BATCH) problems.push(`at most ${MAX_TRAINING_BATCH} subject_pids`);
  const bad = req.subjectPids.findIndex((pid) => !isSubjectPid(pid));
  if (bad >= 0) problems.push(`subject_pids[${bad}] is not a pseudonymous subject id`);
  fail(problems);
  return { tenantId: req.tenantId, subjectPids: req.subjectPids };
}
