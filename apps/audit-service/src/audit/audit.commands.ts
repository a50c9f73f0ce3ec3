import { isAuditTenantId, isSubjectPid } from '@recsys/tenant-keys';
import { InvalidArgumentError } from '@recsys/service-kit';
import { AppendRecordsRequest, AuditRecord, QueryRecordsRequest, SubjectRecordsRequest } from '@recsys/proto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_BATCH = 1000;
const MAX_CLOCK_SKEW_MS = 10 * 60_000;

export function appendCommand(req: AppendRecordsRequest): AuditRecord[] {
  const problems: string[] = [];
  if (req.records.length > MAX_BATCH) problems.push(`at most ${MAX_BATCH} records per call`);
  req.records.forEach((r, i) => {
    if (!isAuditTenantId(r.tenantId)) problems.push(`records[${i}].tenant_id is missing or invalid`);
    if (!UUID.test(r.recordId)) problems.push(`records[${i}].record_id must be a UUID`);
    if (!r.action) problems.push(`records[${i}].action is required`);
    if (!r.actor) problems.push(`records[${i}].actor is required`);
    if (!(r.occurredAtMs > 0)) problems.push(`records[${i}].occurred_at_ms is required`);
    // A time far ahead would escape the retention sweeps and the erasure checks.
    else if (r.occurredAtMs > Date.now() + MAX_CLOCK_SKEW_MS) problems.push(`records[${i}].occurred_at_ms is in the future`);
    if (r.detailsJson) {
      try {
        JSON.parse(r.detailsJson);
      } catch {
        problems.push(`records[${i}].details_json is not JSON`);
      }
    }
  });
  if (problems.length > 0) throw new InvalidArgumentError(problems.slice(0, 20));
  return req.records;
}

export function queryCommand(req: QueryRecordsRequest): { tenantId: string; action: string; target: string; limit: number } {
  const problems: string[] = [];
  if (!isAuditTenantId(req.tenantId)) problems.push('tenant_id is missing or invalid');
  if (req.limit < 0 || req.limit > 1000) problems.push('limit must be 0..1000');
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return { tenantId: req.tenantId, action: req.action, target: req.target, limit: req.limit || 100 };
}

export function subjectCommand(req: SubjectRecordsRequest): { tenantId: string; subjectPid: string } {
  const problems: string[] = [];
  if (!isAuditTenantId(req.tenantId)) problems.push('tenant_id is missing or invalid');
  if (!isSubjectPid(req.subjectPid)) problems.push('subject_pid must be a pseudonymous subject id');
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return { tenantId: req.tenantId, subjectPid: req.subjectPid };
}

export function tenantCommand(req: { tenantId: string }): string {
  if (!isAuditTenantId(req.tenantId)) throw new InvalidArgumentError(['tenant_id is missing or invalid']);
  return req.tenantId;
}
