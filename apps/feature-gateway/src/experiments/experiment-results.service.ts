import { checkExperiments, Experiment, experimentsPath, loadRegistry, loadSurfaces } from '@recsys/feature-registry';
import { ExperimentResultsRepository } from './experiment-results.repository';
import { experimentResult, ResultsReport } from './experiment-results';
import { ExperimentsError, ExperimentsErrorCode } from './experiments.errors';

/** The declared experiments (config/experiments.yaml), checked like every orchestrator start checks them. */
export function declaredExperiments(configDir: string, registryDir?: string): Experiment[] {
  let issues: string[];
  let experiments: Experiment[] = [];
  try {
    const registry = loadRegistry(registryDir);
    const checked = checkExperiments(configDir, registry, loadSurfaces(configDir, registry));
    experiments = checked.experiments;
    issues = checked.issues.map((i) => `${i.file}:${i.line}: ${i.message}`);
  } catch (error) {
    issues = [error instanceof Error ? error.message : String(error)];
  }
  if (issues.length > 0)
    throw new ExperimentsError(ExperimentsErrorCode.INVALID_CONFIG, `the experiments do not pass their check:\n${issues.join('\n')}`);
  return experiments;
}

/** The tenant's experiments to report on: all of them, or the one named. */
export function selectExperiments(experiments: readonly Experiment[], configDir: string, tenant: string, name?: string): Experiment[] {
  const own = experiments.filter((e) => e.tenant === tenant);
  if (own.length === 0) {
    throw new ExperimentsError(
      ExperimentsErrorCode.UNKNOWN_TENANT,
      `no experiment is declared for tenant ${tenant} in ${experimentsPath(configDir)}`,
    );
  }
  if (name === undefined) return own;
  const found = own.filter((e) => e.name === name);
  if (found.length === 0) {
    throw new ExperimentsError(
      ExperimentsErrorCode.UNKNOWN_EXPERIMENT,
      `tenant ${tenant} has no experiment ${name} (declared: ${own.map((e) => e.name).join(', ')})`,
    );
  }
  return found;
}

/** The results of the selected experiments of one tenant. */
export async function resultsReport(
  repository: Pick<ExperimentResultsRepository, 'cells'>,
  tenant: string,
  experiments: readonly Experiment[],
  k: number,
): Promise<ResultsReport> {
  const results = [];
  for (const e of experiments) results.push(experimentResult(e, await repository.cells(tenant, e), k));
  return { tenant, k, experiments: results };
}
