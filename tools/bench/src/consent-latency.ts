import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { repoRoot, Stack } from '@recsys/launcher';
import {
  ConsentState,
  GetPrivacyContextRequest,
  PrivacyContextReply,
  PrivacyMode,
  PROTO_FILES,
  PROTO_LOADER_OPTIONS,
  protoRoot,
  Purpose,
  SetConsentRequest,
} from '@recsys/proto';
import { RedisCacheStore } from '@recsys/service-kit';
import { privacyContextCacheKey } from '@recsys/tenant-keys';
import { createTestDatabase, DEFAULT_ADMIN_URL, freeStackPorts, sleep, TestDatabase, testStackEnv, uniqueNamespace } from '@recsys/testing';
import { RawChannel, untimedCalls, Workload, WorkloadSummary } from './latency';
import { AddCleanup, revision, runBench } from './run-bench';

/**
 * `npm run bench:consent`: p50/p99 of ConsentService.GetPrivacyContext on a warm Redis cache against the
 * grpc.health.v1 check of the same process, in one run, plus GetPrivacyContext right after an invalidation
 * (cold). A benchmark, never a test: it asserts nothing and only reports.
 */

const TENANT = 'bench-tenant';
const CONSENT_SERVICE = 'recsys.v1.ConsentService';
const HEALTH_SERVICE = 'grpc.health.v1.Health';
/** Calls in flight while creating and priming subjects (not measured). */
const SETUP_CONCURRENCY = 8;

const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface Options {
  subjects: number;
  requests: number;
  concurrency: number[];
  warmup: number;
  block: number;
  cold: number;
  coldInvalidation: 'set-consent' | 'delete';
  settleMs: number;
  json: boolean;
  redisUrl: string;
  databaseAdminUrl: string;
  cpuProf: boolean;
}

interface Subject {
  userId: string;
  personalization: boolean;
  qualityMonitoring: boolean;
  pid: string;
}

interface CacheCounts {
  hit: number;
  miss: number;
}

interface LevelResult {
  concurrency: number;
  health: WorkloadSummary;
  warm: WorkloadSummary;
  cold: WorkloadSummary;
  /** consent-service's own cache lookup counts during the warm and the cold calls. */
  cacheLookups: { warm: CacheCounts; cold: CacheCounts };
  ratioP99WarmToHealth: number;
  withinTwoTimes: boolean;
}

async function parseOptions(): Promise<Options> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('bench:consent')
    .usage('$0 [options]: GetPrivacyContext latency (warm and cold cache) against the health check of the same service')
    .option('subjects', { type: 'number', default: 2000, describe: 'subjects created with SetConsent' })
    .option('requests', { type: 'number', default: 20_000, describe: 'timed calls per measured workload (health, warm)' })
    .option('concurrency', {
      type: 'string',
      default: '8',
      describe: 'calls in flight per workload; a comma-separated list measures each level in turn, in the same run',
    })
    .option('warmup', { type: 'number', default: 2000, describe: 'untimed calls per workload before measuring' })
    .option('block', { type: 'number', default: 500, describe: 'calls per block; health and warm blocks alternate' })
    .option('cold', { type: 'number', default: 2000, describe: 'timed GetPrivacyContext calls right after an invalidation' })
    .option('cold-invalidation', {
      choices: ['set-consent', 'delete'] as const,
      default: 'set-consent' as const,
      describe: 'how a cold subject is invalidated: a SetConsent change, or deleting its cache key',
    })
    .option('settle-ms', { type: 'number', default: 1000, describe: 'pause after each batch of invalidations (audit, bus)' })
    .option('json', { type: 'boolean', default: false, describe: 'print a JSON summary instead of the table' })
    .option('redis-url', { type: 'string', default: 'redis://127.0.0.1:6379' })
    .option('database-admin-url', { type: 'string', default: process.env.TEST_DATABASE_ADMIN_URL || DEFAULT_ADMIN_URL })
    .option('cpu-prof', {
      type: 'boolean',
      default: false,
      describe: 'write a V8 CPU profile of consent-service during the measured phase into the log folder',
    })
    .check((a) => {
      if (!/^\d+(,\d+)*$/.test(a.concurrency) || a.concurrency.split(',').some((c) => Number(c) < 1)) {
        throw new Error('--concurrency must be a positive integer or a comma-separated list of them');
      }
      for (const name of ['subjects', 'requests', 'block', 'cold'] as const) {
        if (!Number.isInteger(a[name]) || a[name] < 1) throw new Error(`--${name} must be a positive integer`);
      }
      if (!Number.isInteger(a.warmup) || a.warmup < 0) throw new Error('--warmup must be a non-negative integer');
      return true;
    })
    .strict()
    .parse();
  return {
    subjects: argv.subjects,
    requests: argv.requests,
    concurrency: argv.concurrency.split(',').map(Number),
    warmup: argv.warmup,
    block: argv.block,
    cold: argv.cold,
    coldInvalidation: argv['cold-invalidation'],
    settleMs: argv['settle-ms'],
    json: argv.json,
    redisUrl: argv['redis-url'],
    databaseAdminUrl: argv['database-admin-url'],
    cpuProf: argv['cpu-prof'],
  };
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** consent-service's own count of cache lookups by outcome, from its /metrics endpoint. */
async function cacheCounts(metricsPort: number): Promise<CacheCounts> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  if (!res.ok) throw new Error(`consent-service /metrics answered ${res.status}`);
  const counts: CacheCounts = { hit: 0, miss: 0 };
  for (const line of (await res.text()).split('\n')) {
    const m = /^consent_cache_lookups_total\{[^}]*outcome="(hit|miss)"[^}]*\} (\S+)$/.exec(line);
    if (m) counts[m[1] as 'hit' | 'miss'] = Number(m[2]);
  }
  return counts;
}

