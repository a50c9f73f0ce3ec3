import { AppendRecordsRequest, AuditRecord } from '@recsys/proto';
import { createLogger } from '../observability/logger';
import { ServiceMetrics } from '../observability/metrics';
import { AuditOutbox } from './audit-outbox';
import { AuditInput, AuditSink } from './audit-sink';

/** A stand-in for audit-service: fails the first `failures` calls, then accepts; remembers every call. */
class FakeAuditClient {
  readonly attempts: AuditRecord[][] = [];
  readonly delivered: AuditRecord[] = [];
  readonly attemptTimes: number[] = [];

  constructor(public failures = 0) {}

  async appendRecords(request: AppendRecordsRequest): Promise<{ appended: number }> {
    this.attempts.push([...request.records]);
    this.attemptTimes.push(Date.now());
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('audit-service unavailable');
    }
    this.delivered.push(...request.records);
    return { appended: request.records.length };
  }
}

const input = (action: string, extra: Partial<AuditInput> = {}): AuditInput => ({
  tenantId: 'acme',
  actor: 'tester',
  action,
  target: 'u_subject',
  reason: 'test',
  requestId: 'req',
  ...extra,
});

async function counterValue(metrics: ServiceMetrics, name: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values.reduce((sum, v) => sum + v.value, 0) ?? Number.NaN;
}

