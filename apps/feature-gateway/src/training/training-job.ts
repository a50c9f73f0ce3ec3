import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { defaultConfigDir } from '@recsys/feature-registry';
import { AuditServiceClient, ConsentServiceClient } from '@recsys/proto';
import {
  AuditSink,
  ClosableClient,
  createGrpcClient,
  openServiceDataSource,
  PgAuditOutbox,
  serviceRuntime,
  UnaryClient,
} from '@recsys/service-kit';
import { FEATURE_ENTITIES } from '../catalog/catalog.entities';
import { FEATURE_MIGRATIONS } from '../migrations';
import { DatasetBuilder } from './dataset-builder';
import { DatasetRepository } from './dataset.repository';
import { ProgressFactory } from './progress';
import { ScopePermissionRepository } from './scope-permission.repository';
import { TrainingDataRepository } from './training-data.repository';
import { TrainingJobConfig } from './training.config';
import { loadTrainingScopes, TrainingScopes } from './training-scopes';

/** What the training and dataset commands share: config, the gateway's schema, consent-service, the builder. */
export interface TrainingJob {
  config: TrainingJobConfig;
  logger: Logger;
  configDir: string;
  dataSource: DataSource;
  scopes: TrainingScopes;
  datasets: DatasetRepository;
  permissions: ScopePermissionRepository;
  data: TrainingDataRepository;
  /**
   * The audit trail of dataset builds, scope permissions and published models. What audit-service cannot take
   * now goes to feature-gateway's outbox (features.audit_outbox), which the running service relays.
   */
  audit: AuditSink;
  /** Connects to consent-service on first use: list, show, permit and revoke never need it. */
  builder(progress?: ProgressFactory): DatasetBuilder;
  close(): Promise<void>;
}

/** Validates the environment and the scope file (before anything connects), then opens the gateway's schema. */
export async function openTrainingJob(name: string): Promise<TrainingJob> {
  const runtime = serviceRuntime(name, TrainingJobConfig, { logToStderr: true });
  const { config, logger } = runtime;
  const configDir = config.CONFIG_DIR || defaultConfigDir();
  const scopes = loadTrainingScopes(configDir);
  const dataSource = await openServiceDataSource(runtime, 'features', FEATURE_ENTITIES, FEATURE_MIGRATIONS);
  const datasets = new DatasetRepository(dataSource);
  const permissions = new ScopePermissionRepository(dataSource);
  const data = new TrainingDataRepository(dataSource);
  let consent: (UnaryClient<ConsentServiceClient> & ClosableClient) | undefined;
  const auditClient = createGrpcClient<AuditServiceClient>('AuditService', config.AUDIT_SERVICE_ADDR);
  const audit = new AuditSink(auditClient, `job:${name}`, runtime.metrics, logger, {
    maxQueue: 10_000,
    batchSize: 200,
    intervalMs: 50,
    outbox: new PgAuditOutbox(dataSource, 'features'),
  });
  return {
    config,
    logger,
    configDir,
    dataSource,
    scopes,
    datasets,
    permissions,
    data,
    audit,
    builder: (progress) => {
      consent ??= createGrpcClient<ConsentServiceClient>('ConsentService', config.CONSENT_SERVICE_ADDR, 30_000);
      return new DatasetBuilder({
        data,
        datasets,
        permissions,
        scopes,
        consent,
        logger,
        options: { windowDays: config.TRAINING_WINDOW_DAYS, keep: config.TRAINING_DATASETS_KEPT },
        progress,
      });
    },
    close: async () => {
      await audit.drain(3000);
      audit.close();
      auditClient.close();
      consent?.close();
      await dataSource.destroy();
    },
  };
}
