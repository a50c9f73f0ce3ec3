import 'reflect-metadata';
import { loadRegistry } from '@recsys/feature-registry';
import { parseKeyring, PrivacyContextCodec } from '@recsys/privacy-context';
import { closeOnSignals, runMain, serveGrpc, serviceRuntime } from '@recsys/service-kit';
import { RankerConfig } from './config/ranker.config';
import { RankingService } from './ranking/ranking.service';
import { RankerModule } from './ranker.module';

runMain('ranker', async () => {
  const runtime = serviceRuntime('ranker', RankerConfig);
  const { config, logger, metrics } = runtime;
  const codec = new PrivacyContextCodec(parseKeyring(config.PRIVACY_CONTEXT_KEYS));
  const ranking = new RankingService(loadRegistry(config.REGISTRY_DIR || undefined), codec, metrics);
  const running = await serveGrpc(runtime, {
    service: 'RankerService',
    module: RankerModule.register(ranking),
    port: config.RANKER_GRPC_PORT,
    metricsPort: config.RANKER_METRICS_PORT,
  });
  closeOnSignals(running, logger);
});
