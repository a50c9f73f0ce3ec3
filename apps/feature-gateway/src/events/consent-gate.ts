import { ConsentServiceClient } from '@recsys/proto';
import { AppError, ServiceMetrics, UnaryClient } from '@recsys/service-kit';

/**
 * Asks consent-service, at ingestion, whether subjects' behaviour may be stored as personal data: one call per
 * tenant and batch. When consent-service does not answer (timeout, error, unavailable) nothing is assumed: the
 * lookup is counted and the whole batch is refused with UNAVAILABLE before anything is written, so nothing is
 * stored without consent and nothing is silently lost — the producer retries the batch.
 */
export class ConsentGate {
  private readonly fallbacks;

  constructor(
    private readonly client: Pick<UnaryClient<ConsentServiceClient>, 'checkPersonalizationConsent'>,
    private readonly deadlineMs: number,
    metrics: ServiceMetrics,
  ) {
    this.fallbacks = metrics.counter('consent_unknown_fallback_count', 'Consent lookups that failed or timed out (nothing was assumed).', [
      'caller',
    ]);
  }

  /** user id → may store as personal behaviour. */
  async personalizationAllowed(tenantId: string, userIds: string[]): Promise<Map<string, boolean>> {
    let allowed: boolean[];
    try {
      ({ allowed } = await this.client.checkPersonalizationConsent({ tenantId, userIds }, { timeoutMs: this.deadlineMs }));
    } catch {
      this.fallbacks.inc({ caller: 'ingestion' });
      throw new AppError('UNAVAILABLE', 'consent could not be checked; nothing of this batch was stored, retry it');
    }
    return new Map(userIds.map((id, i) => [id, allowed[i] === true]));
  }
}
