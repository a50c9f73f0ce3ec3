import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { AuditRecord } from '@recsys/proto';

/** Durable storage for audit records audit-service could not take yet (seed §35: audit never loses a record). */
export interface AuditOutbox {
  /** Stores records durably (a record id already stored is kept once). */
  save(records: readonly AuditRecord[]): Promise<void>;
  /** The oldest stored records. */
  take(limit: number): Promise<AuditRecord[]>;
  /** Forgets delivered records. */
  remove(recordIds: readonly string[]): Promise<void>;
  count(): Promise<number>;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** The outbox as a table of the sending service's own schema (`<schema>.audit_outbox`). */
export class PgAuditOutbox implements AuditOutbox {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    if (!SCHEMA.test(schema)) throw new Error(`invalid schema name for the audit outbox: ${schema}`);
    this.table = `${schema}.audit_outbox`;
  }

  async save(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO ${this.table} (record_id, record) SELECT (r->>'recordId')::uuid, r FROM jsonb_array_elements($1::jsonb) AS r
       ON CONFLICT (record_id) DO NOTHING`,
      [JSON.stringify(records)],
    );
  }

  async take(limit: number): Promise<AuditRecord[]> {
    const rows = (await this.dataSource.query(`SELECT record FROM ${this.table} ORDER BY id LIMIT $1`, [limit])) as {
      record: AuditRecord;
    }[];
    return rows.map((r) => r.record);
  }

  async remove(recordIds: readonly string[]): Promise<void> {
    if (recordIds.length === 0) return;
    await this.dataSource.query(`DELETE FROM ${this.table} WHERE record_id = ANY($1::uuid[])`, [recordIds]);
  }

  async count(): Promise<number> {
    const [{ n }] = (await this.dataSource.query(`SELECT count(*)::int AS n FROM ${this.table}`)) as { n: number }[];
    return n;
  }
}

/** The migration that creates a service's outbox table; each service registers it with its own timestamp. */
export function auditOutboxMigration(schema: string, timestamp: number): new () => MigrationInterface {
  if (!SCHEMA.test(schema)) throw new Error(`invalid schema name for the audit outbox: ${schema}`);
  const name = `AuditOutbox${timestamp}`;
  return class implements MigrationInterface {
    name = name;

    async up(q: QueryRunner): Promise<void> {
      await q.query(`CREATE TABLE IF NOT EXISTS ${schema}.audit_outbox (
        id bigserial PRIMARY KEY, record_id uuid NOT NULL UNIQUE, record jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP TABLE ${schema}.audit_outbox`);
    }
  };
}
