import { join } from 'node:path';
import { Client } from 'pg';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { repoRoot, SERVICES, Stack } from '@recsys/launcher';
import { createTestDatabase, freeStackPorts, testStackEnv, uniqueNamespace, waitFor } from '@recsys/testing';
import { runBench } from './run-bench';

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const TENANT = 'bench-retention';

/** The value of one metric sample (the first series whose line starts with `prefix`). */
async function metric(port: number, prefix: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line ? Number(line.split(' ').pop()) : undefined;
}

/**
 * How long does feature-gateway's retention sweep take over `--expired` expired raw events (with `--kept` recent
 * ones that must stay)? The rows are written straight into a fresh database, then feature-gateway is started:
 * it sweeps at start, in batches of RETENTION_BATCH_SIZE. The figure is the sweep's own duration
 * (`retention_last_sweep_seconds`); the run checks that exactly the expired rows are gone.
 */
runBench(
  async () =>
    yargs(hideBin(process.argv))
      .scriptName('bench:retention')
      .option('expired', { type: 'number', default: 1_000_000, describe: 'events older than the retention period' })
      .option('kept', { type: 'number', default: 100_000, describe: 'recent events that must stay' })
      .option('batch', { type: 'number', default: 10_000, describe: 'RETENTION_BATCH_SIZE' })
      .strict()
      .parse(),
  async (options, addCleanup) => {
    const database = await createTestDatabase('recsys_bench_retention');
    addCleanup(() => database.drop());
    const root = repoRoot();
    const stack = new Stack({
      root,
      logDir: join(root, 'tmp', 'bench-logs', `retention-${Date.now()}`),
      ports: await freeStackPorts(SERVICES.map((s) => s.app)),
      env: testStackEnv({
        databaseUrl: database.url,
        redisUrl: '',
        namespace: uniqueNamespace('bench'),
        keyId: 'bench',
        overrides: { RETENTION_BATCH_SIZE: String(options.batch), RETENTION_SWEEP_SECONDS: '86400', LOG_LEVEL: 'warn' },
      }),
    });
    addCleanup(() => stack.stop());
    // First start creates the schema (migrations); its sweep finds nothing.
    await stack.start(['feature-gateway']);
    await stack.stopApp('feature-gateway');
    const db = new Client({ connectionString: database.url });
    await db.connect();
    addCleanup(() => db.end());
    say(`writing ${options.expired} expired and ${options.kept} recent events`);
    await db.query(`INSERT INTO features.catalog_state (tenant_id, changed_at) VALUES ($1, now())`, [TENANT]);
    const insert = (count: number, daysAgo: number) =>
      db.query(
        `INSERT INTO features.event (tenant_id, subject_pid, item_id, event_type, occurred_at)
         SELECT $1, 'u_' || lpad((g % 5000)::text, 22, '0'), 'i' || (g % 2000), 'view', now() - make_interval(days => $3) - (g || ' seconds')::interval
         FROM generate_series(1, $2) AS g`,
        [TENANT, count, daysAgo],
      );
    await insert(options.expired, 100);
    await insert(options.kept, 10);
    await db.query('ANALYZE features.event');
    say('starting feature-gateway (it sweeps at start)');
    await stack.startApp('feature-gateway');
    const port = stack.metricsPort('feature-gateway');
    await waitFor(
      async () =>
        (await metric(port, 'retention_last_sweep_seconds')) !== undefined && (await metric(port, 'retention_last_sweep_seconds'))! > 0,
      600_000,
      500,
    );
    const seconds = (await metric(port, 'retention_last_sweep_seconds'))!;
    const deleted = (await metric(port, 'retention_deleted_total{data_class="behavioral_personal"'))!;
    const left = Number((await db.query(`SELECT count(*) AS n FROM features.event WHERE tenant_id = $1`, [TENANT])).rows[0].n);
    if (deleted !== options.expired || left !== options.kept)
      throw new Error(`deleted ${deleted} (expected ${options.expired}), left ${left} (expected ${options.kept})`);
    console.log(
      JSON.stringify({
        expiredDeleted: deleted,
        keptLeft: left,
        batch: options.batch,
        sweepSeconds: seconds,
        eventsPerSecond: Math.round(deleted / seconds),
      }),
    );
  },
  say,
);
