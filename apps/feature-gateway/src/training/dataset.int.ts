// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, TestDatabase } from '@recsys/testing';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { PRIVACY_FILTER_VERSION } from '@recsys/models';
import { CheckTrainingConsentRequest, CheckTrainingConsentResult } from '@recsys/proto';

import { DatasetBuilder } from './dataset-builder';
import { DatasetRepository } from './dataset.repository';
import { ScopePermissionRepository } from './scope-permission.repository';
import { TrainingDataRepository } from './training-data.repository';
import { TrainingErrorCode } from './training.errors';
import { TrainingScopeService } from './training-scope.service';
import { parseTrainingScopes } from './training-scopes';
import { openFeatureSchema } from '../feature-schema.testing';

/** Pseudonymous fixture ids: `u_` + 22 characters, distinct per tenant. */
const pid = (tenant: string, n: number) => `u_${tenant.slice(0, 4)}${String(n).padStart(18, '0')}`;
const SUBJECTS = 10;
const ITEMS_PER_SUBJECT = 3;

const SCOPES = parseTrainingScopes(
  `default:
  scope: tenant_specific
tenants:
  globex: { scope: global_shared }
  initech: { scope: global_shared }
  hooli: { scope: global_shared }
  umbrella: { scope: no_cross_tenant }
`,
  'training-scopes.yaml',
);

/**
 * consent-service's answers per tenant (the builder's one collaborator that is not real here): subject 0 of
 * every tenant has a deletion request (and is still named trainable, to prove the builder's own filter), subjects
 * 1 and 2 have no training consent.
 */
function consentStub() {
  const asked: CheckTrainingConsentRequest[] = [];
  return {
    asked,
    client: {
      checkTrainingConsent: async (req: CheckTrainingConsentRequest): Promise<CheckTrainingConsentResult> => {
        asked.push(req);
        const noConsent = new Set([pid(req.tenantId, 1), pid(req.tenantId, 2)]);
        return {
          trainablePids: req.subjectPids.filter((p) => !noConsent.has(p)),
          deletedPids: req.subjectPids.filter((p) => p === pid(req.tenantId, 0)),
          deletionSnapshot: `${req.tenantId}-snap-7`,
        };
      },
    },
  };
}

