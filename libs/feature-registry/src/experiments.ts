import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { Registry, REGISTRY_MODES, REGISTRY_PURPOSES, RegistryIssue, RegistryMode, RegistryPurpose } from './types';
import { SurfaceConfig } from './surfaces';
import { scanLines } from './yaml-lines';

/** What a variant may change for requests served in one privacy mode (never the mode itself). */
export interface VariantChange {
  /** Candidate sources added to the surface's route for this mode. */
  add_sources: string[];
  /** Candidate sources left out. */
  remove_sources: string[];
  /** Multipliers of candidate sources' scores before ranking (1 = unchanged). */
  source_weights: Record<string, number>;
  /** Candidates asked of each source, instead of the surface's `candidates_per_source`. */
  candidates_per_source?: number;
  /** Multipliers of the ranking route's term weights (`source:<name>` or a feature the route consumes). */
  ranking_weights: Record<string, number>;
}

export interface ExperimentVariant {
  name: string;
  /** Share of the experiment's traffic, in percent; the variants of an experiment add up to 100. */
  traffic: number;
  changes: Partial<Record<RegistryMode, VariantChange>>;
}

/** One experiment (config/experiments.yaml, seed §29). */
export interface Experiment {
  name: string;
  tenant: string;
  surface: string;
  owner: string;
  /** The purpose the experiment serves; exposure logs are linked to a subject only with consent for it. */
  purpose: RegistryPurpose;
  /** Inclusive start and exclusive end (ISO dates or times, UTC). */
  startMs: number;
  endMs: number;
  /** Salt of the assignment hash: a new salt re-randomizes the assignment. */
  salt: string;
  variants: ExperimentVariant[];
}

const NAME = /^[a-z][a-z0-9_]{0,47}$/;
const CHANGE_KEYS = new Set(['add_sources', 'remove_sources', 'source_weights', 'candidates_per_source', 'ranking_weights']);
const EXPERIMENT_KEYS = new Set(['name', 'tenant', 'surface', 'owner', 'purpose', 'start', 'end', 'salt', 'variants']);

/** The experiments file of a config folder (absent file = no experiments). */
export function experimentsPath(configDir: string): string {
  return join(configDir, 'experiments.yaml');
}

/**
 * Reads and checks config/experiments.yaml against the registry and the surfaces. The privacy rule of seed §29:
 * a variant may change sources, their weights and candidate counts, but only within what each privacy mode
 * allows — a variant that would add a source to a mode the registry does not allow it in (a personal source on a
 * contextual or non-personal route) is an issue, like any other, with file and line.
 */
