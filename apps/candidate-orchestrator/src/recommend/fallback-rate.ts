import { ServiceMetrics } from '@recsys/service-kit';

/** Requests the fallback rate is computed over. */
export const FALLBACK_WINDOW = 1000;

/**
 * `non_personalized_fallback_rate` (seed §39): the share of this replica's last N Recommend requests that were
 * served in a stricter mode than PERSONALIZED (no consent, signed out, personalization off, consent unknown,
 * stricter mode requested). A gauge over a sliding window of requests, so the name reads directly as a rate on a
 * dashboard; the fleet-wide rate over time is the PromQL ratio of `non_personalized_fallback_total` to
 * `personalized_request_count_by_consent` (docs/observability.md).
 */
export class FallbackRate {
  private readonly gauge;
  private readonly window: Uint8Array;
  private next = 0;
  private filled = 0;
  private fallbacks = 0;

  constructor(metrics: ServiceMetrics, size = FALLBACK_WINDOW) {
    this.window = new Uint8Array(size);
    this.gauge = metrics.gauge(
      'non_personalized_fallback_rate',
      `Share of the last ${size} Recommend requests served in a stricter mode than PERSONALIZED (0..1).`,
    );
  }

  observe(fallback: boolean): void {
    const value = fallback ? 1 : 0;
    if (this.filled === this.window.length) this.fallbacks -= this.window[this.next];
    else this.filled++;
    this.window[this.next] = value;
    this.fallbacks += value;
    this.next = (this.next + 1) % this.window.length;
    this.gauge.set(this.fallbacks / this.filled);
  }

  get rate(): number {
    return this.filled === 0 ? 0 : this.fallbacks / this.filled;
  }
}
