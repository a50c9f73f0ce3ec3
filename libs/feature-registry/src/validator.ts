/**
 * The privacy-by-design review of the registry (seed §33). Everything the serving path trusts about a feature
 * (who may use it, for what, how long it is kept) comes from these files, so a registry that fails any rule
 * here is refused as a whole rather than partly loaded.
 */
import { closest, EntrySchema, FEATURE_SCHEMA, FEATURE_SET_SCHEMA, ROUTE_SCHEMA, SOURCE_SCHEMA } from './fields';
import {
  CandidateSourceDefinition,
  FeatureDefinition,
  FeatureSetDefinition,
  PrivacyClass,
  RankingRouteDefinition,
  Registry,
  RegistryIssue,
  RegistryMode,
} from './types';
import { EntryLines, FileLines } from './yaml-lines';

/** Longest retention each data class allows, in days (seed §9). */
export const MAX_RETENTION_DAYS: Readonly<Record<PrivacyClass, number>> = Object.freeze({
  public_catalog: 3650,
  aggregate_non_personal: 365,
  behavioral_personal: 180,
  sensitive_personal: 90,
  tenant_confidential: 365,
  security_sensitive: 90,
  payment_financial_sensitive: 90,
  health_legal_high_risk: 30,
});

/** Classes that describe a person: usable only in personalized mode and only with consent. */
export const PERSONAL_CLASSES: readonly PrivacyClass[] = Object.freeze([
  'behavioral_personal',
  'sensitive_personal',
  'health_legal_high_risk',
  'payment_financial_sensitive',
  'security_sensitive',
]);

export function isPersonalClass(privacyClass: PrivacyClass): boolean {
  return PERSONAL_CLASSES.includes(privacyClass);
}

const NON_PERSONAL_MODES: readonly RegistryMode[] = ['contextual_only', 'non_personalized'];

/**
 * Session state of an anonymous visit may serve contextual requests (seed §5: "depends on consent/session
 * policy") when it lives at most this long; it is never stored with an identity, so it needs no consent record.
 */
export const SESSION_MAX_RETENTION_DAYS = 1;

/** One parsed registry file: its display name, what js-yaml returned, and where its lines are. */
export interface RegistryDocument {
  file: string;
  data: unknown;
  lines: FileLines;
}

export interface RegistryDocuments {
  features: RegistryDocument;
  featureSets: RegistryDocument;
  sources: RegistryDocument;
  routes: RegistryDocument;
}

/** The registry, present only when no issue was found. */
export interface RegistryCheck {
  registry?: Registry;
  issues: RegistryIssue[];
}

interface Kind {
  label: string;
  topKey: string;
  schema: EntrySchema;
}

const KINDS = {
  features: { label: 'feature', topKey: 'features', schema: FEATURE_SCHEMA },
  featureSets: { label: 'feature set', topKey: 'feature_sets', schema: FEATURE_SET_SCHEMA },
  sources: { label: 'source', topKey: 'sources', schema: SOURCE_SCHEMA },
  routes: { label: 'route', topKey: 'routes', schema: ROUTE_SCHEMA },
} satisfies Record<keyof RegistryDocuments, Kind>;

/** A checked entry of one file: its definition and where it is. */
interface Located<T> {
  def: T;
  at: (key?: string) => number;
}

/** Entries of one file by name: `known` holds every named entry, `valid` only well-formed first occurrences. */
interface Table<T> {
  known: Set<string>;
  valid: Map<string, Located<T>>;
}

export function validateRegistry(docs: RegistryDocuments, dir: string): RegistryCheck {
  const issues: RegistryIssue[] = [];
  const features = readTable<FeatureDefinition>(docs.features, KINDS.features, issues);
  const sets = readTable<FeatureSetDefinition>(docs.featureSets, KINDS.featureSets, issues);
  const sources = readTable<CandidateSourceDefinition>(docs.sources, KINDS.sources, issues);
  const routes = readTable<RankingRouteDefinition>(docs.routes, KINDS.routes, issues);

  const report = (doc: RegistryDocument, line: number, message: string) => issues.push({ file: doc.file, line, message });
  for (const f of features.valid.values()) checkFeature(f, (line, m) => report(docs.features, line, m));
  for (const f of features.valid.values()) checkDerived(f, features, (line, m) => report(docs.features, line, m));
  for (const s of sets.valid.values()) checkFeatureSet(s, features, docs, report);
  for (const s of sources.valid.values()) checkSource(s, sets, (line, m) => report(docs.sources, line, m));
  for (const r of routes.valid.values()) checkRoute(r, sets, (line, m) => report(docs.routes, line, m));

  issues.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  if (issues.length > 0) return { issues };
  const defs = <T>(table: Table<T>) => new Map([...table.valid].map(([name, e]) => [name, e.def]));
  return {
    issues,
    registry: {
      dir,
      features: defs(features),
      featureSets: defs(sets),
      sources: defs(sources),
      routes: defs(routes),
    },
  };
}

