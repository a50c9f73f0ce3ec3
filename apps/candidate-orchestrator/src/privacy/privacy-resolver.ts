import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { GRANTABLE_PURPOSES, isServedMode, PrivacyContext, PrivacyMode, Purpose, stricterOf } from '@recsys/privacy-context';
import { ConsentServiceClient } from '@recsys/proto';
import { isServiceError, ServiceMetrics, UnaryClient } from '@recsys/service-kit';
import { RecommendCommand } from '../recommend/recommend.command';

export interface ResolvedPrivacy {
  context: PrivacyContext;
  /** Why the served mode is not PERSONALIZED (empty when it is). */
  reason: string;
  hiddenItemIds: Set<string>;
  blockedCreatorIds: Set<string>;
  /** Items marked "less like this": their categories are demoted. */
  lessLikeItemIds: Set<string>;
  /** False when consent-service did not answer: the answer must then not be cached as the subject's. */
  consentKnown: boolean;
}

/**
 * Step 2 of the serving path: the privacy context from consent-service under a short deadline. Unknown
 * consent, an error or a timeout resolve to CONTEXTUAL_ONLY (or the stricter requested mode), never to
 * PERSONALIZED, and are counted in consent_unknown_fallback_count.
 */
export class PrivacyResolver {
  private readonly fallbacks;

  constructor(
    private readonly consent: Pick<UnaryClient<ConsentServiceClient>, 'getPrivacyContext'>,
    private readonly options: { deadlineMs: number; contextTtlSeconds: number; policyVersion: string },
    metrics: ServiceMetrics,
  ) {
    this.fallbacks = metrics.counter(
      'consent_unknown_fallback_count',
      'Requests served CONTEXTUAL_ONLY because consent-service failed or timed out.',
      ['caller', 'cause'],
    );
  }

  async resolve(cmd: RecommendCommand): Promise<ResolvedPrivacy> {
    const now = Date.now();
    const requestId = randomUUID();
    const base = { tenantId: cmd.tenantId, requestId, issuedAtMs: now, expiresAtMs: now + this.options.contextTtlSeconds * 1000 };
    try {
      const reply = await this.consent.getPrivacyContext(
        {
          tenantId: cmd.tenantId,
          userId: cmd.userId,
          anonymousId: cmd.anonymousId,
          requestedPrivacyMode: cmd.requestedMode,
          globalPrivacyControl: cmd.globalPrivacyControl,
        },
        { timeoutMs: this.options.deadlineMs },
      );
      // Defence in depth: whatever consent-service says, the requested mode can only make it stricter, and a
      // mode we cannot read is treated as the strictest.
      const mode = isServedMode(reply.mode) ? stricterOf(reply.mode, cmd.requestedMode) : PrivacyMode.NON_PERSONALIZED;
      const purposes = reply.grantedPurposes.filter((p): p is Purpose => (GRANTABLE_PURPOSES as readonly string[]).includes(p));
      return {
        context: {
          ...base,
          subjectPid: reply.subjectPid,
          mode,
          purposes,
          consentVersion: reply.consentVersion,
          policyVersion: reply.policyVersion,
          fallbackReason: reply.reason || undefined,
        },
        reason: mode === PrivacyMode.PERSONALIZED ? '' : reply.reason || 'requested_stricter_mode',
        hiddenItemIds: new Set(reply.hiddenItemIds),
        blockedCreatorIds: new Set(reply.blockedCreatorIds),
        lessLikeItemIds: new Set(reply.lessLikeItemIds),
        consentKnown: true,
      };
    } catch (error) {
      const cause = isServiceError(error) && error.code === status.DEADLINE_EXCEEDED ? 'consent_timeout' : 'consent_unavailable';
      this.fallbacks.inc({ caller: 'recommend', cause });
      const mode = stricterOf(PrivacyMode.CONTEXTUAL_ONLY, cmd.requestedMode);
      return {
        context: {
          ...base,
          subjectPid: '',
          mode,
          purposes: [],
          consentVersion: '0',
          policyVersion: this.options.policyVersion,
          fallbackReason: cause,
        },
        reason: cause,
        hiddenItemIds: new Set(),
        blockedCreatorIds: new Set(),
        lessLikeItemIds: new Set(),
        consentKnown: false,
      };
    }
  }
}