describe(AuditSink.name, () => {
  const logger = createLogger('test', 'silent');
  let metrics: ServiceMetrics;

  beforeEach(() => {
    metrics = new ServiceMetrics('test');
    jest.useFakeTimers({ now: 1_000_000 });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  const sinkWith = (client: FakeAuditClient, options = { maxQueue: 100, batchSize: 2, intervalMs: 10 }) =>
    new AuditSink(client, 'orchestrator', metrics, logger, options);

  it('delivers every record exactly once, in order, after audit-service failed twice', async () => {
    const client = new FakeAuditClient(2);
    const sink = sinkWith(client);
    for (const action of ['a1', 'a2', 'a3', 'a4', 'a5']) sink.record(input(action));

    await jest.advanceTimersByTimeAsync(10_000);

    expect(client.delivered.map((r) => r.action)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(new Set(client.delivered.map((r) => r.recordId)).size).toBe(5);
    expect(client.attempts).toHaveLength(2 + 3);
    // A retry resends the same records with the same ids, so audit-service can deduplicate.
    expect(client.attempts[0]).toEqual(client.attempts[2]);
    expect(sink.pending).toBe(0);
    expect(await counterValue(metrics, 'audit_records_sent_total')).toBe(5);
    expect(await counterValue(metrics, 'audit_records_dropped_total')).toBe(0);
    sink.close();
  });

  it('waits longer after each consecutive failure', async () => {
    const client = new FakeAuditClient(3);
    const sink = sinkWith(client);
    sink.record(input('a1'));

    await jest.advanceTimersByTimeAsync(10_000);

    const gaps = client.attemptTimes.slice(1).map((t, i) => t - client.attemptTimes[i]);
    expect(gaps).toHaveLength(3);
    expect(gaps[0]).toBeGreaterThanOrEqual(250);
    expect(gaps[1]).toBeGreaterThan(gaps[0]);
    expect(gaps[2]).toBeGreaterThan(gaps[1]);
    expect(client.delivered.map((r) => r.action)).toEqual(['a1']);
    sink.close();
  });

  it('drops the oldest record when the queue is full, and counts it', async () => {
    const client = new FakeAuditClient();
    const sink = sinkWith(client, { maxQueue: 3, batchSize: 10, intervalMs: 10 });
    for (const action of ['a1', 'a2', 'a3', 'a4', 'a5']) sink.record(input(action));

    expect(sink.pending).toBe(3);
    expect(await counterValue(metrics, 'audit_records_dropped_total')).toBe(2);
    await jest.advanceTimersByTimeAsync(100);
    expect(client.delivered.map((r) => r.action)).toEqual(['a3', 'a4', 'a5']);
    sink.close();
  });

  it('never throws to the caller while audit-service is down', async () => {
    const client = new FakeAuditClient(Number.POSITIVE_INFINITY);
    const sink = sinkWith(client);
    expect(() => sink.record(input('a1'))).not.toThrow();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(client.attempts.length).toBeGreaterThan(1);
    expect(sink.pending).toBe(1);
    sink.close();
  });

  it('fills in the record id, time, default actor and serialized details', async () => {
    const client = new FakeAuditClient();
    const sink = sinkWith(client);
    sink.record(input('with-details', { actor: '', details: { mode: 'PERSONALIZED', items: 3 } }));
    sink.record(input('without-details'));
    await jest.advanceTimersByTimeAsync(100);

    const [first, second] = client.delivered;
    expect(first).toMatchObject({ actor: 'orchestrator', occurredAtMs: 1_000_000, detailsJson: '{"mode":"PERSONALIZED","items":3}' });
    expect(first.recordId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first).not.toHaveProperty('details');
    expect(second).toMatchObject({ actor: 'tester', detailsJson: '' });
    sink.close();
  });

  it('delivers what is queued on drain', async () => {
    const client = new FakeAuditClient(1);
    const sink = sinkWith(client, { maxQueue: 100, batchSize: 2, intervalMs: 60_000 });
    for (const action of ['a1', 'a2', 'a3']) sink.record(input(action));
    const drained = sink.drain(2000);
    await jest.advanceTimersByTimeAsync(500);
    await drained;
    expect(client.delivered.map((r) => r.action)).toEqual(['a1', 'a2', 'a3']);
    expect(sink.pending).toBe(0);
    sink.close();
  });

  it('does not lose a record that arrives while a full queue is being delivered', async () => {
    let release!: () => void;
    const delivered: string[] = [];
    const client = {
      appendRecords: async (request: AppendRecordsRequest) => {
        await new Promise<void>((resolve) => (release = resolve));
        delivered.push(...request.records.map((r) => r.action));
        return { appended: request.records.length };
      },
    };
    const sink = new AuditSink(client, 'orchestrator', metrics, logger, { maxQueue: 3, batchSize: 3, intervalMs: 10 });
    for (const action of ['a1', 'a2', 'a3']) sink.record(input(action));
    await jest.advanceTimersByTimeAsync(10); // the batch a1..a3 is now in flight
    sink.record(input('a4')); // queue full: a1 is dropped (and counted)
    release(); // the first batch succeeds
    await jest.advanceTimersByTimeAsync(1_000);
    release(); // and so does a follow-up batch, if anything was left to send
    await jest.advanceTimersByTimeAsync(1_000);

    expect(delivered).toContain('a4');
    sink.close();
  });

  it('drains while a background delivery is in flight without blocking the event loop', async () => {
    jest.useRealTimers();
    const client = {
      appendRecords: (request: AppendRecordsRequest) =>
        new Promise<{ appended: number }>((resolve) => setTimeout(() => resolve({ appended: request.records.length }), 30)),
    };
    const sink = new AuditSink(client, 'orchestrator', metrics, logger, { maxQueue: 10, batchSize: 10, intervalMs: 0 });
    sink.record(input('a1'));
    await new Promise((resolve) => setTimeout(resolve, 5)); // the background flush is now waiting for its answer

    await sink.drain(200);

    expect(sink.pending).toBe(0);
    sink.close();
  });

  it('moves what audit-service does not take to the outbox and relays it, exactly once, when audit-service is back', async () => {
    const stored = new Map<string, AuditRecord>();
    const outbox: AuditOutbox = {
      save: (records) => {
        for (const r of records) if (!stored.has(r.recordId)) stored.set(r.recordId, r);
        return Promise.resolve();
      },
      take: (limit) => Promise.resolve([...stored.values()].slice(0, limit)),
      remove: (ids) => {
        ids.forEach((id) => stored.delete(id));
        return Promise.resolve();
      },
      count: () => Promise.resolve(stored.size),
    };
    const client = new FakeAuditClient(1000);
    const sink = new AuditSink(client, 'orchestrator', metrics, logger, {
      maxQueue: 3,
      batchSize: 2,
      intervalMs: 10,
      outbox,
      relayIntervalMs: 50,
    });
    const actions = Array.from({ length: 9 }, (_, i) => `a${i}`);
    for (const action of actions) {
      sink.record(input(action));
      await jest.advanceTimersByTimeAsync(20);
    }
    await jest.advanceTimersByTimeAsync(500);
    // Nothing delivered, nothing dropped: everything is durable in the outbox (the memory queue holds 3 at most).
    expect(client.delivered).toEqual([]);
    expect(await counterValue(metrics, 'audit_records_dropped_total')).toBe(0);
    expect([...stored.values()].map((r) => r.action).sort()).toEqual(actions);
    expect(sink.pending).toBe(0);

    client.failures = 0;
    await jest.advanceTimersByTimeAsync(500);
    expect(client.delivered.map((r) => r.action)).toEqual(actions);
    expect(stored.size).toBe(0);
    sink.close();
  });

  it('stores what is still queued at shutdown in the outbox', async () => {
    const saved: AuditRecord[] = [];
    const outbox: AuditOutbox = {
      save: (records) => Promise.resolve(void saved.push(...records)),
      take: () => Promise.resolve([]),
      remove: () => Promise.resolve(),
      count: () => Promise.resolve(0),
    };
    const sink = new AuditSink(new FakeAuditClient(1000), 'orchestrator', metrics, logger, {
      maxQueue: 10,
      batchSize: 10,
      intervalMs: 10_000,
      outbox,
    });
    sink.record(input('last words'));
    await sink.drain(100);
    expect(saved.map((r) => r.action)).toEqual(['last words']);
    sink.close();
  });

  it('drops only the record audit-service refuses as malformed, delivers the rest of its batch, and never blocks', async () => {
    const delivered: string[] = [];
    const client = {
      appendRecords: (request: AppendRecordsRequest) => {
        if (request.records.some((r) => r.action === 'poison'))
          return Promise.reject(Object.assign(new Error('INVALID_ARGUMENT'), { code: 3 }));
        delivered.push(...request.records.map((r) => r.action));
        return Promise.resolve({ appended: request.records.length });
      },
    };
    const sink = new AuditSink(client, 'orchestrator', metrics, logger, { maxQueue: 100, batchSize: 10, intervalMs: 10 });
    for (const action of ['a1', 'poison', 'a2']) sink.record(input(action));
    await jest.advanceTimersByTimeAsync(100);
    sink.record(input('a3'));
    await jest.advanceTimersByTimeAsync(100);
    expect(delivered).toEqual(['a1', 'a2', 'a3']);
    expect(await counterValue(metrics, 'audit_records_rejected_total')).toBe(1);
    sink.close();
  });

  it('refuses a record without a valid tenant before it is queued', async () => {
    const client = new FakeAuditClient();
    const sink = sinkWith(client);
    sink.record(input('a1', { tenantId: '_x' }));
    sink.record(input('a2', { tenantId: 'platform' }));
    await jest.advanceTimersByTimeAsync(100);
    expect(client.delivered.map((r) => r.action)).toEqual(['a2']);
    expect(await counterValue(metrics, 'audit_records_rejected_total')).toBe(1);
    sink.close();
  });

  it('spills a full queue to the outbox instead of dropping records', async () => {
    const saved: string[] = [];
    const outbox: AuditOutbox = {
      save: (records) => Promise.resolve(void saved.push(...records.map((r) => r.action))),
      take: () => Promise.resolve([]),
      remove: () => Promise.resolve(),
      count: () => Promise.resolve(0),
    };
    // audit-service hangs: nothing is delivered or fails for a long time.
    const client = { appendRecords: () => new Promise<{ appended: number }>(() => undefined) };
    const sink = new AuditSink(client, 'orchestrator', metrics, logger, { maxQueue: 3, batchSize: 3, intervalMs: 10_000, outbox });
    for (const action of ['a1', 'a2', 'a3', 'a4']) sink.record(input(action));
    await jest.advanceTimersByTimeAsync(0);
    expect(saved).toEqual(['a1', 'a2', 'a3']);
    expect(sink.pending).toBe(1);
    expect(await counterValue(metrics, 'audit_records_dropped_total')).toBe(0);
    sink.close();
  });
});
