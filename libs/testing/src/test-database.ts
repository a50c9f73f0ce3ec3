import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server a test database is created on: `TEST_DATABASE_ADMIN_URL`, else the local trust-auth server. */
export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** The database's name (`<prefix>_<random>`). */
  name: string;
  /** Connection string of the new database: the admin URL with its database replaced. */
  url: string;
  /** Drops the database, terminating any connection still open. Idempotent; never throws. */
  drop(): Promise<void>;
}

/**
 * Creates an empty PostgreSQL database for one test run. The name is `<prefix>_<random>`, so concurrent runs
 * never share one; call `drop()` when done (also after a failed setup).
 */
export async function createTestDatabase(
  prefix = 'recsys_test',
  adminUrl = process.env.TEST_DATABASE_ADMIN_URL || DEFAULT_ADMIN_URL,
): Promise<TestDatabase> {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) throw new Error(`test database prefix "${prefix}" must be [a-z_][a-z0-9_]{0,40}`);
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${quoteIdent(name)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin(adminUrl, (admin) => dropDatabase(admin, name)).catch((error: unknown) => {
        // A leftover database is only clutter; the test outcome must not depend on it.
        process.emitWarning(`could not drop test database ${name}: ${(error as Error).message}`);
      });
    },
  };
}

async function dropDatabase(admin: Client, name: string): Promise<void> {
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } catch (error) {
    // PostgreSQL before 13 has no WITH (FORCE): end the sessions, then drop.
    if ((error as { code?: string }).code !== '42601') throw error;
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
  }
}

async function withAdmin<T>(adminUrl: string, work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`cannot reach the PostgreSQL admin database (set TEST_DATABASE_ADMIN_URL): ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return await work(admin);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
