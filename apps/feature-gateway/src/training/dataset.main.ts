import 'reflect-metadata';
import { hideBin } from 'yargs/helpers';
import { ConfigError, runMain } from '@recsys/service-kit';
import { datasetDetails } from './dataset-audit';
import { DatasetBuilder } from './dataset-builder';
import { DatasetCommand, parseDatasetCommand, UsageError } from './dataset.cli';
import { StoredDataset } from './dataset.repository';
import { terminalProgress } from './progress';
import { TrainingJob, openTrainingJob } from './training-job';
import { TrainingDatasetError, TrainingErrorCode } from './training.errors';
import { TrainingScopeService } from './training-scope.service';

const JOB = 'feature-gateway-dataset';

/**
 * `npm run dataset -- <build|list|show|permit|revoke>`: feature-gateway's governed training datasets (seed §17,
 * §28, §44). Results go to stdout as JSON, logs and the progress bar to stderr; a refused command exits 1 with
 * the reason (tenants and datasets named, never a subject).
 */
runMain(JOB, async () => {
  let command: DatasetCommand | undefined;
  try {
    command = await parseDatasetCommand(hideBin(process.argv));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`dataset: ${error.message}\nrun "npm run dataset -- --help" for the commands and options\n`);
    process.exitCode = 1;
    return;
  }
  if (!command) return; // --help
  let job: TrainingJob | undefined;
  try {
    job = await openTrainingJob(JOB);
    process.exitCode = await run(job, command);
  } catch (error) {
    // A bad environment keeps runMain's exit code 2; anything else is this command failing (exit 1).
    if (error instanceof ConfigError) throw error;
    const detail =
      error instanceof TrainingDatasetError
        ? error.message
        : `${error instanceof Error ? error.message : String(error)} (nothing was stored)`;
    process.stderr.write(`dataset: ${detail}\n`);
    process.exitCode = 1;
  } finally {
    await job?.close();
  }
});

async function run(job: TrainingJob, command: DatasetCommand): Promise<number> {
  const print = (value: unknown, pretty = false) => process.stdout.write(`${JSON.stringify(value, null, pretty ? 2 : undefined)}\n`);
  const scopes = new TrainingScopeService(job.scopes, job.permissions);
  switch (command.kind) {
    case 'build': {
      const builder: DatasetBuilder = job.builder(terminalProgress());
      const tenants = command.tenants === 'all' ? await job.data.tenants() : command.tenants;
      let failed = 0;
      for (const tenant of tenants) {
        try {
          const built = await builder.build(tenant, { name: command.name, windowDays: command.windowDays, overrides: command.overrides });
          print({ ...built.manifest, rows_removed_by_deletion: built.purged, dropped_datasets: built.dropped });
          job.audit.record({
            tenantId: tenant,
            actor: '',
            action: 'training_dataset.built',
            target: built.datasetId,
            reason: 'npm run dataset -- build',
            requestId: built.datasetId,
            details: datasetDetails(built.manifest),
          });
        } catch (error) {
          // With --all one tenant's refusal (say, global_shared without a permission) does not stop the others.
          if (!(error instanceof TrainingDatasetError) || command.tenants !== 'all') throw error;
          job.logger.error({ tenant, code: error.code }, error.message);
          failed += 1;
        }
      }
      return failed > 0 ? 1 : 0;
    }
    case 'list':
      for (const d of await job.datasets.list(command.tenant)) print(summary(d));
      return 0;
    case 'show': {
      const d = command.datasetId ? await job.datasets.get(command.tenant, command.datasetId) : await job.datasets.latest(command.tenant);
      if (!d) {
        throw new TrainingDatasetError(
          TrainingErrorCode.DATASET_NOT_FOUND,
          command.datasetId
            ? `tenant ${command.tenant} has no stored dataset ${command.datasetId}`
            : `tenant ${command.tenant} has no stored dataset`,
        );
      }
      print({ ...d.manifest, state: d.state, rows_removed_by_deletion: d.rowsRemovedByDeletion }, true);
      return 0;
    }
    case 'permit': {
      const { permission, effective } = await scopes.permit(command.tenant, command.contract, command.by);
      job.audit.record({
        tenantId: command.tenant,
        actor: `operator:${command.by}`,
        action: 'training_scope.permitted',
        target: command.tenant,
        reason: `contract ${command.contract}`,
        requestId: '',
        details: { scope: 'global_shared', configuredScope: job.scopes.scopeOf(command.tenant), effective },
      });
      print({
        tenant: permission.tenantId,
        contract: permission.contractRef,
        granted_at: permission.grantedAt.toISOString(),
        configured_scope: job.scopes.scopeOf(command.tenant),
        effective,
      });
      if (!effective) {
        process.stderr.write(
          `dataset: note: tenant ${command.tenant} is configured ${job.scopes.scopeOf(command.tenant)}; the permission takes effect only with scope global_shared in training-scopes.yaml\n`,
        );
      }
      return 0;
    }
    case 'revoke':
      await scopes.revoke(command.tenant, command.by);
      job.audit.record({
        tenantId: command.tenant,
        actor: `operator:${command.by}`,
        action: 'training_scope.revoked',
        target: command.tenant,
        reason: 'npm run dataset -- revoke',
        requestId: '',
        details: { scope: 'global_shared' },
      });
      print({ tenant: command.tenant, revoked: true });
      return 0;
  }
}

const summary = (d: StoredDataset) => ({
  dataset_id: d.datasetId,
  name: d.name,
  created_at: d.createdAt.toISOString(),
  tenant_scope: d.manifest.tenant_scope,
  rows: d.manifest.rows,
  subjects: d.manifest.subjects,
  rows_removed_by_deletion: d.rowsRemovedByDeletion,
  privacy_filter_version: d.manifest.privacy_filter_version,
  filter_overrides: d.manifest.filter_overrides.map((o) => o.filter),
});
