import 'reflect-metadata';
import {
  closeOnSignals,
  createLogger,
  createServiceDataSource,
  initializeServiceDataSource,
  loadConfig,
  runMain,
  ServiceMetrics,
  startGrpcService,
} from '@recsys/service-kit';
import { AuditConfig } from './config/audit.config';
import { AUDIT_ENTITIES } from './audit/audit.entities';
import { AuditRepository } from './audit/audit.repository';
import { AuditModule } from './audit.module';
import { AUDIT_MIGRATIONS } from './migrations';

const SERVICE = 'audit-service';
const SCHEMA = 'audit';

runMain(SERVICE, async () => {
  const config = loadConfig(AuditConfig);
  const logger = createLogger(SERVICE, config.LOG_LEVEL);
  const metrics = new ServiceMetrics(SERVICE);
  const dataSource = await initializeServiceDataSource(
    createServiceDataSource({
      url: config.DATABASE_URL,
      schema: SCHEMA,
      entities: AUDIT_ENTITIES,
      migrations: AUDIT_MIGRATIONS,
      poolSize: config.DATABASE_POOL_SIZE,
      applicationName: SERVICE,
    }),
    SCHEMA,
  );
  const running = await startGrpcService({
    service: 'AuditService',
    module: AuditModule.register(new AuditRepository(dataSource)),
    host: config.GRPC_HOST,
    port: config.AUDIT_GRPC_PORT,
    metricsHost: config.METRICS_HOST,
    metricsPort: config.AUDIT_METRICS_PORT,
    metrics,
    logger,
  });
  closeOnSignals({ close: async () => { await running.close(); await dataSource.destroy(); } }, logger);
});
