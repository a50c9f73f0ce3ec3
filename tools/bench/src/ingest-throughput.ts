import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { generateDemoData } from '@recsys/demo-data';
import { mulberry32 } from '@recsys/models';
import { repoRoot, Stack } from '@recsys/launcher';
import { ConsentServiceClient, Event, FeatureServiceClient, IngestEventsResult, PrivacyMode, Purpose } from '@recsys/proto';
import { createGrpcClient, RedisCacheStore } from '@recsys/service-kit';
import { Pseudonymizer } from '@recsys/tenant-keys';
import { createTestDatabase, DEFAULT_ADMIN_URL, freeStackPorts, sleep, TestDatabase, testStackEnv, uniqueNamespace } from '@recsys/testing';
import { processCpuMicros, summarize, timedCalls, untimedCalls } from './latency';
import { AddCleanup, runBench } from './run-bench';

/**
 * `npm run bench:ingest`: events/s of FeatureService.IngestEvents (validation, the consent check, pseudonymization,
 * the INSERT and whatever else the service does before it acknowledges a batch) against a raw PostgreSQL COPY of
 * the same rows, already pseudonymized, into the same table of the same database, in one run: several rounds in
 * alternating order, medians compared. Both paths must store exactly the rows sent (checked by a digest). A
 * benchmark, never a test: it reports PASS/FAIL against the budget but exits non-zero only when the run itself
 * failed (setup, a rejected event, COPY not storing the rows); ingestion that stores fewer rows than it was sent
 * is reported as INCOMPLETE, and counts as FAIL.
 */

const TENANT = 'demo-retail';
const COLUMNS = 'tenant_id, subject_pid, item_id, event_type, occurred_at, session_id, region';
const EVENT_TYPES = [
  ['view', 0.6],
  ['click', 0.25],
  ['dwell', 0.08],
  ['purchase', 0.05],
  ['hide', 0.02],
] as const;
const DAY_MS = 86_400_000;
/** The issue's budget: ingestion at no less than this share of a raw COPY's rate. */
const TARGET_RATIO = 0.25;

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

type CopyMethod = 'server' | 'psql';

interface Options {
  events: number;
  rounds: number;
  batch: number;
  concurrency: number;
  users: number;
  items: number;
  days: number;
  warmup: number;
  copy: CopyMethod;
  json: boolean;
  redisUrl: string;
  databaseAdminUrl: string;
  cpuProf: boolean;
  keepCsv: boolean;
}

