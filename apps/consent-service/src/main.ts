import 'reflect-metadata';
import { AuditServiceClient } from '@recsys/proto';
import { Pseudonymizer } from '@recsys/tenant-keys';
import {
  AuditSink,
  closeOnSignals,
  createCacheInfrastructure,
  createGrpcClient,
  createLogger,
  createServiceDataSource,
  describeConfig,
  initializeServiceDataSource,
  loadConfig,
  runMain,
  ServiceMetrics,
  startGrpcService,
} from '@recsys/service-kit';
import { ConsentConfig } from './config/consent.config';
import { CONSENT_ENTITIES } from './consent/consent.entities';
import { ConsentRepository } from './consent/consent.repository';
import { ConsentService } from './consent/consent.service';
import { ConsentModule } from './consent.module';
import { CONSENT_MIGRATIONS } from './migrations';

const SERVICE = 'consent-service';
const SCHEMA = 'consent';

runMain(SERVICE, async () => {
  const config = loadConfig(ConsentConfig);
  const logger = createLogger(SERVICE, config.LOG_LEVEL);
  logger.debug({ config: describeConfig(config) }, 'configuration');
  const metrics = new ServiceMetrics(SERVICE);
  const dataSource = await initializeServiceDataSource(
    createServiceDataSource({
      url: config.DATABASE_URL,
      schema: SCHEMA,
      entities: CONSENT_ENTITIES,
      migrations: CONSENT_MIGRATIONS,
      poolSize: config.DATABASE_POOL_SIZE,
      applicationName: SERVICE,
    }),
    SCHEMA,
  );
  const { cache, bus } = createCacheInfrastructure(config);
  const auditClient = createGrpcClient<AuditServiceClient>('AuditService', config.AUDIT_SERVICE_ADDR);
  const audit = new AuditSink(auditClient, `svc:${SERVICE}`, metrics, logger);
  const consent = new ConsentService({
    repository: new ConsentRepository(dataSource),
    cache,
    bus,
    pseudonymizer: new Pseudonymizer(config.PSEUDONYM_SECRET),
    audit,
    metrics,
    keySpace: { namespace: config.KEY_NAMESPACE },
    policyVersion: config.POLICY_VERSION,
    cacheTtlSeconds: config.CONSENT_CACHE_TTL_SECONDS,
  });
  // Another replica's change must drop this replica's cached state too.
  await bus.subscribe((message) => consent.forget(message.tenantId, message.subjectPid));
  const running = await startGrpcService({
    service: 'ConsentService',
    module: ConsentModule.register(consent),
    host: config.GRPC_HOST,
    port: config.CONSENT_GRPC_PORT,
    metricsHost: config.METRICS_HOST,
    metricsPort: config.CONSENT_METRICS_PORT,
    metrics,
    logger,
  });
  closeOnSignals(
    {
      close: async () => {
        await running.close();
        await audit.drain();
        audit.close();
        auditClient.close();
        await bus.close();
        await cache.close();
        await dataSource.destroy();
      },
    },
    logger,
  );
});
