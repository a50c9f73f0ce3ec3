import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { DemoData, generateDemoData, loadDemoData } from '@recsys/demo-data';
import { repoRoot, SERVICES, Stack, trainTenants } from '@recsys/launcher';
import { AuditServiceClient, ConsentServiceClient, FeatureServiceClient, RecommendationServiceClient } from '@recsys/proto';
import { ClosableClient, createGrpcClient, RedisCacheStore, UnaryClient } from '@recsys/service-kit';
import { createTestDatabase, freeStackPorts, testStackEnv, uniqueNamespace } from '@recsys/testing';
import { findRawIdentifiers, RawIdentifiers } from './log-scan';

export type CacheMode = 'redis' | 'embedded';

export interface Platform {
  stack: Stack;
  data: DemoData;
  db: Client;
  recommend: UnaryClient<RecommendationServiceClient> & ClosableClient;
  consent: UnaryClient<ConsentServiceClient> & ClosableClient;
  features: UnaryClient<FeatureServiceClient> & ClosableClient;
  audit: UnaryClient<AuditServiceClient> & ClosableClient;
  /** This run's service logs (one file per service, and the training job's). */
  logDir: string;
  /**
   * Adds a raw identifier a test sent (an anonymous id, a user id of its own) to those that close() looks for in
   * the logs; the demo data's user and session ids are there from the start.
   */
  trackRawId(kind: string, value: string): void;
  /** Stops everything, then fails if any service log holds a tracked raw identifier or an e-mail address. */
  close(): Promise<void>;
}

/**
 * All five services as real processes on free ports, against a fresh PostgreSQL database and either the real
 * Redis (`redis`) or no Redis at all (`embedded`: in-process caches, LISTEN/NOTIFY invalidation), loaded with
 * a small slice of the demo data through the services' own APIs.
 */
export async function startPlatform(mode: CacheMode, overrides: Record<string, string> = {}): Promise<Platform> {
  const root = repoRoot();
  if (!existsSync(join(root, 'dist', 'apps', 'candidate-orchestrator', 'src', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  }
  const database = await createTestDatabase('recsys_e2e');
  const namespace = uniqueNamespace();
  const redisUrl = mode === 'redis' ? (process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379') : '';
  const ports = await freeStackPorts(SERVICES.map((s) => s.app));
  const logDir = join(root, 'tmp', 'e2e-logs', `${mode}-${Date.now()}`);
  const stack = new Stack({
    root,
    logDir,
    ports,
    // Fresh random secrets per run: nothing secret is committed.
    env: testStackEnv({
      databaseUrl: database.url,
      redisUrl,
      namespace,
      keyId: 'e2e',
      overrides: {
        AGGREGATION_MIN_USERS: '3',
        AGGREGATE_REFRESH_SECONDS: '1',
        DECISION_LOG_SAMPLE_RATE: '1',
        CONSENT_DEADLINE_MS: '2000',
        DOWNSTREAM_DEADLINE_MS: '5000',
        DATABASE_POOL_SIZE: '4',
        MODEL_REFRESH_SECONDS: '1',
        ...overrides,
      },
    }),
  });
  try {
    await stack.start();
    const today = new Date();
    const data = generateDemoData({
      tenants: ['demo-retail'],
      itemsPerTenant: 300,
      usersPerTenant: 200,
      meanEventsPerUser: 20,
      nowMs: Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()),
    });
    const rawIds: RawIdentifiers = new Map([
      ['demo user id', new Set(data.users.map((u) => u.userId))],
      ['demo session id', new Set(data.events.map((e) => e.sessionId).filter(Boolean))],
    ]);
    await loadDemoData(data, { consentAddr: stack.address('consent-service'), featureAddr: stack.address('feature-gateway') });
    await trainTenants(stack, ['demo-retail']);
    const db = new Client({ connectionString: database.url });
    await db.connect();
    const recommend = createGrpcClient<RecommendationServiceClient>(
      'RecommendationService',
      stack.address('candidate-orchestrator'),
      10_000,
    );
    const consent = createGrpcClient<ConsentServiceClient>('ConsentService', stack.address('consent-service'), 10_000);
    const features = createGrpcClient<FeatureServiceClient>('FeatureService', stack.address('feature-gateway'), 10_000);
    const audit = createGrpcClient<AuditServiceClient>('AuditService', stack.address('audit-service'), 10_000);
    return {
      stack,
      data,
      db,
      recommend,
      consent,
      features,
      audit,
      logDir,
      trackRawId: (kind, value) => {
        if (!rawIds.has(kind)) rawIds.set(kind, new Set());
        rawIds.get(kind)!.add(value);
      },
      close: async () => {
        for (const c of [recommend, consent, features, audit]) c.close();
        await db.end();
        await stack.stop();
        await database.drop();
        if (redisUrl) {
          const redis = RedisCacheStore.connect(redisUrl);
          await redis.deleteByPrefix(`${namespace}:`);
          await redis.close();
        }
        // Seed §24: logs are data processing too. Only pseudonymous ids may reach them.
        const leaks = findRawIdentifiers(logDir, rawIds);
        if (leaks.length > 0) throw new Error(`raw identifiers in the service logs of this run:\n  ${leaks.join('\n  ')}`);
      },
    };
  } catch (error) {
    await stack.stop();
    await database.drop();
    throw error;
  }
}

/** The demo users who consented to personalization, most history first (personal sources have most to work with). */
export function consentingUsersByHistory(data: DemoData): string[] {
  const counts = new Map<string, number>();
  for (const e of data.events) counts.set(e.userId, (counts.get(e.userId) ?? 0) + 1);
  return data.users
    .filter((u) => u.consentPersonalization)
    .sort((a, b) => (counts.get(b.userId) ?? 0) - (counts.get(a.userId) ?? 0))
    .map((u) => u.userId);
}