async function parseOptions(): Promise<Options> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('bench:ingest')
    .usage('$0 [options]: events/s of FeatureService.IngestEvents against a raw COPY of the same rows into the same table')
    .option('events', { type: 'number', default: 100_000, describe: 'events per round, sent through each path' })
    .option('rounds', { type: 'number', default: 3, describe: 'rounds of IngestEvents + COPY (alternating order); medians are compared' })
    .option('batch', { type: 'number', default: 1000, describe: 'events per IngestEvents call (the service allows at most 1000)' })
    .option('concurrency', { type: 'number', default: 4, describe: 'IngestEvents calls in flight' })
    .option('users', { type: 'number', default: 2000, describe: 'signed-in users, all with PERSONALIZATION consent' })
    .option('items', { type: 'number', default: 2000, describe: 'catalog items imported before ingesting' })
    .option('days', { type: 'number', default: 3, describe: 'event timestamps are spread over this many past days' })
    .option('warmup', { type: 'number', default: 8, describe: 'untimed IngestEvents batches before measuring (rows removed again)' })
    .option('copy', {
      choices: ['server', 'psql'] as const,
      default: 'server' as const,
      describe: "server: COPY ... FROM '<file>' run by the server (times the statement only); psql: \\copy ... FROM STDIN",
    })
    .option('json', { type: 'boolean', default: false, describe: 'print a JSON summary instead of the table' })
    .option('redis-url', { type: 'string', default: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' })
    .option('database-admin-url', { type: 'string', default: process.env.TEST_DATABASE_ADMIN_URL || DEFAULT_ADMIN_URL })
    .option('cpu-prof', {
      type: 'boolean',
      default: false,
      describe: 'write V8 CPU profiles of feature-gateway and consent-service during the measured ingestion into the log folder',
    })
    .option('keep-csv', { type: 'boolean', default: false, describe: 'keep the COPY input file (its path is reported)' })
    .check((a) => {
      for (const name of ['events', 'rounds', 'batch', 'concurrency', 'users', 'items', 'days'] as const) {
        if (!Number.isInteger(a[name]) || a[name] < 1) throw new Error(`--${name} must be a positive integer`);
      }
      if (a.batch > 1000) throw new Error('--batch must be at most 1000 (IngestEvents rejects larger calls)');
      if (!Number.isInteger(a.warmup) || a.warmup < 0) throw new Error('--warmup must be a non-negative integer');
      return true;
    })
    .strict()
    .parse();
  return {
    events: argv.events,
    rounds: argv.rounds,
    batch: argv.batch,
    concurrency: argv.concurrency,
    users: argv.users,
    items: argv.items,
    days: argv.days,
    warmup: argv.warmup,
    copy: argv.copy,
    json: argv.json,
    redisUrl: argv['redis-url'],
    databaseAdminUrl: argv['database-admin-url'],
    cpuProf: argv['cpu-prof'],
    keepCsv: argv['keep-csv'],
  };
}

/** Busy and total jiffies of the whole host, from /proc/stat (Linux); undefined elsewhere. */
function hostCpu(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    // idle + iowait
    return { busy: total - fields[3] - (fields[4] ?? 0), total };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of groups of processes and the host's busy share over one measured phase. A process that is
 * not there at both ends (e.g. a pooled connection closed meanwhile) is left out of its group's sum.
 */
class CpuMeter {
  private readonly start: Map<string, (number | undefined)[]>;
  private readonly hostStart = hostCpu();
  private readonly clientStart = process.cpuUsage();

  constructor(private readonly groups: Map<string, (number | undefined)[]>) {
    this.start = new Map([...groups].map(([name, pids]) => [name, pids.map(processCpuMicros)]));
  }

  /** CPU seconds per group (`bench` is this process), and the host's busy share of all cores. */
  stop(): { cpuSeconds: Record<string, number>; hostBusyPercent?: number } {
    const cpuSeconds: Record<string, number> = {};
    for (const [name, pids] of this.groups) {
      const before = this.start.get(name) ?? [];
      let sum: number | undefined;
      pids.forEach((pid, i) => {
        const [b, a] = [before[i], processCpuMicros(pid)];
        if (b !== undefined && a !== undefined) sum = (sum ?? 0) + a - b;
      });
      if (sum !== undefined) cpuSeconds[name] = round2(sum / 1e6);
    }
    const client = process.cpuUsage(this.clientStart);
    cpuSeconds.bench = round2((client.user + client.system) / 1e6);
    const host = hostCpu();
    const hostBusyPercent =
      host && this.hostStart && host.total > this.hostStart.total
        ? Math.round(((host.busy - this.hostStart.busy) / (host.total - this.hostStart.total)) * 1000) / 10
        : undefined;
    return { cpuSeconds, ...(hostBusyPercent === undefined ? {} : { hostBusyPercent }) };
  }
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** `count` valid events of consenting users on catalog items, timestamps within the last `days` days. */
function syntheticEvents(
  count: number,
  users: string[],
  items: string[],
  regions: string[],
  days: number,
  nowMs: number,
  seed: number,
): Event[] {
  const random = mulberry32(seed); // seeded: two runs with the same options send the same events
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const eventType = () => {
    let r = random();
    for (const [type, weight] of EVENT_TYPES) {
      if (r < weight) return type;
      r -= weight;
    }
    return 'view';
  };
  const events: Event[] = [];
  for (let i = 0; i < count; i += 1) {
    const u = Math.floor(random() * users.length);
    events.push({
      tenantId: TENANT,
      userId: users[u],
      anonymousId: '',
      itemId: pick(items),
      eventType: eventType(),
      // Whole milliseconds, at least a minute in the past: valid, and inside the aggregate window.
      timestampMs: nowMs - 60_000 - Math.floor(random() * days * DAY_MS),
      sessionId: `s-${u}-${Math.floor(random() * 4)}`,
      region: regions[u % regions.length],
    });
  }
  return events;
}

function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const csvField = (v: string) => (/[",\n\r]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * An order-independent digest of the tenant's stored rows (md5 of the sorted `a|b|...` lines, timestamps in ms):
 * equal digests mean the same multiset of rows.
 */
async function rowDigest(db: Client, tenantId: string): Promise<{ rows: number; digest: string }> {
  const res = await db.query<{ rows: string; digest: string | null }>(
    `SELECT count(*) AS rows, md5(string_agg(line, E'\\n' ORDER BY line COLLATE "C")) AS digest FROM (
       SELECT concat_ws('|', tenant_id, subject_pid, item_id, event_type,
                        round(extract(epoch FROM occurred_at) * 1000)::bigint, session_id, region) AS line
       FROM features.event WHERE tenant_id = $1) s`,
    [tenantId],
  );
  return { rows: Number(res.rows[0].rows), digest: res.rows[0].digest ?? '' };
}

/** feature-gateway's own counters (ingested events by outcome, consent fallbacks), from its /metrics endpoint. */
async function gatewayCounters(metricsPort: number): Promise<Record<string, number>> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  if (!res.ok) throw new Error(`feature-gateway /metrics answered ${res.status}`);
  const counters: Record<string, number> = {};
  for (const line of (await res.text()).split('\n')) {
    const ingested = /^ingested_events_total\{[^}]*outcome="([a-z_]+)"[^}]*\} (\S+)$/.exec(line);
    if (ingested) counters[ingested[1]] = Number(ingested[2]);
    const fallback = /^consent_unknown_fallback_count\{[^}]*caller="ingestion"[^}]*\} (\S+)$/.exec(line);
    if (fallback) counters.consent_fallback = Number(fallback[1]);
  }
  return counters;
}

