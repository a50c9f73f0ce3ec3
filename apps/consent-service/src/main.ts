import 'reflect-metadata';
import { AuditServiceClient } from '@recsys/proto';
import { Pseudonymizer } from '@recsys/tenant-keys';
import {
  AuditSink,
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
import { CONSENT_MIGRATIONS } from './migrations';

const SERVICE = 'consent-service';

runMain(SERVICE, async () => {
  const runtime = serviceRuntime(SERVICE, ConsentConfig);
  const { config, logger, metrics } = runtime;
  const dataSource = await openServiceDataSource(runtime, 'consent', CONSENT_ENTITIES, CONSENT_MIGRATIONS);
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
  const running = await serveGrpc(runtime, {
    service: 'ConsentService',
    module: ConsentModule.register(consent),
    port: config.CONSENT_GRPC_PORT,
    metricsPort: config.CONSENT_METRICS_PORT,
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
