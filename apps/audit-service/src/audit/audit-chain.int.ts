// Test-only: the shared helpers of @recsys/testing (type:testing), which no production code of this app imports.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, TestDatabase } from '@recsys/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditRecord } from '@recsys/proto';
import { createServiceDataSource, initializeServiceDataSource } from '@recsys/service-kit';
import { AUDIT_MIGRATIONS } from '../migrations';
import { AUDIT_WRITER_ROLE } from '../migrations/1765000000000-audit-chain';
import { AUDIT_ENTITIES } from './audit.entities';
import { AuditRepository } from './audit.repository';

/** The hash-chained, append-only audit trail on the real PostgreSQL. */
describe('audit trail hash chain', () => {
  let db: TestDatabase;
  let owner: DataSource;
  let runtime: DataSource;
  let repository: AuditRepository;
  const record = (tenantId: string, i: number, over: Partial<AuditRecord> = {}): AuditRecord => ({
    tenantId,
    recordId: randomUUID(),
    actor: 'svc:consent-service',
    action: 'consent.set',
    target: `u_subject${String(i).padStart(16, '0')}`,
    reason: 'set_consent',
    occurredAtMs: Date.UTC(2026, 11, 1, 10, 0, 0, i * 7 + 3),
    requestId: `req-${i}`,
    detailsJson: JSON.stringify({
      consentVersion: String(i),
      grants: [{ purpose: 'PERSONALIZATION', granted: i % 2 === 0 }],
      z: 1,
      a: 2.5,
    }),
    seq: 0,
    hash: '',
    ...over,
  });
  const fill = async (tenantId: string, n: number) => {
    for (let i = 1; i <= n; i += 5)
      await repository.append(Array.from({ length: Math.min(5, n - i + 1) }, (_, k) => record(tenantId, i + k)));
  };
  /** What an attacker with DDL rights could do: switch the append-only trigger off around a change. */
  const tamper = async (sql: string, params: unknown[]) => {
    await owner.query(`ALTER TABLE audit.audit_record DISABLE TRIGGER audit_record_append_only`);
    try {
      await owner.query(sql, params);
    } finally {
      await owner.query(`ALTER TABLE audit.audit_record ENABLE TRIGGER audit_record_append_only`);
    }
  };
  const recordIdAt = async (tenantId: string, seq: number) =>
    (
      (await owner.query(`SELECT record_id::text FROM audit.audit_record WHERE tenant_id = $1 AND chain_seq = $2`, [tenantId, seq])) as {
        record_id: string;
      }[]
    )[0].record_id;

  beforeAll(async () => {
    db = await createTestDatabase('recsys_audit_chain_int');
    const options = { url: db.url, schema: 'audit', entities: AUDIT_ENTITIES, poolSize: 2, applicationName: 'int' };
    owner = await initializeServiceDataSource(createServiceDataSource({ ...options, migrations: AUDIT_MIGRATIONS }), 'audit');
    runtime = await createServiceDataSource({ ...options, migrations: [], role: AUDIT_WRITER_ROLE }).initialize();
    repository = new AuditRepository(runtime);
  }, 60_000);

  afterAll(async () => {
    await runtime?.destroy();
    await owner?.destroy();
    await db?.drop();
  });

  it('chains every tenant’s records in order and verifies them intact; a retried batch is stored once', async () => {
    await fill('acme', 23);
    await fill('globex', 4);
    const retry = [record('acme', 99), record('acme', 100)];
    expect(await repository.append(retry)).toBe(2);
    expect(await repository.append(retry)).toBe(0);
    expect(await repository.verifyChain('acme')).toEqual({
      intact: true,
      recordsChecked: 25,
      firstBrokenSeq: 0,
      firstBrokenRecordId: '',
      problem: '',
    });
    expect((await repository.verifyChain('globex')).recordsChecked).toBe(4);
    const [newest] = await repository.query('acme', { limit: 1 });
    expect(newest).toMatchObject({ seq: 25, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('keeps one consistent chain under concurrent appends', async () => {
    await Promise.all(Array.from({ length: 12 }, (_, i) => repository.append([record('initech', i), record('initech', i + 100)])));
    expect(await repository.verifyChain('initech')).toMatchObject({ intact: true, recordsChecked: 24 });
  });

  it('refuses UPDATE and DELETE of audit rows: for the runtime role by privilege, for everyone by trigger', async () => {
    await expect(runtime.query(`UPDATE audit.audit_record SET reason = 'x' WHERE tenant_id = 'acme'`)).rejects.toThrow(/permission denied/);
    await expect(runtime.query(`DELETE FROM audit.audit_record WHERE tenant_id = 'acme'`)).rejects.toThrow(/permission denied/);
    await expect(owner.query(`UPDATE audit.audit_record SET reason = 'x' WHERE tenant_id = 'acme'`)).rejects.toThrow(/append-only/);
    await expect(owner.query(`DELETE FROM audit.audit_record WHERE tenant_id = 'acme'`)).rejects.toThrow(/append-only/);
    await expect(owner.query(`TRUNCATE audit.audit_record`)).rejects.toThrow(/append-only/);
    // The head only moves forward: it cannot be removed or wound back to hide a removed tail.
    await expect(owner.query(`DELETE FROM audit.chain_head WHERE tenant_id = 'acme'`)).rejects.toThrow(/only move forward/);
    await expect(owner.query(`UPDATE audit.chain_head SET last_seq = last_seq - 1 WHERE tenant_id = 'acme'`)).rejects.toThrow(
      /only move forward/,
    );
    expect((await repository.verifyChain('acme')).intact).toBe(true);
  });

  it('names the first edited record', async () => {
    await fill('t-edit', 20);
    await tamper(`UPDATE audit.audit_record SET reason = 'nothing to see' WHERE tenant_id = 't-edit' AND chain_seq = 7`, []);
    expect(await repository.verifyChain('t-edit')).toEqual({
      intact: false,
      recordsChecked: 7,
      firstBrokenSeq: 7,
      firstBrokenRecordId: await recordIdAt('t-edit', 7),
      problem: 'content changed',
    });
  });

  it('names an edit of the details, even with the hash recomputed by the editor', async () => {
    await fill('t-rehash', 10);
    // The editor also rewrites the record's own hash; the successor's link gives it away.
    await tamper(
      `UPDATE audit.audit_record SET details = '{"consentVersion":"4","grants":[]}', hash = repeat('a', 64) WHERE tenant_id = 't-rehash' AND chain_seq = 4`,
      [],
    );
    expect(await repository.verifyChain('t-rehash')).toMatchObject({ intact: false, firstBrokenSeq: 4 });
  });

  it('names a deleted record, a deleted tail and a reordering', async () => {
    await fill('t-delete', 15);
    await tamper(`DELETE FROM audit.audit_record WHERE tenant_id = 't-delete' AND chain_seq = 12`, []);
    expect(await repository.verifyChain('t-delete')).toMatchObject({
      intact: false,
      firstBrokenSeq: 12,
      problem: 'record missing (deleted)',
    });

    await fill('t-tail', 9);
    await tamper(`DELETE FROM audit.audit_record WHERE tenant_id = 't-tail' AND chain_seq = 9`, []);
    expect(await repository.verifyChain('t-tail')).toMatchObject({
      intact: false,
      firstBrokenSeq: 9,
      problem: 'records missing at the end of the chain',
    });

    await fill('t-order', 8);
    // Swap two records' positions (and their links): the content no longer matches the position it claims.
    await tamper(
      `UPDATE audit.audit_record SET chain_seq = CASE chain_seq WHEN 3 THEN -4 ELSE -3 END WHERE tenant_id = 't-order' AND chain_seq IN (3, 4)`,
      [],
    );
    await tamper(`UPDATE audit.audit_record SET chain_seq = -chain_seq WHERE tenant_id = 't-order' AND chain_seq < 0`, []);
    expect(await repository.verifyChain('t-order')).toMatchObject({ intact: false, firstBrokenSeq: 3 });
  });
});