const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] ?? 0)]));

interface Resources {
  cpuSeconds: Record<string, number>;
  hostBusyPercent?: number;
}

interface IngestRound extends Resources {
  seconds: number;
  storedRows: number;
  storedPersonal: number;
  complete: boolean;
  latencies: bigint[];
}

interface CopyRound extends Resources {
  seconds: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

/** Mean CPU time per 1000 events (ms) of each measured process group over the rounds. */
function cpuPer1000(rounds: Resources[], events: number): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const r of rounds) for (const [k, v] of Object.entries(r.cpuSeconds)) sums[k] = (sums[k] ?? 0) + v;
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, Math.round((v * 1e7) / (rounds.length * events)) / 10]));
}

const meanBusy = (rounds: Resources[]) => {
  const busy = rounds.map((r) => r.hostBusyPercent).filter((v): v is number => v !== undefined);
  return busy.length === 0 ? '?' : Math.round(busy.reduce((a, b) => a + b, 0) / busy.length);
};

async function run(options: Options, cleanup: AddCleanup): Promise<void> {
  const root = repoRoot();
  if (!existsSync(join(root, 'dist', 'apps', 'feature-gateway', 'src', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench:ingest does)');
  }
  const startedAt = new Date();
  const startLoad = loadavg().map(round2);

  say(`creating a test database on ${new URL(options.databaseAdminUrl).host}`);
  const database: TestDatabase = await createTestDatabase('recsys_bench', options.databaseAdminUrl);
  cleanup(() => database.drop());
  const namespace = uniqueNamespace('bench');
  const redis = RedisCacheStore.connect(options.redisUrl);
  cleanup(async () => {
    const deleted = await redis.deleteByPrefix(`${namespace}:`);
    say(`deleted ${deleted} Redis keys under ${namespace}:`);
    await redis.close();
  });

  const apps = ['audit-service', 'consent-service', 'feature-gateway'] as const;
  const ports = await freeStackPorts(apps);
  const logDir = join(root, 'tmp', 'bench-logs', `ingest-${startedAt.getTime()}`);
  const profileDir = join(logDir, 'profiles');
  const pseudonymSecret = randomBytes(32).toString('base64url');
  const profiled = options.cpuProf
    ? { NODE_OPTIONS: `--require ${JSON.stringify(join(__dirname, 'cpu-profile-preload.js'))}`, BENCH_CPU_PROFILE_DIR: profileDir }
    : undefined;
  const stack = new Stack({
    root,
    logDir,
    ports,
    // Fresh random secrets per run: nothing secret is committed or reused.
    env: testStackEnv({
      databaseUrl: database.url,
      redisUrl: options.redisUrl,
      namespace,
      keyId: 'bench',
      overrides: {
        // Known here too: the expected pseudonyms are computed with it.
        PSEUDONYM_SECRET: pseudonymSecret,
        // Longer than any run: every consent lookup of the measurement is a warm cache hit, as in steady state.
        CONSENT_CACHE_TTL_SECONDS: '3600',
        // The periodic aggregate recomputation is background work, not ingestion: kept out of both measurements.
        AGGREGATE_REFRESH_SECONDS: '86400',
      },
    }),
    appEnv: profiled ? { 'feature-gateway': profiled, 'consent-service': profiled } : {},
  });
  cleanup(() => stack.stop());
  say(`starting ${apps.join(', ')} (logs in ${logDir})`);
  await stack.start([...apps]);
  const featureAddr = stack.address('feature-gateway');
  const metricsPort = stack.metricsPort('feature-gateway');

  const features = createGrpcClient<FeatureServiceClient>('FeatureService', featureAddr, 120_000);
  const consent = createGrpcClient<ConsentServiceClient>('ConsentService', stack.address('consent-service'), 10_000);
  cleanup(async () => {
    features.close();
    consent.close();
  });
  const db = new Client({ connectionString: database.url });
  await db.connect();
  cleanup(() => db.end());

  // Catalog: the demo generator's items for one tenant, imported through the service (it keeps a snapshot
  // of known item ids that validation checks every event against).
  const nowMs = Date.now();
  const demo = generateDemoData({ tenants: [TENANT], itemsPerTenant: options.items, usersPerTenant: 0, meanEventsPerUser: 0, nowMs });
  let t = Date.now();
  for (const [i, items] of chunk(demo.items, 2500).entries()) {
    await features.importCatalog({
      tenantId: TENANT,
      items: items.map((it) => ({ ...it, tags: it.tags })),
      editorial: i === 0 ? demo.editorial.map((e) => ({ surface: e.surface, itemId: e.itemId, position: e.position })) : [],
    });
  }
  say(`imported ${demo.items.length} catalog items in ${Date.now() - t} ms`);

  // Users: all grant PERSONALIZATION, so every event of the workload is stored as personal behaviour.
  const users = Array.from({ length: options.users }, (_, i) => `bench-user-${String(i).padStart(6, '0')}`);
  const pseudonymizer = new Pseudonymizer(pseudonymSecret);
  t = Date.now();
  await untimedCalls(users.length, 32, (i) =>
    consent.setConsent({
      tenantId: TENANT,
      userId: users[i],
      source: 'bench',
      grants: [
        { purpose: Purpose.PERSONALIZATION, granted: true },
        { purpose: Purpose.BEHAVIORAL_TRAINING, granted: true },
      ],
    }),
  );
  // One lookup per user: checks the consent took and that this process pseudonymizes like the services do,
  // and fills consent-service's cache (steady state of a running platform).
  await untimedCalls(users.length, 32, async (i) => {
    const reply = await consent.getPrivacyContext({
      tenantId: TENANT,
      userId: users[i],
      anonymousId: '',
      requestedPrivacyMode: PrivacyMode.PRIVACY_MODE_UNSPECIFIED,
      globalPrivacyControl: false,
    });
    if (reply.mode !== PrivacyMode.PERSONALIZED) throw new Error(`${users[i]} resolved to mode ${reply.mode}, expected PERSONALIZED`);
    if (reply.subjectPid !== pseudonymizer.userPid(TENANT, users[i])) throw new Error('subject pid differs from this run’s Pseudonymizer');
  });
  say(`${users.length} users with PERSONALIZATION consent in ${Date.now() - t} ms`);

  const regions = demo.tenants[0].regions;
  const itemIds = demo.items.map((it) => it.itemId);
  const events = syntheticEvents(options.events, users, itemIds, regions, options.days, nowMs, 1);
  const batches = chunk(events, options.batch);
  const ingestBatch = async (batch: Event[]): Promise<IngestEventsResult> => {
    const result = await features.ingestEvents({ events: batch });
    if (result.rejected > 0) throw new Error(`${result.rejected} events rejected: ${result.rejections[0]?.reason}`);
    return result;
  };

  // Warm-up (untimed): JIT, gRPC channels, the database pool, the statement path. Its rows are removed.
  if (options.warmup > 0) {
    const warm = chunk(syntheticEvents(options.warmup * options.batch, users, itemIds, regions, options.days, nowMs, 2), options.batch);
    say(`warm-up: ${warm.length} batches of ${options.batch}`);
    await untimedCalls(warm.length, options.concurrency, (i) => ingestBatch(warm[i]));
  }
  // What both paths must store: the rows as COPY gets them (already pseudonymized), and their digest.
  const rows = events.map((e) => ({ ...e, subjectPid: pseudonymizer.userPid(e.tenantId, e.userId) }));
  const expectedDigest = createHash('md5')
    .update(
      rows
        .map((r) => [r.tenantId, r.subjectPid, r.itemId, r.eventType, r.timestampMs, r.sessionId, r.region].join('|'))
        .sort()
        .join('\n'),
    )
    .digest('hex');
  const pidSet = [...new Set(rows.map((r) => r.subjectPid))];
  const csvDir = mkdtempSync(join(tmpdir(), 'recsys-bench-ingest-'));
  const csvPath = join(csvDir, 'events.csv');
  cleanup(async () => {
    if (options.keepCsv) say(`COPY input kept at ${csvPath}`);
    else rmSync(csvDir, { recursive: true, force: true });
  });
  writeFileSync(
    csvPath,
    `${rows
      .map((r) =>
        [r.tenantId, r.subjectPid, r.itemId, r.eventType, new Date(r.timestampMs).toISOString(), r.sessionId, r.region]
          .map(csvField)
          .join(','),
      )
      .join('\n')}\n`,
  );
  // A server-side COPY reads the file as the server's OS user.
  chmodSync(csvDir, 0o755);
  chmodSync(csvPath, 0o644);
  const copySql = `COPY features.event (${COLUMNS}) FROM '${csvPath.replace(/'/g, "''")}' WITH (FORMAT csv)`;
  const psqlArgs = [
    database.url,
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    `\\copy features.event (${COLUMNS}) FROM '${csvPath}' WITH (FORMAT csv)`,
  ];

  const services = new Map<string, (number | undefined)[]>(apps.map((app) => [app, [stack.apps.get(app)?.process.pid]]));
  const gatewayPid = stack.apps.get('feature-gateway')?.process.pid;
  const consentPid = stack.apps.get('consent-service')?.process.pid;
  const profile = async () => {
    if (!options.cpuProf) return;
    for (const pid of [gatewayPid, consentPid]) if (pid !== undefined) process.kill(pid, 'SIGUSR2');
    await sleep(300);
  };
  /** Every phase starts from an empty table and a fresh checkpoint, so neither path pays for the other's writes. */
  const emptyTable = async () => {
    await db.query('TRUNCATE features.event');
    await db.query('CHECKPOINT');
    await sleep(500);
  };

  // (a) IngestEvents: wall time from the first call until every batch is acknowledged; then the rows are checked.
  const ingestPhase = async (): Promise<IngestRound> => {
    await emptyTable();
    // The services' pooled PostgreSQL connections: feature-gateway's run the INSERTs.
    const backends = (
      await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')
    ).rows.map((r) => r.pid);
    const meter = new CpuMeter(new Map([...services, ['postgres-backends', backends]]));
    await profile();
    let storedPersonal = 0;
    const start = process.hrtime.bigint();
    const latencies = await timedCalls(batches.length, options.concurrency, async (i) => {
      // Not `storedPersonal += (await ...)`: that reads the sum before the await and loses concurrent updates.
      const result = await ingestBatch(batches[i]);
      storedPersonal += result.storedPersonal;
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const resources = meter.stop();
    await profile();
    const stored = await rowDigest(db, TENANT);
    const ownRows = Number(
      (
        await db.query<{ n: string }>('SELECT count(*) AS n FROM features.event WHERE tenant_id = $1 AND subject_pid = ANY($2::text[])', [
          TENANT,
          pidSet,
        ])
      ).rows[0].n,
    );
    // Complete: every event sent is stored, as personal behaviour, under the pseudonym computed here, unchanged.
    const complete =
      stored.rows === events.length && storedPersonal === events.length && ownRows === events.length && stored.digest === expectedDigest;
    say(
      `  ingest ${seconds.toFixed(2)} s, ${Math.round(events.length / seconds)} events/s; ${stored.rows} rows stored` +
        (complete ? ' (digest match)' : ` — INCOMPLETE (${storedPersonal} reported as personal, ${ownRows} under the expected pseudonyms)`),
    );
    return { seconds, storedRows: stored.rows, storedPersonal, complete, latencies, ...resources };
  };

  // (b) COPY of the same rows into the same (emptied) table of the same database: only the COPY is timed.
  const copyPhase = async (): Promise<CopyRound> => {
    await emptyTable();
    const groups = new Map(services);
    if (options.copy === 'server') {
      groups.set('postgres-copy-backend', [(await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid]);
    }
    const meter = new CpuMeter(groups);
    const start = process.hrtime.bigint();
    if (options.copy === 'server') await db.query(copySql);
    else execFileSync('psql', psqlArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const resources = meter.stop();
    const copied = await rowDigest(db, TENANT);
    if (copied.rows !== events.length || copied.digest !== expectedDigest) {
      throw new Error(
        `COPY stored ${copied.rows} rows of ${events.length}${copied.digest === expectedDigest ? '' : ', not the rows sent'}`,
      );
    }
    say(`  COPY ${seconds.toFixed(3)} s, ${Math.round(events.length / seconds)} rows/s (digest match)`);
    return { seconds, ...resources };
  };

  say(
    `measuring: ${options.rounds} rounds of ${events.length} events, IngestEvents in ${batches.length} calls of up to ` +
      `${options.batch} (${options.concurrency} in flight) and ${options.copy === 'server' ? copySql : `psql \\copy (${csvPath})`}`,
  );
  const countersBefore = await gatewayCounters(metricsPort);
  const ingestRounds: IngestRound[] = [];
  const copyRounds: CopyRound[] = [];
  for (let r = 0; r < options.rounds; r += 1) {
    say(`round ${r + 1}/${options.rounds}`);
    // The order alternates, so a drift in the machine's load falls on both paths alike.
    if (r % 2 === 0) {
      ingestRounds.push(await ingestPhase());
      copyRounds.push(await copyPhase());
    } else {
      copyRounds.push(await copyPhase());
      ingestRounds.push(await ingestPhase());
    }
  }
  const counters = delta(await gatewayCounters(metricsPort), countersBefore);

  // Events stored per second (what COPY is compared with; equal to events acknowledged per second when every
  // event was stored), as the median over the rounds; the ratio is of the medians.
  const complete = ingestRounds.every((r) => r.complete);
  const ingestRates = ingestRounds.map((r) => Math.round(r.storedRows / r.seconds));
  const acknowledgedRates = ingestRounds.map((r) => Math.round(events.length / r.seconds));
  const copyRates = copyRounds.map((r) => Math.round(events.length / r.seconds));
  const ingestRate = Math.round(median(ingestRates));
  const copyRate = Math.round(median(copyRates));
  const ratio = Math.round((ingestRate / copyRate) * 1000) / 1000;
  const roundRatios = ingestRates.map((rate, i) => Math.round((rate / copyRates[i]) * 1000) / 1000);
  const latency = summarize(ingestRounds.flatMap((r) => r.latencies));
  const ms = (us: number) => Math.round(us / 100) / 10;
  const summary = {
    benchmark: 'feature-gateway: IngestEvents vs raw PostgreSQL COPY of the same rows into features.event',
    date: startedAt.toISOString(),
    machine: {
      nproc: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      postgres: (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v,
      loadAverageAtStart: startLoad,
      loadAverageAtEnd: loadavg().map(round2),
    },
    options: {
      events: options.events,
      rounds: options.rounds,
      batch: options.batch,
      concurrency: options.concurrency,
      users: options.users,
      items: options.items,
      days: options.days,
      warmup: options.warmup,
      copy: options.copy,
    },
    ingest: {
      eventsPerSecond: ingestRate,
      rounds: ingestRounds.map((r, i) => ({
        seconds: round3(r.seconds),
        storedEventsPerSecond: ingestRates[i],
        acknowledgedEventsPerSecond: acknowledgedRates[i],
        storedRows: r.storedRows,
        storedPersonal: r.storedPersonal,
        complete: r.complete,
        hostBusyPercent: r.hostBusyPercent,
      })),
      callsPerRound: batches.length,
      callLatencyMs: { p50: ms(latency.p50), p99: ms(latency.p99), max: ms(latency.max) },
      gatewayCounters: counters,
      cpuMsPer1000Events: cpuPer1000(ingestRounds, events.length),
    },
    copy: {
      method: options.copy,
      eventsPerSecond: copyRate,
      rounds: copyRounds.map((r, i) => ({ seconds: round3(r.seconds), eventsPerSecond: copyRates[i], hostBusyPercent: r.hostBusyPercent })),
      cpuMsPer1000Events: cpuPer1000(copyRounds, events.length),
    },
    complete,
    ratioIngestToCopy: ratio,
    ratioPerRound: roundRatios,
    target: TARGET_RATIO,
    pass: complete && ratio >= TARGET_RATIO,
    ...(options.cpuProf ? { cpuProfileDir: profileDir } : {}),
  };

  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const cpu = (c: Record<string, number>) =>
    Object.entries(c)
      .filter(([, v]) => v >= 0.05)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const row = (name: string, rates: number[], rate: number) =>
    `| ${name.padEnd(40)} | ${String(events.length).padStart(8)} | ${rates.join(' / ').padStart(26)} | ${String(rate).padStart(8)} |`;
  const out = [
    `${summary.date}  nproc ${summary.machine.nproc}  node ${summary.machine.node}  PostgreSQL ${summary.machine.postgres}  ${summary.machine.cpu}`,
    `load average at start ${startLoad.join(' ')}, at end ${summary.machine.loadAverageAtEnd.join(' ')}`,
    `${options.users} consenting users, ${options.items} items, batch ${options.batch}, concurrency ${options.concurrency}, ` +
      `warm-up ${options.warmup} batches, ${options.rounds} rounds (alternating order)`,
    '',
    `| ${'path (events/s)'.padEnd(40)} | ${'events'.padStart(8)} | ${'per round'.padStart(26)} | ${'median'.padStart(8)} |`,
    `|${'-'.repeat(42)}|${'-'.repeat(9)}:|${'-'.repeat(27)}:|${'-'.repeat(9)}:|`,
    row('FeatureService.IngestEvents (gRPC)', ingestRates, ingestRate),
    row(`raw COPY (${options.copy === 'server' ? 'server-side file' : 'psql \\copy, STDIN'})`, copyRates, copyRate),
    '',
    `ingest / COPY = ${ratio} (per round ${roundRatios.join(' / ')}): ${summary.pass ? 'PASS' : 'FAIL'} against >= ${TARGET_RATIO}` +
      (complete
        ? `; both paths stored the same ${events.length} rows (digest match)`
        : `; INCOMPLETE: stored ${ingestRounds.map((r) => r.storedRows).join(' / ')} of ${events.length} events ` +
          `(acknowledged ${acknowledgedRates.join(' / ')} events/s)`),
    `IngestEvents call latency: p50 ${summary.ingest.callLatencyMs.p50} ms, p99 ${summary.ingest.callLatencyMs.p99} ms, max ${summary.ingest.callLatencyMs.max} ms`,
    `feature-gateway counters (all rounds): ${Object.entries(counters)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `CPU ms per 1000 events, ingest (host busy ${meanBusy(ingestRounds)}%): ${cpu(summary.ingest.cpuMsPer1000Events)}`,
    `CPU ms per 1000 events, COPY (host busy ${meanBusy(copyRounds)}%): ${cpu(summary.copy.cpuMsPer1000Events)}`,
  ];
  if (options.cpuProf) out.push(`CPU profiles of the measured ingestion (one file per round and service): ${profileDir}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

runBench(parseOptions, run, say);
