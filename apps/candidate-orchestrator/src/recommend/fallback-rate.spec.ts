import { ServiceMetrics } from '@recsys/service-kit';
import { FallbackRate } from './fallback-rate';

describe(FallbackRate.name, () => {
  const gaugeValue = async (metrics: ServiceMetrics) =>
    (await metrics.registry.getSingleMetric('non_personalized_fallback_rate')!.get()).values[0]?.value;

  it('is the share of fallbacks among the requests seen, before the window is full', async () => {
    const metrics = new ServiceMetrics('test');
    const rate = new FallbackRate(metrics, 4);
    expect(rate.rate).toBe(0);
    rate.observe(true);
    rate.observe(false);
    expect(rate.rate).toBe(0.5);
    expect(await gaugeValue(metrics)).toBe(0.5);
  });

  it('forgets requests older than the window', async () => {
    const metrics = new ServiceMetrics('test');
    const rate = new FallbackRate(metrics, 4);
    for (const fallback of [true, true, true, true]) rate.observe(fallback);
    expect(rate.rate).toBe(1);
    for (const fallback of [false, false, false]) rate.observe(fallback);
    expect(rate.rate).toBe(0.25);
    rate.observe(false);
    expect(rate.rate).toBe(0);
    expect(await gaugeValue(metrics)).toBe(0);
  });
});
