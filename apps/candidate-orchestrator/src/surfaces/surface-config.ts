import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { load } from 'js-yaml';
import { Registry, REGISTRY_MODES, RegistryMode } from '@recsys/feature-registry';

export interface SurfaceConfig {
  name: string;
  candidatesPerSource: number;
  maxPerCreator: number;
  sources: Record<RegistryMode, string[]>;
}

export interface ReasonConfig {
  sensitiveCategories: Set<string>;
  generic: { code: string; text: string };
  reasons: Map<string, { code: string; text: string; personal: boolean }>;
}

/** The config/ folder: CONFIG_DIR, else the first config/surfaces.yaml above this file. */
export function defaultConfigDir(): string {
  if (process.env.CONFIG_DIR) return process.env.CONFIG_DIR;
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'config', 'surfaces.yaml'))) return join(dir, 'config');
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
    const maxPerCreator = Number(raw.max_per_creator ?? 2);
    if (!(perSource >= 1 && perSource <= 1000)) problems.push(`${name}.candidates_per_source must be 1..1000`);
    if (!(maxPerCreator >= 1)) problems.push(`${name}.max_per_creator must be at least 1`);
    surfaces.set(name, { name, candidatesPerSource: perSource, maxPerCreator, sources: parsed as Record<RegistryMode, string[]> });
  }
  if (!surfaces.has('home')) problems.push('the surface "home" is required');
  if (problems.length > 0) throw new Error(`${path}: ${problems.join('; ')}`);
  return surfaces;
}

export function loadReasons(dir: string): ReasonConfig {
  const path = join(dir, 'reasons.yaml');
  const doc = load(readFileSync(path, 'utf8')) as {
    sensitive_categories?: string[];
    generic?: { code: string; text: string };
    reasons?: Record<string, { code: string; text: string; personal?: boolean }>;
  };
  if (!doc?.generic?.code || !doc.reasons) throw new Error(`${path}: generic and reasons are required`);
  return {
    sensitiveCategories: new Set(doc.sensitive_categories ?? []),
    generic: doc.generic,
    reasons: new Map(Object.entries(doc.reasons).map(([k, v]) => [k, { code: v.code, text: v.text, personal: v.personal !== false }])),
  };
}
