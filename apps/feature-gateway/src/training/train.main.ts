import 'reflect-metadata';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { defaultConfigDir, loadRegistry, loadSurfaces } from '@recsys/feature-registry';
import { ConsentServiceClient } from '@recsys/proto';
import { createGrpcClient, openServiceDataSource, runMain, serviceRuntime } from '@recsys/service-kit';
import { isValidTenantId } from '@recsys/tenant-keys';
import { FEATURE_ENTITIES } from '../catalog/catalog.entities';
import { CatalogRepository } from '../catalog/catalog.repository';
import { FEATURE_MIGRATIONS } from '../migrations';
import { ModelRepository } from './model.repository';
import { ModelTrainer, NotEnoughTrainingDataError } from './model-trainer';
import { TrainingDataRepository } from './training-data.repository';
import { TrainingJobConfig } from './training.config';

const JOB = 'feature-gateway-training';

/**
 * The training job of feature-gateway (`npm run train -- --tenant <id>` / `--all`): runs with the gateway's own
 * environment against the gateway's own schema, as a separate process (a Kubernetes CronJob in production), so
 * training never competes with serving in one event loop. Prints one JSON summary per tenant (no subject ids).
 */
runMain(JOB, async () => {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('train')
    .option('tenant', { type: 'array', string: true, default: [] as string[], describe: 'tenant to train (repeatable)' })
    .option('all', { type: 'boolean', default: false, describe: 'train every tenant that has behaviour stored' })
    .option('dry-run', {
      type: 'boolean',
      default: false,
      describe: 'build the governed dataset only and print its manifest and pseudonymous subjects; train and publish nothing',
    })
    .check((a) => {
      if (a.all === a.tenant.length > 0) throw new Error('give either --tenant <id> (one or more) or --all');
      const bad = a.tenant.find((t) => !isValidTenantId(t));
      if (bad !== undefined) throw new Error(`--tenant ${JSON.stringify(bad)} is not a valid tenant id`);
      return true;
    })
    .strict()
    .parse();
  const runtime = serviceRuntime(JOB, TrainingJobConfig, { logToStderr: true });
  const { config, logger } = runtime;
  const registry = loadRegistry(config.REGISTRY_DIR || undefined);
  const surfaces = loadSurfaces(config.CONFIG_DIR || defaultConfigDir(), registry);
  const dataSource = await openServiceDataSource(runtime, 'features', FEATURE_ENTITIES, FEATURE_MIGRATIONS);
  const consent = createGrpcClient<ConsentServiceClient>('ConsentService', config.CONSENT_SERVICE_ADDR, 30_000);
  try {
    const trainer = new ModelTrainer({
      data: new TrainingDataRepository(dataSource),
      catalog: new CatalogRepository(dataSource),
      models: new ModelRepository(dataSource),
      consent,
      registry,
      surfaces,
      logger,
      options: { minUsers: config.AGGREGATION_MIN_USERS, windowDays: config.TRAINING_WINDOW_DAYS },
    });
    const tenants = argv.all ? await new TrainingDataRepository(dataSource).tenants() : argv.tenant;
    let failed = 0;
    for (const tenant of tenants) {
      try {
        if (argv['dry-run']) {
          const dataset = await trainer.dataset(tenant);
          const subjects = [...new Set(dataset.rows.map((r) => r.user))].sort();
          console.log(JSON.stringify({ tenant, dataset: dataset.manifest, subjects }));
          continue;
        }
        const summary = await trainer.train(tenant);
        console.log(
          JSON.stringify({ tenant, version: summary.version, dataset: summary.dataset, routes: summary.routes, seconds: summary.seconds }),
        );
      } catch (error) {
        // With --all a tenant too small to train is skipped; a named tenant that cannot be trained is a failure.
        if (error instanceof NotEnoughTrainingDataError && argv.all) logger.warn({ tenant }, error.message);
        else {
          failed += 1;
          logger.error({ tenant, err: error instanceof Error ? error.message : String(error) }, 'training failed');
        }
      }
    }
    if (failed > 0) process.exitCode = 1;
  } finally {
    consent.close();
    await dataSource.destroy();
  }
});
