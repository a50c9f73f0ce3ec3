import { AppError, ServiceMetrics } from '@recsys/service-kit';

/**
 * Load shedding for Recommend: at most `limit` requests are worked on at once; one more is refused at once with
 * RESOURCE_EXHAUSTED instead of queueing behind the others past every deadline (an overloaded replica would
 * otherwise answer everyone late, and the callers' retries would add to the queue). 0 admits everything.
 */
export class Admission {
  private inFlight = 0;
  private readonly shed;
  private readonly gauge;

  constructor(
    private readonly limit: number,
    metrics: ServiceMetrics,
  ) {
    if (!Number.isInteger(limit) || limit < 0) throw new Error('the in-flight limit must be a whole number >= 0');
    this.shed = metrics.counter('recommend_shed_total', 'Recommend requests refused with RESOURCE_EXHAUSTED (in-flight limit reached).');
    this.gauge = metrics.gauge('recommend_in_flight', 'Recommend requests being worked on.');
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.limit > 0 && this.inFlight >= this.limit) {
      this.shed.inc();
      throw new AppError('RESOURCE_EXHAUSTED', `the orchestrator is working on its limit of ${this.limit} Recommends; retry with backoff`);
    }
    this.inFlight += 1;
    this.gauge.set(this.inFlight);
    try {
      return await work();
    } finally {
      this.inFlight -= 1;
      this.gauge.set(this.inFlight);
    }
  }
}
