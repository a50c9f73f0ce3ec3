import { Metadata, status } from '@grpc/grpc-js';
import { recommendRequest } from '@recsys/launcher';
import { PRIVACY_CONTEXT_METADATA_KEY } from '@recsys/privacy-context';
import { getFeaturesRequest, PrivacyMode, Purpose, RecommendRequest, UserControl } from '@recsys/proto';
import { Pseudonymizer } from '@recsys/tenant-keys';
import { waitFor } from '@recsys/testing';
import { metricValue } from './support/metrics';
import { consentingUsersByHistory, Platform, startPlatform } from './support/platform';

const TENANT = 'demo-retail';

function request(userId: string, requestedPrivacyMode = PrivacyMode.PRIVACY_MODE_UNSPECIFIED, limit = 20): RecommendRequest {
  return recommendRequest(userId, { tenantId: TENANT, requestedPrivacyMode, region: 'ID-JK', deviceType: 'mobile', localHour: 9 }, limit);
}

describe('user controls and consent, end to end', () => {
  let p: Platform;
  let pseudonymizer: Pseudonymizer;
  let nextUser = 0;
  /** A different consenting demo user with history for each test, so tests do not see each other's controls. */
  let takeUser: () => string;
  const pid = (userId: string) => pseudonymizer.userPid(TENANT, userId);
  const one = async (sql: string, params: unknown[]) => (await p.db.query(sql, params)).rows[0] as Record<string, unknown> | undefined;
  const eventCount = async (userId: string) =>
    Number((await one(`SELECT count(*) AS n FROM features.event WHERE tenant_id = $1 AND subject_pid = $2`, [TENANT, pid(userId)]))!.n);
  const control = (userId: string, c: UserControl, targetId = '') =>
    p.consent.applyUserControl({ tenantId: TENANT, userId, control: c, targetId });
  const categoryOf = (itemId: string) => p.data.items.find((i) => i.itemId === itemId)!.category;

  beforeAll(async () => {
    p = await startPlatform('redis');
    pseudonymizer = new Pseudonymizer(p.stack.env.PSEUDONYM_SECRET!);
    const users = consentingUsersByHistory(p.data);
    takeUser = () => users[nextUser++];
  }, 120_000);

  afterAll(async () => {
    await p?.close();
  }, 60_000);

  it('serves CONTEXTUAL_ONLY at once after consent is revoked, even over a cached personal answer, and personalizes again after re-grant', async () => {
    const userId = takeUser();
    expect((await p.recommend.recommend(request(userId))).privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
    expect((await p.recommend.recommend(request(userId))).fromCache).toBe(true);
    await p.consent.setConsent({ tenantId: TENANT, userId, grants: [{ purpose: Purpose.PERSONALIZATION, granted: false }], source: 'e2e' });
    const revoked = await p.recommend.recommend(request(userId));
    expect(revoked).toMatchObject({ fromCache: false, privacy: { mode: PrivacyMode.CONTEXTUAL_ONLY } });
    await p.consent.setConsent({ tenantId: TENANT, userId, grants: [{ purpose: Purpose.PERSONALIZATION, granted: true }], source: 'e2e' });
    const regranted = await p.recommend.recommend(request(userId));
    expect(regranted).toMatchObject({ fromCache: false, privacy: { mode: PrivacyMode.PERSONALIZED } });
    expect(regranted.privacy?.sourcesUsed).toContain('user_cf');
  });

  it('TURN_OFF_PERSONALIZATION serves CONTEXTUAL_ONLY and TURN_ON_PERSONALIZATION restores it', async () => {
    const userId = takeUser();
    const off = await control(userId, UserControl.TURN_OFF_PERSONALIZATION);
    expect(off).toMatchObject({ applied: true, propagated: true });
    expect(
      await one(`SELECT personalization_off FROM consent.subject_consent WHERE tenant_id = $1 AND subject_pid = $2`, [TENANT, pid(userId)]),
    ).toEqual({
      personalization_off: true,
    });
    const served = await p.recommend.recommend(request(userId));
    expect(served.privacy).toMatchObject({
      mode: PrivacyMode.CONTEXTUAL_ONLY,
      fallbackReason: 'personalization_turned_off',
      consentVersion: off.consentVersion,
    });
    expect(served.privacy?.sourcesUsed).not.toContain('user_cf');

    await control(userId, UserControl.TURN_ON_PERSONALIZATION);
    expect((await p.recommend.recommend(request(userId))).privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
  });

  it('CLEAR_HISTORY empties the profile store, so the next personal answer uses no old behaviour', async () => {
    const userId = takeUser();
    const before = await p.recommend.recommend(request(userId));
    expect(before.items.some((i) => i.source === 'user_cf')).toBe(true);
    expect(await eventCount(userId)).toBeGreaterThan(0);

    const result = await control(userId, UserControl.CLEAR_HISTORY);
    expect(result).toMatchObject({ applied: true, propagated: true });
    expect(await eventCount(userId)).toBe(0);
    const after = await p.recommend.recommend(request(userId));
    expect(after.fromCache).toBe(false);
    expect(after.privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
    expect(after.items.filter((i) => i.source === 'user_cf')).toEqual([]);
    // Idempotent: a repeated control changes nothing further and still succeeds.
    expect(await control(userId, UserControl.CLEAR_HISTORY)).toMatchObject({ applied: true, propagated: true });
    expect(await eventCount(userId)).toBe(0);
  });

  it('HIDE_ITEM and BLOCK_CREATOR are stored and applied in every mode', async () => {
    const userId = takeUser();
    const before = await p.recommend.recommend(request(userId));
    const hidden = before.items[0].itemId;
    const creator = p.data.items.find((i) => i.itemId === before.items[1].itemId)!.creatorId;
    await control(userId, UserControl.HIDE_ITEM, hidden);
    await control(userId, UserControl.BLOCK_CREATOR, creator);
    const rows = (
      await p.db.query(`SELECT kind, target_id FROM consent.suppression WHERE tenant_id = $1 AND subject_pid = $2 ORDER BY kind`, [
        TENANT,
        pid(userId),
      ])
    ).rows;
    expect(rows).toEqual([
      { kind: 'creator', target_id: creator },
      { kind: 'item', target_id: hidden },
    ]);
    for (const mode of [PrivacyMode.PRIVACY_MODE_UNSPECIFIED, PrivacyMode.CONTEXTUAL_ONLY, PrivacyMode.NON_PERSONALIZED]) {
      const after = await p.recommend.recommend(request(userId, mode, 50));
      expect(after.items.map((i) => i.itemId)).not.toContain(hidden);
      expect(after.items.map((i) => p.data.items.find((x) => x.itemId === i.itemId)!.creatorId)).not.toContain(creator);
    }
  });

  it('LESS_LIKE_THIS demotes the item\u2019s category', async () => {
    const userId = takeUser();
    const before = await p.recommend.recommend(request(userId, PrivacyMode.NON_PERSONALIZED));
    const target = before.items[0].itemId;
    const category = categoryOf(target);
    const share = (items: { itemId: string }[]) => items.filter((i) => categoryOf(i.itemId) === category).length;
    await control(userId, UserControl.LESS_LIKE_THIS, target);
    expect(
      await one(`SELECT kind FROM consent.suppression WHERE tenant_id = $1 AND subject_pid = $2 AND target_id = $3`, [
        TENANT,
        pid(userId),
        target,
      ]),
    ).toEqual({
      kind: 'less_like_item',
    });
    const after = await p.recommend.recommend(request(userId, PrivacyMode.NON_PERSONALIZED));
    expect(categoryOf(after.items[0].itemId)).not.toBe(category);
    const position = (items: { itemId: string }[]) => items.findIndex((i) => i.itemId === target);
    expect(position(after.items)).toBeGreaterThan(position(before.items));
    // Demoted, not hidden: every item of the category that is still listed scores less than before.
    const scoreBefore = new Map(before.items.map((i) => [i.itemId, i.score]));
    const demoted = after.items.filter((i) => categoryOf(i.itemId) === category && scoreBefore.has(i.itemId));
    expect(demoted.length).toBeGreaterThan(0);
    for (const item of demoted) expect(item.score).toBeLessThan(scoreBefore.get(item.itemId)!);
    expect(share(after.items.slice(0, 5))).toBeLessThan(share(before.items.slice(0, 5)));
  });

  it('RESET_PROFILE empties the profile and the less-like marks but keeps hidden items', async () => {
    const userId = takeUser();
    const before = await p.recommend.recommend(request(userId));
    await control(userId, UserControl.HIDE_ITEM, before.items[0].itemId);
    await control(userId, UserControl.LESS_LIKE_THIS, before.items[1].itemId);
    const result = await control(userId, UserControl.RESET_PROFILE);
    expect(result).toMatchObject({ applied: true, propagated: true });
    expect(await eventCount(userId)).toBe(0);
    const kinds = (
      await p.db.query(`SELECT kind FROM consent.suppression WHERE tenant_id = $1 AND subject_pid = $2`, [TENANT, pid(userId)])
    ).rows;
    expect(kinds).toEqual([{ kind: 'item' }]);
    const after = await p.recommend.recommend(request(userId));
    expect(after.items.filter((i) => i.source === 'user_cf')).toEqual([]);
    expect(after.items.map((i) => i.itemId)).not.toContain(before.items[0].itemId);
  });

  it('OPT_OUT_TRAINING records the training opt-out and keeps personalization', async () => {
    const userId = takeUser();
    await p.consent.setConsent({
      tenantId: TENANT,
      userId,
      grants: [{ purpose: Purpose.BEHAVIORAL_TRAINING, granted: true }],
      source: 'e2e',
    });
    await control(userId, UserControl.OPT_OUT_TRAINING);
    expect(
      await one(
        `SELECT granted, source FROM consent.consent_grant WHERE tenant_id = $1 AND subject_pid = $2 AND purpose = 'BEHAVIORAL_TRAINING'`,
        [TENANT, pid(userId)],
      ),
    ).toEqual({ granted: false, source: 'user_control' });
    expect((await p.recommend.recommend(request(userId))).privacy?.mode).toBe(PrivacyMode.PERSONALIZED);
  });

  it('writes every control to the audit log under the pseudonymous subject', async () => {
    const userId = takeUser();
    await control(userId, UserControl.HIDE_ITEM, p.data.items[0].itemId);
    await waitFor(async () => {
      const { records } = await p.audit.queryRecords({ tenantId: TENANT, action: 'user_control.applied', target: pid(userId), limit: 10 });
      return records.some((r) => r.reason === UserControl.HIDE_ITEM);
    }, 5000);
  });

  it('never loses a control while feature-gateway is down: it is queued and carried out when it returns', async () => {
    const userId = takeUser();
    expect(await eventCount(userId)).toBeGreaterThan(0);
    await p.stack.stopApp('feature-gateway');
    try {
      const result = await control(userId, UserControl.CLEAR_HISTORY);
      expect(result).toMatchObject({ applied: true, propagated: false });
      expect(
        await one(`SELECT state FROM consent.control_propagation WHERE tenant_id = $1 AND subject_pid = $2 ORDER BY id DESC LIMIT 1`, [
          TENANT,
          pid(userId),
        ]),
      ).toEqual({ state: 'PENDING' });
    } finally {
      await p.stack.startApp('feature-gateway');
    }
    await waitFor(async () => (await eventCount(userId)) === 0, 15_000, 200);
    await waitFor(
      async () =>
        (
          await one(`SELECT state FROM consent.control_propagation WHERE tenant_id = $1 AND subject_pid = $2 ORDER BY id DESC LIMIT 1`, [
            TENANT,
            pid(userId),
          ])
        )?.state === 'DONE',
      5000,
    );
  }, 40_000);

  it('returns no personal feature to a direct caller with an absent or forged privacy context', async () => {
    const port = p.stack.metricsPort('feature-gateway');
    const readsBefore = await metricValue(port, 'profile_store_reads_total');
    const forged = new Metadata();
    const fakeContext = {
      tenantId: TENANT,
      subjectPid: pid(takeUser()),
      mode: 'PERSONALIZED',
      purposes: ['PERSONALIZATION'],
      consentVersion: '1',
      expiresAtMs: Date.now() + 60_000,
    };
    forged.set(PRIVACY_CONTEXT_METADATA_KEY, `pc1.e2e.${Buffer.from(JSON.stringify(fakeContext)).toString('base64url')}.AAAA`);
    for (const metadata of [undefined, forged]) {
      const reply = await p.features.getFeatures(
        getFeaturesRequest({
          tenantId: TENANT,
          featureSet: 'home_personalized',
          itemIds: [p.data.items[0].itemId],
          region: 'ID-JK',
          localHour: 1,
        }),
        { metadata },
      );
      expect(reply.userFeatures).toEqual({});
      expect(reply.withheld.map((w) => w.name)).toEqual(expect.arrayContaining(['user_category_affinity_30d', 'recent_click_count']));
      // The whole personal set is refused (fail-closed): the gateway serves nothing of it without a real context.
      expect(reply.served).toEqual([]);
    }
    const publicSet = await p.features.getFeatures(
      getFeaturesRequest({
        tenantId: TENANT,
        featureSet: 'home_non_personal',
        itemIds: [p.data.items[0].itemId],
        region: 'ID-JK',
        localHour: 1,
      }),
      { metadata: forged },
    );
    expect(publicSet.items[0].features.item_category?.text).toBe(p.data.items[0].category);
    expect(await metricValue(port, 'profile_store_reads_total')).toBe(readsBefore);
  });

  it('ends 50 parallel consent changes of one subject in one consistent state and version', async () => {
    const userId = 'e2e-concurrent-subject';
    const changes = Array.from({ length: 50 }, (_, i) => ({
      purpose: [Purpose.PERSONALIZATION, Purpose.QUALITY_MONITORING][i % 2],
      granted: i % 3 !== 0,
    }));
    const replies = await Promise.all(changes.map((g) => p.consent.setConsent({ tenantId: TENANT, userId, grants: [g], source: 'e2e' })));
    const history = (
      await p.db.query(
        `SELECT consent_version::int AS v, detail FROM consent.consent_history WHERE tenant_id = $1 AND subject_pid = $2 ORDER BY consent_version`,
        [TENANT, pid(userId)],
      )
    ).rows as { v: number; detail: { grants: { purpose: string; granted: boolean }[] } }[];
    // Versions are exactly 1..N, one per effective change, with no gap or duplicate.
    expect(history.map((h) => h.v)).toEqual(history.map((_, i) => i + 1));
    const state = await one(`SELECT consent_version::int AS v FROM consent.subject_consent WHERE tenant_id = $1 AND subject_pid = $2`, [
      TENANT,
      pid(userId),
    ]);
    expect(state?.v).toBe(history.length);
    expect(Math.max(...replies.map((r) => Number(r.consentVersion)))).toBe(history.length);
    // The stored grant of each purpose is the one of the last change that touched it.
    for (const purpose of [Purpose.PERSONALIZATION, Purpose.QUALITY_MONITORING]) {
      const last = [...history].reverse().find((h) => h.detail.grants.some((g) => g.purpose === purpose));
      const stored = await one(`SELECT granted FROM consent.consent_grant WHERE tenant_id = $1 AND subject_pid = $2 AND purpose = $3`, [
        TENANT,
        pid(userId),
        purpose,
      ]);
      expect(stored?.granted).toBe(last!.detail.grants.find((g) => g.purpose === purpose)!.granted);
    }
  });

  it('rejects bad consent input with INVALID_ARGUMENT and writes nothing', async () => {
    const historyRows = async () => Number((await one(`SELECT count(*) AS n FROM consent.consent_history`, []))!.n);
    const before = await historyRows();
    const bad = [
      p.consent.setConsent({ tenantId: '', userId: 'u', grants: [{ purpose: Purpose.PERSONALIZATION, granted: true }], source: '' }),
      p.consent.setConsent({ tenantId: TENANT, userId: 'u', grants: [{ purpose: 99 as unknown as Purpose, granted: true }], source: '' }),
      p.consent.setConsent({
        tenantId: TENANT,
        userId: 'x'.repeat(300),
        grants: [{ purpose: Purpose.PERSONALIZATION, granted: true }],
        source: '',
      }),
      p.consent.applyUserControl({ tenantId: TENANT, userId: 'u', control: 42 as unknown as UserControl, targetId: '' }),
      p.consent.applyUserControl({ tenantId: TENANT, userId: 'u', control: UserControl.HIDE_ITEM, targetId: '' }),
    ];
    for (const call of bad) await expect(call).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(await historyRows()).toBe(before);
  });
});