type Report = (line: number, message: string) => void;

function checkFeature({ def: f, at }: Located<FeatureDefinition>, report: Report): void {
  const label = `feature '${f.name}'`;
  for (const p of f.allowed_purposes.filter((p) => f.prohibited_purposes.includes(p))) {
    report(at('prohibited_purposes'), `${label}: purpose '${p}' is both allowed and prohibited`);
  }
  if (f.requires_consent !== 'none' && !f.allowed_purposes.includes(f.requires_consent)) {
    report(at('requires_consent'), `${label}: requires_consent '${f.requires_consent}' is not one of its allowed_purposes`);
  }
  if (isPersonalClass(f.privacy_class)) {
    const session = f.entity === 'session';
    if (session && f.retention_days > SESSION_MAX_RETENTION_DAYS) {
      report(at('retention_days'), `${label}: session state must not be kept longer than ${SESSION_MAX_RETENTION_DAYS} day`);
    }
    const forbidden = session ? ['non_personalized'] : NON_PERSONAL_MODES;
    for (const m of f.allowed_privacy_modes.filter((m) => forbidden.includes(m))) {
      report(at('allowed_privacy_modes'), `${label}: ${f.privacy_class} data must not be allowed in ${m} mode`);
    }
    if (f.requires_consent === 'none' && !session) {
      report(at('requires_consent'), `${label}: ${f.privacy_class} data must require consent (requires_consent: none)`);
    }
  }
  const max = MAX_RETENTION_DAYS[f.privacy_class];
  if (f.retention_days > max) {
    report(at('retention_days'), `${label}: retention_days ${f.retention_days} exceeds ${max}, the maximum for ${f.privacy_class}`);
  }
}

/** Debug visibilities from the most to the least visible. */
const DEBUG_ORDER: readonly string[] = ['visible', 'restricted', 'hidden'];

/** A derived feature is no more permissive than any of its inputs (and derives from no cycle). */
function checkDerived({ def: f, at }: Located<FeatureDefinition>, features: Table<FeatureDefinition>, report: Report): void {
  const label = `feature '${f.name}'`;
  for (const name of f.derived_from ?? []) {
    if (name === f.name || !features.known.has(name)) {
      report(at('derived_from'), `${label}: derived_from names ${name === f.name ? 'itself' : `unknown feature '${name}'`}`);
      continue;
    }
    const input = features.valid.get(name)?.def;
    if (!input) continue;
    if (reaches(name, f.name, features)) report(at('derived_from'), `${label}: derives from '${name}', which derives from it`);
    for (const m of f.allowed_privacy_modes.filter((m) => !input.allowed_privacy_modes.includes(m))) {
      report(at('allowed_privacy_modes'), `${label}: allows ${m} mode, which its input '${name}' does not`);
    }
    for (const p of f.allowed_purposes.filter((p) => !input.allowed_purposes.includes(p))) {
      report(at('allowed_purposes'), `${label}: allows purpose '${p}', which its input '${name}' does not`);
    }
    for (const p of input.prohibited_purposes.filter((p) => !f.prohibited_purposes.includes(p))) {
      report(at('prohibited_purposes'), `${label}: must prohibit '${p}', as its input '${name}' does`);
    }
    if (input.requires_consent !== 'none' && f.requires_consent !== input.requires_consent) {
      report(at('requires_consent'), `${label}: must require consent '${input.requires_consent}', as its input '${name}' does`);
    }
    // What is computed from a sensitive inference can reveal it: it is one too (and needs its own approval).
    if (input.sensitive_inference && !f.sensitive_inference) {
      report(at('sensitive_inference'), `${label}: must be a sensitive_inference, as its input '${name}' is`);
    }
    if (DEBUG_ORDER.indexOf(f.debug_visibility) < DEBUG_ORDER.indexOf(input.debug_visibility)) {
      report(at('debug_visibility'), `${label}: debug_visibility must be at least '${input.debug_visibility}', as its input '${name}' is`);
    }
    if (f.retention_days > input.retention_days) {
      report(at('retention_days'), `${label}: retention_days must not exceed its input '${name}' (${input.retention_days})`);
    }
  }
}

