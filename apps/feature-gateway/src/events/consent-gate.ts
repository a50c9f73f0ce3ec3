import { ConsentServiceClient, PrivacyMode, Purpose } from '@recsys/proto';
import { ServiceMetrics, UnaryClient } from '@recsys/service-kit';

/**
 * Asks consent-service, at ingestion, whether a subject's behaviour may be stored as personal data. Fail-safe:
 * a timeout, an error or an unavailable consent-service means "no" (and is counted), never "yes".
 */
export class ConsentGate {
  private readonly fallbacks;

  constructor(
    private readonly client: Pick<UnaryClient<ConsentServiceClient>, 'getPrivacyContext'>,
    private readonly deadlineMs: number,
    metrics: ServiceMetrics,
  ) {
    this.fallbacks = metrics.counter(
      'consent_unknown_fallback_count',
      'Consent lookups that failed or timed out and were treated as no consent.',
      ['caller'],
    );
  }

  /** user id → may store as personal behaviour. */
  async personalizationAllowed(tenantId: string, userIds: string[]): Promise<Map<string, boolean>> {
    const answers = await Promise.all(
      userIds.map(async (userId) => {
        try {
          const reply = await this.client.getPrivacyContext(
            { tenantId, userId, anonymousId: '', requestedPrivacyMode: PrivacyMode.PRIVACY_MODE_UNSPECIFIED, globalPrivacyControl: false },
            { timeoutMs: this.deadlineMs },
          );
          return [userId, reply.mode === PrivacyMode.PERSONALIZED && reply.grantedPurposes.includes(Purpose.PERSONALIZATION)] as const;
        } catch {
          this.fallbacks.inc({ caller: 'ingestion' });
          return [userId, false] as const;
        }
      }),
    );
    return new Map(answers);
  }
}
