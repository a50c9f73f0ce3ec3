import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { assignVariant, loadExperiments, loadRegistry, loadSurfaces } from '@recsys/feature-registry';
import { recommendRequest } from '@recsys/launcher';
import { PrivacyMode, Purpose, RecommendRequest } from '@recsys/proto';
import { Pseudonymizer, recommendationSubjectPrefix } from '@recsys/tenant-keys';
import { waitFor } from '@recsys/testing';
import { metricValue } from './support/metrics';
import { consentingUsersByHistory, Platform, startPlatform } from './support/platform';

const TENANT = 'demo-retail';
const root = join(__dirname, '..', '..');

/** An experiment on demo-retail's home surface, running for the whole test; the treatment drops user_cf. */
const EXPERIMENT = (salt: string) => `experiments:
  - name: home_test
    tenant: ${TENANT}
    surface: home
    owner: e2e
    purpose: quality_monitoring
    start: 2000-01-01
    end: 2100-01-01
    salt: ${salt}
    variants:
      - name: control
        traffic: 50
      - name: treatment
        traffic: 50
        changes:
          personalized:
            remove_sources: [user_cf]
            source_weights: { trending_region: 2 }
            ranking_weights: { "source:trending_region": 1.5 }
          contextual_only:
            source_weights: { trending_region: 2 }
            candidates_per_source: 150
`;

