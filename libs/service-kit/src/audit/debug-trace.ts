import { createHash } from 'node:crypto';

/** The schema id of a debug trace document (docs/debug-traces.md). */
export const DEBUG_TRACE_SCHEMA = 'recsys.debug-trace/v1';

export const DEBUG_ROLES = ['viewer', 'engineer', 'privacy_officer'] as const;
export type DebugRole = (typeof DEBUG_ROLES)[number];

/** Privacy classes whose values an engineer may see: nothing about a person. */
export const NON_PERSONAL_CLASSES: ReadonlySet<string> = new Set(['public_catalog', 'aggregate_non_personal']);

/** One feature used by the request, as the trace keeps it. */
export interface TraceFeature {
  name: string;
  privacy_class: string;
  /** The registry's debug_visibility: `hidden` features never enter a trace. */
  visibility: 'visible' | 'restricted';
  sensitive_inference: boolean;
  allowed_purposes: string[];
  /** Present only for a visible, non-sensitive feature; a short summary for large values. */
  value?: unknown;
  /** True when the value was masked at capture (restricted or sensitive). */
  masked: boolean;
}

/** A sampled, redacted trace of one Recommend. No raw id, no PII, no exact history, no document text. */
export interface DebugTraceDocument {
  schema: typeof DEBUG_TRACE_SCHEMA;
  request_id: string;
  tenant_id: string;
  /** A one-way hash of the pseudonymous subject (`h_` + 22 chars); lets the deletion saga find the trace. */
  subject_hash: string;
  occurred_at: string;
  request: {
    surface: string;
    region: string;
    device_type: string;
    local_hour: number;
    seed_item_id: string;
    query_chars: number;
    limit: number;
  };
  privacy: { mode: string; fallback_reason: string; consent_version: string; policy_version: string; purposes: string[] };
  sources: { name: string; ok: boolean; candidates: number }[];
  features: TraceFeature[];
  /** Features with debug_visibility `hidden` that the request used: counted, never named. */
  hidden_features: number;
  ranking: {
    route: string;
    model_version: string;
    items: { item_id: string; score: number; source: string; reason_code: string }[];
  };
}

/** The one-way hash under which a subject's debug traces are stored (raw and pseudonymous ids are not). */
export function traceSubjectHash(tenantId: string, subjectPid: string): string {
  if (!subjectPid) return 'h_anonymous';
  return `h_${createHash('sha256').update(`debug-trace\u0000${tenantId}\u0000${subjectPid}`).digest('base64url').slice(0, 22)}`;
}

const PSEUDONYM = /\b[ua]_[A-Za-z0-9_-]{22}\b/;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

/**
 * What is wrong with a trace before it may be stored (the receiver's second line of defence): the schema, a
 * pseudonymous or e-mail-like id anywhere in it, or a value kept for a feature that must be masked.
 */
export function traceProblems(doc: DebugTraceDocument, knownIds: readonly string[] = []): string[] {
  const problems: string[] = [];
  if (doc.schema !== DEBUG_TRACE_SCHEMA) problems.push(`schema must be ${DEBUG_TRACE_SCHEMA}`);
  if (!/^h_[A-Za-z0-9_-]+$/.test(doc.subject_hash ?? '')) problems.push('subject_hash must be a trace subject hash');
  const text = JSON.stringify(doc);
  if (PSEUDONYM.test(text)) problems.push('holds a pseudonymous subject id');
  if (EMAIL.test(text)) problems.push('holds an e-mail address');
  // A short id would match digits of a score: those are looked for as whole JSON strings only.
  if (knownIds.some((id) => id && text.includes(id.length >= 8 ? id : JSON.stringify(id)))) problems.push('holds a raw id');
  for (const f of doc.features ?? []) {
    if ((f.visibility !== 'visible' || f.sensitive_inference) && f.value !== undefined) problems.push(`feature ${f.name} must be masked`);
  }
  return problems;
}

/**
 * The view of a stored trace for a role (seed §23, §34):
 * - `viewer`: what ran and what came out — mode, sources, route, items and scores, feature names and classes; no
 *   feature values and no consent details.
 * - `engineer`: the viewer's, plus the values of non-personal features (public catalog, thresholded aggregates).
 * - `privacy_officer`: for a stated purpose, the values of every stored feature whose registry entry allows that
 *   purpose, and the privacy section (consent and policy versions, purposes, masked features).
 * Masked values were never stored, so no role can see them.
 */
export function traceView(doc: DebugTraceDocument, role: DebugRole, purpose = ''): Record<string, unknown> {
  const feature = (f: TraceFeature, showValue: boolean) => ({
    name: f.name,
    privacy_class: f.privacy_class,
    masked: f.masked,
    ...(showValue && f.value !== undefined ? { value: f.value } : {}),
  });
  const base = {
    schema: doc.schema,
    request_id: doc.request_id,
    tenant_id: doc.tenant_id,
    occurred_at: doc.occurred_at,
    request: doc.request,
    privacy: { mode: doc.privacy.mode, fallback_reason: doc.privacy.fallback_reason },
    sources: doc.sources,
    ranking: doc.ranking,
    hidden_features: doc.hidden_features,
  };
  switch (role) {
    case 'viewer':
      return { ...base, features: doc.features.map((f) => feature(f, false)) };
    case 'engineer':
      return { ...base, features: doc.features.map((f) => feature(f, NON_PERSONAL_CLASSES.has(f.privacy_class))) };
    case 'privacy_officer':
      return {
        ...base,
        subject_hash: doc.subject_hash,
        privacy: doc.privacy,
        purpose,
        features: doc.features.map((f) => feature(f, f.allowed_purposes.includes(purpose))),
      };
  }
}
