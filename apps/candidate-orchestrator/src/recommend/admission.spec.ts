import { status } from '@grpc/grpc-js';
import { grpcStatusOf, ServiceMetrics } from '@recsys/service-kit';
import { Admission } from './admission';

/** A piece of work that finishes when the test says so. */
function deferred() {
  let finish!: () => void;
  const done = new Promise<string>((resolve) => (finish = () => resolve('done')));
  return { done, finish };
}

async function metric(metrics: ServiceMetrics, name: string): Promise<number> {
  const text = await metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return Number(line?.split(' ').pop() ?? NaN);
}

describe(Admission.name, () => {
  it('works on at most `limit` requests at once and refuses one more at once, with RESOURCE_EXHAUSTED', async () => {
    const metrics = new ServiceMetrics('test');
    const admission = new Admission(2, metrics);
    const [a, b] = [deferred(), deferred()];
    const first = admission.run(() => a.done);
    const second = admission.run(() => b.done);
    expect(await metric(metrics, 'recommend_in_flight')).toBe(2);
    let ran = false;
    const refused = admission.run(async () => {
      ran = true;
      return 'never';
    });
    await expect(refused).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED', message: expect.stringContaining('limit of 2') });
    expect(ran).toBe(false);
    expect(grpcStatusOf('RESOURCE_EXHAUSTED')).toBe(status.RESOURCE_EXHAUSTED);
    expect(await metric(metrics, 'recommend_shed_total')).toBe(1);
    // A finished request frees its place, also when it failed.
    a.finish();
    await expect(first).resolves.toBe('done');
    await expect(admission.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(admission.run(() => Promise.resolve('next'))).resolves.toBe('next');
    b.finish();
    await second;
    expect(await metric(metrics, 'recommend_in_flight')).toBe(0);
    expect(await metric(metrics, 'recommend_shed_total')).toBe(1);
  });

  it('admits everything with a limit of 0, and refuses a limit that is not a whole number', async () => {
    const admission = new Admission(0, new ServiceMetrics('test'));
    const pending = Array.from({ length: 100 }, () => deferred());
    const runs = pending.map((p) => admission.run(() => p.done));
    pending.forEach((p) => p.finish());
    await expect(Promise.all(runs)).resolves.toHaveLength(100);
    expect(() => new Admission(-1, new ServiceMetrics('test'))).toThrow(/whole number/);
    expect(() => new Admission(1.5, new ServiceMetrics('test'))).toThrow(/whole number/);
  });
});
