import { isServedMode, PrivacyMode } from '@recsys/privacy-context';
import { RecommendRequest } from '@recsys/proto';
import { isValidTenantId } from '@recsys/tenant-keys';
import { InvalidArgumentError } from '@recsys/service-kit';

/** A validated Recommend request. Built before any work starts; bad input never reaches a store. */
export interface RecommendCommand {
  tenantId: string;
  userId: string;
  anonymousId: string;
  surface: string;
  requestedMode: PrivacyMode;
  region: string;
  locale: string;
  deviceType: string;
  localHour: number;
  seedItemId: string;
  query: string;
  sessionId: string;
  globalPrivacyControl: boolean;
  limit: number;
}

const MAX_ID = 256;
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;
const DEVICE_TYPES = ['', 'mobile', 'desktop', 'tablet', 'tv'];

export function recommendCommand(req: RecommendRequest, surfaces: ReadonlySet<string>): RecommendCommand {
  const problems: string[] = [];
  const ctx = req.context;
  const subject = req.subject ?? { userId: '', anonymousId: '' };
  if (!ctx) throw new InvalidArgumentError(['context is required (with context.tenant_id)']);
  if (!ctx.tenantId) problems.push('context.tenant_id is required');
  else if (!isValidTenantId(ctx.tenantId)) problems.push('context.tenant_id must be 1-63 characters of a-z, 0-9, "-" or "_"');
  const mode = ctx.requestedPrivacyMode as string;
  if (mode !== PrivacyMode.PRIVACY_MODE_UNSPECIFIED && !isServedMode(mode)) {
    problems.push('context.requested_privacy_mode must be PERSONALIZED, CONTEXTUAL_ONLY, NON_PERSONALIZED or unset');
  }
  const surface = ctx.surface || 'home';
  if (!surfaces.has(surface)) problems.push(`context.surface must be one of ${[...surfaces].join(', ')}`);
  if (req.limit < 0 || req.limit > MAX_LIMIT) problems.push(`limit must be 0..${MAX_LIMIT} (0 means ${DEFAULT_LIMIT})`);
  if (ctx.localHour < -1 || ctx.localHour > 23) problems.push('context.local_hour must be -1..23');
  if (ctx.region && !/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/.test(ctx.region)) problems.push('context.region must look like "ID" or "ID-JK"');
  if (!DEVICE_TYPES.includes(ctx.deviceType)) problems.push('context.device_type must be mobile, desktop, tablet, tv or empty');
  for (const [name, value] of [
    ['subject.user_id', subject.userId],
    ['subject.anonymous_id', subject.anonymousId],
    ['context.seed_item_id', ctx.seedItemId],
    ['context.session_id', ctx.sessionId],
  ] as const) {
    if (value.length > MAX_ID) problems.push(`${name} must be at most ${MAX_ID} characters`);
  }
  if (ctx.query.length > 512) problems.push('context.query must be at most 512 characters');
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  return {
    tenantId: ctx.tenantId,
    userId: subject.userId,
    anonymousId: subject.anonymousId,
    surface,
    requestedMode: ctx.requestedPrivacyMode,
    region: ctx.region,
    locale: ctx.locale,
    deviceType: ctx.deviceType,
    localHour: ctx.localHour,
    seedItemId: ctx.seedItemId,
    query: ctx.query,
    sessionId: ctx.sessionId,
    globalPrivacyControl: ctx.globalPrivacyControl,
    limit: req.limit || DEFAULT_LIMIT,
  };
}
