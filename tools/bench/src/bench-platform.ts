import { join } from 'node:path';
import { generateDemoData, loadDemoData } from '@recsys/demo-data';
import { repoRoot, SERVICES, Stack } from '@recsys/launcher';
import { ConsentServiceClient, FeatureServiceClient, RecommendationServiceClient } from '@recsys/proto';
import { ClosableClient, createGrpcClient, RedisCacheStore, UnaryClient } from '@recsys/service-kit';
import { createTestDatabase, freeStackPorts, testStackEnv, uniqueNamespace } from '@recsys/testing';

export interface BenchPlatform {
  recommend: UnaryClient<RecommendationServiceClient> & ClosableClient;
  consent: UnaryClient<ConsentServiceClient> & ClosableClient;
  features: UnaryClient<FeatureServiceClient> & ClosableClient;
  /** Demo users who consented to personalization. */
  users: string[];
  /** The catalog's item ids. */
  items: string[];
  close(): Promise<void>;
}

/** All five services on a fresh database and the local Redis, with a slice of the demo data. */
export async function startBenchPlatform(redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'): Promise<BenchPlatform> {
  const database = await createTestDatabase('recsys_bench');
  const namespace = uniqueNamespace('bench');
  const ports = await freeStackPorts(SERVICES.map((s) => s.app));
  const root = repoRoot();
  const stack = new Stack({
    root,
    logDir: join(root, 'tmp', 'bench-logs'),
    ports,
    env: testStackEnv({
      databaseUrl: database.url,
      redisUrl,
      namespace,
      keyId: 'bench',
      overrides: { AGGREGATION_MIN_USERS: '3', DECISION_LOG_SAMPLE_RATE: '0' },
    }),
  });
  const cleanup = async () => {
    await stack.stop();
    await database.drop();
    const redis = RedisCacheStore.connect(redisUrl);
    await redis.deleteByPrefix(`${namespace}:`);
    await redis.close();
  };
  try {
    await stack.start();
    const data = generateDemoData({
      tenants: ['demo-retail'],
      itemsPerTenant: 500,
      usersPerTenant: 300,
      meanEventsPerUser: 20,
      nowMs: Date.now(),
    });
    await loadDemoData(data, { consentAddr: stack.address('consent-service'), featureAddr: stack.address('feature-gateway') });
    const recommend = createGrpcClient<RecommendationServiceClient>(
      'RecommendationService',
      stack.address('candidate-orchestrator'),
      10_000,
    );
    const consent = createGrpcClient<ConsentServiceClient>('ConsentService', stack.address('consent-service'), 30_000);
    const features = createGrpcClient<FeatureServiceClient>('FeatureService', stack.address('feature-gateway'), 30_000);
    return {
      recommend,
      consent,
      features,
      users: data.users.filter((u) => u.consentPersonalization).map((u) => u.userId),
      items: data.items.map((i) => i.itemId),
      close: async () => {
        recommend.close();
        consent.close();
        features.close();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
