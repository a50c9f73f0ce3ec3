import { status } from '@grpc/grpc-js';
import { recommendRequest } from '@recsys/launcher';
import { DeletionStatus, PrivacyMode } from '@recsys/proto';
import Redis from 'ioredis';
import { featureCacheKey, Pseudonymizer, recommendationSubjectPrefix, sessionStateKey } from '@recsys/tenant-keys';
import { waitFor } from '@recsys/testing';
import { metricValue } from './support/metrics';
import { consentingUsersByHistory, Platform, startPlatform } from './support/platform';

const TENANT = 'demo-retail';
const STORES = [
  'consent-service.consent_records',
  'feature-gateway.events',
  'feature-gateway.profile_cache',
  'feature-gateway.session_state',
  'feature-gateway.training_datasets',
  'feature-gateway.experiment_exposures',
  'audit-service.decision_logs',
  'candidate-orchestrator.recommendation_cache',
  'training.exclusion_list',
  'verification',
];

describe('deletion: RequestDeletion reaches every store, survives crashes, and is verified, end to end', () => {
  let p: Platform;
  let pseudonymizer: Pseudonymizer;
  let users: string[];
  let next = 0;
  const takeUser = () => users[next++];
  const pid = (userId: string) => pseudonymizer.userPid(TENANT, userId);
  const count = async (sql: string, userId: string) => Number((await p.db.query(sql, [TENANT, pid(userId)])).rows[0].n);
  const events = (userId: string) => count(`SELECT count(*) AS n FROM features.event WHERE tenant_id = $1 AND subject_pid = $2`, userId);
  const consentRows = (userId: string) =>
    count(
      `SELECT (SELECT count(*) FROM consent.subject_consent WHERE tenant_id = $1 AND subject_pid = $2)
            + (SELECT count(*) FROM consent.consent_grant WHERE tenant_id = $1 AND subject_pid = $2)
            + (SELECT count(*) FROM consent.consent_history WHERE tenant_id = $1 AND subject_pid = $2) AS n`,
      userId,
    );
  const status_ = (deletionId: string) => p.consent.getDeletionStatus({ tenantId: TENANT, deletionId });

  beforeAll(async () => {
    // Every decision is logged, so each subject has decision records to delete.
    p = await startPlatform('redis', { CONTROL_RETRY_INTERVAL_MS: '300', DECISION_LOG_SAMPLE_RATE: '1' });
    pseudonymizer = new Pseudonymizer(p.stack.env.PSEUDONYM_SECRET!);
    users = consentingUsersByHistory(p.data);
  }, 180_000);

  afterAll(async () => {
    await p?.close();
  }, 60_000);

  it('deletes the subject from every store and completes only after verifying it, idempotently', async () => {
    const userId = takeUser();
    const before = await events(userId);
    expect(before).toBeGreaterThan(0);
    expect(await consentRows(userId)).toBeGreaterThan(0);
    // A cached personalized answer (and a cached profile) exists before the deletion, and a decision record.
    expect((await p.recommend.recommend(recommendRequest(userId, { tenantId: TENANT }))).privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
    const space = { namespace: p.stack.env.KEY_NAMESPACE! };
    const redis = new Redis(p.stack.env.REDIS_URL!);
    const keysOf = async (pattern: string) => (await redis.keys(pattern)).length;
    const subjectKeys = () => keysOf(`${p.stack.env.KEY_NAMESPACE}:*${pid(userId)}*`);
    const decisions = () => count(`SELECT count(*) AS n FROM audit.decision_record WHERE tenant_id = $1 AND target = $2`, userId);
    // The session state of a device the user browsed on before signing in.
    const anonymousId = `device-of-${userId}`;
    await p.features.ingestEvents({
      events: [
        {
          tenantId: TENANT,
          userId: '',
          anonymousId,
          itemId: p.data.items[0].itemId,
          eventType: 'view',
          timestampMs: Date.now() - 1000,
          sessionId: 's',
          region: '',
        },
      ],
    });
    const sessionKey = sessionStateKey(space, TENANT, pseudonymizer.anonymousPid(TENANT, anonymousId));
    try {
      await waitFor(async () => (await decisions()) > 0, 5000);
      expect(await keysOf(`${recommendationSubjectPrefix(space, TENANT, pid(userId))}*`)).toBeGreaterThan(0);
      expect(await redis.exists(sessionKey)).toBe(1);
      const hitsBefore = await metricValue(p.stack.metricsPort('feature-gateway'), 'deleted_user_profile_hit_count');

      const deletion = await p.consent.requestDeletion({
        tenantId: TENANT,
        userId,
        idempotencyKey: 'e2e-delete-1',
        anonymousIds: [anonymousId],
      });
      expect(deletion.state).toBe('COMPLETED');
      expect(deletion.steps.map((s) => [s.store, s.state])).toEqual(STORES.map((s) => [s, 'VERIFIED']));
      const removed = Object.fromEntries(deletion.steps.map((s) => [s.store, s.recordsRemoved]));
      expect(removed['feature-gateway.events']).toBe(before);
      expect(removed['feature-gateway.session_state']).toBe(1);
      expect(removed['audit-service.decision_logs']).toBeGreaterThan(0);
      expect(await events(userId)).toBe(0);
      expect(await consentRows(userId)).toBe(0);
      expect(await decisions()).toBe(0);
      expect(await redis.exists(sessionKey)).toBe(0);
      // No cached answer, privacy context or profile of the subject is left in Redis (the profile entry is deleted
      // whatever generation it was read at; the generation counter is not personal data).
      expect(await keysOf(`${recommendationSubjectPrefix(space, TENANT, pid(userId))}*`)).toBe(0);
      expect(await redis.exists(featureCacheKey(space, TENANT, 'user', pid(userId), 'profile'))).toBe(0);
      expect(await subjectKeys()).toBeLessThanOrEqual(2);

      // A late event batch dated before the deletion cannot bring the subject back, and no later read finds them.
      const late = await p.features.ingestEvents({
        events: [
          {
            tenantId: TENANT,
            userId,
            anonymousId: '',
            itemId: p.data.items[1].itemId,
            eventType: 'click',
            timestampMs: Date.now() - 60_000,
            sessionId: 's',
            region: '',
          },
        ],
      });
      expect(late.storedPersonal).toBe(0);
      // Nor can a late batch of the device's anonymous events recreate its session state.
      await p.features.ingestEvents({
        events: [
          {
            tenantId: TENANT,
            userId: '',
            anonymousId,
            itemId: p.data.items[2].itemId,
            eventType: 'view',
            timestampMs: Date.now() - 30_000,
            sessionId: 's',
            region: '',
          },
        ],
      });
      expect(await redis.exists(sessionKey)).toBe(0);
      expect(await events(userId)).toBe(0);
      expect(await metricValue(p.stack.metricsPort('feature-gateway'), 'deleted_user_profile_hit_count')).toBe(hitsBefore);
    } finally {
      redis.disconnect();
    }
    const deletion = await p.consent.requestDeletion({
      tenantId: TENANT,
      userId,
      idempotencyKey: 'e2e-delete-1',
      anonymousIds: [anonymousId],
    });
    // What is left is the minimal proof: the tombstone and the request, pseudonymous only.
    expect(await count(`SELECT count(*) AS n FROM consent.deleted_subject WHERE tenant_id = $1 AND subject_pid = $2`, userId)).toBe(1);

    // Served as a subject with no consent record, never from the cached personalized answer.
    const after = await p.recommend.recommend(recommendRequest(userId, { tenantId: TENANT }));
    expect(after.privacy?.mode).toBe(PrivacyMode.CONTEXTUAL_ONLY);
    expect(after.privacy?.fallbackReason).toBe('no_consent_record');
    expect(after.fromCache).toBe(false);

    // Audited step by step, with the pseudonymous subject only.
    const audited = async (action: string) =>
      (await p.audit.queryRecords({ tenantId: TENANT, action, target: pid(userId), limit: 20 })).records.filter(
        (r) => r.requestId === deletion.deletionId,
      );
    await waitFor(async () => (await audited('deletion.completed')).length === 1, 5000);
    expect((await audited('deletion.requested')).length).toBe(1);
    expect((await audited('deletion.step')).map((r) => JSON.parse(r.detailsJson).store)).toEqual(
      expect.arrayContaining(STORES.slice(0, -1)),
    );
    expect(JSON.stringify(await audited('deletion.step'))).not.toContain(userId);

    // The same request again: the same deletion and the same result, nothing changed.
    const again = await p.consent.requestDeletion({
      tenantId: TENANT,
      userId,
      idempotencyKey: 'e2e-delete-1',
      anonymousIds: [anonymousId],
    });
    expect(again).toEqual(deletion);
    expect(await status_(deletion.deletionId)).toEqual(deletion);
  });

  it('finishes a deletion interrupted by a store outage and a crash of consent-service, and excludes the subject from training meanwhile', async () => {
    const userId = takeUser();
    const before = await events(userId);
    await p.stack.stopApp('feature-gateway');
    let deletion: DeletionStatus;
    try {
      deletion = await p.consent.requestDeletion({ tenantId: TENANT, userId, idempotencyKey: '', anonymousIds: [] });
      expect(deletion.state).toBe('RUNNING');
      expect(deletion.steps.map((s) => s.state)).toEqual(['DONE', 'FAILED', ...STORES.slice(2).map(() => 'PENDING')]);
      expect(await events(userId)).toBe(before);
      // Events still stored, but the subject is on the exclusion list: a dataset built now leaves them out.
      const [report] = await p.stack.train([TENANT], { dryRun: true });
      expect((report.subjects as string[]).includes(pid(userId))).toBe(false);
      expect((report.dataset as { excluded: { deleted_subjects: number } }).excluded.deleted_subjects).toBeGreaterThanOrEqual(1);
      // The service running the saga dies mid-way.
      await p.stack.stopApp('consent-service', 'SIGKILL');
    } finally {
      await p.stack.startApp('feature-gateway');
    }
    await p.stack.startApp('consent-service');
    await waitFor(async () => (await status_(deletion.deletionId)).state === 'COMPLETED', 15_000, 200);
    const done = await status_(deletion.deletionId);
    expect(done.steps.every((s) => s.state === 'VERIFIED')).toBe(true);
    expect(done.steps.find((s) => s.store === 'feature-gateway.events')?.recordsRemoved).toBe(before);
    expect(await events(userId)).toBe(0);
    expect(await consentRows(userId)).toBe(0);
  }, 60_000);

  it('refuses bad input with INVALID_ARGUMENT and writes nothing; an unknown id is NOT_FOUND', async () => {
    const requests = async () => Number((await p.db.query(`SELECT count(*) AS n FROM consent.deletion_request`)).rows[0].n);
    const before = await requests();
    await expect(p.consent.requestDeletion({ tenantId: TENANT, userId: '', idempotencyKey: '', anonymousIds: [] })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
    await expect(
      p.consent.requestDeletion({ tenantId: 'Bad Tenant', userId: 'u', idempotencyKey: 'k', anonymousIds: [] }),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
    await expect(
      p.consent.requestDeletion({ tenantId: TENANT, userId: 'u', idempotencyKey: 'not a key!', anonymousIds: [] }),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
    expect(await requests()).toBe(before);
    await expect(p.consent.getDeletionStatus({ tenantId: TENANT, deletionId: 'nope' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
    await expect(
      p.consent.getDeletionStatus({ tenantId: TENANT, deletionId: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toMatchObject({ code: status.NOT_FOUND });
  });
});
