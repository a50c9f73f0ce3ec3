import 'reflect-metadata';
import { loadRegistry } from '@recsys/feature-registry';
import { parseKeyring, PrivacyContextCodec } from '@recsys/privacy-context';
import { FeatureServiceClient } from '@recsys/proto';
import { closeOnSignals, createGrpcClient, runMain, serveGrpc, serviceRuntime } from '@recsys/service-kit';
import { RankerConfig } from './config/ranker.config';
import { RankingModels } from './ranking/ranking-models';
import { RankingService } from './ranking/ranking.service';
import { RankerModule } from './ranker.module';

runMain('ranker', async () => {
  const runtime = serviceRuntime('ranker', RankerConfig);
  const { config, logger, metrics } = runtime;
  const codec = new PrivacyContextCodec(parseKeyring(config.PRIVACY_CONTEXT_KEYS));
  const registry = loadRegistry(config.REGISTRY_DIR || undefined);
  const featureClient = config.FEATURE_GATEWAY_ADDR
    ? createGrpcClient<FeatureServiceClient>('FeatureService', config.FEATURE_GATEWAY_ADDR)
    : undefined;
  const models = new RankingModels(
    registry,
    featureClient,
    { refreshMs: config.MODEL_REFRESH_SECONDS * 1000, timeoutMs: config.MODEL_LOOKUP_DEADLINE_MS },
    metrics,
    logger,
  );
  const ranking = new RankingService(registry, models, codec, metrics, logger);
  const running = await serveGrpc(runtime, {
    service: 'RankerService',
    module: RankerModule.register(ranking),
    port: config.RANKER_GRPC_PORT,
    metricsPort: config.RANKER_METRICS_PORT,
  });
  closeOnSignals(
    {
      close: async () => {
        await running.close();
        featureClient?.close();
      },
    },
    logger,
  );
});
