import 'reflect-metadata';
import { AuditServiceClient, FeatureServiceClient } from '@recsys/proto';
import { Pseudonymizer } from '@recsys/tenant-keys';
import {
  AuditSink,
  PgAuditOutbox,
  closeOnSignals,
  createCacheInfrastructure,
  createGrpcClient,
  openServiceDataSource,
  runMain,
  serveGrpc,
  serviceRuntime,
} from '@recsys/service-kit';
import { ConsentConfig } from './config/consent.config';
import { CONSENT_ENTITIES } from './consent/consent.entities';
import { ConsentRepository } from './consent/consent.repository';
import { ConsentService } from './consent/consent.service';
import { ConsentModule } from './consent.module';
import { ControlPropagator } from './controls/control-propagator';
import { DeletionRepository } from './deletion/deletion.repository';
import { DeletionSaga } from './deletion/deletion.saga';
import { SubjectExportRepository } from './export/subject-export.repository';
import { SubjectExportService } from './export/subject-export.service';
import { DeletionService } from './deletion/deletion.service';
import { CONSENT_MIGRATIONS } from './migrations';

const SERVICE = 'consent-service';

runMain(SERVICE, async () => {
  const runtime = serviceRuntime(SERVICE, ConsentConfig);
  const { config, logger, metrics } = runtime;
  const dataSource = await openServiceDataSource(runtime, 'consent', CONSENT_ENTITIES, CONSENT_MIGRATIONS);
  const { cache, bus } = createCacheInfrastructure(config);
  const auditClient = createGrpcClient<AuditServiceClient>('AuditService', config.AUDIT_SERVICE_ADDR);
  // What audit-service cannot take now waits in consent.audit_outbox and is relayed when it is back.
  const audit = new AuditSink(auditClient, `svc:${SERVICE}`, metrics, logger, {
    maxQueue: 10_000,
    batchSize: 200,
    intervalMs: 200,
    outbox: new PgAuditOutbox(dataSource, 'consent'),
  });
  const featureClient = createGrpcClient<FeatureServiceClient>('FeatureService', config.FEATURE_GATEWAY_ADDR);
  const propagator = new ControlPropagator(dataSource, featureClient, bus, metrics, logger, {
    intervalMs: config.CONTROL_RETRY_INTERVAL_MS,
    timeoutMs: 2000,
  });
  const deletionRepository = new DeletionRepository(dataSource);
  const pseudonymizer = new Pseudonymizer(config.PSEUDONYM_SECRET);
  const consent = new ConsentService({
    repository: new ConsentRepository(dataSource),
    deletions: deletionRepository,
    cache,
    bus,
    pseudonymizer,
    audit,
    metrics,
    keySpace: { namespace: config.KEY_NAMESPACE },
    policyVersion: config.POLICY_VERSION,
    cacheTtlSeconds: config.CONSENT_CACHE_TTL_SECONDS,
    propagator,
  });
  const saga = new DeletionSaga({
    repository: deletionRepository,
    features: featureClient,
    decisions: auditClient,
    bus,
    audit,
    forget: (tenantId, subjectPid) => consent.forget(tenantId, subjectPid),
    metrics,
    logger,
    options: { intervalMs: config.CONTROL_RETRY_INTERVAL_MS, timeoutMs: 5000 },
  });
  // Another replica's change must drop this replica's cached state too.
  await bus.subscribe((message) => consent.forget(message.tenantId, message.subjectPid));
  const running = await serveGrpc(runtime, {
    service: 'ConsentService',
    module: ConsentModule.register(
      consent,
      new DeletionService(deletionRepository, saga, pseudonymizer, audit),
      new SubjectExportService({
        repository: new SubjectExportRepository(dataSource),
        features: featureClient,
        audit: auditClient,
        sink: audit,
        pseudonymizer,
        timeoutMs: 10_000,
      }),
    ),
    port: config.CONSENT_GRPC_PORT,
    metricsPort: config.CONSENT_METRICS_PORT,
  });
  propagator.start();
  // Resumes every deletion a crash interrupted, then keeps sweeping.
  saga.start();
  closeOnSignals(
    {
      close: async () => {
        propagator.stop();
        saga.stop();
        await running.close();
        featureClient.close();
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
