import { DataSource, EntitySchema, MixedList } from 'typeorm';

export interface ServiceDataSourceOptions {
  url: string;
  /** The PostgreSQL schema this service owns; nobody else reads or writes it. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize?: number;
  applicationName: string;
  /** A database role every connection switches to at start (least privilege at run time); empty = none. */
  role?: string;
}

/**
 * How long an idle pooled connection is kept. node-postgres closes idle connections after 10 s by default, so
 * the first requests after a lull of more than 10 s each opened a new connection (a PostgreSQL backend process
 * each): a latency spike of hundreds of milliseconds exactly when traffic comes back. Ten minutes keeps the pool
 * warm through ordinary lulls and still lets a quiet replica give its connections back.
 */
export const POOL_IDLE_TIMEOUT_MS = 600_000;

/** A TypeORM data source bound to one service schema. Never `synchronize`: schemas change by migration only. */
export function createServiceDataSource(options: ServiceDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Off: TypeORM's error log prints query parameters, which hold (pseudonymous) subject ids.
    logging: false,
    applicationName: options.applicationName,
    extra: {
      max: options.poolSize ?? 10,
      idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS,
      ...(options.role ? { options: `-c role=${options.role}` } : {}),
    },
  });
}

/**
 * Connects, creates the schema if needed and runs pending migrations under an advisory lock, so that replicas
 * starting together migrate once.
 */
export async function initializeServiceDataSource(dataSource: DataSource, schema: string): Promise<DataSource> {
  if (!dataSource.isInitialized) await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrate:${schema}`]).catch(() => undefined);
    await runner.release();
  }
  return dataSource;
}

/** Creates, connects and migrates a service schema in one step (services at start, integration tests). */
export function openSchema(options: ServiceDataSourceOptions): Promise<DataSource> {
  return initializeServiceDataSource(createServiceDataSource(options), options.schema);
}
