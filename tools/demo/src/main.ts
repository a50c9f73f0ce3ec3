import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DEMO_DEFAULTS, generateDemoData } from '@recsys/demo-data';
import { PrivacyMode, RecommendationServiceClient, RecommendResponse } from '@recsys/proto';
import { recommendRequest } from '@recsys/launcher';
import { createGrpcClient } from '@recsys/service-kit';

/**
 * `npm run demo`: one user's recommendations in the three privacy modes, side by side, from a running
 * platform (`npm start`). The user is a demo user who consented to personalization; the contextual request
 * carries the item the user is looking at now.
 */
async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('demo')
    .option('address', { type: 'string', default: process.env.ORCHESTRATOR_ADDR ?? '127.0.0.1:50051' })
    .option('tenant', { type: 'string', choices: ['demo-retail', 'demo-media'], default: 'demo-retail' })
    .option('user', { type: 'string', describe: 'a demo user id (default: the first consenting user)' })
    .option('limit', { type: 'number', default: 8 })
    .strict()
    .parse();
  const data = generateDemoData({ ...DEMO_DEFAULTS, tenants: [argv.tenant] });
  const user = data.users.find((u) => (argv.user ? u.userId === argv.user : u.consentPersonalization));
  if (!user) throw new Error(`no demo user ${argv.user ?? ''} in ${argv.tenant}`);
  const items = new Map(data.items.map((i) => [i.itemId, i]));
  const client = createGrpcClient<RecommendationServiceClient>('RecommendationService', argv.address, 10_000);
  const ask = (requestedPrivacyMode: PrivacyMode, seedItemId = '') =>
    client.recommend(
      recommendRequest(
        user.userId,
        { tenantId: argv.tenant, requestedPrivacyMode, region: user.homeRegion, deviceType: 'mobile', localHour: 20, seedItemId },
        argv.limit,
      ),
    );
  const personalized = await ask(PrivacyMode.PRIVACY_MODE_UNSPECIFIED);
  const nonPersonal = await ask(PrivacyMode.NON_PERSONALIZED);
  // The "current item" of the contextual request: the top regional item, as if the user had just opened it.
  const seed = nonPersonal.items[0]?.itemId ?? '';
  const contextual = await ask(PrivacyMode.CONTEXTUAL_ONLY, seed);
  client.close();

  console.log(`tenant ${argv.tenant}, user ${user.userId} (tastes: ${user.tasteCategories.join(', ')}; region ${user.homeRegion})`);
  console.log(`contextual request looks at ${seed} (${items.get(seed)?.category ?? '?'})\n`);
  const columns: [string, RecommendResponse][] = [
    ['PERSONALIZED (consent)', personalized],
    ['CONTEXTUAL_ONLY (requested)', contextual],
    ['NON_PERSONALIZED (requested)', nonPersonal],
  ];
  const width = 44;
  const cell = (text: string) => text.slice(0, width - 1).padEnd(width);
  console.log(columns.map(([title]) => cell(title)).join(''));
  console.log(columns.map(([, r]) => cell(`served ${r.privacy?.mode}`)).join(''));
  console.log(columns.map(([, r]) => cell(`sources ${r.privacy?.sourcesUsed.join(',')}`)).join(''));
  console.log(columns.map(() => cell('-'.repeat(width - 2))).join(''));
  for (let i = 0; i < argv.limit; i += 1) {
    console.log(
      columns
        .map(([, r]) => {
          const item = r.items[i];
          return cell(item ? `${item.itemId} ${items.get(item.itemId)?.category ?? ''} · ${item.reasonCode}` : '');
        })
        .join(''),
    );
  }
  console.log('\nfeatures used:');
  for (const [title, r] of columns) console.log(`  ${title}: ${r.privacy?.featureSet.join(', ')}`);
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)} (is the platform running? npm start)`);
  process.exit(1);
});
