import { ConsentServiceClient } from '@recsys/proto';
import { ServiceMetrics, UnaryClient } from '@recsys/service-kit';

/**
 * Asks consent-service, at ingestion, whether subjects' behaviour may be stored as personal data: one call per
 * tenant and batch. Fail-safe: a timeout, an error or an unavailable consent-service means "no" for the whole
 * batch (and is counted), never "yes".
 */
export class ConsentGate {
  private readonly fallbacks;

  constructor(
    private readonly client: Pick<UnaryClient<ConsentServiceClient>, 'checkPersonalizationConsent'>,
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
    try {
      const { allowed } = await this.client.checkPersonalizationConsent({ tenantId, userIds }, { timeoutMs: this.deadlineMs });
      return new Map(userIds.map((id, i) => [id, allowed[i] === true]));
    } catch {
      this.fallbacks.inc({ caller: 'ingestion' });
      return new Map(userIds.map((id) => [id, false]));
    }
  }
}
