import 'reflect-metadata';
import { closeOnSignals, openServiceDataSource, runMain, serveGrpc, serviceRuntime } from '@recsys/service-kit';
import { AuditConfig } from './config/audit.config';
import { AUDIT_ENTITIES } from './audit/audit.entities';
import { AuditRepository } from './audit/audit.repository';
import { AuditModule } from './audit.module';
import { AUDIT_MIGRATIONS } from './migrations';
import { DecisionLogRetention } from './retention/decision-log-retention';

runMain('audit-service', async () => {
  const runtime = serviceRuntime('audit-service', AuditConfig);
  const { config, logger, metrics } = runtime;
  const dataSource = await openServiceDataSource(runtime, 'audit', AUDIT_ENTITIES, AUDIT_MIGRATIONS);
  const running = await serveGrpc(runtime, {
    service: 'AuditService',
    module: AuditModule.register(new AuditRepository(dataSource)),
    port: config.AUDIT_GRPC_PORT,
    metricsPort: config.AUDIT_METRICS_PORT,
  });
  const retention = new DecisionLogRetention(
    dataSource,
    { days: config.DECISION_LOG_RETENTION_DAYS, intervalSeconds: config.RETENTION_SWEEP_SECONDS, batchSize: 10_000 },
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
