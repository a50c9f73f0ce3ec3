import 'reflect-metadata';
import { hideBin } from 'yargs/helpers';
import { defaultConfigDir } from '@recsys/feature-registry';
import { openServiceDataSource, runMain, serviceRuntime } from '@recsys/service-kit';
import { FEATURE_ENTITIES } from '../catalog/catalog.entities';
import { FEATURE_MIGRATIONS } from '../migrations';
import { ExperimentResultsRepository } from './experiment-results.repository';
import { formatResultsTable } from './experiment-results';
import { declaredExperiments, resultsReport, selectExperiments } from './experiment-results.service';
import { ExperimentsCommand, parseExperimentsCommand, UsageError } from './experiments.cli';
import { ExperimentsJobConfig } from './experiments.config';
import { ExperimentsError } from './experiments.errors';

const JOB = 'feature-gateway-experiments';

/**
 * `npm run experiments -- results --tenant <id> [--experiment <name>] [--json]`: experiment results from governed
 * data only (docs/experiments.md). The table or JSON goes to stdout, logs to stderr; an unknown tenant or
 * experiment, or experiments that fail their check, exit 1 with the reason before the database is opened.
 */
runMain(JOB, async () => {
  let command: ExperimentsCommand | undefined;
  try {
    command = await parseExperimentsCommand(hideBin(process.argv));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`experiments: ${error.message}\nrun "npm run experiments -- --help" for the commands and options\n`);
    process.exitCode = 1;
    return;
  }
  if (!command) return; // --help
  // A bad environment throws ConfigError: runMain exits 2 listing every bad variable.
  const runtime = serviceRuntime(JOB, ExperimentsJobConfig, { logToStderr: true });
  const { config } = runtime;
  const configDir = config.CONFIG_DIR || defaultConfigDir();
  let selected;
  try {
    selected = selectExperiments(
      declaredExperiments(configDir, config.REGISTRY_DIR || undefined),
      configDir,
      command.tenant,
      command.experiment,
    );
  } catch (error) {
    if (!(error instanceof ExperimentsError)) throw error;
    process.stderr.write(`experiments: ${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  const dataSource = await openServiceDataSource(runtime, 'features', FEATURE_ENTITIES, FEATURE_MIGRATIONS);
  try {
    const report = await resultsReport(new ExperimentResultsRepository(dataSource), command.tenant, selected, config.AGGREGATION_MIN_USERS);
    process.stdout.write(command.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatResultsTable(report)}\n`);
  } finally {
    await dataSource.destroy();
  }
});
