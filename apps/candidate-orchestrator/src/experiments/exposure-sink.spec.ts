import pino from 'pino';
import { Exposure, RecordExposuresRequest } from '@recsys/proto';
import { ServiceMetrics } from '@recsys/service-kit';
import { ExposureSink } from './exposure-sink';

const exposure = (requestId: string): Exposure => ({
  tenantId: 'acme',
  subjectPid: '',
  experiment: 'home_test',
  variant: 'control',
  mode: 'CONTEXTUAL_ONLY',
  requestId,
  itemIds: ['i1'],
  occurredAtMs: 1,
  surface: 'home',
});
const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

describe(ExposureSink.name, () => {
  it('retries while feature-gateway is unreachable and delivers every exposure once', async () => {
    const delivered: string[] = [];
    let failures = 2;
    const client = {
      recordExposures: (req: RecordExposuresRequest) => {
        if (failures-- > 0) return Promise.reject(Object.assign(new Error('UNAVAILABLE'), { code: 14 }));
        delivered.push(...req.exposures.map((e) => e.requestId));
        return Promise.resolve({ stored: req.exposures.length });
      },
    };
    const sink = new ExposureSink(client, new ServiceMetrics('t'), pino({ level: 'silent' }), {
      maxQueue: 100,
      batchSize: 10,
      intervalMs: 1,
    });
    ['r1', 'r2', 'r3'].forEach((r) => sink.record(exposure(r)));
    for (let i = 0; i < 100 && delivered.length < 3; i++) await tick();
    expect(delivered).toEqual(['r1', 'r2', 'r3']);
    expect(sink.pending).toBe(0);
    sink.close();
  }, 10_000);

  it('drops (and counts) a batch feature-gateway refuses as malformed instead of retrying it forever', async () => {
    const metrics = new ServiceMetrics('t2');
    let calls = 0;
    const client = {
      recordExposures: () => {
        calls += 1;
        return Promise.reject(Object.assign(new Error('INVALID_ARGUMENT: exposures[0].mode'), { code: 3 }));
      },
    };
    const sink = new ExposureSink(client, metrics, pino({ level: 'silent' }), { maxQueue: 100, batchSize: 10, intervalMs: 1 });
    sink.record(exposure('bad'));
    for (let i = 0; i < 10 && sink.pending > 0; i++) await tick();
    expect(sink.pending).toBe(0);
    expect(calls).toBe(1);
    const dropped = await metrics.registry.getSingleMetric('experiment_exposures_dropped_total')!.get();
    expect(dropped.values[0].value).toBe(1);
    sink.close();
  });
});
