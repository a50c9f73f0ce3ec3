import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { Purpose } from '@recsys/proto';
import { summarize } from './latency';
import { startBenchPlatform } from './bench-platform';

const TENANT = 'demo-retail';
const DAY = 86_400_000;
const TYPES = ['view', 'view', 'view', 'click', 'dwell', 'purchase'];

/**
 * How long does deleting a subject with many stored events take, verified across every store? Per subject:
 * consent granted, `--events` events ingested through IngestEvents, then RequestDeletion, which runs the saga at
 * once and answers COMPLETED only after the verification step found nothing left. The figure is the
 * RequestDeletion call, from send to reply.
 */
async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('bench:deletion')
    .option('subjects', { type: 'number', default: 10, describe: 'subjects deleted, one after another' })
    .option('events', { type: 'number', default: 10_000, describe: 'stored events per subject' })
    .option('json', { type: 'boolean', default: false })
    .check((a) => a.subjects >= 1 && a.events >= 1)
    .strict()
    .parse();
  const platform = await startBenchPlatform();
  try {
    const { consent, features, items } = platform;
    const samples: bigint[] = [];
    const removed: number[] = [];
    const now = Date.now();
    for (let s = 0; s < argv.subjects; s += 1) {
      const userId = `bench-deletion-${s}`;
      await consent.setConsent({
        tenantId: TENANT,
        userId,
        source: 'bench',
        grants: [{ purpose: Purpose.PERSONALIZATION, granted: true }],
      });
      for (let i = 0; i < argv.events; i += 1000) {
        const batch = Array.from({ length: Math.min(1000, argv.events - i) }, (_, j) => ({
          tenantId: TENANT,
          userId,
          anonymousId: '',
          itemId: items[(i + j) % items.length],
          eventType: TYPES[(i + j) % TYPES.length],
          timestampMs: now - ((i + j) % 30) * DAY - 60_000,
          sessionId: `s${s}`,
          region: 'ID-JK',
        }));
        const result = await features.ingestEvents({ events: batch });
        if (result.storedPersonal !== batch.length) throw new Error(`stored ${result.storedPersonal} of ${batch.length} events`);
      }
      const started = process.hrtime.bigint();
      const status = await consent.requestDeletion({ tenantId: TENANT, userId, idempotencyKey: `bench-${s}`, anonymousIds: [] });
      samples.push(process.hrtime.bigint() - started);
      if (status.state !== 'COMPLETED') throw new Error(`deletion ended ${status.state}`);
      removed.push(status.steps.find((step) => step.store === 'feature-gateway.events')?.recordsRemoved ?? 0);
    }
    if (removed.some((n) => n !== argv.events)) throw new Error(`events removed per subject: ${removed.join(', ')}`);
    const summary = summarize(samples);
    if (argv.json) console.log(JSON.stringify({ subjects: argv.subjects, eventsPerSubject: argv.events, latencyMicros: summary }, null, 2));
    else {
      console.log(`RequestDeletion of a subject with ${argv.events} stored events, deleted and verified in every store (µs):`);
      console.log(JSON.stringify(summary));
    }
  } finally {
    await platform.close();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:deletion: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
