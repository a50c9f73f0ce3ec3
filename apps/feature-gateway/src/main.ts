import 'reflect-metadata';
import { defaultConfigDir, loadRegistry, loadSessionPolicy } from '@recsys/feature-registry';
import { parseKeyring, PrivacyContextCodec } from '@recsys/privacy-context';
import { AuditServiceClient, ConsentServiceClient } from '@recsys/proto';
import { Pseudonymizer } from '@recsys/tenant-keys';
import {
  AuditSink,
  closeOnSignals,
  createCacheStore,
  createGrpcClient,
  openServiceDataSource,
  PgAuditOutbox,
  runMain,
  serveGrpc,
  serviceRuntime,
} from '@recsys/service-kit';
import { AggregateRefresher } from './aggregates/aggregate-refresher';
import { AggregateRepository } from './aggregates/aggregate.repository';
import { FEATURE_ENTITIES } from './catalog/catalog.entities';
import { CatalogRepository } from './catalog/catalog.repository';
import { CatalogService } from './catalog/catalog.service';
import { CatalogSnapshots } from './catalog/catalog-snapshot';
import { FeatureConfig } from './config/feature.config';
import { ConsentGate } from './events/consent-gate';
import { EventRepository } from './events/event.repository';
import { IngestionService } from './events/ingestion.service';
import { SubjectDataService } from './events/subject-data.service';
import { ExposureRepository } from './experiments/exposure.repository';
import { ExposureService, unlinkedRequestKey } from './experiments/exposure.service';
import { DatasetRepository } from './training/dataset.repository';
import { SessionStore } from './events/session-store';
import { FeatureService } from './features/feature.service';
import { FeatureModule } from './feature.module';
import { FEATURE_MIGRATIONS } from './migrations';
import { ProfileStore } from './profile/profile.store';
import { RetentionRepository } from './retention/retention.repository';
import { RetentionSweeper } from './retention/retention-sweeper';
import { ModelRepository } from './training/model.repository';
import { RankingModelService } from './training/ranking-model.service';

const SERVICE = 'feature-gateway';

runMain(SERVICE, async () => {
  const runtime = serviceRuntime(SERVICE, FeatureConfig);
  const { config, logger, metrics } = runtime;
  const registry = loadRegistry(config.REGISTRY_DIR || undefined);
  const codec = new PrivacyContextCodec(parseKeyring(config.PRIVACY_CONTEXT_KEYS));
  const dataSource = await openServiceDataSource(runtime, 'features', FEATURE_ENTITIES, FEATURE_MIGRATIONS);
  const cache = createCacheStore(config);
  const catalogRepository = new CatalogRepository(dataSource);
  const models = new ModelRepository(dataSource);
  const snapshots = new CatalogSnapshots(catalogRepository, models, logger, metrics);
  const refresher = new AggregateRefresher(
    new AggregateRepository(dataSource),
    snapshots,
    { minUsers: config.AGGREGATION_MIN_USERS, windowDays: config.AGGREGATE_WINDOW_DAYS, intervalSeconds: config.AGGREGATE_REFRESH_SECONDS },
    metrics,
    logger,
  );
  await refresher.tick();
  const consentClient = createGrpcClient<ConsentServiceClient>('ConsentService', config.CONSENT_SERVICE_ADDR);
  // The training and dataset jobs write what audit-service could not take to features.audit_outbox; relayed here.
  const auditClient = createGrpcClient<AuditServiceClient>('AuditService', config.AUDIT_SERVICE_ADDR);
  const audit = new AuditSink(auditClient, `svc:${SERVICE}`, metrics, logger, {
    maxQueue: 10_000,
    batchSize: 200,
    intervalMs: 200,
    outbox: new PgAuditOutbox(dataSource, 'features'),
  });
  const eventRepository = new EventRepository(dataSource);
  const profiles = new ProfileStore(
    dataSource,
    metrics,
    { cache, keySpace: { namespace: config.KEY_NAMESPACE }, ttlSeconds: config.PROFILE_CACHE_TTL_SECONDS },
    { rawEventDays: config.RAW_EVENT_RETENTION_DAYS },
  );
  const sessions = new SessionStore(cache, { namespace: config.KEY_NAMESPACE }, config.SESSION_TTL_SECONDS);
  const ingestion = new IngestionService(
    eventRepository,
    snapshots,
    new ConsentGate(consentClient, config.INGEST_CONSENT_DEADLINE_MS, metrics),
    new Pseudonymizer(config.PSEUDONYM_SECRET),
    sessions,
    profiles,
    metrics,
    config.RAW_EVENT_RETENTION_DAYS,
  );
  const sessionPolicy = loadSessionPolicy(config.CONFIG_DIR || defaultConfigDir());
  const exposures = new ExposureRepository(dataSource);
  const features = new FeatureService(registry, snapshots, profiles, sessions, sessionPolicy, codec, metrics, logger);
  const running = await serveGrpc(runtime, {
    service: 'FeatureService',
    module: FeatureModule.register({
      features,
      ingestion,
      catalog: new CatalogService(catalogRepository, snapshots),
      refresher,
      subjects: new SubjectDataService(eventRepository, profiles, sessions, new DatasetRepository(dataSource), exposures, metrics),
      rankingModels: new RankingModelService(models, registry),
      exposures: new ExposureService(exposures, metrics, config.EXPOSURE_RETENTION_DAYS, unlinkedRequestKey(config.PSEUDONYM_SECRET)),
    }),
    port: config.FEATURE_GRPC_PORT,
    metricsPort: config.FEATURE_METRICS_PORT,
  });
  refresher.start();
  const retention = new RetentionSweeper(
    new RetentionRepository(dataSource),
    {
      rawEventDays: config.RAW_EVENT_RETENTION_DAYS,
      aggregateDays: config.AGGREGATE_RETENTION_DAYS,
      exposureDays: config.EXPOSURE_RETENTION_DAYS,
      intervalSeconds: config.RETENTION_SWEEP_SECONDS,
      batchSize: config.RETENTION_BATCH_SIZE,
    },
    metrics,
    logger,
  );
  retention.start();
  closeOnSignals(
    {
      close: async () => {
        refresher.stop();
        retention.stop();
        await running.close();
        consentClient.close();
        await audit.drain();
        audit.close();
        auditClient.close();
        await cache.close();
        await dataSource.destroy();
      },
    },
    logger,
  );
});
