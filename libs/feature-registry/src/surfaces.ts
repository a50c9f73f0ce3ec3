import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { load } from 'js-yaml';
import { Registry, REGISTRY_MODES, RegistryMode } from './types';

/**
 * A surface (config/surfaces.yaml): which candidate sources it wants per privacy mode (seed §15) and its
 * business rules. The orchestrator serves with it; the training job and offline evaluation train and replay the
 * same routes from it.
 */
export interface SurfaceConfig {
  name: string;
  candidatesPerSource: number;
  /** At most this many merged candidates go to feature fetching and ranking. */
  maxCandidates: number;
  maxPerCreator: number;
  maxPerCategory: number;
  sources: Record<RegistryMode, string[]>;
}

/** The config/ folder: CONFIG_DIR, else the first config/surfaces.yaml above this file or the working directory. */
export function defaultConfigDir(): string {
  if (process.env.CONFIG_DIR) return process.env.CONFIG_DIR;
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
      if (existsSync(join(dir, 'config', 'surfaces.yaml'))) return join(dir, 'config');
    }
  }
  throw new Error('config/surfaces.yaml not found; set CONFIG_DIR');
}

/** Loads surfaces.yaml; every source named must be a registry source. */
export function loadSurfaces(dir: string, registry: Registry): Map<string, SurfaceConfig> {
  const path = join(dir, 'surfaces.yaml');
  const doc = load(readFileSync(path, 'utf8')) as { surfaces?: Record<string, Record<string, unknown>> };
  const problems: string[] = [];
  const surfaces = new Map<string, SurfaceConfig>();
  for (const [name, raw] of Object.entries(doc?.surfaces ?? {})) {
    const sources = (raw.sources ?? {}) as Record<string, unknown>;
    const parsed: Partial<Record<RegistryMode, string[]>> = {};
    for (const mode of REGISTRY_MODES) {
      const list = sources[mode];
      if (!Array.isArray(list)) problems.push(`${name}.sources.${mode} must be a list`);
      else {
        for (const s of list)
          if (!registry.sources.has(String(s))) problems.push(`${name}.sources.${mode}: ${String(s)} is not a registry source`);
        parsed[mode] = list.map(String);
      }
    }
    const perSource = Number(raw.candidates_per_source ?? 100);
    const maxCandidates = Number(raw.max_candidates ?? 300);
    const maxPerCreator = Number(raw.max_per_creator ?? 2);
    const maxPerCategory = Number(raw.max_per_category ?? 1000);
    if (!(perSource >= 1 && perSource <= 1000)) problems.push(`${name}.candidates_per_source must be 1..1000`);
    if (!(maxCandidates >= 1 && maxCandidates <= 1000)) problems.push(`${name}.max_candidates must be 1..1000`);
    if (!(maxPerCreator >= 1)) problems.push(`${name}.max_per_creator must be at least 1`);
    if (!(maxPerCategory >= 1)) problems.push(`${name}.max_per_category must be at least 1`);
    surfaces.set(name, {
      name,
      candidatesPerSource: perSource,
      maxCandidates,
      maxPerCreator,
      maxPerCategory,
      sources: parsed as Record<RegistryMode, string[]>,
    });
  }
  if (!surfaces.has('home')) problems.push('the surface "home" is required');
  if (problems.length > 0) throw new Error(`${path}: ${problems.join('; ')}`);
  return surfaces;
}

/** Whether anonymous session state may drive sources that declare `uses_session_state` (surfaces.yaml). */
export class SessionPolicy {
  constructor(
    readonly defaultAllow: boolean,
    private readonly tenants: ReadonlyMap<string, boolean>,
  ) {}

  allows(tenantId: string): boolean {
    return this.tenants.get(tenantId) ?? this.defaultAllow;
  }
}

/** The session policy of surfaces.yaml; absent means deny (fail closed). */
export function loadSessionPolicy(dir: string): SessionPolicy {
  const path = join(dir, 'surfaces.yaml');
  const doc = load(readFileSync(path, 'utf8')) as { session_policy?: { default?: unknown; tenants?: Record<string, unknown> } };
  const policy = doc?.session_policy;
  if (!policy) return new SessionPolicy(false, new Map());
  const problems: string[] = [];
  const parse = (where: string, value: unknown): boolean => {
    if (value !== 'allow' && value !== 'deny') problems.push(`session_policy.${where} must be allow or deny`);
    return value === 'allow';
  };
  const defaultAllow = parse('default', policy.default);
  const tenants = new Map(Object.entries(policy.tenants ?? {}).map(([tenant, v]) => [tenant, parse(`tenants.${tenant}`, v)]));
  if (problems.length > 0) throw new Error(`${path}: ${problems.join('; ')}`);
  return new SessionPolicy(defaultAllow, tenants);
}
