import { status } from '@grpc/grpc-js';
import Redis from 'ioredis';
import { recommendRequest } from '@recsys/launcher';
import { PrivacyMode, Purpose, UserControl } from '@recsys/proto';
import { featureCacheKey, Pseudonymizer, recommendationSubjectPrefix } from '@recsys/tenant-keys';
import { waitFor } from '@recsys/testing';
import { consentingUsersByHistory, Platform, startPlatform } from './support/platform';

const TENANT = 'demo-retail';
const OTHER_TENANT = 'demo-media';

/** Consent revocation impacts (seed §18) and the subject's data export, on five real services, PostgreSQL and Redis. */
describe('data lifecycle: consent revocation impacts and ExportSubjectData, end to end', () => {
  let p: Platform;
  let redis: Redis;
  let pseudonymizer: Pseudonymizer;
  let users: string[];
  let next = 0;
  const takeUser = () => users[next++];
  const pid = (userId: string) => pseudonymizer.userPid(TENANT, userId);
  const space = () => ({ namespace: p.stack.env.KEY_NAMESPACE! });
  const count = async (sql: string, userId: string) => Number((await p.db.query(sql, [TENANT, pid(userId)])).rows[0].n);
  const events = (userId: string) => count(`SELECT count(*) AS n FROM features.event WHERE tenant_id = $1 AND subject_pid = $2`, userId);
  const cachedAnswers = async (userId: string) =>
    (await redis.keys(`${recommendationSubjectPrefix(space(), TENANT, pid(userId))}*`)).length;
  /** The subject's cached profile as feature-gateway's profile store keys it: 1 when held at all (reachable or not). */
  const cachedProfile = async (userId: string) => redis.exists(featureCacheKey(space(), TENANT, 'user', pid(userId), 'profile'));
  const click = (userId: string, itemIndex: number) => ({
    tenantId: TENANT,
    userId,
    anonymousId: '',
    itemId: p.data.items[itemIndex].itemId,
    eventType: 'click',
    timestampMs: Date.now() - 1000,
    sessionId: 's',
    region: '',
  });
  const trainingSubjects = async () => {
    const [report] = await p.stack.train([TENANT], { dryRun: true });
    return report.subjects as string[];
  };

  beforeAll(async () => {
    p = await startPlatform('redis', { CONTROL_RETRY_INTERVAL_MS: '300', DECISION_LOG_SAMPLE_RATE: '1' });
    redis = new Redis(p.stack.env.REDIS_URL!);
    pseudonymizer = new Pseudonymizer(p.stack.env.PSEUDONYM_SECRET!);
    users = consentingUsersByHistory(p.data);
  }, 180_000);

  afterAll(async () => {
    redis?.disconnect();
    await p?.close();
  }, 60_000);

  describe('revoking PERSONALIZATION', () => {
    it('stops personalization at once, removes the profile and its derived embedding, drops cached answers and stores no later events', async () => {
      const userId = takeUser();
      expect(await events(userId)).toBeGreaterThan(0);
      const personal = await p.recommend.recommend(recommendRequest(userId, { tenantId: TENANT }));
      expect(personal.privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
      expect(personal.privacy?.sourcesUsed).toContain('user_two_tower');
      expect(await cachedAnswers(userId)).toBeGreaterThan(0);
      expect(await cachedProfile(userId)).toBe(1);

      await p.consent.setConsent({
        tenantId: TENANT,
        userId,
        grants: [{ purpose: Purpose.PERSONALIZATION, granted: false }],
        source: 'e2e',
      });

      // Every replica drops the subject's cached answers (the invalidation bus).
      await waitFor(async () => (await cachedAnswers(userId)) === 0, 5000);
      // At once: the very next answer is not personal and not from the cache.
      const after = await p.recommend.recommend(recommendRequest(userId, { tenantId: TENANT }));
      expect(after).toMatchObject({ fromCache: false, privacy: { mode: PrivacyMode.CONTEXTUAL_ONLY } });
      expect(after.privacy?.sourcesUsed).not.toContain('user_two_tower');
      // The profile (the behaviour every profile feature and the user embedding are computed from) is gone from
      // PostgreSQL and from the cache.
      expect(await events(userId)).toBe(0);
      expect(await cachedProfile(userId)).toBe(0);
      const propagation = await p.db.query(
        `SELECT control, state FROM consent.control_propagation WHERE tenant_id = $1 AND subject_pid = $2 ORDER BY id DESC LIMIT 1`,
        [TENANT, pid(userId)],
      );
      expect(propagation.rows[0]).toEqual({ control: 'CONSENT_REVOKED', state: 'DONE' });

      // Later events are not stored as personal data: nothing new can reach a profile or a training set.
      const late = await p.features.ingestEvents({ events: [click(userId, 3)] });
      expect(late).toMatchObject({ accepted: 1, storedPersonal: 0 });
      expect(await events(userId)).toBe(0);

      // Granting again starts from an empty profile: nothing of the revoked history comes back.
      await p.consent.setConsent({
        tenantId: TENANT,
        userId,
        grants: [{ purpose: Purpose.PERSONALIZATION, granted: true }],
        source: 'e2e',
      });
      expect((await p.recommend.recommend(recommendRequest(userId, { tenantId: TENANT }))).privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
      expect(await events(userId)).toBe(0);
    }, 60_000);

    it('a repeated revocation changes nothing and purges nothing again', async () => {
      const userId = takeUser();
      const revoke = () =>
        p.consent.setConsent({ tenantId: TENANT, userId, grants: [{ purpose: Purpose.PERSONALIZATION, granted: false }], source: 'e2e' });
      const first = await revoke();
      const second = await revoke();
      expect(second.consentVersion).toBe(first.consentVersion);
      expect(
        await count(
          `SELECT count(*) AS n FROM consent.control_propagation WHERE tenant_id = $1 AND subject_pid = $2 AND control = 'CONSENT_REVOKED'`,
          userId,
        ),
      ).toBe(1);
    });
  });

  describe('revoking BEHAVIORAL_TRAINING', () => {
    it('keeps personalization but excludes the subject, old and future events alike, from every training dataset', async () => {
      const userId = takeUser();
      await p.consent.setConsent({
        tenantId: TENANT,
        userId,
        grants: [{ purpose: Purpose.BEHAVIORAL_TRAINING, granted: true }],
        source: 'e2e',
      });
      expect(await trainingSubjects()).toContain(pid(userId));

      await p.consent.applyUserControl({ tenantId: TENANT, userId, control: UserControl.OPT_OUT_TRAINING, targetId: '' });
      const stored = await events(userId);
      expect((await p.features.ingestEvents({ events: [click(userId, 4)] })).storedPersonal).toBe(1);
      expect(await events(userId)).toBe(stored + 1);
      expect((await p.recommend.recommend(recommendRequest(userId, { tenantId: TENANT }))).privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
      expect(await trainingSubjects()).not.toContain(pid(userId));
    }, 90_000);
  });

  describe('ExportSubjectData', () => {
    it('returns everything held of the subject from every store, in the stable schema, and nothing of anyone else', async () => {
      const userId = takeUser();
      const anonymousId = `device-${next}`;
      await p.features.ingestEvents({ events: [{ ...click('', 5), anonymousId, eventType: 'view' }] });
      await p.consent.applyUserControl({ tenantId: TENANT, userId, control: UserControl.HIDE_ITEM, targetId: p.data.items[6].itemId });
      await p.recommend.recommend(recommendRequest(userId, { tenantId: TENANT }));
      const decisions = () => count(`SELECT count(*) AS n FROM audit.decision_record WHERE tenant_id = $1 AND target = $2`, userId);
      await waitFor(async () => (await decisions()) > 0, 5000);

      const exported = await p.consent.exportSubjectData({ tenantId: TENANT, userId, anonymousIds: [anonymousId] });
      expect(exported.tenantId).toBe(TENANT);
      const doc = JSON.parse(exported.documentJson);
      expect(Object.keys(doc).sort()).toEqual(
        [
          'schema',
          'generated_at',
          'tenant_id',
          'subject',
          'consent',
          'deletion_requests',
          'behaviour_events',
          'session_state',
          'training_datasets',
          'experiment_exposures',
          'decision_records',
          'audit_trail',
          'audit_records_truncated',
        ].sort(),
      );
      expect(doc).toMatchObject({
        schema: 'recsys.subject-export/v1',
        tenant_id: TENANT,
        subject: { user_id: userId, pseudonymous_id: pid(userId) },
      });

      // Every stored event of the subject, as PostgreSQL holds them.
      const stored = await p.db.query(
        `SELECT item_id, event_type FROM features.event WHERE tenant_id = $1 AND subject_pid = $2 ORDER BY occurred_at, id`,
        [TENANT, pid(userId)],
      );
      expect(stored.rows.length).toBeGreaterThan(0);
      expect(
        doc.behaviour_events.map((e: { item_id: string; event_type: string }) => ({ item_id: e.item_id, event_type: e.event_type })),
      ).toEqual(stored.rows);
      // Consent state, suppressions and history; the device's session state; the decision records.
      expect(doc.consent.grants).toEqual(expect.arrayContaining([expect.objectContaining({ purpose: 'PERSONALIZATION', granted: true })]));
      expect(doc.consent.suppressions).toEqual([expect.objectContaining({ kind: 'item', target_id: p.data.items[6].itemId })]);
      expect(doc.consent.history.map((h: { change: string }) => h.change)).toContain('HIDE_ITEM');
      expect(doc.session_state).toEqual([
        { anonymous_id: null, events: [] },
        { anonymous_id: anonymousId, events: [expect.objectContaining({ item_id: p.data.items[5].itemId, event_type: 'view' })] },
      ]);
      expect(doc.decision_records.length).toBe(await decisions());
      expect(doc.audit_trail.map((r: { action: string }) => r.action)).toContain('user_control.applied');

      // Nothing of any other subject of the tenant, nor of the other tenant.
      const others = await p.db.query(`SELECT DISTINCT subject_pid FROM features.event WHERE subject_pid <> $1`, [pid(userId)]);
      expect(others.rows.length).toBeGreaterThan(10);
      for (const { subject_pid: other } of others.rows as { subject_pid: string }[]) expect(exported.documentJson).not.toContain(other);
      expect(exported.documentJson).not.toContain(OTHER_TENANT);
      for (const u of users.filter((u) => u !== userId).slice(0, 50)) expect(exported.documentJson).not.toContain(`"${u}"`);

      // The export itself is audited, with the pseudonymous id only.
      await waitFor(
        async () =>
          (await p.audit.queryRecords({ tenantId: TENANT, action: 'subject.exported', target: pid(userId), limit: 5 })).records.length ===
          1,
        5000,
      );
      const audited = await p.audit.queryRecords({ tenantId: TENANT, action: 'subject.exported', target: pid(userId), limit: 5 });
      expect(JSON.stringify(audited)).not.toContain(userId);
    }, 60_000);

    it('after a deletion the export holds only the deletion request', async () => {
      const userId = takeUser();
      const deletion = await p.consent.requestDeletion({ tenantId: TENANT, userId, idempotencyKey: '', anonymousIds: [] });
      expect(deletion.state).toBe('COMPLETED');
      const doc = JSON.parse((await p.consent.exportSubjectData({ tenantId: TENANT, userId, anonymousIds: [] })).documentJson);
      expect(doc.behaviour_events).toEqual([]);
      expect(doc.decision_records).toEqual([]);
      expect(doc.consent).toMatchObject({ consent_version: '0', grants: [], suppressions: [], history: [] });
      expect(doc.deletion_requests).toEqual([expect.objectContaining({ deletion_id: deletion.deletionId, state: 'COMPLETED' })]);
    }, 30_000);

    it('refuses bad input with INVALID_ARGUMENT', async () => {
      for (const bad of [
        { tenantId: TENANT, userId: '', anonymousIds: [] },
        { tenantId: 'Not A Tenant', userId: 'u1', anonymousIds: [] },
        { tenantId: TENANT, userId: 'u1', anonymousIds: Array.from({ length: 21 }, (_, i) => `d${i}`) },
      ]) {
        await expect(p.consent.exportSubjectData(bad)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
      }
    });
  });
});
