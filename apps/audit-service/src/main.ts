import 'reflect-metadata';
import { closeOnSignals, createServiceDataSource, openServiceDataSource, runMain, serveGrpc, serviceRuntime } from '@recsys/service-kit';
import { AuditConfig } from './config/audit.config';
import { AUDIT_ENTITIES } from './audit/audit.entities';
import { AuditRepository } from './audit/audit.repository';
import { DebugTraceService, parseDebugOperators } from './audit/debug-trace.service';
import { AuditModule } from './audit.module';
import { AUDIT_MIGRATIONS } from './migrations';
import { AuditRetention } from './retention/audit-retention';

runMain('audit-service', async () => {
  const runtime = serviceRuntime('audit-service', AuditConfig);
  const { config, logger, metrics } = runtime;
  // Migrate as the connecting user, then serve as the least-privileged runtime role (no UPDATE/DELETE of audit rows).
  const migrator = await openServiceDataSource(runtime, 'audit', AUDIT_ENTITIES, AUDIT_MIGRATIONS);
  let dataSource = migrator;
  if (config.AUDIT_DB_ROLE) {
    dataSource = await createServiceDataSource({
      url: config.DATABASE_URL,
      schema: 'audit',
      entities: AUDIT_ENTITIES,
      migrations: [],
      poolSize: config.DATABASE_POOL_SIZE,
      applicationName: 'audit-service',
      role: config.AUDIT_DB_ROLE,
    })
      .initialize()
      .catch((error: unknown) => {
        throw new Error(
          `cannot serve as database role ${config.AUDIT_DB_ROLE} (${(error as Error).message}): ` +
            `GRANT ${config.AUDIT_DB_ROLE} TO the service's database user, or set AUDIT_DB_ROLE= to run as that user`,
        );
      });
    await migrator.destroy();
  }
  const repository = new AuditRepository(dataSource);
  const running = await serveGrpc(runtime, {
    service: 'AuditService',
    module: AuditModule.register(
      repository,
      new DebugTraceService(dataSource, repository, metrics, parseDebugOperators(config.DEBUG_TRACE_OPERATORS)),
    ),
    port: config.AUDIT_GRPC_PORT,
    metricsPort: config.AUDIT_METRICS_PORT,
  });
  const retention = new AuditRetention(
    dataSource,
    {
      decisionDays: config.DECISION_LOG_RETENTION_DAYS,
      debugTraceDays: config.DEBUG_TRACE_RETENTION_DAYS,
      intervalSeconds: config.RETENTION_SWEEP_SECONDS,
      batchSize: 10_000,
    },
    metrics,
    logger,
  );
  retention.start();
  closeOnSignals(
    {
      close: async () => {
        retention.stop();
        await running.close();
        await dataSource.destroy();
      },
    },
    logger,
  );
});
