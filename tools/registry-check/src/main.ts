/**
 * registry-check: runs the privacy-by-design review over the registry files and the experiments of the config
 * folder (a variant may not widen a privacy mode), for CI and before a commit.
 * Exit 0 when clean, 1 with every issue as `file:line: message` (or as JSON with --json).
 */
import { checkExperiments, checkRegistry, defaultConfigDir, defaultRegistryDir, formatIssue, loadSurfaces } from '@recsys/feature-registry';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

function main(argv: string[]): number {
  const args = yargs(hideBin(argv))
    .scriptName('registry-check')
    .usage('$0 [--dir registry] [--json]')
    .option('dir', { type: 'string', describe: 'registry folder (default: REGISTRY_DIR or the nearest registry/)' })
    .option('config', {
      type: 'string',
      describe: 'config folder with surfaces.yaml and experiments.yaml (default: CONFIG_DIR or config/)',
    })
    .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON on stdout' })
    .strict()
    .help()
    .parseSync();

  const dir = args.dir ?? defaultRegistryDir();
  const { registry, issues: registryIssues } = checkRegistry(dir);
  const issues = [...registryIssues];
  let experiments = 0;
  if (registry) {
    const configDir = args.config ?? defaultConfigDir();
    const checked = checkExperiments(configDir, registry, loadSurfaces(configDir, registry));
    issues.push(...checked.issues);
    experiments = checked.experiments.length;
  }
  const counts = registry && {
    features: registry.features.size,
    featureSets: registry.featureSets.size,
    sources: registry.sources.size,
    routes: registry.routes.size,
    experiments,
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ ok: issues.length === 0, dir, counts, issues }, null, 2)}\n`);
  } else if (counts && issues.length === 0) {
    console.log(
      `registry ok: ${counts.features} features, ${counts.featureSets} feature sets, ${counts.sources} sources, ${counts.routes} routes, ${counts.experiments} experiments`,
    );
  } else {
    for (const issue of issues) console.error(formatIssue(issue));
    console.error(`registry check failed: ${issues.length} issue(s)`);
  }
  return issues.length === 0 ? 0 : 1;
}

try {
  process.exitCode = main(process.argv);
} catch (err) {
  console.error(`registry-check: ${(err as Error).message}`);
  process.exitCode = 2;
}
