import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { recommendRequest } from '@recsys/launcher';
import { Purpose } from '@recsys/proto';
import { waitFor } from '@recsys/testing';
import { consentingUsersByHistory, Platform, startPlatform } from './support/platform';

const TENANT = 'demo-retail';
const root = join(__dirname, '..', '..');
const EXPERIMENTS = `experiments:
  - name: home_exposures
    tenant: ${TENANT}
    surface: home
    owner: e2e
    purpose: quality_monitoring
    start: 2000-01-01
    end: 2100-01-01
    salt: exposures-e2e-salt
    variants:
      - name: control
        traffic: 50
      - name: treatment
        traffic: 50
`;

interface Cell {
  variant: string;
  mode: string;
  exposures: number;
  linked_subjects: number;
  impressions: number;
  clicks: number | null;
}

/** Exposure logs through real gRPC: Recommend → RecordExposures → results from governed data → export. */
describe('experiment exposures and results, end to end', () => {
  let p: Platform;
  let configDir: string;
  let users: string[];

  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'e2e-exposures-'));
    cpSync(join(root, 'config'), configDir, { recursive: true });
    writeFileSync(join(configDir, 'experiments.yaml'), EXPERIMENTS);
    p = await startPlatform('redis', { CONFIG_DIR: configDir });
    users = consentingUsersByHistory(p.data).slice(0, 12);
  }, 180_000);

  afterAll(async () => {
    await p?.close();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  }, 60_000);

  it('stores linked exposures, counts clicks on shown items from stored events, exports them, and refuses malformed ones', async () => {
    const shown: { requestId: string; items: string[] }[] = [];
    for (const userId of users) {
      await p.consent.setConsent({
        tenantId: TENANT,
        userId,
        grants: [{ purpose: Purpose.QUALITY_MONITORING, granted: true }],
        source: 'e2e',
      });
      const answer = await p.recommend.recommend(recommendRequest(userId, { tenantId: TENANT, region: 'ID-JK' }));
      expect(answer.experiment).toBe('home_exposures');
      shown.push({ requestId: answer.requestId, items: answer.items.map((i) => i.itemId) });
    }
    const stored = async () =>
      Number(
        (await p.db.query(`SELECT count(*) AS n FROM features.exposure WHERE tenant_id = $1 AND subject_pid <> ''`, [TENANT])).rows[0].n,
      );
    await waitFor(async () => (await stored()) === users.length, 15_000, 100);
    // Six of them click the first item they were shown.
    const now = Date.now();
    const clicks = users.slice(0, 6).map((userId, i) => ({
      tenantId: TENANT,
      userId,
      anonymousId: '',
      itemId: shown[i].items[0],
      eventType: 'click',
      timestampMs: now,
      sessionId: '',
      region: 'ID-JK',
    }));
    expect((await p.features.ingestEvents({ events: clicks })).storedPersonal).toBe(6);

    const result = spawnSync(
      process.execPath,
      [join(root, 'dist', 'apps', 'feature-gateway', 'src', 'experiments', 'experiments.main.js'), 'results', '--tenant', TENANT, '--json'],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: p.stack.env.DATABASE_URL,
          CONFIG_DIR: configDir,
          AGGREGATION_MIN_USERS: '2',
          LOG_LEVEL: 'silent',
        },
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { k: number; experiments: { purpose: string; cells: Cell[] }[] };
    const [experiment] = report.experiments;
    expect(experiment.purpose).toBe('quality_monitoring');
    const sum = (f: (c: Cell) => number) => experiment.cells.reduce((n, c) => n + f(c), 0);
    expect(sum((c) => c.exposures)).toBe(users.length);
    expect(sum((c) => c.linked_subjects)).toBe(users.length);
    expect(sum((c) => c.impressions)).toBe(shown.reduce((n, s) => n + new Set(s.items).size, 0));
    // Every cell reports its clicks (k = 2), so the clicks add up.
    expect(experiment.cells.every((c) => c.clicks !== null)).toBe(true);
    expect(sum((c) => c.clicks ?? 0)).toBe(6);

    const doc = JSON.parse((await p.consent.exportSubjectData({ tenantId: TENANT, userId: users[0], anonymousIds: [] })).documentJson) as {
      experiment_exposures: { request_id: string; item_ids: string[]; experiment: string }[];
    };
    expect(doc.experiment_exposures).toEqual([
      expect.objectContaining({ experiment: 'home_exposures', request_id: shown[0].requestId, item_ids: shown[0].items }),
    ]);

    await expect(
      p.features.recordExposures({
        exposures: [
          {
            tenantId: TENANT,
            subjectPid: users[0],
            experiment: 'home_exposures',
            variant: 'control',
            mode: 'PERSONALIZED',
            requestId: 'r-1',
            itemIds: [],
            occurredAtMs: now,
            surface: 'home',
          },
        ],
      }),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('exposures[0]: subject_pid must be empty or a pseudonymous subject id'),
    });
  }, 120_000);
});
