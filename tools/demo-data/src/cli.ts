import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DEMO_DEFAULTS, generateDemoData, summarize } from './generate';
import { loadDemoData } from './load';

/** `demo-data summary` prints what would be generated; `demo-data load` loads it into running services. */
async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('demo-data')
    .command('summary', 'print per-tenant counts of the generated data')
    .command('load', 'load the data into running consent-service and feature-gateway')
    .demandCommand(1)
    .option('seed', { type: 'number', default: DEMO_DEFAULTS.seed })
    .option('items', { type: 'number', default: DEMO_DEFAULTS.itemsPerTenant, describe: 'items per tenant' })
    .option('users', { type: 'number', default: DEMO_DEFAULTS.usersPerTenant, describe: 'users per tenant' })
    .option('events-per-user', { type: 'number', default: DEMO_DEFAULTS.meanEventsPerUser })
    .option('consent-addr', { type: 'string', default: process.env.CONSENT_SERVICE_ADDR ?? '127.0.0.1:50052' })
    .option('feature-addr', { type: 'string', default: process.env.FEATURE_GATEWAY_ADDR ?? '127.0.0.1:50053' })
    .strict()
    .parse();
  // Events end just before today (UTC midnight): the same data on the same day, and always recent.
  const today = new Date();
  const nowMs = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const data = generateDemoData({
    seed: argv.seed,
    itemsPerTenant: argv.items,
    usersPerTenant: argv.users,
    meanEventsPerUser: argv['events-per-user'],
    nowMs,
  });
  if (argv._[0] === 'summary') {
    console.log(JSON.stringify(summarize(data), null, 2));
    return;
  }
  const reports = await loadDemoData(data, { consentAddr: argv['consent-addr'], featureAddr: argv['feature-addr'] }, (line) =>
    console.log(line),
  );
  console.log(JSON.stringify(reports));
}

main().catch((error: unknown) => {
  console.error(`demo-data: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