describe(DatasetBuilder.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let datasets: DatasetRepository;
  let permissions: ScopePermissionRepository;
  let consent: ReturnType<typeof consentStub>;
  let builder: DatasetBuilder;

  const makeBuilder = (keep = 3) =>
    new DatasetBuilder({
      data: new TrainingDataRepository(dataSource),
      datasets,
      permissions,
      scopes: SCOPES,
      consent: consent.client,
      logger: pino({ level: 'silent' }),
      options: { windowDays: 90, keep },
    });
  const query = async <T>(sql: string, params: unknown[] = []) => (await dataSource.query(sql, params)) as T[];
  /** What the database holds for one dataset: row count per source tenant, and the subjects. */
  const stored = async (tenantId: string, datasetId: string) => {
    const rows = await query<{ source_tenant: string; subject_pid: string }>(
      `SELECT source_tenant, subject_pid FROM features.training_row WHERE tenant_id = $1 AND dataset_id = $2`,
      [tenantId, datasetId],
    );
    const perTenant: Record<string, number> = {};
    for (const r of rows) perTenant[r.source_tenant] = (perTenant[r.source_tenant] ?? 0) + 1;
    return { perTenant, subjects: new Set(rows.map((r) => `${r.source_tenant}/${r.subject_pid}`)) };
  };
  const datasetCount = async (tenantId: string) =>
    Number((await query<{ n: string }>(`SELECT count(*) AS n FROM features.training_dataset WHERE tenant_id = $1`, [tenantId]))[0].n);

  beforeAll(async () => {
    db = await createTestDatabase('recsys_dataset_int');
    dataSource = await openFeatureSchema(db.url, 3);
    for (const tenant of ['acme', 'globex', 'initech', 'hooli', 'umbrella']) {
      await dataSource.query(
        `INSERT INTO features.event (tenant_id, subject_pid, item_id, event_type, occurred_at)
         SELECT $1, 'u_' || substr($1, 1, 4) || lpad(s::text, 18, '0'), $1 || '-i' || i, 'view', now() - interval '1 day'
         FROM generate_series(0, $2 - 1) AS s, generate_series(1, $3) AS i`,
        [tenant, SUBJECTS, ITEMS_PER_SUBJECT],
      );
    }
    datasets = new DatasetRepository(dataSource);
    permissions = new ScopePermissionRepository(dataSource);
  }, 60_000);

  beforeEach(() => {
    consent = consentStub();
    builder = makeBuilder();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it("stores a tenant_specific dataset without deleted subjects, subjects without training consent or another tenant's rows", async () => {
    const built = await builder.build('acme', { name: 'nightly' });

    const { perTenant, subjects } = await stored('acme', built.datasetId);
    expect(perTenant).toEqual({ acme: 7 * ITEMS_PER_SUBJECT });
    expect(subjects).toEqual(new Set([3, 4, 5, 6, 7, 8, 9].map((n) => `acme/${pid('acme', n)}`)));
    const [row] = await query<{ name: string; state: string; manifest: Record<string, unknown> }>(
      `SELECT name, state, manifest FROM features.training_dataset WHERE tenant_id = 'acme' AND dataset_id = $1`,
      [built.datasetId],
    );
    expect(row.name).toBe('nightly');
    expect(row.state).toBe('ready');
    expect(row.manifest).toMatchObject({
      dataset_id: built.datasetId,
      tenant: 'acme',
      tenant_scope: 'tenant_specific',
      privacy_filters: { exclude_deleted_users: true, exclude_no_training_consent: true, tenant_scope: 'tenant_specific' },
      privacy_filter_version: PRIVACY_FILTER_VERSION,
      deletion_snapshot: 'acme-snap-7',
      contributing_tenants: ['acme'],
      filter_overrides: [],
      window_days: 90,
      rows: 21,
      subjects: 7,
      items: 3,
      excluded: { deleted_subjects: 1, no_training_consent_subjects: 2, other_tenant_rows: 0, rows: 9 },
    });
    // consent-service was asked about acme's subjects only, as acme's.
    expect(consent.asked.map((r) => r.tenantId)).toEqual(['acme']);
    expect(consent.asked[0].subjectPids).toHaveLength(SUBJECTS);
    expect((await datasets.rows('acme', built.datasetId)).map((r) => r.user)).not.toContain(pid('acme', 0));
  });

  it('records a filter switched off on purpose in the manifest, and the dataset then holds those subjects', async () => {
    const built = await builder.build('umbrella', {
      overrides: [{ filter: 'exclude_no_training_consent', reason: 'consent audit sample' }],
    });
    const manifest = (await datasets.get('umbrella', built.datasetId))!.manifest;
    expect(manifest.privacy_filters.exclude_no_training_consent).toBe(false);
    expect(manifest.filter_overrides).toEqual([{ filter: 'exclude_no_training_consent', reason: 'consent audit sample' }]);
    expect((await stored('umbrella', built.datasetId)).subjects.has(`umbrella/${pid('umbrella', 1)}`)).toBe(true);
    expect(manifest.excluded.deleted_subjects).toBe(1);
  });

  it('fails closed for global_shared without a recorded permission: nothing is stored, nobody is asked about', async () => {
    await expect(builder.build('globex')).rejects.toMatchObject({
      code: TrainingErrorCode.SCOPE_NOT_PERMITTED,
      message: expect.stringMatching(/tenant globex is configured global_shared but has no current recorded permission/),
    });
    expect(await datasetCount('globex')).toBe(0);
    expect(consent.asked).toEqual([]);
  });

  it('never records a permission for a no_cross_tenant tenant', async () => {
    const scopes = new TrainingScopeService(SCOPES, permissions);
    await expect(scopes.permit('umbrella', 'MSA-1', 'ops-test')).rejects.toMatchObject({
      code: TrainingErrorCode.PERMISSION_REFUSED,
      message: expect.stringMatching(/umbrella is configured no_cross_tenant/),
    });
    expect(await query(`SELECT * FROM features.training_scope_permission WHERE tenant_id = 'umbrella'`)).toEqual([]);
  });

  it('with permissions, joins exactly the permitted global_shared tenants, each checked against its own consent', async () => {
    const scopes = new TrainingScopeService(SCOPES, permissions);
    await scopes.permit('globex', 'MSA-2026/1', 'ops-test');
    await scopes.permit('initech', 'MSA-2026/2', 'ops-test');
    // acme is tenant_specific: a permission can be recorded ahead of a config change, but it is not in force.
    expect((await scopes.permit('acme', 'MSA-2026/3', 'ops-test')).effective).toBe(false);
    await expect(scopes.permit('globex', 'MSA-2026/9', 'ops-test')).rejects.toMatchObject({ code: TrainingErrorCode.PERMISSION_CONFLICT });

    const built = await builder.build('globex');

    const { perTenant, subjects } = await stored('globex', built.datasetId);
    expect(perTenant).toEqual({ globex: 21, initech: 21 }); // nothing of hooli (no permission) nor acme (not global_shared)
    expect(subjects.has(`globex/${pid('globex', 0)}`)).toBe(false);
    expect(subjects.has(`initech/${pid('initech', 1)}`)).toBe(false);
    expect(built.manifest).toMatchObject({
      tenant_scope: 'global_shared',
      contributing_tenants: ['globex', 'initech'],
      deletion_snapshot: 'globex=globex-snap-7,initech=initech-snap-7',
      subjects: 14,
      excluded: { deleted_subjects: 2, no_training_consent_subjects: 4 },
    });
    for (const req of consent.asked) expect(req.subjectPids.every((p) => p.startsWith(`u_${req.tenantId.slice(0, 4)}`))).toBe(true);
    expect(consent.asked.map((r) => r.tenantId).sort()).toEqual(['globex', 'initech']);

    // A revoked permission takes the tenant out of every dataset built from then on.
    await scopes.revoke('initech', 'ops-test');
    const after = await makeBuilder().build('globex');
    expect((await stored('globex', after.datasetId)).perTenant).toEqual({ globex: 21 });
    await expect(makeBuilder().build('initech')).rejects.toMatchObject({ code: TrainingErrorCode.SCOPE_NOT_PERMITTED });
  });

  it("deleteSubject removes exactly that subject's rows from every stored dataset, counts them, and a later build cannot bring them back", async () => {
    await new TrainingScopeService(SCOPES, permissions).permit('initech', 'MSA-2026/4', 'ops-test');
    const ofInitech = await builder.build('initech'); // global_shared: holds globex's subjects too
    const ofGlobex = (await datasets.list('globex')).map((d) => d.datasetId);
    const subject = pid('globex', 5);
    const other = pid('globex', 6);
    const holding = await datasets.exportSubject('globex', subject);
    expect(holding.length).toBe(ofGlobex.length + 1);
    const before = await datasets.countSubject('globex', subject);
    expect(before).toBe(holding.reduce((n, d) => n + d.rows, 0));
    const otherBefore = await datasets.countSubject('globex', other);
    const total = async () => Number((await query<{ n: string }>(`SELECT count(*) AS n FROM features.training_row`))[0].n);
    const totalBefore = await total();

    expect(await datasets.deleteSubject('globex', subject)).toBe(before);

    expect(await datasets.countSubject('globex', subject)).toBe(0);
    expect(await query(`SELECT 1 FROM features.training_row WHERE subject_pid = $1`, [subject])).toEqual([]);
    expect(await datasets.countSubject('globex', other)).toBe(otherBefore);
    expect(await total()).toBe(totalBefore - before);
    expect((await datasets.get('initech', ofInitech.datasetId))!.rowsRemovedByDeletion).toBe(ITEMS_PER_SUBJECT);
    for (const id of ofGlobex) expect((await datasets.get('globex', id))!.rowsRemovedByDeletion).toBe(ITEMS_PER_SUBJECT);
    expect(await datasets.deleteSubject('globex', subject)).toBe(0); // idempotent

    // consent-service still names the subject trainable (a build that checked consent before the deletion):
    // the store purges them before the dataset commits and says so.
    const rebuilt = await makeBuilder().build('globex');
    expect(rebuilt.purged).toBe(ITEMS_PER_SUBJECT);
    expect(await datasets.countSubject('globex', subject)).toBe(0);
    expect((await datasets.get('globex', rebuilt.datasetId))!.rowsRemovedByDeletion).toBe(ITEMS_PER_SUBJECT);
  });

  it('keeps the newest datasets per tenant and drops older ones with their rows', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await makeBuilder(2).build('umbrella', { now: new Date(Date.now() + i * 1000) })).datasetId);
    expect((await datasets.list('umbrella')).map((d) => d.datasetId)).toEqual([ids[3], ids[2]]);
    expect(
      await query(`SELECT 1 FROM features.training_row WHERE tenant_id = 'umbrella' AND dataset_id = ANY($1)`, [[ids[0], ids[1]]]),
    ).toEqual([]);
    expect((await datasets.latest('umbrella'))!.datasetId).toBe(ids[3]);
    expect((await datasets.list('acme')).length).toBeGreaterThan(0); // other tenants' datasets untouched
  });

  it('leaves nothing half-written when storing fails', async () => {
    const built = await builder.prepare('acme');
    const before = await datasetCount('acme');
    const broken = { ...built, rows: [...built.rows, built.rows[0]] }; // a duplicate row violates the primary key
    await expect(datasets.save('acme', broken, 3)).rejects.toThrow(/duplicate key/);
    expect(await datasetCount('acme')).toBe(before);
    expect(await query(`SELECT 1 FROM features.training_row WHERE dataset_id = $1`, [built.datasetId])).toEqual([]);
  });
});