/** True when `to` is reachable from `from` through derived_from (a cycle when `to` derives from `from`). */
function reaches(from: string, to: string, features: Table<FeatureDefinition>, seen = new Set<string>()): boolean {
  if (from === to) return true;
  if (seen.has(from)) return false;
  seen.add(from);
  return (features.valid.get(from)?.def.derived_from ?? []).some((next) => reaches(next, to, features, seen));
}

function checkFeatureSet(
  { def: set, at }: Located<FeatureSetDefinition>,
  features: Table<FeatureDefinition>,
  docs: RegistryDocuments,
  report: (doc: RegistryDocument, line: number, message: string) => void,
): void {
  const label = `feature set '${set.name}'`;
  set.features.forEach((name, i) => {
    const line = at(`features[${i}]`);
    if (!features.known.has(name)) return report(docs.featureSets, line, `${label}: unknown feature '${name}'`);
    const entry = features.valid.get(name);
    if (!entry) return; // malformed feature: already reported where it is defined
    const f = entry.def;
    for (const m of set.allowed_privacy_modes.filter((m) => !f.allowed_privacy_modes.includes(m))) {
      report(docs.featureSets, line, `${label}: feature '${name}' is not allowed in ${m} mode, which the set allows`);
    }
    if (f.prohibited_purposes.includes(set.purpose)) {
      report(docs.featureSets, line, `${label}: feature '${name}' prohibits the set's purpose '${set.purpose}'`);
    } else if (!f.allowed_purposes.includes(set.purpose)) {
      report(docs.featureSets, line, `${label}: feature '${name}' does not allow the set's purpose '${set.purpose}'`);
    }
    // A sensitive inference may only personalize with a recorded review; the fix goes on the feature.
    if (f.sensitive_inference && set.allowed_privacy_modes.includes('personalized') && !f.approval) {
      report(
        docs.features,
        entry.at(),
        `feature '${name}': sensitive_inference is true and personalized ${label} uses it, but it has no approval (approved_by, approved_at, ticket)`,
      );
    }
  });
}

function checkSource({ def: s, at }: Located<CandidateSourceDefinition>, sets: Table<FeatureSetDefinition>, report: Report): void {
  const label = `source '${s.name}'`;
  const set = sets.valid.get(s.feature_set);
  if (!sets.known.has(s.feature_set)) report(at('feature_set'), `${label}: unknown feature set '${s.feature_set}'`);
  for (const m of set ? s.allowed_privacy_modes.filter((m) => !set.def.allowed_privacy_modes.includes(m)) : []) {
    report(at('allowed_privacy_modes'), `${label}: mode ${m} is not allowed by its feature set '${s.feature_set}'`);
  }
  if (s.uses_session_state && s.allowed_privacy_modes.includes('non_personalized')) {
    report(at('allowed_privacy_modes'), `${label}: reads session state, so it must not be allowed in non_personalized mode`);
  }
  if (s.requires_personal_data) {
    for (const m of s.allowed_privacy_modes.filter((m) => NON_PERSONAL_MODES.includes(m))) {
      report(at('allowed_privacy_modes'), `${label}: requires personal data, so it must not be allowed in ${m} mode`);
    }
    if (s.requires_consent === 'none') {
      report(at('requires_consent'), `${label}: requires personal data, so it must require consent`);
    }
  }
}