/** Experiments on five real services: assignment, privacy-safe variants, cache separation, exposure logs. */
describe('experiments, end to end', () => {
  let p: Platform;
  let redis: Redis;
  let configDir: string;
  let pseudonymizer: Pseudonymizer;
  let users: string[];
  const pid = (userId: string) => pseudonymizer.userPid(TENANT, userId);
  const ask = (userId: string, mode = PrivacyMode.PRIVACY_MODE_UNSPECIFIED, sessionId = ''): RecommendRequest => {
    const request = recommendRequest(userId, { tenantId: TENANT, requestedPrivacyMode: mode, region: 'ID-JK' });
    return { ...request, context: { ...request.context!, sessionId } };
  };
  const personalSourceCalls = async (mode: string) =>
    (await metricValue(p.stack.metricsPort('candidate-orchestrator'), 'candidate_source_calls_total', { source: 'user_cf', mode })) +
    (await metricValue(p.stack.metricsPort('candidate-orchestrator'), 'candidate_source_calls_total', { source: 'user_two_tower', mode }));

  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'e2e-config-'));
    cpSync(join(root, 'config'), configDir, { recursive: true });
    writeFileSync(join(configDir, 'experiments.yaml'), EXPERIMENT('salt-one-for-e2e'));
    p = await startPlatform('redis', { CONFIG_DIR: configDir });
    redis = new Redis(p.stack.env.REDIS_URL!);
    pseudonymizer = new Pseudonymizer(p.stack.env.PSEUDONYM_SECRET!);
    users = consentingUsersByHistory(p.data).slice(0, 60);
  }, 180_000);

  afterAll(async () => {
    redis?.disconnect();
    await p?.close();
    rmSync(configDir, { recursive: true, force: true });
  }, 60_000);

  it('assigns every subject deterministically, names experiment and variant in the answer and the decision record', async () => {
    const seen = new Map<string, string>();
    for (const userId of users.slice(0, 30)) {
      const answer = await p.recommend.recommend(ask(userId));
      expect(answer.experiment).toBe('home_test');
      seen.set(userId, answer.variant);
      // The treatment's change applies: user_cf does not run in it.
      if (answer.variant === 'treatment') expect(answer.privacy?.sourcesUsed).not.toContain('user_cf');
      else expect(answer.privacy?.sourcesUsed).toContain('user_cf');
    }
    expect(new Set(seen.values())).toEqual(new Set(['control', 'treatment']));
    for (const userId of users.slice(0, 10)) expect((await p.recommend.recommend(ask(userId))).variant).toBe(seen.get(userId));
    const decisions = async () =>
      (await p.audit.queryRecords({ tenantId: TENANT, action: 'recommend.decision', target: pid(users[0]), limit: 1 })).records;
    await waitFor(async () => (await decisions()).length === 1, 10_000, 100);
    const [decision] = await decisions();
    expect(JSON.parse(decision.detailsJson)).toMatchObject({ experiment: 'home_test', variant: seen.get(users[0]) });
    // A surface without an experiment: no assignment.
    const itemPage = await p.recommend.recommend({
      ...ask(users[0]),
      context: { ...ask(users[0]).context!, surface: 'item_page', seedItemId: p.data.items[0].itemId },
    });
    expect(itemPage).toMatchObject({ experiment: '', variant: '' });
  }, 60_000);

  it('never runs a personal source for a contextual or anonymous request, in any variant', async () => {
    const before = { contextual: await personalSourceCalls('CONTEXTUAL_ONLY'), none: await personalSourceCalls('NON_PERSONALIZED') };
    const variants = new Set<string>();
    for (const [i, userId] of users.slice(30, 60).entries()) {
      const contextual = await p.recommend.recommend(ask(userId, PrivacyMode.CONTEXTUAL_ONLY));
      variants.add(contextual.variant);
      expect(contextual.privacy?.mode).toBe(PrivacyMode.CONTEXTUAL_ONLY);
      const anonymous = await p.recommend.recommend(ask('', PrivacyMode.PRIVACY_MODE_UNSPECIFIED, `anon-session-${i}`));
      variants.add(anonymous.variant);
      for (const answer of [contextual, anonymous]) {
        expect(answer.privacy?.sourcesUsed).not.toContain('user_cf');
        expect(answer.privacy?.sourcesUsed).not.toContain('user_two_tower');
      }
    }
    expect(variants).toEqual(new Set(['control', 'treatment']));
    expect(await personalSourceCalls('CONTEXTUAL_ONLY')).toBe(before.contextual);
    expect(await personalSourceCalls('NON_PERSONALIZED')).toBe(before.none);
  }, 60_000);

  it('keeps variants apart in the cache: an answer cached in one variant is never served in another', async () => {
    const userId = users[0];
    const first = await p.recommend.recommend(ask(userId));
    const keys = await redis.keys(`${recommendationSubjectPrefix({ namespace: p.stack.env.KEY_NAMESPACE! }, TENANT, pid(userId))}*`);
    expect(keys.some((k) => k.includes(`:xhome_test.${first.variant}:`))).toBe(true);
    expect((await p.recommend.recommend(ask(userId))).fromCache).toBe(true);
    // A new salt moves subjects between variants: find one that moves, restart the orchestrator with it.
    let salt = '';
    for (let i = 0; !salt && i < 50; i++) {
      writeFileSync(join(configDir, 'experiments.yaml'), EXPERIMENT(`salt-two-for-e2e-${i}`));
      const registry = loadRegistry();
      const [experiment] = loadExperiments(configDir, registry, loadSurfaces(configDir, registry));
      if (assignVariant(experiment, pid(userId)).name !== first.variant) salt = experiment.salt;
    }
    expect(salt).not.toBe('');
    expect(readFileSync(join(configDir, 'experiments.yaml'), 'utf8')).toContain(salt);
    await p.stack.stopApp('candidate-orchestrator');
    await p.stack.startApp('candidate-orchestrator');
    const moved = await p.recommend.recommend(ask(userId));
    expect(moved.variant).not.toBe(first.variant);
    expect(moved.fromCache).toBe(false);
  }, 60_000);

  it('logs exposures pseudonymously, linked only with consent for the purpose, and deletes them with the subject', async () => {
    const [linked, unlinked] = [users[40], users[41]];
    await p.consent.setConsent({
      tenantId: TENANT,
      userId: linked,
      grants: [{ purpose: Purpose.QUALITY_MONITORING, granted: true }],
      source: 'e2e',
    });
    const unlinkedRows = async () =>
      Number(
        (await p.db.query(`SELECT count(*) AS n FROM features.exposure WHERE tenant_id = $1 AND subject_pid = ''`, [TENANT])).rows[0].n,
      );
    const unlinkedBefore = await unlinkedRows();
    const a = await p.recommend.recommend(ask(linked));
    const b = await p.recommend.recommend(ask(unlinked));
    const exposure = async (requestId: string) =>
      (
        await p.db.query(
          `SELECT subject_pid, experiment, variant, mode, item_ids FROM features.exposure WHERE tenant_id = $1 AND request_id = $2`,
          [TENANT, requestId],
        )
      ).rows[0] as { subject_pid: string; experiment: string; variant: string; mode: string; item_ids: string[] } | undefined;
    await waitFor(async () => (await exposure(a.requestId)) !== undefined && (await unlinkedRows()) > unlinkedBefore, 10_000, 100);
    expect(await exposure(a.requestId)).toEqual({
      subject_pid: pid(linked),
      experiment: 'home_test',
      variant: a.variant,
      mode: 'PERSONALIZED',
      item_ids: a.items.map((i) => i.itemId),
    });
    // Unlinked, and not even under its request id (which the subject's decision record holds).
    expect(await exposure(b.requestId)).toBeUndefined();
    const all = (
      await p.db.query(`SELECT string_agg(subject_pid || ' ' || array_to_string(item_ids, ' '), ' ') AS t FROM features.exposure`)
    ).rows[0].t as string;
    for (const u of users) expect(all).not.toContain(u);

    const deletion = await p.consent.requestDeletion({ tenantId: TENANT, userId: linked, idempotencyKey: '', anonymousIds: [] });
    expect(deletion.state).toBe('COMPLETED');
    expect(deletion.steps.find((s) => s.store === 'feature-gateway.experiment_exposures')?.recordsRemoved).toBeGreaterThanOrEqual(1);
    expect(Number((await p.db.query(`SELECT count(*) AS n FROM features.exposure WHERE subject_pid = $1`, [pid(linked)])).rows[0].n)).toBe(
      0,
    );
  }, 60_000);
});
