import yargs from 'yargs';
import { isValidTenantId } from '@recsys/tenant-keys';

/** The argument errors of `npm run experiments`: printed with the usage hint, exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type ExperimentsCommand = { kind: 'results'; tenant: string; experiment?: string; json: boolean };

/** As config/experiments.yaml allows experiment names. */
const EXPERIMENT = /^[a-z][a-z0-9_]{0,47}$/;

/** The yargs definition of `npm run experiments`, separate from running it so its validation is unit-tested. */
export function experimentsParser(args: readonly string[]) {
  return yargs([...args])
    .scriptName('npm run experiments --')
    .command('results', "an experiment's exposures and click-through per variant and privacy mode (governed data only)", (y) =>
      y
        .option('tenant', { type: 'string', describe: 'tenant id' })
        .option('experiment', { type: 'string', describe: 'one experiment (default: every experiment of the tenant)' })
        .option('json', { type: 'boolean', default: false, describe: 'one JSON document instead of the table' })
        .check((a) => {
          if (a.tenant === undefined || a.tenant === '') throw new Error('--tenant is required');
          if (!isValidTenantId(a.tenant)) throw new Error(`--tenant ${JSON.stringify(a.tenant)} is not a valid tenant id`);
          if (a.experiment !== undefined && !EXPERIMENT.test(a.experiment))
            throw new Error(`--experiment ${JSON.stringify(a.experiment)} is not an experiment name (a-z, 0-9, "_")`);
          return true;
        }),
    )
    .demandCommand(1, 'give a command: results')
    .strict()
    .help()
    .exitProcess(false)
    .fail((message, error) => {
      throw new UsageError(error?.message ?? message);
    });
}

/** Parses the arguments into a command; undefined when only help was asked for (yargs has printed it). */
export async function parseExperimentsCommand(args: readonly string[]): Promise<ExperimentsCommand | undefined> {
  const a = await experimentsParser(args).parseAsync();
  const kind = a._[0];
  if (kind === 'results') {
    return { kind, tenant: a.tenant as string, experiment: a.experiment as string | undefined, json: a.json === true };
  }
  if (a.help) return undefined;
  throw new UsageError(`unknown command ${JSON.stringify(kind)}`);
}
