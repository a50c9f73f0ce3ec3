import { GetPrivacyContextRequest, PrivacyMode, Purpose, SetConsentRequest, UserControl, UserControlRequest } from '@recsys/proto';
import { InvalidArgumentError } from '@recsys/service-kit';
import { privacyContextQuery, setConsentCommand, userControlCommand } from './consent.commands';

/** The problems an invalid request is refused with (fails the test when it is not refused that way). */
function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(error.problems.join('; '));
    return error.problems;
  }
  throw new Error('expected an InvalidArgumentError');
}

const setConsent = (overrides: Partial<SetConsentRequest> = {}): SetConsentRequest => ({
  tenantId: 'acme',
  userId: 'alice',
  grants: [{ purpose: Purpose.PERSONALIZATION, granted: true }],
  source: '',
  ...overrides,
});

describe(setConsentCommand.name, () => {
  it('accepts a valid request and defaults the source to "api"', () => {
    expect(setConsentCommand(setConsent())).toEqual({ ...setConsent(), source: 'api' });
    expect(setConsentCommand(setConsent({ source: 'cmp' })).source).toBe('cmp');
  });

  it('refuses a missing tenant', () => {
    expect(problemsOf(() => setConsentCommand(setConsent({ tenantId: '' })))).toEqual(['tenant_id is required']);
  });

  it('refuses an invalid tenant', () => {
    expect(problemsOf(() => setConsentCommand(setConsent({ tenantId: 'Acme Corp' })))).toEqual([
      'tenant_id must be 1-63 characters of a-z, 0-9, "-" or "_"',
    ]);
  });

  it.each([Purpose.PURPOSE_UNSPECIFIED, Purpose.UNRECOGNIZED, 'EVERYTHING' as Purpose])('refuses the purpose %p', (purpose) => {
    expect(problemsOf(() => setConsentCommand(setConsent({ grants: [{ purpose, granted: true }] })))).toEqual([
      'grants[0].purpose must be one of PERSONALIZATION, BEHAVIORAL_TRAINING, ADS_PERSONALIZATION, QUALITY_MONITORING',
    ]);
  });

  it('refuses a purpose listed twice', () => {
    const grants = [
      { purpose: Purpose.PERSONALIZATION, granted: true },
      { purpose: Purpose.QUALITY_MONITORING, granted: true },
      { purpose: Purpose.PERSONALIZATION, granted: false },
    ];
    expect(problemsOf(() => setConsentCommand(setConsent({ grants })))).toEqual(['grants[2].purpose PERSONALIZATION is listed twice']);
  });

  it('refuses an empty grant list, a missing user and a long source, all at once', () => {
    expect(problemsOf(() => setConsentCommand(setConsent({ tenantId: '', userId: '', grants: [], source: 's'.repeat(65) })))).toEqual([
      'tenant_id is required',
      'user_id is required',
      'grants must name at least one purpose',
      'source must be at most 64 characters',
    ]);
  });

  it('refuses a user id longer than 256 characters without echoing it', () => {
    const problems = problemsOf(() => setConsentCommand(setConsent({ userId: 'x'.repeat(257) })));
    expect(problems).toEqual(['user_id must be at most 256 characters']);
  });
});

const control = (overrides: Partial<UserControlRequest> = {}): UserControlRequest => ({
  tenantId: 'acme',
  userId: 'alice',
  control: UserControl.HIDE_ITEM,
  targetId: 'item-1',
  ...overrides,
});

describe(userControlCommand.name, () => {
  it('accepts a valid control', () => {
    expect(userControlCommand(control())).toEqual(control());
  });

  it.each([UserControl.HIDE_ITEM, UserControl.BLOCK_CREATOR, UserControl.LESS_LIKE_THIS])('refuses %s without a target', (c) => {
    expect(problemsOf(() => userControlCommand(control({ control: c, targetId: '' })))).toEqual(['target_id is required']);
  });

  it.each([UserControl.TURN_OFF_PERSONALIZATION, UserControl.CLEAR_HISTORY, UserControl.RESET_PROFILE])(
    'accepts %s without a target',
    (c) => {
      expect(userControlCommand(control({ control: c, targetId: '' })).control).toBe(c);
    },
  );

  it.each([UserControl.USER_CONTROL_UNSPECIFIED, UserControl.UNRECOGNIZED, 'DELETE_EVERYTHING' as UserControl])(
    'refuses the control %p',
    (c) => {
      const [problem] = problemsOf(() => userControlCommand(control({ control: c })));
      expect(problem).toMatch(/^control must be one of TURN_OFF_PERSONALIZATION, /);
      expect(problem).not.toContain('USER_CONTROL_UNSPECIFIED');
    },
  );

  it('refuses a missing tenant and user', () => {
    expect(problemsOf(() => userControlCommand(control({ tenantId: '', userId: '' })))).toEqual([
      'tenant_id is required',
      'user_id is required',
    ]);
  });
});

describe(privacyContextQuery.name, () => {
  const query = (overrides: Partial<GetPrivacyContextRequest> = {}): GetPrivacyContextRequest => ({
    tenantId: 'acme',
    userId: '',
    anonymousId: '',
    requestedPrivacyMode: PrivacyMode.PRIVACY_MODE_UNSPECIFIED,
    globalPrivacyControl: false,
    ...overrides,
  });

  it('accepts a query with no requested mode', () => {
    expect(privacyContextQuery(query({ userId: 'alice', globalPrivacyControl: true }))).toEqual({
      tenantId: 'acme',
      userId: 'alice',
      anonymousId: '',
      requestedMode: PrivacyMode.PRIVACY_MODE_UNSPECIFIED,
      globalPrivacyControl: true,
    });
  });

  it.each([7 as unknown as PrivacyMode, PrivacyMode.UNRECOGNIZED])('refuses the requested mode %p', (requestedPrivacyMode) => {
    expect(problemsOf(() => privacyContextQuery(query({ requestedPrivacyMode })))).toEqual([
      'requested_privacy_mode is not a known PrivacyMode',
    ]);
  });

  it('refuses a missing tenant', () => {
    expect(problemsOf(() => privacyContextQuery(query({ tenantId: '' })))).toEqual(['tenant_id is required']);
  });
});
