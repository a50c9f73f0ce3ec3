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
  ) {
    this.outcomes = metrics.counter('exposures_recorded_total', 'Experiment exposures received, by outcome.', ['outcome']);
  }

  async record(request: RecordExposuresRequest, now = Date.now()): Promise<RecordExposuresResult> {
    const problems = exposureProblems(request.exposures, now);
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const oldest = now - this.retentionDays * DAY;
    const fresh = request.exposures.filter((e) => e.occurredAtMs >= oldest);
    const { stored, erased } = await this.repository.insert(fresh);
    this.outcomes.inc({ outcome: 'stored' }, stored);
    this.outcomes.inc({ outcome: 'erased_subject' }, erased);
    this.outcomes.inc({ outcome: 'expired' }, request.exposures.length - fresh.length);
    this.outcomes.inc({ outcome: 'duplicate' }, fresh.length - erased - stored);
    return { stored };
  }
}
