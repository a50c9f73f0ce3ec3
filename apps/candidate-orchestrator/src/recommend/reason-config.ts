import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

export interface ReasonConfig {
  sensitiveCategories: Set<string>;
  /**
   * Words and phrases an explanation must never contain (lower case), on top of the sensitive categories:
   * speculation about the user and sensitive attributes (seed §25, §31).
   */
  sensitiveTerms: Set<string>;
  generic: { code: string; text: string };
  reasons: Map<string, { code: string; text: string; personal: boolean }>;
}

export function loadReasons(dir: string): ReasonConfig {
  const path = join(dir, 'reasons.yaml');
  const doc = load(readFileSync(path, 'utf8')) as {
    sensitive_categories?: string[];
    sensitive_terms?: string[];
    generic?: { code: string; text: string };
    reasons?: Record<string, { code: string; text: string; personal?: boolean }>;
  };
  if (!doc?.generic?.code || !doc.reasons) throw new Error(`${path}: generic and reasons are required`);
  return {
    sensitiveCategories: new Set(doc.sensitive_categories ?? []),
    sensitiveTerms: new Set((doc.sensitive_terms ?? []).map((t) => String(t).toLowerCase())),
    generic: doc.generic,
    reasons: new Map(Object.entries(doc.reasons).map(([k, v]) => [k, { code: v.code, text: v.text, personal: v.personal !== false }])),
  };
}

/** Every reason code the platform may show: the generic one and each mapped one. */
export function allowedReasonCodes(config: Pick<ReasonConfig, 'generic' | 'reasons'>): Set<string> {
  return new Set([config.generic.code, ...[...config.reasons.values()].map((r) => r.code)]);
}
