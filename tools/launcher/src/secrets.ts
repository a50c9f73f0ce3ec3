import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface DevSecrets {
  PRIVACY_CONTEXT_KEYS: string;
  PSEUDONYM_SECRET: string;
}

/**
 * Secrets of the embedded default: taken from the environment when set, else generated once into a
 * git-ignored file (mode 0600) so pseudonymous ids stay stable across restarts.
 */
export function devSecrets(file: string, env: NodeJS.ProcessEnv): DevSecrets {
  let stored: Partial<DevSecrets> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>;
  const secrets: DevSecrets = {
    PRIVACY_CONTEXT_KEYS: env.PRIVACY_CONTEXT_KEYS || stored.PRIVACY_CONTEXT_KEYS || `dev1:${randomBytes(32).toString('base64url')}`,
    PSEUDONYM_SECRET: env.PSEUDONYM_SECRET || stored.PSEUDONYM_SECRET || randomBytes(32).toString('base64url'),
  };
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}
