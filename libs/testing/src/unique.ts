import { randomBytes } from 'node:crypto';

/**
 * A fresh, lower-case key namespace for one test run (valid as KEY_NAMESPACE: `[a-z0-9_]`, well under 64
 * characters). Lower case on purpose: it also ends up in PostgreSQL identifiers, which fold case.
 */
export function uniqueNamespace(prefix = 't'): string {
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(prefix)) throw new Error(`namespace prefix "${prefix}" must be [a-z][a-z0-9_]{0,30}`);
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(5).toString('hex')}`;
}
