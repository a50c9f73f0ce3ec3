import { createHmac } from 'node:crypto';
import { RecordExposuresRequest, RecordExposuresResult } from '@recsys/proto';
import { InvalidArgumentError, ServiceMetrics } from '@recsys/service-kit';
import { ExposureRepository } from './exposure.repository';
import { exposureProblems } from './exposure.validation';

const DAY = 86_400_000;

/**
 * RecordExposures (seed §29): candidate-orchestrator's exposure logs, validated as one batch and stored in one
 * statement. What is not stored is counted, never an error the sender would retry forever: a retried exposure
 * (same tenant and request id), an exposure of an erased subject dated before the erasure, and one already older
 * than EXPOSURE_RETENTION_DAYS (it would be stored only to be swept).
 */
export class ExposureService {
  private readonly outcomes;

  constructor(
    private readonly repository: Pick<ExposureRepository, 'insert'>,
    metrics: ServiceMetrics,
    /** EXPOSURE_RETENTION_DAYS. */
    private readonly retentionDays: number,
    /**
     * The key under which an unlinked exposure (no subject) is stored instead of its request id: the request id
     * is also in the subject's decision record and debug trace, so keeping it would let a join re-link the
     * exposure to the person. A keyed hash still makes retries idempotent.
     */
    private readonly unlinkedKey: (tenantId: string, requestId: string) => string = unlinkedRequestKey(''),
  ) {
    this.outcomes = metrics.counter('exposures_recorded_total', 'Experiment exposures received, by outcome.', ['outcome']);
  }

  async record(request: RecordExposuresRequest, now = Date.now()): Promise<RecordExposuresResult> {
    const problems = exposureProblems(request.exposures, now);
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const oldest = now - this.retentionDays * DAY;
    const fresh = request.exposures
      .filter((e) => e.occurredAtMs >= oldest)
      .map((e) => (e.subjectPid ? e : { ...e, requestId: this.unlinkedKey(e.tenantId, e.requestId) }));
    const { stored, erased } = await this.repository.insert(fresh);
    this.outcomes.inc({ outcome: 'stored' }, stored);
    this.outcomes.inc({ outcome: 'erased_subject' }, erased);
    this.outcomes.inc({ outcome: 'expired' }, request.exposures.length - fresh.length);
    this.outcomes.inc({ outcome: 'duplicate' }, fresh.length - erased - stored);
    return { stored };
  }
}

/** `x_` + 22 characters of an HMAC of the request id with the deployment's pseudonymization secret. */
export function unlinkedRequestKey(secret: string): (tenantId: string, requestId: string) => string {
  return (tenantId, requestId) =>
    `x_${createHmac('sha256', secret || 'unlinked-exposure')
      .update(`exposure\u0000${tenantId}\u0000${requestId}`)
      .digest('base64url')
      .slice(0, 22)}`;
}
