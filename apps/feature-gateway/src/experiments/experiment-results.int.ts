// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, TestDatabase } from '@recsys/testing';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Experiment } from '@recsys/feature-registry';
import { Exposure } from '@recsys/proto';

import { EventRepository, StoredEvent } from '../events/event.repository';
import { ExperimentResultsRepository } from './experiment-results.repository';
import { formatResultsTable, ResultCell } from './experiment-results';
import { resultsReport, selectExperiments } from './experiment-results.service';
import { ExperimentsErrorCode } from './experiments.errors';
import { ExposureRepository } from './exposure.repository';
import { openFeatureSchema } from '../feature-schema.testing';

const TENANT = 'acme';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Whole seconds: the seeded times are compared with stored ones. */
const T0 = Math.floor((Date.now() - 2 * DAY) / 1000) * 1000;
const START = T0 - DAY;
const END = T0 + 3 * DAY;
const K = 10;
const root = join(__dirname, '..', '..', '..', '..');

const pid = (prefix: 'u' | 'a', name: string) => `${prefix}_${name.padEnd(22, 'X')}`;
const c = (n: number) => pid('u', `c${String(n).padStart(2, '0')}`);
const t = (n: number) => pid('u', `t${String(n).padStart(2, '0')}`);

const EXPERIMENT: Experiment = {
  name: 'home_test',
  tenant: TENANT,
  surface: 'home',
  owner: 'growth-team',
  purpose: 'quality_monitoring',
  startMs: START,
  endMs: END,
  salt: 'int-test-salt',
  variants: [
    { name: 'control', traffic: 50, changes: {} },
    { name: 'treatment', traffic: 50, changes: {} },
  ],
};

