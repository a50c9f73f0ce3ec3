import { PrivacyMode, RecommendRequest, RequestContext } from '@recsys/proto';
import { InvalidArgumentError } from '@recsys/service-kit';
import { recommendCommand } from './recommend.command';

const SURFACES: ReadonlySet<string> = new Set(['home', 'item_page']);

function context(overrides: Partial<RequestContext> = {}): RequestContext {
  return {
    tenantId: 'acme',
    surface: '',
    requestedPrivacyMode: PrivacyMode.PRIVACY_MODE_UNSPECIFIED,
    region: 'ID-JK',
    locale: 'id-ID',
    deviceType: 'mobile',
    localHour: 14,
    seedItemId: '',
    query: '',
    sessionId: 's1',
    globalPrivacyControl: false,
    ...overrides,
  };
}

const request = (ctx: Partial<RequestContext> = {}, limit = 0): RecommendRequest => ({
  subject: { userId: 'alice', anonymousId: '' },
  context: context(ctx),
  limit,
});

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    expect(error.code).toBe('INVALID_ARGUMENT');
    return error.problems;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe(recommendCommand.name, () => {
  it('defaults the limit to 10 and the surface to home', () => {
    const cmd = recommendCommand(request(), SURFACES);
    expect(cmd).toMatchObject({
      tenantId: 'acme',
      userId: 'alice',
      anonymousId: '',
      surface: 'home',
      limit: 10,
      region: 'ID-JK',
      localHour: 14,
    });
  });

  it('keeps an explicit limit, surface and requested mode', () => {
    const cmd = recommendCommand(request({ surface: 'item_page', requestedPrivacyMode: PrivacyMode.CONTEXTUAL_ONLY }, 25), SURFACES);
    expect(cmd).toMatchObject({ surface: 'item_page', limit: 25, requestedMode: PrivacyMode.CONTEXTUAL_ONLY });
  });

  it('treats a missing subject as fully anonymous', () => {
    expect(recommendCommand({ context: context(), limit: 5 }, SURFACES)).toMatchObject({ userId: '', anonymousId: '' });
  });

  it('refuses a request without a context', () => {
    expect(problemsOf(() => recommendCommand({ limit: 5 }, SURFACES))).toEqual(['context is required (with context.tenant_id)']);
  });

  it('refuses a missing or invalid tenant', () => {
    expect(problemsOf(() => recommendCommand(request({ tenantId: '' }), SURFACES))).toEqual(['context.tenant_id is required']);
    expect(problemsOf(() => recommendCommand(request({ tenantId: 'ACME' }), SURFACES))).toEqual([
      'context.tenant_id must be 1-63 characters of a-z, 0-9, "-" or "_"',
    ]);
  });

  it.each([7 as unknown as PrivacyMode, PrivacyMode.UNRECOGNIZED, 'personalized' as PrivacyMode])(
    'refuses the requested mode %p',
    (mode) => {
      expect(problemsOf(() => recommendCommand(request({ requestedPrivacyMode: mode }), SURFACES))).toEqual([
        'context.requested_privacy_mode must be PERSONALIZED, CONTEXTUAL_ONLY, NON_PERSONALIZED or unset',
      ]);
    },
  );

  it.each([-1, 101, 1000])('refuses the limit %p', (limit) => {
    expect(problemsOf(() => recommendCommand(request({}, limit), SURFACES))).toEqual(['limit must be 0..100 (0 means 10)']);
  });

  it.each(['id-jk', 'Jakarta', 'ID-', 'IDN', 'ID-JKTA'])('refuses the region %p', (region) => {
    expect(problemsOf(() => recommendCommand(request({ region }), SURFACES))).toEqual(['context.region must look like "ID" or "ID-JK"']);
  });

  it.each(['', 'ID', 'ID-JK', 'US-CA1'])('accepts the region %p', (region) => {
    expect(recommendCommand(request({ region }), SURFACES).region).toBe(region);
  });

  it('refuses an unknown surface and lists the known ones', () => {
    expect(problemsOf(() => recommendCommand(request({ surface: 'checkout' }), SURFACES))).toEqual([
      'context.surface must be one of home, item_page',
    ]);
  });

  it('refuses an out-of-range hour, an unknown device and over-long ids', () => {
    const problems = problemsOf(() =>
      recommendCommand(
        {
          subject: { userId: 'u'.repeat(257), anonymousId: '' },
          context: context({ localHour: 24, deviceType: 'watch', seedItemId: 'i'.repeat(257), query: 'q'.repeat(513) }),
          limit: 0,
        },
        SURFACES,
      ),
    );
    expect(problems).toEqual([
      'context.local_hour must be -1..23',
      'context.device_type must be mobile, desktop, tablet, tv or empty',
      'subject.user_id must be at most 256 characters',
      'context.seed_item_id must be at most 256 characters',
      'context.query must be at most 512 characters',
    ]);
  });

  it('lists every problem of a request at once', () => {
    const problems = problemsOf(() =>
      recommendCommand(
        request({ tenantId: '', requestedPrivacyMode: 7 as unknown as PrivacyMode, surface: 'nope', region: 'xx' }, -5),
        SURFACES,
      ),
    );
    expect(problems).toHaveLength(5);
    for (const field of ['tenant_id', 'requested_privacy_mode', 'surface', 'limit', 'region']) {
      expect(problems.some((p) => p.includes(field))).toBe(true);
    }
  });
});