export function checkExperiments(
  configDir: string,
  registry: Registry,
  surfaces: ReadonlyMap<string, SurfaceConfig>,
): { experiments: Experiment[]; issues: RegistryIssue[] } {
  const path = experimentsPath(configDir);
  if (!existsSync(path)) return { experiments: [], issues: [] };
  const text = readFileSync(path, 'utf8');
  const lines = scanLines(text);
  const issues: RegistryIssue[] = [];
  let doc: { experiments?: unknown };
  try {
    doc = (load(text) ?? {}) as { experiments?: unknown };
  } catch (error) {
    return { experiments: [], issues: [{ file: path, line: 1, message: `not valid YAML: ${(error as Error).message.split('\n')[0]}` }] };
  }
  if (doc.experiments !== undefined && !Array.isArray(doc.experiments)) {
    return { experiments: [], issues: [{ file: path, line: lines.topKeys.experiments ?? 1, message: 'experiments must be a list' }] };
  }
  const experiments: Experiment[] = [];
  const names = new Set<string>();
  (doc.experiments ?? []).forEach((raw: unknown, index: number) => {
    const entry = lines.entries.experiments?.[index];
    const at = (key?: string) => (key && entry?.keys[key]) || entry?.line || 1;
    const report = (key: string | undefined, message: string) => issues.push({ file: path, line: at(key), message });
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      report(undefined, `experiments[${index}] must be a mapping`);
      return;
    }
    const e = raw as Record<string, unknown>;
    const label = `experiment ${typeof e.name === 'string' ? e.name : `#${index + 1}`}`;
    for (const key of Object.keys(e)) if (!EXPERIMENT_KEYS.has(key)) report(key, `${label}: unknown key '${key}'`);
    if (typeof e.name !== 'string' || !NAME.test(e.name)) report('name', `${label}: name must be a lower-case identifier`);
    else if (names.has(e.name)) report('name', `${label}: the name is used twice`);
    else names.add(e.name);
    if (typeof e.tenant !== 'string' || !/^[a-z0-9](?:[a-z0-9_-]{0,62})$/.test(e.tenant))
      report('tenant', `${label}: tenant must be a tenant id`);
    const surface = typeof e.surface === 'string' ? surfaces.get(e.surface) : undefined;
    if (!surface) report('surface', `${label}: surface must be one of ${[...surfaces.keys()].join(', ')}`);
    if (typeof e.owner !== 'string' || e.owner.trim() === '') report('owner', `${label}: owner is required`);
    if (!(REGISTRY_PURPOSES as readonly string[]).includes(String(e.purpose))) {
      report('purpose', `${label}: purpose must be one of ${REGISTRY_PURPOSES.join(', ')}`);
    }
    const startMs = Date.parse(String(e.start instanceof Date ? e.start.toISOString() : e.start));
    const endMs = Date.parse(String(e.end instanceof Date ? e.end.toISOString() : e.end));
    if (Number.isNaN(startMs)) report('start', `${label}: start must be a date`);
    if (Number.isNaN(endMs)) report('end', `${label}: end must be a date`);
    if (!Number.isNaN(startMs) && !Number.isNaN(endMs) && endMs <= startMs) report('end', `${label}: end must be after start`);
    if (typeof e.salt !== 'string' || e.salt.length < 8) report('salt', `${label}: salt must be at least 8 characters`);
    const variants: ExperimentVariant[] = [];
    if (!Array.isArray(e.variants) || e.variants.length < 2) report('variants', `${label}: at least two variants are needed`);
    else {
      const variantNames = new Set<string>();
      let total = 0;
      for (const [i, rv] of (e.variants as unknown[]).entries()) {
        const where = `variants[${i}]`;
        const v = (typeof rv === 'object' && rv !== null ? rv : {}) as Record<string, unknown>;
        const vLabel = `${label}, variant ${typeof v.name === 'string' ? v.name : `#${i + 1}`}`;
        if (typeof v.name !== 'string' || !NAME.test(v.name)) report(where, `${vLabel}: name must be a lower-case identifier`);
        else if (variantNames.has(v.name)) report(where, `${vLabel}: the name is used twice`);
        else variantNames.add(v.name);
        const traffic = Number(v.traffic);
        if (!(traffic > 0 && traffic <= 100)) report(where, `${vLabel}: traffic must be a percentage above 0`);
        else total += traffic;
        const changes: Partial<Record<RegistryMode, VariantChange>> = {};
        const rawChanges = (v.changes ?? {}) as Record<string, unknown>;
        for (const [mode, rc] of Object.entries(rawChanges)) {
          if (!(REGISTRY_MODES as readonly string[]).includes(mode)) {
            report(where, `${vLabel}: changes.${mode} is not a privacy mode (${REGISTRY_MODES.join(', ')})`);
            continue;
          }
          changes[mode as RegistryMode] = checkChange(mode as RegistryMode, rc, registry, surface, (m) =>
            report(where, `${vLabel}, ${mode}: ${m}`),
          );
        }
        variants.push({ name: String(v.name), traffic, changes });
      }
      if (Math.abs(total - 100) > 1e-9) report('variants', `${label}: the variants' traffic adds up to ${total}, not 100`);
    }
    experiments.push({
      name: String(e.name),
      tenant: String(e.tenant),
      surface: String(e.surface),
      owner: String(e.owner),
      purpose: e.purpose as RegistryPurpose,
      startMs,
      endMs,
      salt: String(e.salt),
      variants,
    });
  });
  // Two experiments on one tenant's surface at the same time would fight over the same traffic.
  for (const [i, a] of experiments.entries()) {
    for (const b of experiments.slice(i + 1)) {
      if (a.tenant === b.tenant && a.surface === b.surface && a.startMs < b.endMs && b.startMs < a.endMs) {
        issues.push({
          file: path,
          line: lines.entries.experiments?.[experiments.indexOf(b)]?.line ?? 1,
          message: `experiments ${a.name} and ${b.name} overlap on ${a.tenant}/${a.surface}`,
        });
      }
    }
  }
  return { experiments, issues };
}

