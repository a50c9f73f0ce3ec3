import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { PrivacyMode, UserControl } from '@recsys/proto';
import { recommendRequest } from '@recsys/launcher';
import { summarize } from './latency';
import { startBenchPlatform } from './bench-platform';

/**
 * How long after a user control's call returns does the first Recommend reflect it? For each trial: a warm
 * (cached) personalized answer, then the control, then Recommend repeatedly until the answer reflects it. The
 * figure is the time from the control's return to the return of the first reflecting Recommend, and how many
 * Recommends that took (1 means the very next one).
 */
async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('bench:controls')
    .option('trials', { type: 'number', default: 100, describe: 'trials per control' })
    .option('json', { type: 'boolean', default: false })
    .strict()
    .parse();
  const platform = await startBenchPlatform();
  try {
    const { recommend, consent, users } = platform;
    const results: Record<string, unknown> = {};
    const ask = (userId: string) =>
      recommend.recommend(recommendRequest(userId, { tenantId: 'demo-retail', region: 'ID-JK', deviceType: 'mobile', localHour: 9 }));
    for (const control of [UserControl.HIDE_ITEM, UserControl.TURN_OFF_PERSONALIZATION]) {
      const samples: bigint[] = [];
      const attempts: number[] = [];
      for (let t = 0; t < argv.trials; t += 1) {
        const userId = users[t % users.length];
        await consent.applyUserControl({ tenantId: 'demo-retail', userId, control: UserControl.TURN_ON_PERSONALIZATION, targetId: '' });
        const before = await ask(userId);
        await ask(userId); // cached now
        const target = before.items[0]?.itemId ?? '';
        await consent.applyUserControl({
          tenantId: 'demo-retail',
          userId,
          control,
          targetId: control === UserControl.HIDE_ITEM ? target : '',
        });
        const returned = process.hrtime.bigint();
        for (let n = 1; ; n += 1) {
          const answer = await ask(userId);
          const reflected =
            control === UserControl.HIDE_ITEM
              ? !answer.items.some((i) => i.itemId === target)
              : answer.privacy?.mode === PrivacyMode.CONTEXTUAL_ONLY;
          if (reflected) {
            samples.push(process.hrtime.bigint() - returned);
            attempts.push(n);
            break;
          }
          if (n >= 1000) throw new Error(`${control} not reflected after 1000 Recommends`);
        }
      }
      results[control] = {
        ...summarize(samples),
        firstRecommendReflected: attempts.filter((a) => a === 1).length / attempts.length,
        maxRecommends: Math.max(...attempts),
      };
    }
    if (argv.json) console.log(JSON.stringify(results, null, 2));
    else {
      console.log('control → first reflecting Recommend (µs, from the control\u2019s return to that Recommend\u2019s return)');
      for (const [control, r] of Object.entries(results)) console.log(`${control.padEnd(26)} ${JSON.stringify(r)}`);
    }
  } finally {
    await platform.close();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:controls: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
