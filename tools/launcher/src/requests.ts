import { PrivacyMode, RecommendRequest, RequestContext } from '@recsys/proto';

/**
 * A complete RecommendRequest for a signed-in subject (every proto field set, as a typed client needs): the
 * home surface, no requested mode, unknown hour, and whatever the caller overrides.
 */
export function recommendRequest(
  userId: string,
  context: Partial<RequestContext> & Pick<RequestContext, 'tenantId'>,
  limit = 10,
): RecommendRequest {
  return {
    subject: { userId, anonymousId: '' },
    context: {
      surface: 'home',
      requestedPrivacyMode: PrivacyMode.PRIVACY_MODE_UNSPECIFIED,
      region: '',
      locale: '',
      deviceType: '',
      localHour: -1,
      seedItemId: '',
      query: '',
      sessionId: '',
      globalPrivacyControl: false,
      ...context,
    },
    limit,
  };
}
