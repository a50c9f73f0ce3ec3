import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SCHEMA, load, YAMLException } from 'js-yaml';
import { TENANT_SCOPES, TenantScope } from '@recsys/models';
import { isValidTenantId } from '@recsys/tenant-keys';
import { TrainingDatasetError, TrainingErrorCode } from './training.errors';

export const TRAINING_SCOPES_FILE = 'training-scopes.yaml';

/** Per-tenant training scope (seed §28), as config/training-scopes.yaml declares it. */
export class TrainingScopes {
  constructor(
    readonly defaultScope: TenantScope,
    readonly tenants: ReadonlyMap<string, TenantScope>,
  ) {}

  scopeOf(tenantId: string): TenantScope {
    return this.tenants.get(tenantId) ?? this.defaultScope;
  }
}

/**
 * The file's schema: a mapping with `default: {scope}` and optional `tenants: {<tenant id>: {scope, note?}}`.
 * Unknown keys are errors too (a misspelt `scop:` must not silently fall back to the default).
 */
const SCOPE_ENTRY_KEYS = new Set(['scope', 'note']);
const TOP_KEYS = new Set(['default', 'tenants']);

/** Loads and validates `<dir>/training-scopes.yaml`; every problem is reported as `file:line: message`. */
export function loadTrainingScopes(dir: string): TrainingScopes {
  const path = join(dir, TRAINING_SCOPES_FILE);
  if (!existsSync(path)) throw invalid(`${path}: file not found (every tenant's training scope must be declared, seed §28)`);
  return parseTrainingScopes(readFileSync(path, 'utf8'), path);
}

export function parseTrainingScopes(text: string, file: string): TrainingScopes {
  let doc: unknown;
  try {
    doc = load(text, { schema: CORE_SCHEMA, filename: file });
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    throw invalid(`${file}:${err.mark ? err.mark.line + 1 : 1}: invalid YAML: ${err.reason}`);
  }
  const lines = text.split(/\r?\n/);
  const lineOf = (key: string, indented: boolean): number => {
    const re = new RegExp(`^${indented ? '\\s+' : ''}${key.replace(/[-]/g, '\\-')}\\s*:`);
    const i = lines.findIndex((l) => re.test(l));
    return i < 0 ? 1 : i + 1;
  };
  const problems: string[] = [];
  const problem = (line: number, message: string) => problems.push(`${file}:${line}: ${message}`);
  if (!isMapping(doc)) throw invalid(`${file}:1: must be a mapping with "default" and "tenants"`);
  for (const key of Object.keys(doc))
    if (!TOP_KEYS.has(key)) problem(lineOf(key, false), `unknown key "${key}" (expected default, tenants)`);

  const entry = (where: string, line: number, raw: unknown): TenantScope => {
    if (!isMapping(raw)) {
      problem(line, `${where} must be a mapping with "scope"`);
      return 'no_cross_tenant';
    }
    for (const key of Object.keys(raw))
      if (!SCOPE_ENTRY_KEYS.has(key)) problem(line, `${where}: unknown key "${key}" (expected scope, note)`);
    if (raw.note !== undefined && typeof raw.note !== 'string') problem(line, `${where}.note must be text`);
    if (!(TENANT_SCOPES as readonly unknown[]).includes(raw.scope)) {
      problem(line, `${where}.scope must be one of ${TENANT_SCOPES.join(', ')} (got ${JSON.stringify(raw.scope ?? null)})`);
      return 'no_cross_tenant';
    }
    return raw.scope as TenantScope;
  };
  if (doc.default === undefined) problem(1, 'missing "default" (the scope of every tenant not listed)');
  const defaultScope = entry('default', lineOf('default', false), doc.default);
  const tenants = new Map<string, TenantScope>();
  if (doc.tenants !== undefined && doc.tenants !== null && !isMapping(doc.tenants))
    problem(lineOf('tenants', false), 'tenants must be a mapping');
  for (const [tenant, raw] of Object.entries(isMapping(doc.tenants) ? doc.tenants : {})) {
    const line = lineOf(tenant, true);
    if (!isValidTenantId(tenant)) problem(line, `tenants: ${JSON.stringify(tenant)} is not a valid tenant id`);
    tenants.set(tenant, entry(`tenants.${tenant}`, line, raw));
  }
  if (problems.length > 0) throw invalid(problems.join('\n'));
  return new TrainingScopes(defaultScope, tenants);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): TrainingDatasetError {
  return new TrainingDatasetError(TrainingErrorCode.INVALID_SCOPE_CONFIG, message);
}
