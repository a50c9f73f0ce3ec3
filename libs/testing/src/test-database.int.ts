import { Client } from 'pg';
import { createTestDatabase, DEFAULT_ADMIN_URL } from './test-database';

const adminUrl = process.env.TEST_DATABASE_ADMIN_URL || DEFAULT_ADMIN_URL;

async function databaseExists(name: string): Promise<boolean> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe(createTestDatabase.name, () => {
  it('creates a fresh, usable database and drops it even while a connection is still open', async () => {
    const db = await createTestDatabase('recsys_helper');
    expect(db.name).toMatch(/^recsys_helper_[a-z0-9]+_[0-9a-f]{8}$/);
    const client = new Client({ connectionString: db.url });
    client.on('error', () => undefined); // the drop terminates this session on purpose
    await client.connect();
    expect((await client.query('SELECT current_database() AS name')).rows[0].name).toBe(db.name);

    await db.drop();
    await db.drop(); // idempotent

    expect(await databaseExists(db.name)).toBe(false);
    await client.end().catch(() => undefined);
  });

  it('gives concurrent callers different databases', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      expect(a.name).not.toBe(b.name);
      expect(a.url).not.toBe(b.url);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('refuses a prefix that is not a plain identifier', async () => {
    await expect(createTestDatabase('x"; DROP DATABASE postgres; --')).rejects.toThrow(/prefix/);
  });

  it('says which variable to set when the server cannot be reached', async () => {
    await expect(createTestDatabase('recsys_test', 'postgres://postgres@127.0.0.1:1/postgres')).rejects.toThrow(/TEST_DATABASE_ADMIN_URL/);
  });
});
