// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, TestDatabase } from '@recsys/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { openSchema } from '@recsys/service-kit';
import { AuditRecord } from '@recsys/proto';

import { AUDIT_MIGRATIONS } from '../migrations';
import { AUDIT_ENTITIES } from './audit.entities';
import { AuditRepository } from './audit.repository';

const SUBJECT = 'u_subjectAAAAAAAAAAAAAAA';
const OTHER = 'u_subjectBBBBBBBBBBBBBBB';

/** A subject's decision records on the real PostgreSQL: purge, count, and the guard against late batches. */
describe(`${AuditRepository.name} subject decisions`, () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let repository: AuditRepository;
  const record = (tenantId: string, target: string, action: string, occurredAtMs = Date.now() - 60_000): AuditRecord => ({
    tenantId,
    actor: 'svc:test',
    action,
    target,
    reason: 'PERSONALIZED',
    occurredAtMs,
    requestId: 'r',
    detailsJson: '{}',
    recordId: randomUUID(),
    seq: 0,
    hash: '',
  });
  const actions = async (tenantId: string, target: string) =>
    (await repository.query(tenantId, { target, limit: 100 })).map((r) => r.action).sort();

  beforeAll(async () => {
    db = await createTestDatabase('recsys_audit_subject_int');
    dataSource = await openSchema({
      url: db.url,
      schema: 'audit',
      entities: AUDIT_ENTITIES,
      migrations: AUDIT_MIGRATIONS,
      poolSize: 2,
      applicationName: 'int',
    });
    repository = new AuditRepository(dataSource);
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('deletes only the subject’s decision records of the tenant, keeps the audit trail, and is idempotent', async () => {
    await repository.append([
      record('acme', SUBJECT, 'recommend.decision'),
      record('acme', SUBJECT, 'recommend.decision'),
      record('acme', SUBJECT, 'consent.set'),
      record('acme', OTHER, 'recommend.decision'),
      record('globex', SUBJECT, 'recommend.decision'),
    ]);
    expect(await repository.countSubjectDecisions('acme', SUBJECT, 'h_none')).toBe(2);
    expect(await repository.purgeSubjectDecisions('acme', SUBJECT, 'h_none')).toBe(2);
    expect(await repository.purgeSubjectDecisions('acme', SUBJECT, 'h_none')).toBe(0);
    expect(await repository.countSubjectDecisions('acme', SUBJECT, 'h_none')).toBe(0);
    expect(await actions('acme', SUBJECT)).toEqual(['consent.set']);
    expect(await actions('acme', OTHER)).toEqual(['recommend.decision']);
    expect(await actions('globex', SUBJECT)).toEqual(['recommend.decision']);
  });

  it('does not store a late decision record of an erased subject dated before the erasure; later ones and other actions are stored', async () => {
    const [{ t }] = (await dataSource.query(
      `SELECT extract(epoch FROM erased_at) * 1000 AS t FROM audit.erased_subject WHERE subject_pid = $1`,
      [SUBJECT],
    )) as { t: string }[];
    const erasedAt = Math.floor(Number(t));
    expect(
      await repository.append([
        record('acme', SUBJECT, 'recommend.decision', erasedAt - 1000),
        record('acme', SUBJECT, 'deletion.step', erasedAt - 1000),
        record('acme', SUBJECT, 'recommend.decision', erasedAt + 1000),
      ]),
    ).toBe(2);
    expect(await repository.countSubjectDecisions('acme', SUBJECT, 'h_none')).toBe(1);
    expect(await actions('acme', SUBJECT)).toEqual(['consent.set', 'deletion.step', 'recommend.decision']);
  });
});
