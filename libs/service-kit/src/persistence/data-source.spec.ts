import { createServiceDataSource, POOL_IDLE_TIMEOUT_MS } from './data-source';

describe(createServiceDataSource.name, () => {
  const options = { url: 'postgres://127.0.0.1:5432/none', schema: 'features', entities: [], migrations: [], applicationName: 'spec' };

  it('keeps idle pooled connections for minutes, not node-postgres’s 10 s (no reconnect storm after a lull)', () => {
    const extra = createServiceDataSource(options).options.extra as Record<string, unknown>;
    expect(POOL_IDLE_TIMEOUT_MS).toBeGreaterThanOrEqual(60_000);
    expect(extra).toEqual({ max: 10, idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS });
  });

  it('switches every connection to the runtime role when one is given, with the pool size asked for', () => {
    const extra = createServiceDataSource({ ...options, role: 'recsys_audit_writer', poolSize: 3 }).options.extra as Record<
      string,
      unknown
    >;
    expect(extra).toEqual({ max: 3, idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS, options: '-c role=recsys_audit_writer' });
  });
});