/** The results command over exposures and events on the real PostgreSQL: shares, click-through, k-suppression. */
describe('experiment results', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let configDir: string;
  let seq = 0;
  const exposure = (
    subjectPid: string,
    variant: string,
    mode: string,
    itemIds: string[],
    at = T0,
    over: Partial<Exposure> = {},
  ): Exposure => ({
    tenantId: TENANT,
    subjectPid,
    experiment: 'home_test',
    variant,
    mode,
    requestId: `req-${++seq}`,
    itemIds,
    occurredAtMs: at,
    surface: 'home',
    ...over,
  });
  const event = (subjectPid: string, itemId: string, eventType: string, at: number, tenantId = TENANT): StoredEvent => ({
    tenantId,
    subjectPid,
    itemId,
    eventType,
    timestampMs: at,
    sessionId: '',
    region: '',
  });

  beforeAll(async () => {
    db = await createTestDatabase('recsys_experiment_results_int');
    dataSource = await openFeatureSchema(db.url);
    const exposures: Exposure[] = [];
    const events: StoredEvent[] = [];
    // control, PERSONALIZED: 12 signed-in subjects shown [i1, i2], and 3 unlinked exposures.
    for (let n = 1; n <= 12; n++) exposures.push(exposure(c(n), 'control', 'PERSONALIZED', ['i1', 'i2']));
    for (let n = 0; n < 3; n++) exposures.push(exposure('', 'control', 'PERSONALIZED', ['i1', 'i2']));
    for (let n = 1; n <= 6; n++) events.push(event(c(n), 'i1', 'click', T0 + HOUR)); // 6 clicks
    events.push(event(c(1), 'i1', 'click', T0 + 2 * HOUR)); // the same impression again: still one
    events.push(event(c(7), 'i1', 'click', T0 + 25 * HOUR)); // after 24 h: not this exposure's
    events.push(event(c(8), 'i3', 'click', T0 + HOUR)); // an item not shown
    events.push(event(c(9), 'i2', 'view', T0 + HOUR)); // a view is not a click
    events.push(event(c(10), 'i2', 'purchase', T0 + 2 * HOUR)); // a purchase counts: 7
    events.push(event(c(11), 'i1', 'click', T0 - HOUR)); // before the exposure
    events.push(event(c(12), 'i1', 'click', T0 + HOUR, 'globex')); // another tenant's behaviour
    // control, CONTEXTUAL_ONLY: 4 signed-in subjects (fewer than k) and 1 unlinked; one of them clicks.
    for (let n = 13; n <= 16; n++) exposures.push(exposure(c(n), 'control', 'CONTEXTUAL_ONLY', ['i1']));
    exposures.push(exposure('', 'control', 'CONTEXTUAL_ONLY', ['i1']));
    events.push(event(c(13), 'i1', 'click', T0 + HOUR));
    // treatment, PERSONALIZED: exactly k signed-in subjects with two exposures each, and two anonymous visitors.
    for (let n = 1; n <= 10; n++) {
      exposures.push(exposure(t(n), 'treatment', 'PERSONALIZED', ['i1']));
      exposures.push(exposure(t(n), 'treatment', 'PERSONALIZED', ['i2', 'i2'], T0 + 3 * HOUR)); // one item, listed twice
    }
    exposures.push(exposure(pid('a', 'v1'), 'treatment', 'PERSONALIZED', ['i1']));
    exposures.push(exposure(pid('a', 'v2'), 'treatment', 'PERSONALIZED', ['i1']));
    for (let n = 1; n <= 5; n++) events.push(event(t(n), 'i1', 'click', T0 + HOUR)); // 5
    events.push(event(t(6), 'i2', 'click', T0 + 4 * HOUR)); // after the second exposure: 6
    // treatment, CONTEXTUAL_ONLY: 11 subjects, no stored behaviour; t21 was erased after a restored backup brought
    // their exposure back, so it does not count.
    for (let n = 11; n <= 21; n++) exposures.push(exposure(t(n), 'treatment', 'CONTEXTUAL_ONLY', ['i3']));
    // Not this experiment's: before its start, another experiment, another tenant.
    exposures.push(exposure(c(1), 'control', 'PERSONALIZED', ['i1'], START - HOUR));
    exposures.push(exposure(c(1), 'control', 'PERSONALIZED', ['i1'], T0, { experiment: 'other_test' }));
    exposures.push(exposure(c(1), 'control', 'PERSONALIZED', ['i1'], T0, { tenantId: 'globex' }));
    expect((await new ExposureRepository(dataSource).insert(exposures)).stored).toBe(exposures.length);
    expect(await new EventRepository(dataSource).insert(events)).toBe(events.length);
    await dataSource.query(`INSERT INTO features.erased_subject (tenant_id, subject_pid, erased_at) VALUES ($1, $2, $3)`, [
      TENANT,
      t(21),
      new Date(T0 + HOUR),
    ]);

    configDir = mkdtempSync(join(tmpdir(), 'experiments-int-'));
    cpSync(join(root, 'config'), configDir, { recursive: true });
    writeFileSync(
      join(configDir, 'experiments.yaml'),
      `experiments:
  - name: home_test
    tenant: ${TENANT}
    surface: home
    owner: growth-team
    purpose: quality_monitoring
    start: ${new Date(START).toISOString()}
    end: ${new Date(END).toISOString()}
    salt: int-test-salt
    variants:
      - name: control
        traffic: 50
      - name: treatment
        traffic: 50
`,
    );
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  const cell = (over: Partial<ResultCell>): ResultCell => ({
    variant: '',
    mode: '',
    exposures: 0,
    share_of_variant: 0,
    linked_exposures: 0,
    linked_subjects: 0,
    measured_subjects: 0,
    impressions: 0,
    clicks: null,
    click_through: null,
    click_through_reason: null,
    ...over,
  });
  const EXPECTED_CELLS = [
    cell({
      variant: 'control',
      mode: 'PERSONALIZED',
      exposures: 15,
      share_of_variant: 0.75,
      linked_exposures: 12,
      linked_subjects: 12,
      measured_subjects: 12,
      impressions: 24,
      clicks: 7,
      click_through: 0.2917,
    }),
    cell({
      variant: 'control',
      mode: 'CONTEXTUAL_ONLY',
      exposures: 5,
      share_of_variant: 0.25,
      linked_exposures: 4,
      linked_subjects: 4,
      measured_subjects: 4,
      impressions: 4,
      click_through_reason: 'fewer than k subjects',
    }),
    cell({
      variant: 'treatment',
      mode: 'PERSONALIZED',
      exposures: 22,
      share_of_variant: 0.6875,
      linked_exposures: 22,
      linked_subjects: 12,
      measured_subjects: 10,
      impressions: 20,
      clicks: 6,
      click_through: 0.3,
    }),
    cell({
      variant: 'treatment',
      mode: 'CONTEXTUAL_ONLY',
      exposures: 10,
      share_of_variant: 0.3125,
      linked_exposures: 10,
      linked_subjects: 10,
      measured_subjects: 10,
      impressions: 10,
      clicks: 0,
      click_through: 0,
    }),
  ];

  it('reports exposures, shares, click-through from governed data and suppresses cells of fewer than k subjects', async () => {
    const report = await resultsReport(new ExperimentResultsRepository(dataSource), TENANT, [EXPERIMENT], K);
    expect(report).toEqual({
      tenant: TENANT,
      k: K,
      experiments: [
        {
          experiment: 'home_test',
          tenant: TENANT,
          surface: 'home',
          owner: 'growth-team',
          purpose: 'quality_monitoring',
          start: new Date(START).toISOString(),
          end: new Date(END).toISOString(),
          exposures: 52,
          cells: EXPECTED_CELLS,
        },
      ],
    });
    // With a larger k the treatment's personalized cell (exactly 10 subjects) is suppressed too.
    const stricter = await resultsReport(new ExperimentResultsRepository(dataSource), TENANT, [EXPERIMENT], 11);
    expect(stricter.experiments[0].cells.map((x) => [x.click_through, x.clicks, x.click_through_reason])).toEqual([
      [0.2917, 7, null],
      [null, null, 'fewer than k subjects'],
      [null, null, 'fewer than k subjects'],
      [null, null, 'fewer than k subjects'],
    ]);
    const table = formatResultsTable(report);
    expect(table).toContain('purpose quality_monitoring');
    expect(table).toMatch(/control\s+PERSONALIZED\s+15\s+75\.0%\s+12\s+12\s+12\s+24\s+7\s+29\.17%/);
    expect(table).toMatch(/control\s+CONTEXTUAL_ONLY\s+5\s+25\.0%\s+4\s+4\s+4\s+4\s+-\s+-\s+fewer than k subjects/);
  });

  it('refuses an unknown tenant or experiment, naming what is declared', () => {
    const declared = [EXPERIMENT, { ...EXPERIMENT, name: 'other', tenant: 'globex' }];
    expect(selectExperiments(declared, configDir, TENANT)).toEqual([EXPERIMENT]);
    expect(() => selectExperiments(declared, configDir, 'initech')).toThrow(
      expect.objectContaining({
        code: ExperimentsErrorCode.UNKNOWN_TENANT,
        message: expect.stringMatching(/no experiment is declared for tenant initech/),
      }),
    );
    expect(() => selectExperiments(declared, configDir, TENANT, 'other')).toThrow(
      expect.objectContaining({
        code: ExperimentsErrorCode.UNKNOWN_EXPERIMENT,
        message: 'tenant acme has no experiment other (declared: home_test)',
      }),
    );
  });

  describe('npm run experiments (the built command)', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(root, 'dist', 'apps', 'feature-gateway', 'src', 'experiments', 'experiments.main.js'), ...args], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, DATABASE_URL: db.url, CONFIG_DIR: configDir, LOG_LEVEL: 'silent' },
      });

    beforeAll(() => {
      execFileSync(process.execPath, [join(root, 'tools', 'scripts', 'build.mjs'), '--quiet'], { cwd: root });
    }, 120_000);

    it('prints the results as JSON, with the purpose read from experiments.yaml', () => {
      const result = run('results', '--tenant', TENANT, '--json');
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const report = JSON.parse(result.stdout) as { k: number; experiments: { purpose: string; cells: ResultCell[] }[] };
      expect(report.k).toBe(10);
      expect(report.experiments[0].purpose).toBe('quality_monitoring');
      expect(report.experiments[0].cells).toEqual(EXPECTED_CELLS);
    }, 30_000);

    it('prints a table by default', () => {
      const result = run('results', '--tenant', TENANT, '--experiment', 'home_test');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^home_test {2}tenant acme, surface home, owner growth-team, purpose quality_monitoring/);
      expect(result.stdout).toMatch(/variant\s+mode\s+exposures\s+share/);
    }, 30_000);

    it('exits 1 naming an unknown tenant or experiment', () => {
      const tenant = run('results', '--tenant', 'initech');
      expect(tenant.status).toBe(1);
      expect(tenant.stderr).toContain('experiments: no experiment is declared for tenant initech');
      expect(tenant.stdout).toBe('');
      const experiment = run('results', '--tenant', TENANT, '--experiment', 'nope');
      expect(experiment.status).toBe(1);
      expect(experiment.stderr).toContain('experiments: tenant acme has no experiment nope (declared: home_test)');
    }, 30_000);
  });
});