function checkRoute({ def: r, at }: Located<RankingRouteDefinition>, sets: Table<FeatureSetDefinition>, report: Report): void {
  const label = `route '${r.name}'`;
  const set = sets.valid.get(r.feature_set);
  if (!sets.known.has(r.feature_set)) report(at('feature_set'), `${label}: unknown feature set '${r.feature_set}'`);
  if (set && !set.def.allowed_privacy_modes.includes(r.mode)) {
    report(at('mode'), `${label}: feature set '${r.feature_set}' does not allow the route's mode ${r.mode}`);
  }
  for (const f of set ? r.consumed_features.filter((name) => !set.def.features.includes(name)) : []) {
    report(at('consumed_features'), `${label}: consumes '${f}', which is not in its feature set '${r.feature_set}'`);
  }
}

/** Reads one file's list, checking the file's shape and each entry's fields. */
function readTable<T extends { name: string }>(doc: RegistryDocument, kind: Kind, issues: RegistryIssue[]): Table<T> {
  const table: Table<T> = { known: new Set(), valid: new Map() };
  const report = (line: number, message: string) => issues.push({ file: doc.file, line, message });
  for (const entry of topLevelList(doc, kind, report)) {
    const { raw, lines, index } = entry;
    const at = (key?: string) => (key && lines?.keys[key]) || lines?.line || doc.lines.topKeys[kind.topKey] || 1;
    const name = typeof raw?.name === 'string' && raw.name !== '' ? raw.name : undefined;
    const label = name ? `${kind.label} '${name}'` : `${kind.label} #${index + 1}`;
    if (!raw) {
      report(at(), `${label}: must be a mapping of fields`);
      continue;
    }
    const wellFormed = checkFields(raw, kind.schema, label, at, report);
    if (!name) continue;
    if (table.known.has(name)) {
      const first = table.valid.get(name)?.at('name');
      report(at('name'), `duplicate ${kind.label} name '${name}'${first ? ` (first defined at line ${first})` : ''}`);
      continue;
    }
    table.known.add(name);
    if (wellFormed) table.valid.set(name, { def: deepFreeze(raw as unknown as T), at });
  }
  return table;
}

interface RawEntry {
  raw?: Record<string, unknown>;
  lines?: EntryLines;
  index: number;
}

function topLevelList(doc: RegistryDocument, kind: Kind, report: Report): RawEntry[] {
  const { data, lines } = doc;
  if (!isMapping(data)) {
    report(1, `expected a mapping with the top-level key '${kind.topKey}:'`);
    return [];
  }
  for (const key of Object.keys(data).filter((k) => k !== kind.topKey)) {
    report(lines.topKeys[key] ?? 1, `unknown top-level key '${key}' (expected only '${kind.topKey}')`);
  }
  if (!(kind.topKey in data)) {
    report(1, `missing top-level key '${kind.topKey}:'`);
    return [];
  }
  const list = data[kind.topKey];
  if (!Array.isArray(list)) {
    report(lines.topKeys[kind.topKey] ?? 1, `'${kind.topKey}' must be a list of entries`);
    return [];
  }
  return list.map((raw: unknown, index) => ({
    raw: isMapping(raw) ? raw : undefined,
    lines: lines.entries[kind.topKey]?.[index],
    index,
  }));
}

/** Checks presence, unknown keys and value rules; returns true when the entry can be trusted as typed. */
function checkFields(
  raw: Record<string, unknown>,
  schema: EntrySchema,
  label: string,
  at: (key?: string) => number,
  report: Report,
  prefix = '',
): boolean {
  let ok = true;
  const fail = (line: number, message: string) => {
    ok = false;
    report(line, message);
  };
  for (const key of Object.keys(raw).filter((k) => !(k in schema))) {
    const hint = closest(key, Object.keys(schema));
    fail(at(prefix + key), `${label}: unknown field '${prefix}${key}'${hint ? ` (did you mean '${prefix}${hint}'?)` : ''}`);
  }
  for (const [key, rule] of Object.entries(schema)) {
    const value = raw[key];
    if (value === undefined || value === null) {
      if (!rule.optional) fail(at(prefix ? prefix.slice(0, -1) : undefined), `${label}: missing required field '${prefix}${key}'`);
      continue;
    }
    const problem = rule.check(value);
    if (problem) fail(at(prefix + key), `${label}: ${prefix}${key} ${problem}`);
    else if (rule.fields && !checkFields(value as Record<string, unknown>, rule.fields, label, at, report, `${prefix}${key}.`)) {
      ok = false;
    }
  }
  return ok;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Definitions are shared by every caller of the registry; freezing keeps one caller from changing another's view. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
