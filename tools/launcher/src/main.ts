import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecommendationServiceClient } from '@recsys/proto';
import { createGrpcClient } from '@recsys/service-kit';
import { generateDemoData, loadDemoData } from '@recsys/demo-data';
import { EmbeddedDatabase, startEmbeddedPostgres } from './embedded-db';
import { repoRoot } from './repo-root';
import { recommendRequest } from './requests';
import { devSecrets } from './secrets';
import { SERVICES, Stack } from './stack';
import { trainTenants } from './training';

const started = Date.now();
const say = (line: string) => process.stdout.write(`${line}\n`);

/**
 * `npm start`: the whole platform on one machine. Without DATABASE_URL it runs an embedded PostgreSQL under
 * .data/pg; without REDIS_URL the services use in-process caches and PostgreSQL LISTEN/NOTIFY for
 * invalidation. Demo data is loaded once per database.
 */
async function main(): Promise<void> {
  const root = repoRoot();
  const dataDir = process.env.DATA_DIR || join(root, '.data');
  mkdirSync(dataDir, { recursive: true });
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = process.env.DATABASE_URL ?? '';
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(join(dataDir, 'pg'), Number(process.env.EMBEDDED_PG_PORT || 54329), say);
    databaseUrl = embedded.url;
  }
  const stack = new Stack({
    root,
    env: {
      ...process.env,
      ...devSecrets(join(dataDir, 'secrets.json'), process.env),
      DATABASE_URL: databaseUrl,
      REDIS_URL: process.env.REDIS_URL ?? '',
    },
    logDir: join(dataDir, 'logs'),
  });
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    await stack.stop();
    await embedded?.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  try {
    await stack.start();
    const marker = join(dataDir, `demo-loaded-${createHash('sha256').update(databaseUrl).digest('hex').slice(0, 12)}.json`);
    const today = new Date();
    const data = generateDemoData({ nowMs: Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) });
    // The first Recommend (and the printed example) use a demo user who consented to personalization.
    const exampleUser = data.users.find((u) => u.tenantId === 'demo-retail' && u.consentPersonalization)!;
    if (process.env.SEED_DEMO_DATA !== 'false' && !existsSync(marker)) {
      say('loading demo data (first start only)...');
      const reports = await loadDemoData(
        data,
        { consentAddr: stack.address('consent-service'), featureAddr: stack.address('feature-gateway') },
        (l) => say(`  ${l}`),
      );
      say("training the demo tenants' models from their governed datasets...");
      const tenants = data.tenants.map((t) => t.tenantId);
      for (const summary of await trainTenants(stack, tenants)) {
        const d = summary.dataset as { rows: number; subjects: number; excluded: { no_training_consent_subjects: number } };
        say(
          `  ${String(summary.tenant)}: ${d.rows} rows of ${d.subjects} subjects (${d.excluded.no_training_consent_subjects} without training consent excluded), ${Number(summary.seconds).toFixed(1)} s`,
        );
      }
      writeFileSync(marker, JSON.stringify({ loadedAt: new Date().toISOString(), reports }, null, 2));
    }
    const client = createGrpcClient<RecommendationServiceClient>('RecommendationService', stack.address('candidate-orchestrator'), 10_000);
    const first = await client.recommend(
      recommendRequest(
        exampleUser.userId,
        { tenantId: 'demo-retail', region: 'ID-JK', locale: 'id-ID', deviceType: 'mobile', localHour: 20 },
        5,
      ),
    );
    client.close();
    say('');
    say(
      `platform ready in ${((Date.now() - started) / 1000).toFixed(1)} s (first Recommend answered: ${first.privacy?.mode}, ${first.items.length} items)`,
    );
    say(
      `database: ${embedded ? `embedded PostgreSQL (${join(dataDir, 'pg')})` : 'DATABASE_URL'}; cache: ${process.env.REDIS_URL ? 'Redis (REDIS_URL)' : 'in-process, invalidated over PostgreSQL LISTEN/NOTIFY'}`,
    );
    for (const s of SERVICES)
      say(
        `  ${s.app.padEnd(24)} grpc 127.0.0.1:${stack.address(s.app).split(':')[1]}   metrics http://127.0.0.1:${stack.metricsPort(s.app)}/metrics`,
      );
    say(`logs: ${join(dataDir, 'logs')}`);
    say('');
    say("try:  npm run demo        (one user's recommendations in all three privacy modes)");
    say(
      `or:   grpcurl -plaintext -d '{"subject":{"user_id":"${exampleUser.userId}"},"context":{"tenant_id":"demo-retail","region":"ID-JK"},"limit":5}' 127.0.0.1:50051 recsys.v1.RecommendationService/Recommend`,
    );
    say('Ctrl-C stops everything.');
  } catch (error) {
    process.stderr.write(
      `start failed: ${error instanceof Error ? error.message : String(error)}\nsee the logs in ${join(dataDir, 'logs')}\n`,
    );
    await shutdown(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
