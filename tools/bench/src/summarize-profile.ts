import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { formatSummary, summarize } from './profile-summary';

/** `npm run profile:summary -- <file> [--top N] [--depth D]`: see profile-summary.ts. */
const argv = yargs(hideBin(process.argv))
  .usage('$0 <file> [--top N] [--depth D]')
  .command('$0 <file>', 'summarize a .cpuprofile or .heapprofile', (y) =>
    y.positional('file', { type: 'string', demandOption: true, describe: 'profile written by --cpu-prof or --alloc-prof' }),
  )
  .option('top', { type: 'number', default: 30, describe: 'rows to print' })
  .option('depth', { type: 'number', default: 1, describe: 'frames per row: the function, then its callers' })
  .check((a) => {
    if (!(Number.isInteger(a.top) && a.top > 0)) throw new Error('--top must be a positive integer');
    if (!(Number.isInteger(a.depth) && a.depth > 0)) throw new Error('--depth must be a positive integer');
    return true;
  })
  .strict()
  .parseSync();
let profile: unknown;
try {
  profile = JSON.parse(readFileSync(argv.file as string, 'utf8'));
} catch (error) {
  process.stderr.write(`profile:summary: cannot read ${argv.file}: ${(error as Error).message}\n`);
  process.exit(2);
}
try {
  process.stdout.write(`${formatSummary(summarize(profile, argv.top, argv.depth))}\n`);
} catch (error) {
  process.stderr.write(`profile:summary: ${argv.file}: ${(error as Error).message}\n`);
  process.exit(2);
}
