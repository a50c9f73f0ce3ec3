import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { recommendRequest } from '@recsys/launcher';
import { PrivacyMode, Purpose } from '@recsys/proto';
import { Pseudonymizer } from '@recsys/tenant-keys';
import { waitFor } from '@recsys/testing';
import { metricValue } from './support/metrics';
import { consentingUsersByHistory, Platform, startPlatform } from './support/platform';

const TENANT = 'demo-retail';
const root = join(__dirname, '..', '..');

/** The audit trail, its outbox and debug traces on five real services, PostgreSQL and Redis. */
describe('audit trail and debug traces, end to end', () => {
  let p: Platform;
  let pseudonymizer: Pseudonymizer;
  let users: string[];
  let next = 0;
  const takeUser = () => users[next++];
  const pid = (userId: string) => pseudonymizer.userPid(TENANT, userId);
  const count = async (sql: string, params: unknown[] = []) => Number((await p.db.query(sql, params)).rows[0].n);
  const auditCli = (...args: string[]) =>
    spawnSync(process.execPath, [join(root, 'dist', 'apps', 'audit-service', 'src', 'cli', 'audit.main.js'), ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, AUDIT_SERVICE_ADDR: p.stack.address('audit-service'), LOG_LEVEL: 'silent' },
    });

  beforeAll(async () => {
    p = await startPlatform('redis', { DEBUG_TRACE_SAMPLE_RATE: '1', DEBUG_TRACE_OPERATORS: 'ops-e2e:viewer|engineer' });
    pseudonymizer = new Pseudonymizer(p.stack.env.PSEUDONYM_SECRET!);
    users = consentingUsersByHistory(p.data);
  }, 180_000);

  afterAll(async () => {
    await p?.close();
  }, 60_000);

  it('loses no audit record while audit-service is down: senders keep them in their outbox and deliver them after', async () => {
    const changed = [takeUser(), takeUser(), takeUser()];
    const decided = takeUser();
    const stored = async (userId: string, action: string) =>
      (await p.audit.queryRecords({ tenantId: TENANT, action, target: pid(userId), limit: 100 })).records.length;
    const before = await Promise.all(changed.map((u) => stored(u, 'consent.set')));
    await p.stack.stopApp('audit-service');
    try {
      for (const userId of changed) {
        await p.consent.setConsent({
          tenantId: TENANT,
          userId,
          grants: [{ purpose: Purpose.QUALITY_MONITORING, granted: true }],
          source: 'e2e',
        });
      }
      // Serving does not wait for auditing.
      expect((await p.recommend.recommend(recommendRequest(decided, { tenantId: TENANT }))).privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
      await waitFor(async () => (await count(`SELECT count(*) AS n FROM consent.audit_outbox`)) >= 3, 10_000, 100);
      await waitFor(async () => (await count(`SELECT count(*) AS n FROM orchestrator.audit_outbox`)) >= 1, 10_000, 100);
    } finally {
      await p.stack.startApp('audit-service');
    }
    await waitFor(
      async () => (await Promise.all(changed.map((u) => stored(u, 'consent.set')))).every((n, i) => n > before[i]),
      15_000,
      200,
    );
    await waitFor(async () => (await stored(decided, 'recommend.decision')) >= 1, 15_000, 200);
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM consent.audit_outbox`)) === 0, 10_000, 200);
    expect(await count(`SELECT count(*) AS n FROM orchestrator.audit_outbox`)).toBe(0);
    // Exactly once each, and the chain is intact.
    expect(await Promise.all(changed.map((u) => stored(u, 'consent.set')))).toEqual(before.map((n) => n + 1));
    expect(await p.audit.verifyChain({ tenantId: TENANT })).toMatchObject({ intact: true });
  }, 90_000);

  it('stores a redacted debug trace per sampled Recommend, shows it per role, and audits each read', async () => {
    const userId = takeUser();
    const answer = await p.recommend.recommend(recommendRequest(userId, { tenantId: TENANT }));
    await waitFor(
      async () => (await count(`SELECT count(*) AS n FROM audit.debug_trace WHERE request_id = $1`, [answer.requestId])) === 1,
      10_000,
      100,
    );
    // The stored bytes hold neither the raw nor the pseudonymous id, nor a value of a restricted feature.
    const bytes = (await p.db.query(`SELECT trace::text AS t FROM audit.debug_trace WHERE request_id = $1`, [answer.requestId])).rows[0]
      .t as string;
    expect(bytes).not.toContain(userId);
    expect(bytes).not.toContain(pid(userId));
    const stored = JSON.parse(bytes) as { features: { name: string; masked: boolean; value?: unknown; visibility: string }[] };
    expect(stored.features.length).toBeGreaterThan(0);
    for (const f of stored.features.filter((x) => x.visibility !== 'visible')) expect(f).not.toHaveProperty('value');
    expect(bytes).not.toContain('user_embedding');

    const read = (role: string, reason: string) =>
      p.audit.getDebugTrace({ tenantId: TENANT, requestId: answer.requestId, role, reason, actor: 'ops-e2e' });
    const viewer = JSON.parse((await read('viewer', 'why is this first')).traceJson) as { features: { value?: unknown }[] };
    expect(viewer.features.some((f) => 'value' in f)).toBe(false);
    await expect(read('', 'no role')).rejects.toThrow(/role must be one of/);
    const before = await metricValue(p.stack.metricsPort('audit-service'), 'debug_access_count', { role: 'engineer', outcome: 'granted' });
    await read('engineer', 'ranking bug RB-1');
    expect(await metricValue(p.stack.metricsPort('audit-service'), 'debug_access_count', { role: 'engineer', outcome: 'granted' })).toBe(
      before + 1,
    );
    const audited = (
      await p.audit.queryRecords({ tenantId: TENANT, action: 'debug_trace.read', target: `trace:${answer.requestId}`, limit: 10 })
    ).records;
    expect(audited.map((r) => JSON.parse(r.detailsJson).outcome).sort()).toEqual(['granted', 'granted', 'refused']);

    // A deleted subject's traces go with them.
    const deletion = await p.consent.requestDeletion({ tenantId: TENANT, userId, idempotencyKey: '', anonymousIds: [] });
    // consent-service's channel to audit-service may still be reconnecting after the restart above: then the saga
    // finishes on its next sweep.
    await waitFor(
      async () => (await p.consent.getDeletionStatus({ tenantId: TENANT, deletionId: deletion.deletionId })).state === 'COMPLETED',
      15_000,
      200,
    );
    expect(await count(`SELECT count(*) AS n FROM audit.debug_trace WHERE request_id = $1`, [answer.requestId])).toBe(0);
  }, 60_000);

  it('the verify command finds the first tampered record; the running service cannot change a record', async () => {
    const intact = auditCli('verify', '--tenant', TENANT);
    expect(intact.status).toBe(0);
    expect(JSON.parse(intact.stdout)).toMatchObject({ intact: true });
    const checked = JSON.parse(intact.stdout).recordsChecked as number;
    expect(checked).toBeGreaterThan(3);
    // The append-only trigger refuses even the owner.
    await expect(p.db.query(`UPDATE audit.audit_record SET reason = 'x' WHERE tenant_id = $1`, [TENANT])).rejects.toThrow(/append-only/);
    // Someone with DDL rights switches it off and edits one record.
    const victim = (
      await p.db.query(`SELECT record_id::text AS id FROM audit.audit_record WHERE tenant_id = $1 AND chain_seq = 2`, [TENANT])
    ).rows[0].id;
    await p.db.query(`ALTER TABLE audit.audit_record DISABLE TRIGGER audit_record_append_only`);
    await p.db.query(`UPDATE audit.audit_record SET reason = 'edited' WHERE tenant_id = $1 AND chain_seq = 2`, [TENANT]);
    await p.db.query(`ALTER TABLE audit.audit_record ENABLE TRIGGER audit_record_append_only`);
    const broken = auditCli('verify', '--tenant', TENANT);
    expect(broken.status).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({
      intact: false,
      firstBrokenSeq: 2,
      firstBrokenRecordId: victim,
      problem: 'content changed',
    });
    expect(broken.stderr).toContain(`position 2 (record ${victim})`);
    expect(auditCli('verify', '--tenant', 'Not A Tenant').status).toBe(1);
  }, 30_000);
});
