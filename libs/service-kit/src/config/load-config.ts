import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';

const SENSITIVE = Symbol('sensitive-config-keys');

/** Marks a configuration field as secret: it is never printed by {@link describeConfig}. */
export function Sensitive(): PropertyDecorator {
  return (target, key) => {
    const keys: Set<string | symbol> = Reflect.getMetadata(SENSITIVE, target) ?? new Set();
    keys.add(key);
    Reflect.defineMetadata(SENSITIVE, keys, target);
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * Validates environment variables into a typed config object, once, at boot. Field names are the environment
 * variable names; class-validator decorators state the rules; defaults are property initializers. A bad value
 * stops the process with every problem listed (never the value of a sensitive field).
 */
export function loadConfig<T extends object>(cls: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const defaults = new cls() as Record<string, unknown>;
  const plain: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const raw = env[key];
    plain[key] = raw === undefined || raw === '' ? defaults[key] : coerce(raw, defaults[key]);
  }
  const instance = plainToInstance(cls, plain);
  const errors = validateSync(instance, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const sensitive = sensitiveKeys(instance);
    throw new ConfigError(errors.flatMap((e) => describe(e, sensitive)));
  }
  return instance;
}

/** Environment values are strings: read them as the type of the field's default (a bad number stays a string, and fails validation). */
function coerce(raw: string, fallback: unknown): unknown {
  if (typeof fallback === 'number') return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof fallback === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

/** The config with sensitive values replaced by "***", for a start-up log line. */
export function describeConfig(config: object): Record<string, unknown> {
  const sensitive = sensitiveKeys(config);
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, sensitive.has(k) && v !== undefined && v !== '' ? '***' : v]));
}

function sensitiveKeys(config: object): Set<string | symbol> {
  return Reflect.getMetadata(SENSITIVE, Object.getPrototypeOf(config)) ?? new Set();
}

function describe(error: ValidationError, sensitive: Set<string | symbol>): string[] {
  const shown = sensitive.has(error.property) ? '(value hidden)' : `(got ${JSON.stringify(error.value)})`;
  return Object.values(error.constraints ?? {}).map((message) => `${message} ${shown}`);
}
