import { randomBytes } from 'node:crypto';

export interface TestStackEnvOptions {
  databaseUrl: string;
  /** Empty for a stack without Redis (in-process caches). */
  redisUrl: string;
  namespace: string;
  /** Key id of the generated PRIVACY_CONTEXT_KEYS entry. */
  keyId?: string;
  /** Caller-specific variables; they win over the common ones. */
  overrides?: NodeJS.ProcessEnv;
}

/**
 * The environment every service of a test or benchmark stack needs: the database, Redis, a key namespace and
 * fresh random secrets generated per call (nothing secret is committed or reused).
 */
export function testStackEnv({ databaseUrl, redisUrl, namespace, keyId = 'test', overrides = {} }: TestStackEnvOptions): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    KEY_NAMESPACE: namespace,
    PRIVACY_CONTEXT_KEYS: `${keyId}:${randomBytes(32).toString('base64url')}`,
    PSEUDONYM_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}
