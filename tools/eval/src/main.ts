import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { defaultConfigDir, loadRegistry, loadSurfaces } from '@recsys/feature-registry';
import { routeSpecs, TRAINING_DEFAULTS } from '@recsys/models';
import { readRatings } from './movielens';
import { runEvaluation } from './evaluation';
import { formatTable } from './table';

/** `npm run eval -- --ratings <file> [--json]`: the privacy–utility table of the platform's routes. */
async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('eval')
    .usage('$0 --ratings <ratings.csv|u.data> [--json]')
    .option('ratings', { type: 'string', demandOption: true, describe: 'MovieLens ratings.csv (with header) or u.data' })
    .option('json', { type: 'boolean', default: false, describe: 'print a JSON array of result rows instead of a table' })
    .option('holdout', { type: 'number', default: 5, describe: "each user's last N items are the test set" })
    .option('surface', { type: 'string', default: 'home', describe: 'surface whose routes are evaluated' })
    .option('lambda', { type: 'array', string: true, default: ['50', '100', '200', '400'], describe: 'EASE λ values to tune over' })
    .option('min-users', { type: 'number', default: TRAINING_DEFAULTS.minUsers, describe: 'k of aggregates over people' })
    .check((a) => {
      if (!Number.isInteger(a.holdout) || a.holdout < 1) throw new Error('--holdout must be a positive integer');
      if (a.lambda.some((l) => !(Number(l) > 0))) throw new Error('--lambda values must be positive numbers');
      if (!Number.isInteger(a['min-users']) || a['min-users'] < 1) throw new Error('--min-users must be a positive integer');
      return true;
    })
    .strict()
    .parse();
  const registry = loadRegistry();
  const surface = loadSurfaces(defaultConfigDir(), registry).get(argv.surface);
  if (!surface) throw new Error(`unknown surface ${argv.surface}`);
  const data = readRatings(argv.ratings, 'offline-eval');
  const report = runEvaluation({ ...data, tenant: 'offline-eval' }, routeSpecs(registry, surface), {
    holdout: argv.holdout,
    lambdas: argv.lambda.map(Number),
    config: { ...TRAINING_DEFAULTS, minUsers: argv['min-users'] },
    log: (line) => console.error(line),
  });
  if (argv.json) console.log(JSON.stringify(report.rows, null, 2));
  else console.log(formatTable(report));
}

main().catch((error: unknown) => {
  console.error(`eval: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
