// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, TestDatabase } from '@recsys/testing';
import { DataSource } from 'typeorm';
import { Exposure } from '@recsys/proto';
import { InvalidArgumentError, ServiceMetrics } from '@recsys/service-kit';
import { EventRepository } from '../events/event.repository';
import { ExposureRepository } from './exposure.repository';
import { ExposureService, unlinkedRequestKey } from './exposure.service';
import { openFeatureSchema } from '../feature-schema.testing';

const TENANT = 'acme';
const SUBJECT = 'u_exposedAAAAAAAAAAAAAAA';
const ERASED = 'u_erasedAAAAAAAAAAAAAAAA';
const VISITOR = 'a_visitorAAAAAAAAAAAAAAA';
const MINUTE = 60_000;
const DAY = 86_400_000;

/** RecordExposures on the real PostgreSQL: validation, one batched insert, idempotency, the erasure guard. */
describe(ExposureService.name, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let metrics: ServiceMetrics;
  let service: ExposureService;
  const now = Math.floor(Date.now() / 1000) * 1000;
  const exposure = (over: Partial<Exposure> = {}): Exposure => ({
    tenantId: TENANT,
    subjectPid: SUBJECT,
    experiment: 'home_test',
    variant: 'control',
    mode: 'PERSONALIZED',
    requestId: 'req-1',
    itemIds: ['i1', 'i2'],
    occurredAtMs: now - MINUTE,
    surface: 'home',
    ...over,
  });
  const rows = async () =>
    (await dataSource.query(
      `SELECT tenant_id, request_id, experiment, variant, mode, surface, subject_pid, item_ids, (extract(epoch FROM occurred_at) * 1000)::bigint AS at
       FROM features.exposure ORDER BY tenant_id, request_id`,
    )) as {
      tenant_id: string;
      request_id: string;
      experiment: string;
      variant: string;
      mode: string;
      surface: string;
      subject_pid: string;
      item_ids: string[];
      at: string;
    }[];
  const outcome = async (name: string) =>
    (await metrics.registry.getSingleMetric('exposures_recorded_total')!.get()).values.find((v) => v.labels.outcome === name)?.value ?? 0;

  beforeAll(async () => {
    db = await createTestDatabase('recsys_exposures_int');
    dataSource = await openFeatureSchema(db.url);
    metrics = new ServiceMetrics('exposures-int');
    service = new ExposureService(new ExposureRepository(dataSource), metrics, 30, unlinkedRequestKey('int-test-secret'));
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  afterEach(async () => {
    await dataSource.query(`TRUNCATE features.exposure, features.erased_subject`);
  });

  it('stores a batch as sent: linked, unlinked and anonymous exposures, items in order', async () => {
    const result = await service.record({
      exposures: [
        exposure(),
        exposure({ requestId: 'req-2', subjectPid: '', variant: 'treatment', mode: 'CONTEXTUAL_ONLY', itemIds: ['i3', 'i1'] }),
        exposure({ requestId: 'req-3', subjectPid: VISITOR, mode: 'NON_PERSONALIZED', itemIds: [] }),
        exposure({ tenantId: 'globex', requestId: 'req-1', surface: 'item_page' }),
      ],
    });
    expect(result).toEqual({ stored: 4 });
    expect(await rows()).toEqual([
      {
        tenant_id: 'acme',
        request_id: 'req-1',
        experiment: 'home_test',
        variant: 'control',
        mode: 'PERSONALIZED',
        surface: 'home',
        subject_pid: SUBJECT,
        item_ids: ['i1', 'i2'],
        at: String(now - MINUTE),
      },
      expect.objectContaining({ request_id: 'req-3', subject_pid: VISITOR, mode: 'NON_PERSONALIZED', item_ids: [] }),
      // Unlinked: not under its request id (which the subject's decision record also holds), under a keyed hash.
      expect.objectContaining({
        request_id: unlinkedRequestKey('int-test-secret')('acme', 'req-2'),
        subject_pid: '',
        variant: 'treatment',
        mode: 'CONTEXTUAL_ONLY',
        item_ids: ['i3', 'i1'],
      }),
      expect.objectContaining({ tenant_id: 'globex', request_id: 'req-1', surface: 'item_page' }),
    ]);
  });

  it('is idempotent by tenant and request id: a retried batch and a repeat within a batch are stored once', async () => {
    const batch = [exposure(), exposure({ requestId: 'req-2' })];
    expect(await service.record({ exposures: batch })).toEqual({ stored: 2 });
    const duplicatesBefore = await outcome('duplicate');
    expect(await service.record({ exposures: [...batch, exposure({ requestId: 'req-3' }), exposure({ requestId: 'req-3' })] })).toEqual({
      stored: 1,
    });
    expect((await rows()).map((r) => r.request_id)).toEqual(['req-1', 'req-2', 'req-3']);
    expect((await outcome('duplicate')) - duplicatesBefore).toBe(3);
  });

  it('does not store an erased subject’s exposures dated before the erasure, stores later ones, and counts what it skipped', async () => {
    await new EventRepository(dataSource).deleteSubject(TENANT, ERASED, true);
    const [{ t }] = (await dataSource.query(`SELECT extract(epoch FROM erased_at) * 1000 AS t FROM features.erased_subject`)) as {
      t: string;
    }[];
    const erasedAt = Math.floor(Number(t));
    const before = await outcome('erased_subject');
    const result = await service.record({
      exposures: [
        exposure({ subjectPid: ERASED, requestId: 'late-copy', occurredAtMs: erasedAt - MINUTE }),
        exposure({ subjectPid: ERASED, requestId: 'after-erasure', occurredAtMs: erasedAt + 1000 }),
        // The same time for someone else, and unlinked: not affected.
        exposure({ subjectPid: SUBJECT, requestId: 'someone-else', occurredAtMs: erasedAt - MINUTE }),
        exposure({ subjectPid: '', requestId: 'unlinked', occurredAtMs: erasedAt - MINUTE }),
        // Another tenant's subject with the same pseudonymous id was not erased.
        exposure({ tenantId: 'globex', subjectPid: ERASED, requestId: 'other-tenant', occurredAtMs: erasedAt - MINUTE }),
      ],
    });
    expect(result).toEqual({ stored: 4 });
    expect((await rows()).map((r) => `${r.tenant_id}/${r.request_id}`)).toEqual([
      'acme/after-erasure',
      'acme/someone-else',
      `acme/${unlinkedRequestKey('int-test-secret')('acme', 'unlinked')}`,
      'globex/other-tenant',
    ]);
    expect((await outcome('erased_subject')) - before).toBe(1);
  });

  it('skips, and counts, an exposure already older than its retention', async () => {
    const before = await outcome('expired');
    expect(
      await service.record({
        exposures: [exposure({ occurredAtMs: now - 31 * DAY }), exposure({ requestId: 'req-2', occurredAtMs: now - 29 * DAY })],
      }),
    ).toEqual({ stored: 1 });
    expect((await rows()).map((r) => r.request_id)).toEqual(['req-2']);
    expect((await outcome('expired')) - before).toBe(1);
  });

  it('refuses a malformed batch with every problem named, and stores nothing of it', async () => {
    const bad = exposure({
      tenantId: 'Not A Tenant',
      subjectPid: 'alice@example.com',
      experiment: 'Home Test',
      variant: '',
      mode: 'PRIVACY_MODE_UNSPECIFIED',
      requestId: '',
      itemIds: Array.from({ length: 101 }, (_, i) => `i${i}`),
      occurredAtMs: 0,
      surface: 'home page',
    });
    const error = await service.record({ exposures: [exposure(), bad] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).problems).toEqual([
      'exposures[1]: tenant_id is missing or invalid',
      'exposures[1]: subject_pid must be empty or a pseudonymous subject id',
      'exposures[1]: experiment must be an experiment name',
      'exposures[1]: variant must be a variant name',
      'exposures[1]: surface must be a surface name',
      'exposures[1]: mode must be one of PERSONALIZED, CONTEXTUAL_ONLY, NON_PERSONALIZED',
      'exposures[1]: request_id is missing or not an id',
      'exposures[1]: at most 100 item_ids',
      'exposures[1]: occurred_at_ms is required',
    ]);
    // A problem message names fields, never values (a value may be a raw id).
    expect(JSON.stringify((error as InvalidArgumentError).problems)).not.toContain('alice');
    await expect(service.record({ exposures: [exposure({ occurredAtMs: now + 10 * MINUTE })] })).rejects.toThrow(
      /occurred_at_ms is in the future/,
    );
    await expect(service.record({ exposures: [exposure({ itemIds: ['i1', ''] })] })).rejects.toThrow(/item_ids must be 1-256 characters/);
    await expect(service.record({ exposures: Array.from({ length: 1001 }, (_, i) => exposure({ requestId: `r${i}` })) })).rejects.toThrow(
      /at most 1000 exposures per call \(got 1001\)/,
    );
    const many = (await service
      .record({ exposures: Array.from({ length: 30 }, (_, i) => exposure({ requestId: `r${i}`, mode: 'personalized' })) })
      .catch((e: unknown) => e)) as InvalidArgumentError;
    expect(many).toBeInstanceOf(InvalidArgumentError);
    expect(many.problems).toHaveLength(21);
    expect(many.problems[20]).toBe('and 10 more problems');
    expect(await rows()).toEqual([]);
  });

  it('stores a full batch of 1000 in one call', async () => {
    const batch = Array.from({ length: 1000 }, (_, i) =>
      exposure({ requestId: `bulk-${i}`, itemIds: Array.from({ length: 100 }, (_, j) => `i${j}`) }),
    );
    expect(await service.record({ exposures: batch })).toEqual({ stored: 1000 });
    expect(Number((await dataSource.query(`SELECT sum(cardinality(item_ids)) AS n FROM features.exposure`))[0].n)).toBe(100_000);
  });
});
