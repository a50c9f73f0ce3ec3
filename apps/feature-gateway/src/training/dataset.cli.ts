import yargs, { Argv } from 'yargs';
import { isValidTenantId } from '@recsys/tenant-keys';
import { FilterOverride } from './dataset.repository';

/** The argument errors of `npm run dataset`: printed with the usage hint, exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type DatasetCommand =
  | { kind: 'build'; tenants: string[] | 'all'; name?: string; windowDays?: number; overrides: FilterOverride[] }
  | { kind: 'list'; tenant: string }
  | { kind: 'show'; tenant: string; datasetId?: string }
  | { kind: 'permit'; tenant: string; contract: string; by: string }
  | { kind: 'revoke'; tenant: string; by: string };

const DATASET_ID = /^ds_\d{8}T\d{6}_[0-9a-f]{8}$/;
/** An operator id (`ops-jane`, `svc-legal`), never an e-mail address or a person's name: it is stored and printed. */
const OPERATOR = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const CONTRACT = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const FILTERS = ['exclude_deleted_users', 'exclude_no_training_consent'] as const;

export const isValidDatasetId = (id: string): boolean => DATASET_ID.test(id);

const tenantOption = <T>(y: Argv<T>) =>
  y.option('tenant', { type: 'string', describe: 'tenant id' }).check((a) => {
    if (a.tenant !== undefined && !isValidTenantId(a.tenant))
      throw new Error(`--tenant ${JSON.stringify(a.tenant)} is not a valid tenant id`);
    return true;
  });
const required = (a: Record<string, unknown>, ...names: string[]) => {
  for (const n of names) if (a[n] === undefined || a[n] === '') throw new Error(`--${n} is required`);
};
const byOption = <T>(y: Argv<T>) =>
  y.option('by', { type: 'string', describe: 'operator id recording this (e.g. ops-jane; not an e-mail address)' }).check((a) => {
    if (a.by !== undefined && !OPERATOR.test(a.by))
      throw new Error('--by must be an operator id: a-z, 0-9, ".", "_" or "-" (no e-mail addresses or names)');
    return true;
  });

/** The yargs definition of `npm run dataset`, separate from running it so its validation is unit-tested. */
export function datasetParser(args: readonly string[]) {
  return yargs([...args])
    .scriptName('npm run dataset --')
    .command('build', 'build a governed dataset, store it and print its manifest', (y) =>
      tenantOption(y)
        .option('all', { type: 'boolean', default: false, describe: 'build for every tenant that has behaviour stored' })
        .option('name', { type: 'string', describe: 'dataset name (default <tenant>-training)' })
        .option('window-days', {
          type: 'number',
          describe: 'days of behaviour to read (default TRAINING_WINDOW_DAYS; a backfill reads more)',
        })
        .option('disable-filter', {
          type: 'array',
          string: true,
          choices: FILTERS,
          default: [] as string[],
          describe: 'switch a privacy filter off on purpose (recorded in the manifest; such a dataset never trains a served model)',
        })
        .option('reason', { type: 'string', describe: 'why a filter is switched off (required with --disable-filter)' })
        .check((a) => {
          if (a.all === (a.tenant !== undefined)) throw new Error('give either --tenant <id> or --all');
          if (a.name !== undefined && !NAME.test(a.name))
            throw new Error('--name must be 1-64 characters of A-Z, a-z, 0-9, ".", "_" or "-"');
          const w = a['window-days'];
          if (w !== undefined && !(Number.isInteger(w) && w >= 1 && w <= 3650))
            throw new Error('--window-days must be a whole number of days, 1..3650');
          if (a['disable-filter'].length > 0 && !a.reason?.trim())
            throw new Error('--disable-filter needs --reason "<why>" (it is recorded in the manifest)');
          if (a['disable-filter'].length === 0 && a.reason !== undefined) throw new Error('--reason is only for --disable-filter');
          return true;
        }),
    )
    .command('list', "list the tenant's stored datasets, newest first", (y) => tenantOption(y).check((a) => (required(a, 'tenant'), true)))
    .command('show', "print a stored dataset's manifest (default: the newest)", (y) =>
      tenantOption(y)
        .option('dataset', { type: 'string', describe: 'dataset id (ds_...)' })
        .check((a) => {
          required(a, 'tenant');
          if (a.dataset !== undefined && !DATASET_ID.test(a.dataset))
            throw new Error(`--dataset ${JSON.stringify(a.dataset)} is not a dataset id (ds_<time>_<hex>)`);
          return true;
        }),
    )
    .command('permit', 'record a permission for global_shared training (a contract)', (y) =>
      byOption(tenantOption(y))
        .option('contract', { type: 'string', describe: 'reference of the contract that allows it' })
        .check((a) => {
          required(a, 'tenant', 'contract', 'by');
          if (!CONTRACT.test(a.contract!))
            throw new Error('--contract must be 1-128 characters of A-Z, a-z, 0-9, ".", "_", ":", "/" or "-"');
          return true;
        }),
    )
    .command('revoke', "revoke the tenant's current permission", (y) =>
      byOption(tenantOption(y)).check((a) => (required(a, 'tenant', 'by'), true)),
    )
    .demandCommand(1, 'give a command: build, list, show, permit or revoke')
    .strict()
    .help()
    .exitProcess(false)
    .fail((message, error) => {
      throw new UsageError(error?.message ?? message);
    });
}

/** Parses the arguments into a command; undefined when only help was asked for (yargs has printed it). */
export async function parseDatasetCommand(args: readonly string[]): Promise<DatasetCommand | undefined> {
  const a = await datasetParser(args).parseAsync();
  const kind = a._[0];
  const tenant = a.tenant as string;
  switch (kind) {
    case 'build':
      return {
        kind,
        tenants: a.all ? 'all' : [tenant],
        name: a.name as string | undefined,
        windowDays: a['window-days'] as number | undefined,
        overrides: ((a['disable-filter'] as string[] | undefined) ?? []).map((filter) => ({
          filter: filter as FilterOverride['filter'],
          reason: String(a.reason).trim(),
        })),
      };
    case 'list':
      return { kind, tenant };
    case 'show':
      return { kind, tenant, datasetId: a.dataset as string | undefined };
    case 'permit':
      return { kind, tenant, contract: a.contract as string, by: a.by as string };
    case 'revoke':
      return { kind, tenant, by: a.by as string };
    default:
      if (a.help) return undefined;
      throw new UsageError(`unknown command ${JSON.stringify(kind)}`);
  }
}
