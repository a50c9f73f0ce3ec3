import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { defaultConfigDir } from '@recsys/feature-registry';
import { ConsentServiceClient } from '@recsys/proto';
import { ClosableClient, createGrpcClient, openServiceDataSource, serviceRuntime, UnaryClient } from '@recsys/service-kit';
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
  return {
    config,
    logger,
    configDir,
    dataSource,
    scopes,
    datasets,
    permissions,
    data,
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
      consent?.close();
      await dataSource.destroy();
    },
  };
}
