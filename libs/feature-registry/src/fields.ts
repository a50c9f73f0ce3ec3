/**
 * Field-level rules for registry entries: which fields exist, which are required, and what values they take.
 * Each check returns a description of what is wrong, or undefined when the value is fine.
 */
import { DEBUG_VISIBILITIES, ENTITIES, PRIVACY_CLASSES, REGISTRY_MODES, REGISTRY_PURPOSES, VALUE_TYPES } from './types';

export type FieldCheck = (value: unknown) => string | undefined;

export interface FieldRule {
  check: FieldCheck;
  optional?: boolean;
  /** For a nested mapping: the rules of its own fields, checked one by one so each problem gets its line. */
  fields?: EntrySchema;
}

export type EntrySchema = Record<string, FieldRule>;

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

/** Names are referenced across files and in code, so they must be plain snake_case identifiers. */
export const identifier: FieldCheck = (v) =>
  typeof v === 'string' && /^[a-z][a-z0-9_]*$/.test(v) ? undefined : `must be a snake_case name (got ${show(v)})`;

export const text: FieldCheck = (v) =>
  typeof v === 'string' && v.trim() !== '' ? undefined : `must be a non-empty string (got ${show(v)})`;

export const bool: FieldCheck = (v) => (typeof v === 'boolean' ? undefined : `must be true or false (got ${show(v)})`);

export const positiveInt: FieldCheck = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 ? undefined : `must be a positive integer (got ${show(v)})`;

export const oneOf =
  (allowed: readonly string[]): FieldCheck =>
  (v) =>
    typeof v === 'string' && allowed.includes(v) ? undefined : `must be one of ${allowed.join(', ')} (got ${show(v)})`;

/** A list of distinct values, each passing `item`; duplicates are almost always a copy-paste mistake. */
export const listOf =
  (item: FieldCheck, { nonEmpty }: { nonEmpty: boolean }): FieldCheck =>
  (v) => {
    if (!Array.isArray(v)) return `must be a list (got ${show(v)})`;
    if (nonEmpty && v.length === 0) return 'must not be empty';
    for (const [i, element] of v.entries()) {
      const problem = item(element);
      if (problem) return `item ${i + 1} ${problem}`;
      if (v.indexOf(element) !== i) return `lists ${show(element)} twice`;
    }
    return undefined;
  };

export const mapping: FieldCheck = (v) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : `must be a mapping of fields (got ${show(v)})`;

/** An ISO calendar date (YYYY-MM-DD), as approvals are recorded. */
export const isoDate: FieldCheck = (v) =>
  typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))
    ? undefined
    : `must be a date as YYYY-MM-DD (got ${show(v)})`;

const modes = listOf(oneOf(REGISTRY_MODES), { nonEmpty: true });
const purpose = oneOf(REGISTRY_PURPOSES);
const consent = oneOf([...REGISTRY_PURPOSES, 'none']);

export const APPROVAL_SCHEMA: EntrySchema = {
  approved_by: { check: text },
  approved_at: { check: isoDate },
  ticket: { check: text },
};

export const FEATURE_SCHEMA: EntrySchema = {
  name: { check: identifier },
  entity: { check: oneOf(ENTITIES) },
  value_type: { check: oneOf(VALUE_TYPES) },
  privacy_class: { check: oneOf(PRIVACY_CLASSES) },
  allowed_privacy_modes: { check: modes },
  allowed_purposes: { check: listOf(purpose, { nonEmpty: true }) },
  prohibited_purposes: { check: listOf(purpose, { nonEmpty: false }) },
  retention_days: { check: positiveInt },
  requires_consent: { check: consent },
  debug_visibility: { check: oneOf(DEBUG_VISIBILITIES) },
  sensitive_inference: { check: bool },
  owner: { check: text },
  description: { check: text },
  approval: { check: mapping, optional: true, fields: APPROVAL_SCHEMA },
  derived_from: { check: listOf(identifier, { nonEmpty: true }), optional: true },
};

export const FEATURE_SET_SCHEMA: EntrySchema = {
  name: { check: identifier },
  allowed_privacy_modes: { check: modes },
  purpose: { check: purpose },
  features: { check: listOf(identifier, { nonEmpty: true }) },
  owner: { check: text },
  description: { check: text },
};

export const SOURCE_SCHEMA: EntrySchema = {
  name: { check: identifier },
  requires_personal_data: { check: bool },
  uses_session_state: { check: bool, optional: true },
  allowed_privacy_modes: { check: modes },
  requires_consent: { check: consent },
  feature_set: { check: identifier },
  owner: { check: text },
  description: { check: text },
};

export const ROUTE_SCHEMA: EntrySchema = {
  name: { check: identifier },
  mode: { check: oneOf(REGISTRY_MODES) },
  surface: { check: identifier },
  feature_set: { check: identifier },
  consumed_features: { check: listOf(identifier, { nonEmpty: true }) },
  model: { check: text },
  owner: { check: text },
  description: { check: text },
};

/** The closest known field name, to turn "unknown field" into "did you mean". */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3; // farther than two edits is a different word, not a typo
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
