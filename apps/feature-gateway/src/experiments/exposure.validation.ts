import { Exposure } from '@recsys/proto';
import { isSubjectPid, isValidTenantId } from '@recsys/tenant-keys';

export const MAX_EXPOSURES_PER_CALL = 1000;
export const MAX_ITEMS_PER_EXPOSURE = 100;
export const EXPOSURE_MODES = ['PERSONALIZED', 'CONTEXTUAL_ONLY', 'NON_PERSONALIZED'] as const;
/** Experiment, variant and surface names: the identifiers config/experiments.yaml and surfaces.yaml allow. */
const NAME = /^[a-z][a-z0-9_]{0,47}$/;
/** Recommend request ids are UUIDs; anything id-like of bounded length is accepted, never free text. */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MAX_ITEM_ID = 256;
/** An exposure more than this far in the future is a clock error. */
const MAX_FUTURE_MS = 5 * 60_000;
/** A status message is carried in gRPC trailers: a batch of 1000 broken exposures names the first ones only. */
const MAX_PROBLEMS = 20;

/**
 * Every problem of a RecordExposures batch (field names and positions, never values: a value may be an id). An
 * empty list means the batch is valid. The whole batch is refused on any problem: the caller is our own
 * orchestrator, and a malformed exposure is a bug to see, not data to keep.
 */
export function exposureProblems(exposures: readonly Exposure[], now = Date.now()): string[] {
  if (exposures.length > MAX_EXPOSURES_PER_CALL) {
    return [`at most ${MAX_EXPOSURES_PER_CALL} exposures per call (got ${exposures.length})`];
  }
  const problems: string[] = [];
  exposures.forEach((e, index) => {
    for (const p of problemsOf(e, now)) problems.push(`exposures[${index}]: ${p}`);
  });
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_PROBLEMS), `and ${problems.length - MAX_PROBLEMS} more problems`];
}

function problemsOf(e: Exposure, now: number): string[] {
  const problems: string[] = [];
  if (!isValidTenantId(e.tenantId)) problems.push('tenant_id is missing or invalid');
  if (e.subjectPid !== '' && !isSubjectPid(e.subjectPid)) problems.push('subject_pid must be empty or a pseudonymous subject id');
  if (!NAME.test(e.experiment)) problems.push('experiment must be an experiment name');
  if (!NAME.test(e.variant)) problems.push('variant must be a variant name');
  if (!NAME.test(e.surface)) problems.push('surface must be a surface name');
  if (!(EXPOSURE_MODES as readonly string[]).includes(e.mode)) problems.push(`mode must be one of ${EXPOSURE_MODES.join(', ')}`);
  if (!REQUEST_ID.test(e.requestId)) problems.push('request_id is missing or not an id');
  if (e.itemIds.length > MAX_ITEMS_PER_EXPOSURE) problems.push(`at most ${MAX_ITEMS_PER_EXPOSURE} item_ids`);
  if (e.itemIds.some((id) => id.length === 0 || id.length > MAX_ITEM_ID))
    problems.push(`item_ids must be 1-${MAX_ITEM_ID} characters each`);
  if (!Number.isSafeInteger(e.occurredAtMs) || e.occurredAtMs <= 0) problems.push('occurred_at_ms is required');
  else if (e.occurredAtMs > now + MAX_FUTURE_MS) problems.push('occurred_at_ms is in the future');
  return problems;
}
