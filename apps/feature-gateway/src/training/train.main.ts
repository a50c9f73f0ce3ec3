import 'reflect-metadata';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadRegistry, loadSurfaces } from '@recsys/feature-registry';
import { runMain } from '@recsys/service-kit';
import { isValidTenantId } from '@recsys/tenant-keys';
import { CatalogRepository } from '../catalog/catalog.repository';
import { datasetDetails } from './dataset-audit';
import { ModelRepository } from './model.repository';
import { ModelTrainer, NotEnoughTrainingDataError } from './model-trainer';
import { terminalProgress } from './progress';
import { isValidDatasetId } from './dataset.cli';
import { openTrainingJob } from './training-job';

const JOB = 'feature-gateway-training';

/**
 * The training job of feature-gateway (`npm run train -- --tenant <id>` / `--all`): runs with the gateway's own
 * environment against the gateway's own schema, as a separate process (a Kubernetes CronJob in production), so
 * training never competes with serving in one event loop. Every run trains from a stored governed dataset: one
 * it builds now through the dataset builder, or `--dataset <id>`. Prints one JSON summary per tenant (no subject ids).
 */
runMain(JOB, async () => {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('train')
    .option('tenant', { type: 'array', string: true, default: [] as string[], describe: 'tenant to train (repeatable)' })
    .option('all', { type: 'boolean', default: false, describe: 'train every tenant that has behaviour stored' })
    .option('dataset', { type: 'string', describe: 'train from this stored dataset of the (one) tenant instead of building a new one' })
    .option('dry-run', {
      type: 'boolean',
      default: false,
      describe: 'build the governed dataset only and print its manifest and pseudonymous subjects; store, train and publish nothing',
    })
    .check((a) => {
      if (a.all === a.tenant.length > 0) throw new Error('give either --tenant <id> (one or more) or --all');
      const bad = a.tenant.find((t) => !isValidTenantId(t));
      if (bad !== undefined) throw new Error(`--tenant ${JSON.stringify(bad)} is not a valid tenant id`);
      if (a.dataset !== undefined && (a.all || a.tenant.length !== 1)) throw new Error('--dataset needs exactly one --tenant');
      if (a.dataset !== undefined && !isValidDatasetId(a.dataset))
        throw new Error(`--dataset ${JSON.stringify(a.dataset)} is not a dataset id`);
      if (a.dataset !== undefined && a['dry-run']) throw new Error('--dry-run builds a new dataset; it cannot be combined with --dataset');
      return true;
    })
    .strict()
    .parse();
  const job = await openTrainingJob(JOB);
  const { config, logger, dataSource } = job;
  const registry = loadRegistry(config.REGISTRY_DIR || undefined);
  const surfaces = loadSurfaces(job.configDir, registry);
  try {
    const trainer = new ModelTrainer({
      builder: job.builder(terminalProgress()),
      datasets: job.datasets,
      catalog: new CatalogRepository(dataSource),
      models: new ModelRepository(dataSource),
      registry,
      surfaces,
      logger,
      options: { minUsers: config.AGGREGATION_MIN_USERS },
    });
    const tenants = argv.all ? await job.data.tenants() : argv.tenant;
    let failed = 0;
    for (const tenant of tenants) {
      try {
        if (argv['dry-run']) {
          const dataset = await trainer.dataset(tenant);
          const subjects = [...new Set(dataset.rows.map((r) => r.user))].sort();
          console.log(JSON.stringify({ tenant, stored: false, dataset: dataset.manifest, subjects }));
          continue;
        }
        const summary = await trainer.train(tenant, { datasetId: argv.dataset });
        if (argv.dataset === undefined) {
          job.audit.record({
            tenantId: tenant,
            actor: '',
            action: 'training_dataset.built',
            target: summary.dataset_id,
            reason: 'npm run train',
            requestId: summary.dataset_id,
            details: datasetDetails(summary.dataset),
          });
        }
        job.audit.record({
          tenantId: tenant,
          actor: '',
          action: 'model.published',
          target: summary.version,
          reason: 'npm run train',
          requestId: summary.dataset_id,
          details: { datasetId: summary.dataset_id, routes: Object.keys(summary.routes) },
        });
        console.log(
          JSON.stringify({
            tenant,
            version: summary.version,
            dataset_id: summary.dataset_id,
            dataset: summary.dataset,
            rows_removed_by_deletion: summary.rows_removed_by_deletion,
            routes: summary.routes,
            seconds: summary.seconds,
          }),
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
    await job.close();
  }
});
