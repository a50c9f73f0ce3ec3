import 'reflect-metadata';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { AuditServiceClient } from '@recsys/proto';
import { createGrpcClient, DEBUG_ROLES, runMain } from '@recsys/service-kit';
import { isAuditTenantId } from '@recsys/tenant-keys';

const JOB = 'audit-cli';

/**
 * `npm run audit -- <verify|trace>`: operator commands against a running audit-service (AUDIT_SERVICE_ADDR,
 * default 127.0.0.1:50055).
 * - `verify --tenant <id>`: checks the tenant's hash chain; prints the verdict as JSON; exit 1 when broken, naming
 *   the first broken record.
 * - `trace --tenant <id> --request <request id> --role <role> --reason "<why>" --actor <operator>`: one debug
 *   trace in the role's view (the read is audited).
 */
runMain(JOB, async () => {
  const tenant = (t: unknown) => {
    if (!isAuditTenantId(t)) throw new Error(`--tenant ${JSON.stringify(t)} is not a valid tenant id`);
    return true;
  };
  const argv = await yargs(hideBin(process.argv))
    .scriptName('npm run audit --')
    .command('verify', 'check a tenant’s audit hash chain', (y) =>
      y.option('tenant', { type: 'string', demandOption: true, describe: 'tenant whose chain to check' }).check((a) => tenant(a.tenant)),
    )
    .command('trace', 'read one debug trace in a role’s view (audited)', (y) =>
      y
        .option('tenant', { type: 'string', demandOption: true })
        .option('request', { type: 'string', demandOption: true, describe: 'the Recommend request id' })
        .option('role', { choices: [...DEBUG_ROLES], demandOption: true })
        .option('reason', { type: 'string', demandOption: true, describe: 'why (privacy_officer: "purpose:<purpose> ticket:<ref>")' })
        .option('actor', { type: 'string', demandOption: true, describe: 'your operator id' })
        .check((a) => tenant(a.tenant)),
    )
    .demandCommand(1, 'give a command: verify or trace')
    .strict()
    .parse();
  const client = createGrpcClient<AuditServiceClient>('AuditService', process.env.AUDIT_SERVICE_ADDR || '127.0.0.1:50055', 60_000);
  try {
    if (argv._[0] === 'verify') {
      const verdict = await client.verifyChain({ tenantId: argv.tenant as string });
      process.stdout.write(`${JSON.stringify({ tenant: argv.tenant, ...verdict })}\n`);
      if (!verdict.intact) {
        process.stderr.write(
          `audit: chain of tenant ${String(argv.tenant)} is broken at position ${verdict.firstBrokenSeq}` +
            `${verdict.firstBrokenRecordId ? ` (record ${verdict.firstBrokenRecordId})` : ''}: ${verdict.problem}\n`,
        );
        process.exitCode = 1;
      }
    } else {
      const view = await client.getDebugTrace({
        tenantId: argv.tenant as string,
        requestId: argv.request as string,
        role: argv.role as string,
        reason: argv.reason as string,
        actor: argv.actor as string,
      });
      process.stdout.write(`${JSON.stringify(JSON.parse(view.traceJson), null, 2)}\n`);
    }
  } catch (error) {
    process.stderr.write(`audit: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    client.close();
  }
});
