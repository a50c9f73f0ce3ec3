import { isSubjectPid } from '@recsys/tenant-keys';

/** What a masked value is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Key names (compared without case, "_" and "-") whose values are raw identifiers or contact data wherever they
 * appear in a log line. A pseudonymous subject id under one of them is kept: it is what code is meant to log.
 */
const IDENTIFIER_KEYS = new Set([
  'userid',
  'anonymousid',
  'deviceid',
  'email',
  'emailaddress',
  'mail',
  'phone',
  'phonenumber',
  'mobile',
  'msisdn',
]);

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/**
 * Phone numbers in the two shapes that do not collide with timestamps, ports, versions or dates: international
 * (+ and 8-15 digits, separators allowed) and grouped 3-3-4 ("(555) 123-4567", "555.123.4567").
 */
const PHONE = /\+\d(?:[\s().-]?\d){7,14}(?!\d)|(?<!\d)\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?!\d)/g;

/** Masks e-mail addresses and phone numbers inside free text. */
export function maskText(text: string): string {
  if (!text.includes('@') && !/\d/.test(text)) return text;
  return text.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

function isIdentifierKey(key: string): boolean {
  return IDENTIFIER_KEYS.has(key.toLowerCase().replace(/[_-]/g, ''));
}

/** The value of an identifier key: kept when it is pseudonymous, else masked (lists element by element). */
function maskIdentifier(value: unknown): unknown {
  if (typeof value === 'string') return value === '' || isSubjectPid(value) ? value : REDACTED;
  if (Array.isArray(value)) return value.map(maskIdentifier);
  if (value === null || value === undefined || typeof value === 'boolean') return value;
  return REDACTED;
}

const MAX_DEPTH = 10;

/**
 * A copy of a log object with raw identifiers and PII masked at any depth: values under identifier keys
 * (userId, user_id, anonymousId, email, phone, ...) unless they are pseudonymous ids, and e-mail addresses and
 * phone numbers inside any string. The caller's object is never changed.
 */
export function maskLogValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => maskLogValue(v, depth + 1, seen));
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = isIdentifierKey(key) ? maskIdentifier(v) : maskLogValue(v, depth + 1, seen);
  return out;
}

/** Keys of a serialized line that make it worth parsing (most lines have none of them). */
const IDENTIFIER_KEY_IN_JSON =
  /"(?:user|anonymous|device)[_-]?id"\s*:|"(?:e[_-]?)?mail(?:[_-]?address)?"\s*:|"(?:phone(?:[_-]?number)?|mobile|msisdn)"\s*:/i;

/**
 * The logger's last step, over each serialized JSON line (so it covers the message, child bindings and
 * serialized errors alike): e-mail addresses and phone numbers are masked in the text, and a line that has an
 * identifier key is parsed and masked by key too.
 */
export function maskLogLine(line: string): string {
  const text = maskText(line);
  if (!IDENTIFIER_KEY_IN_JSON.test(text)) return text;
  try {
    return `${JSON.stringify(maskLogValue(JSON.parse(text)))}\n`;
  } catch {
    return text;
  }
}