function checkChange(
  mode: RegistryMode,
  raw: unknown,
  registry: Registry,
  surface: SurfaceConfig | undefined,
  report: (message: string) => void,
): VariantChange {
  const c = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  for (const key of Object.keys(c))
    if (!CHANGE_KEYS.has(key)) report(`unknown change '${key}' (a variant may change ${[...CHANGE_KEYS].join(', ')})`);
  const list = (key: string): string[] => {
    const value = c[key] ?? [];
    if (!Array.isArray(value)) {
      report(`${key} must be a list of registry sources`);
      return [];
    }
    return value.map(String);
  };
  const add = list('add_sources');
  const remove = list('remove_sources');
  for (const name of [...add, ...remove]) if (!registry.sources.has(name)) report(`${name} is not a registry source`);
  for (const name of add) {
    const source = registry.sources.get(name);
    // The privacy rule: a variant cannot bring a source into a mode the registry does not allow it in.
    if (source && !source.allowed_privacy_modes.includes(mode)) {
      report(
        `adds ${name}, which the registry allows only in ${source.allowed_privacy_modes.join(', ')}` +
          `${source.requires_personal_data ? ' (it reads personal data)' : ''}: a variant cannot widen a privacy mode`,
      );
    }
  }
  const weights: Record<string, number> = {};
  for (const [name, w] of Object.entries((c.source_weights ?? {}) as Record<string, unknown>)) {
    if (!registry.sources.has(name)) report(`source_weights: ${name} is not a registry source`);
    else if (!(typeof w === 'number' && w >= 0 && w <= 10)) report(`source_weights.${name} must be a number 0..10`);
    else if (!add.includes(name) && !surface?.sources[mode].includes(name))
      report(`source_weights: ${name} does not run in ${mode} on this surface`);
    else weights[name] = w;
  }
  // Ranking route parameters: multipliers of the terms of this mode's route on the surface, never a new term.
  const route =
    [...registry.routes.values()].find((r) => r.mode === mode && r.surface === surface?.name) ??
    [...registry.routes.values()].find((r) => r.mode === mode && r.surface === 'home');
  const rankingWeights: Record<string, number> = {};
  for (const [term, w] of Object.entries((c.ranking_weights ?? {}) as Record<string, unknown>)) {
    const source = term.startsWith('source:') ? registry.sources.get(term.slice('source:'.length)) : undefined;
    const allowed = term.startsWith('source:')
      ? source !== undefined && source.allowed_privacy_modes.includes(mode)
      : (route?.consumed_features.includes(term) ?? false);
    if (!allowed) report(`ranking_weights: ${term} is not a term the ${mode} route ${route?.name ?? ''} may use`);
    else if (!(typeof w === 'number' && w >= 0 && w <= 10)) report(`ranking_weights.${term} must be a number 0..10`);
    else rankingWeights[term] = w;
  }
  let perSource: number | undefined;
  if (c.candidates_per_source !== undefined) {
    perSource = Number(c.candidates_per_source);
    if (!(Number.isInteger(perSource) && perSource >= 1 && perSource <= 1000)) report('candidates_per_source must be 1..1000');
  }
  return {
    add_sources: add,
    remove_sources: remove,
    source_weights: weights,
    ranking_weights: rankingWeights,
    ...(perSource ? { candidates_per_source: perSource } : {}),
  };
}

/** Loads the experiments for serving; any issue is an error (a service does not start on a bad file). */
export function loadExperiments(configDir: string, registry: Registry, surfaces: ReadonlyMap<string, SurfaceConfig>): Experiment[] {
  const { experiments, issues } = checkExperiments(configDir, registry, surfaces);
  if (issues.length > 0)
    throw new Error(`experiments failed the privacy check:\n${issues.map((i) => `${i.file}:${i.line}: ${i.message}`).join('\n')}`);
  return experiments;
}

/** The tenant's experiment running on a surface at `nowMs`, if any. */
export function activeExperiment(
  experiments: readonly Experiment[],
  tenant: string,
  surface: string,
  nowMs: number,
): Experiment | undefined {
  return experiments.find((e) => e.tenant === tenant && e.surface === surface && e.startMs <= nowMs && nowMs < e.endMs);
}

/** Buckets of the assignment hash: a variant's traffic share is resolved to 1/10 000. */
const BUCKETS = 10_000;

/**
 * Deterministic assignment (seed §29): SHA-256 of the experiment's salt and name and the assignment unit — the
 * pseudonymous subject id, or the pseudonymous session of anonymous traffic, never a raw id — into 10 000
 * buckets, then the variants' traffic shares in their listed order. Stable across replicas and restarts.
 */
export function assignVariant(experiment: Experiment, unitId: string): ExperimentVariant {
  const digest = createHash('sha256').update(`${experiment.salt}\u0000${experiment.name}\u0000${unitId}`).digest();
  const bucket = digest.readUInt32BE(0) % BUCKETS;
  let upper = 0;
  for (const v of experiment.variants) {
    upper += (v.traffic / 100) * BUCKETS;
    if (bucket < upper) return v;
  }
  return experiment.variants[experiment.variants.length - 1];
}
