import { Event } from '@recsys/proto';
import { isValidTenantId } from '@recsys/tenant-keys';

export const EVENT_TYPES = ['view', 'click', 'purchase', 'hide', 'dwell'] as const;
export const MAX_EVENTS_PER_CALL = 1000;
const MAX_ID = 256;
/** Events more than this far in the future are clock errors. */
const MAX_FUTURE_MS = 5 * 60_000;

/**
 * What is wrong with one event, or undefined when it is valid. Messages name fields, never values. An event
 * older than `oldestMs` (the retention period of raw behaviour) would only be stored to be swept: refused.
 */
export function eventProblem(
  e: Event,
  knownItem: (tenantId: string, itemId: string) => boolean,
  now = Date.now(),
  oldestMs = 0,
): string | undefined {
  if (!e.tenantId) return 'tenant_id is required';
  if (!isValidTenantId(e.tenantId)) return 'tenant_id is not a valid tenant id';
  if (!e.userId && !e.anonymousId) return 'user_id or anonymous_id is required';
  if (e.userId.length > MAX_ID || e.anonymousId.length > MAX_ID) return `user_id and anonymous_id must be at most ${MAX_ID} characters`;
  if (!e.itemId) return 'item_id is required';
  if (!(EVENT_TYPES as readonly string[]).includes(e.eventType)) return `event_type must be one of ${EVENT_TYPES.join(', ')}`;
  if (!Number.isSafeInteger(e.timestampMs) || e.timestampMs <= 0) return 'timestamp_ms is required';
  if (e.timestampMs > now + MAX_FUTURE_MS) return 'timestamp_ms is in the future';
  if (e.timestampMs < oldestMs) return 'timestamp_ms is older than the retention period of behaviour events';
  if (e.sessionId.length > MAX_ID || e.region.length > 32) return 'session_id or region is too long';
  if (e.region && !/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(e.region)) return 'region must look like "ID" or "ID-JK"';
  if (!knownItem(e.tenantId, e.itemId)) return 'item_id is not in the tenant catalog';
  return undefined;
}
