import { DynamicModule } from '@nestjs/common';
import { DataSource, EntitySchema, MixedList } from 'typeorm';
import type { Logger } from 'pino';
import { ServiceName } from '@recsys/proto';
import { BaseServiceConfig, DatabaseSettings, ProcessConfig } from '../config/base-config';
import { describeConfig, loadConfig } from '../config/load-config';
import { startGrpcService, RunningGrpcService } from '../grpc/grpc-server';
import { createLogger } from '../observability/logger';
import { ServiceMetrics } from '../observability/metrics';
import { openSchema } from '../persistence/data-source';

/** What every service process starts from: its validated config, its logger and its metrics registry. */
export interface ServiceRuntime<C extends ProcessConfig> {
  name: string;
  config: C;
  logger: Logger;
  metrics: ServiceMetrics;
}

/** `logToStderr` is for jobs whose standard output is their result (the training job's JSON summaries). */
export function serviceRuntime<C extends ProcessConfig>(
  name: string,
  configClass: new () => C,
  options: { logToStderr?: boolean } = {},
): ServiceRuntime<C> {
  const config = loadConfig(configClass);
  const logger = createLogger(name, config.LOG_LEVEL, options.logToStderr ? 2 : 1);
  logger.debug({ config: describeConfig(config) }, 'configuration');
  return { name, config, logger, metrics: new ServiceMetrics(name) };
}

/** Connects to the service's own schema and migrates it. */
export function openServiceDataSource(
  runtime: ServiceRuntime<ProcessConfig & DatabaseSettings>,
  schema: string,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>,
): Promise<DataSource> {
  return openSchema({
    url: runtime.config.DATABASE_URL,
    schema,
    entities,
    migrations,
    poolSize: runtime.config.DATABASE_POOL_SIZE,
    applicationName: runtime.name,
  });
}

/** Serves the service's gRPC API, health, reflection and metrics with the runtime's settings. */
export function serveGrpc(
  runtime: ServiceRuntime<BaseServiceConfig>,
  options: { service: ServiceName; module: DynamicModule; port: number; metricsPort: number; receiveWindowBytes?: number },
): Promise<RunningGrpcService> {
  return startGrpcService({
    ...options,
    host: runtime.config.GRPC_HOST,
    metricsHost: runtime.config.METRICS_HOST,
    metrics: runtime.metrics,
    logger: runtime.logger,
  });
}
