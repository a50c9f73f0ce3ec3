import 'reflect-metadata';
import { loadRegistry } from '@recsys/feature-registry';
import { parseKeyring, PrivacyContextCodec } from '@recsys/privacy-context';
import { closeOnSignals, createLogger, loadConfig, runMain, ServiceMetrics, startGrpcService } from '@recsys/service-kit';
import { RankerConfig } from './config/ranker.config';
import { RankingService } from './ranking/ranking.service';
import { RankerModule } from './ranker.module';

const SERVICE = 'ranker';

runMain(SERVICE, async () => {
  const config = loadConfig(RankerConfig);
  const logger = createLogger(SERVICE, config.LOG_LEVEL);
  const metrics = new ServiceMetrics(SERVICE);
  const ranking = new RankingService(loadRegistry(config.REGISTRY_DIR || undefined), new PrivacyContextCodec(parseKeyring(config.PRIVACY_CONTEXT_KEYS)), metrics);
  const running = await startGrpcService({
    service: 'RankerService',
    module: RankerModule.register(ranking),
    host: config.GRPC_HOST,
    port: config.RANKER_GRPC_PORT,
    metricsHost: config.METRICS_HOST,
    metricsPort: config.RANKER_METRICS_PORT,
    metrics,
    logger,
  });
  closeOnSignals(running, logger);
});