const delta = (after: CacheCounts, before: CacheCounts): CacheCounts => ({ hit: after.hit - before.hit, miss: after.miss - before.miss });

async function run(options: Options, cleanup: AddCleanup): Promise<void> {
  const root = repoRoot();
  if (!existsSync(join(root, 'dist', 'apps', 'consent-service', 'src', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench:consent does)');
  }
  const startedAt = new Date();
  const startLoad = loadavg().map((v) => Math.round(v * 100) / 100);

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

  const ports = await freeStackPorts(['audit-service', 'consent-service']);
  const logDir = join(root, 'tmp', 'bench-logs', `consent-${startedAt.getTime()}`);
  const profileDir = join(logDir, 'profiles');
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
        // Longer than any run, so a warm entry never expires during the measurement.
        CONSENT_CACHE_TTL_SECONDS: '3600',
      },
    }),
    // Node 20 refuses --cpu-prof in NODE_OPTIONS: a preloaded module runs the profiler on SIGUSR2 instead.
    appEnv: options.cpuProf
      ? {
          'consent-service': {
            NODE_OPTIONS: `--require ${JSON.stringify(join(__dirname, 'cpu-profile-preload.js'))}`,
            BENCH_CPU_PROFILE_DIR: profileDir,
          },
        }
      : {},
  });
  cleanup(() => stack.stop());
  say(`starting audit-service and consent-service (logs in ${logDir})`);
  await stack.start(['audit-service', 'consent-service']);
  const address = stack.address('consent-service');
  const metricsPort = stack.metricsPort('consent-service');
  say(`consent-service serving on ${address}, metrics on ${metricsPort}`);

  // Both services' definitions loaded once, the same way; each workload gets its own channel (TCP connection).
  const definition = loadSync([join(protoRoot(), PROTO_FILES.ConsentService), healthProtoPath], {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [protoRoot()],
  });
  const channels = {
    setup: new RawChannel(address, definition, 10_000),
    health: new RawChannel(address, definition),
    warm: new RawChannel(address, definition),
    cold: new RawChannel(address, definition),
  };
  cleanup(async () => {
    for (const c of Object.values(channels)) c.close();
  });
  const setConsent = channels.setup.unary<SetConsentRequest, ConsentState>(CONSENT_SERVICE, 'SetConsent');
  const setupGet = channels.setup.unary<GetPrivacyContextRequest, PrivacyContextReply>(CONSENT_SERVICE, 'GetPrivacyContext');
  const healthCheck = channels.health.unary<{ service: string }, { status: string }>(HEALTH_SERVICE, 'Check');
  const warmGet = channels.warm.unary<GetPrivacyContextRequest, PrivacyContextReply>(CONSENT_SERVICE, 'GetPrivacyContext');
  const coldGet = channels.cold.unary<GetPrivacyContextRequest, PrivacyContextReply>(CONSENT_SERVICE, 'GetPrivacyContext');

  const query = (s: Subject): GetPrivacyContextRequest => ({
    tenantId: TENANT,
    userId: s.userId,
    anonymousId: '',
    requestedPrivacyMode: PrivacyMode.PRIVACY_MODE_UNSPECIFIED,
    globalPrivacyControl: false,
  });
  const check = async () => {
    const res = await healthCheck({ service: CONSENT_SERVICE });
    if (res.status !== 'SERVING') throw new Error(`health check answered ${res.status}`);
  };

  // Subjects: nine in ten grant PERSONALIZATION; everyone grants QUALITY_MONITORING (the cold phase toggles it).
  const subjects: Subject[] = Array.from({ length: options.subjects }, (_, i) => ({
    userId: `bench-user-${String(i).padStart(6, '0')}`,
    personalization: i % 10 !== 0,
    qualityMonitoring: true,
    pid: '',
  }));
  let t = Date.now();
  say(`creating ${subjects.length} subjects with SetConsent`);
  await untimedCalls(subjects.length, SETUP_CONCURRENCY, (i) =>
    setConsent({
      tenantId: TENANT,
      userId: subjects[i].userId,
      source: 'bench',
      grants: [
        { purpose: Purpose.PERSONALIZATION, granted: subjects[i].personalization },
        { purpose: Purpose.BEHAVIORAL_TRAINING, granted: i % 3 !== 0 },
        { purpose: Purpose.QUALITY_MONITORING, granted: true },
      ],
    }),
  );
  say(`  done in ${Date.now() - t} ms; resolving every subject once (fills the cache)`);
  t = Date.now();
  await untimedCalls(subjects.length, SETUP_CONCURRENCY, async (i) => {
    const reply = await setupGet(query(subjects[i]));
    const expected = subjects[i].personalization ? PrivacyMode.PERSONALIZED : PrivacyMode.CONTEXTUAL_ONLY;
    if (reply.mode !== expected) throw new Error(`${subjects[i].userId} resolved to ${reply.mode}, expected ${expected}`);
    subjects[i].pid = reply.subjectPid;
  });
  say(`  done in ${Date.now() - t} ms`);

  const randomSubject = () => subjects[Math.floor(Math.random() * subjects.length)];
  const warmCall = () => warmGet(query(randomSubject()));
  const serverPid = stack.apps.get('consent-service')?.process.pid;
  const profile = async () => {
    if (!options.cpuProf || serverPid === undefined) return;
    process.kill(serverPid, 'SIGUSR2');
    await sleep(300);
  };
  // Cold subjects are taken in a shuffled order, so a batch never holds a subject twice.
  let order = shuffled(subjects);
  let cursor = 0;
  const nextSubjects = (n: number): Subject[] => {
    if (cursor + n > order.length) {
      order = shuffled(subjects);
      cursor = 0;
    }
    cursor += n;
    return order.slice(cursor - n, cursor);
  };

  const levels: LevelResult[] = [];
  for (const [index, concurrency] of options.concurrency.entries()) {
    say(`concurrency ${concurrency}`);
    // Warm-up (untimed): JIT, connections and caches of both paths, interleaved like the measurement.
    if (options.warmup > 0) {
      say(`  warm-up: ${options.warmup} calls per workload`);
      for (let done = 0; done < options.warmup; done += options.block) {
        const n = Math.min(options.block, options.warmup - done);
        await untimedCalls(n, concurrency, check);
        await untimedCalls(n, concurrency, warmCall);
      }
    }

    // Measured: health and warm GetPrivacyContext in alternating blocks (the order alternates too), so load
    // from anything else on the machine falls on both alike.
    const health = new Workload('health', check, serverPid);
    const warm = new Workload('warm', warmCall, serverPid);
    const rounds = Math.ceil(options.requests / options.block);
    say(`  measuring: ${options.requests} health + ${options.requests} warm calls, ${rounds} rounds of up to ${options.block} each`);
    const warmBefore = await cacheCounts(metricsPort);
    await profile();
    for (let r = 0; r < rounds; r += 1) {
      const n = Math.min(options.block, options.requests - r * options.block);
      const pair = r % 2 === 0 ? [health, warm] : [warm, health];
      for (const workload of pair) await workload.block(n, concurrency);
      if ((r + 1) % 10 === 0 || r === rounds - 1) say(`    round ${r + 1}/${rounds}`);
    }
    await profile();
    if (options.cpuProf) {
      // Lets a profile's samples be split by workload: V8 profile timestamps use the same monotonic clock.
      mkdirSync(profileDir, { recursive: true });
      writeFileSync(join(profileDir, `blocks-${index + 1}.json`), JSON.stringify({ health: health.windows, warm: warm.windows }));
    }
    const warmCache = delta(await cacheCounts(metricsPort), warmBefore);

    // Cold: each batch invalidates distinct subjects (untimed), lets the side effects settle (audit delivery,
    // the invalidation message coming back over the bus), then times one GetPrivacyContext per invalidated
    // subject: a cache miss that reads PostgreSQL and refills the cache.
    const batch = Math.min(options.block, subjects.length);
    const coldBatches = Math.ceil(options.cold / batch);
    say(`  cold: ${options.cold} calls after ${options.coldInvalidation} invalidation, ${coldBatches} batches of up to ${batch}`);
    let picked: Subject[] = [];
    const cold = new Workload('cold', (i) => coldGet(query(picked[i])), serverPid);
    let coldCache: CacheCounts = { hit: 0, miss: 0 };
    for (let b = 0; b < coldBatches; b += 1) {
      picked = nextSubjects(Math.min(batch, options.cold - b * batch));
      await untimedCalls(picked.length, SETUP_CONCURRENCY, async (i) => {
        const s = picked[i];
        if (options.coldInvalidation === 'delete') {
          await redis.delete(privacyContextCacheKey({ namespace }, TENANT, s.pid));
          return;
        }
        s.qualityMonitoring = !s.qualityMonitoring;
        await setConsent({
          tenantId: TENANT,
          userId: s.userId,
          source: 'bench',
          grants: [{ purpose: Purpose.QUALITY_MONITORING, granted: s.qualityMonitoring }],
        });
      });
      await sleep(options.settleMs);
      const before = await cacheCounts(metricsPort);
      await cold.block(picked.length, concurrency);
      const d = delta(await cacheCounts(metricsPort), before);
      coldCache = { hit: coldCache.hit + d.hit, miss: coldCache.miss + d.miss };
    }
    if (warmCache.miss > 0) say(`  warning: ${warmCache.miss} cache misses during the warm phase`);
    if (coldCache.hit > 0) say(`  warning: ${coldCache.hit} cache hits during the cold phase`);

    const results = { health: health.summary(), warm: warm.summary(), cold: cold.summary() };
    levels.push({
      concurrency,
      ...results,
      cacheLookups: { warm: warmCache, cold: coldCache },
      ratioP99WarmToHealth: Math.round((results.warm.p99 / results.health.p99) * 100) / 100,
      withinTwoTimes: results.warm.p99 <= 2 * results.health.p99,
    });
  }

  const summary = {
    benchmark: 'consent-service: GetPrivacyContext vs grpc.health.v1.Health/Check',
    date: startedAt.toISOString(),
    revision: revision(root),
    machine: {
      nproc: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverageAtStart: startLoad,
      loadAverageAtEnd: loadavg().map((v) => Math.round(v * 100) / 100),
    },
    options: {
      subjects: options.subjects,
      requests: options.requests,
      concurrency: options.concurrency,
      warmup: options.warmup,
      block: options.block,
      cold: options.cold,
      coldInvalidation: options.coldInvalidation,
    },
    unit: 'microseconds',
    levels,
    withinTwoTimesAtEveryLevel: levels.every((l) => l.withinTwoTimes),
    ...(options.cpuProf ? { cpuProfileDir: profileDir } : {}),
  };

  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const columns = ['conc', 'count', 'p50', 'p90', 'p99', 'max', 'mean', 'calls/s', 'srv CPU/call', 'cli CPU/call'];
  const width = (i: number) => Math.max(columns[i].length, i === 0 ? 4 : 8);
  const row = (name: string, concurrency: number, s: WorkloadSummary) =>
    `| ${name.padEnd(38)} | ${[
      concurrency,
      s.count,
      s.p50,
      s.p90,
      s.p99,
      s.max,
      s.mean,
      s.callsPerSecond,
      s.serverCpuPerCallUs ?? '-',
      s.clientCpuPerCallUs,
    ]
      .map((v, i) => String(v).padStart(width(i)))
      .join(' | ')} |`;
  const lines = [
    `${summary.date}  revision ${summary.revision}  nproc ${summary.machine.nproc}  node ${summary.machine.node}  ${summary.machine.cpu}`,
    `load average at start ${startLoad.join(' ')}, at end ${summary.machine.loadAverageAtEnd.join(' ')}`,
    `${options.subjects} subjects, ${options.requests} calls per workload and level, blocks of ${options.block}, cold via ${options.coldInvalidation}`,
    '',
    `| ${'workload (latency in µs)'.padEnd(38)} | ${columns.map((c, i) => c.padStart(width(i))).join(' | ')} |`,
    `|${'-'.repeat(40)}|${columns.map((_, i) => `${'-'.repeat(width(i) + 1)}:`).join('|')}|`,
  ];
  for (const l of levels) {
    lines.push(
      row('Health/Check (same consent-service)', l.concurrency, l.health),
      row('GetPrivacyContext, warm cache', l.concurrency, l.warm),
      row('GetPrivacyContext, cold (invalidated)', l.concurrency, l.cold),
    );
  }
  lines.push('');
  for (const l of levels) {
    lines.push(
      `concurrency ${l.concurrency}: p99 warm / p99 health = ${l.ratioP99WarmToHealth} (${l.withinTwoTimes ? 'within' : 'ABOVE'} the 2x budget); ` +
        `cache lookups: warm ${l.cacheLookups.warm.hit} hits / ${l.cacheLookups.warm.miss} misses, cold ${l.cacheLookups.cold.hit} hits / ${l.cacheLookups.cold.miss} misses`,
    );
  }
  if (options.cpuProf) lines.push(`consent-service CPU profiles: ${profileDir} (one per level: the measured health + warm blocks)`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

runBench(parseOptions, run, say);
