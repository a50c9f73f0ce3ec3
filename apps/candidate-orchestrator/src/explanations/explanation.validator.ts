import { allowedReasonCodes, ReasonConfig } from '../recommend/reason-config';
import { CATEGORY_FEATURE, ExplanationFacts, factPhrase } from './explanation-facts';
import { MAX_EXPLANATION_CHARS } from './prompt-builder';

/** Why an explanation was not shown: the `reason` label of `explanation_rejected_total` (a closed set). */
export const REJECTION_REASONS = [
  'empty',
  'missing_reason_code',
  'unknown_reason_code',
  'reason_code_mismatch',
  'too_long',
  'not_one_sentence',
  'contains_contact',
  'contains_identifier',
  'sensitive_term',
  'ungrounded_fact',
  'explainer_error',
  'timeout',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export type Validation = { ok: true; text: string } | { ok: false; reason: RejectionReason };

/**
 * Values of the explainable features seen in this answer (every candidate's category, creator, ...), by
 * feature name: a sentence naming one the item does not have talks about something not in its facts.
 */
export type ExplanationVocabulary = ReadonlyMap<string, ReadonlySet<string>>;

const DRAFT = /^([A-Z][A-Z0-9_]*):[ \t]*(.*)$/s;
/** Reason-code-shaped tokens (`SIMILAR_TO_HISTORY`): a sentence may lean on no code but its own. */
const CODE_LIKE = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g;
const EMAIL = /[^\s@]+@[^\s@]+/;
const URL = /(?:[a-z][a-z0-9+.-]*:\/\/|www\.|\b[a-z0-9-]+\.(?:com|net|org|io|ai|co|id|sg|my|us|uk|info|biz|app|dev|me|ly)\b)/i;
const SENTENCE_BREAK = /[.!?;]/;

/**
 * The gate every explanation passes before a user sees it (seed §25: output validation). Accepts
 * `<REASON_CODE>: <sentence>` only when the code is an allowed one and the item's own, and the sentence is one
 * sentence of bounded length with no contact details, no id-like tokens, no sensitive term, and no attribute
 * value the item's facts do not hold. Answers the sentence without the code.
 */
export class ExplanationValidator {
  private readonly allowedCodes: ReadonlySet<string>;
  private readonly denied: string[];
  private readonly sensitiveCategories: ReadonlySet<string>;

  constructor(reasons: Pick<ReasonConfig, 'generic' | 'reasons' | 'sensitiveCategories' | 'sensitiveTerms'>) {
    this.allowedCodes = allowedReasonCodes(reasons);
    this.sensitiveCategories = reasons.sensitiveCategories;
    this.denied = [...new Set([...reasons.sensitiveCategories, ...reasons.sensitiveTerms].map((t) => t.toLowerCase()))];
  }

  validate(output: string, facts: ExplanationFacts, vocabulary: ExplanationVocabulary = new Map()): Validation {
    const draft = output.trim();
    if (!draft) return reject('empty');
    const parsed = DRAFT.exec(draft);
    if (!parsed) return reject('missing_reason_code');
    const [, code, rest] = parsed;
    if (!this.allowedCodes.has(code)) return reject('unknown_reason_code');
    if (code !== facts.reason.code) return reject('reason_code_mismatch');
    const sentence = rest.trim();
    if (!sentence) return reject('empty');
    if (sentence.length > MAX_EXPLANATION_CHARS) return reject('too_long');
    if (EMAIL.test(sentence) || URL.test(sentence)) return reject('contains_contact');
    if (/[\r\n]/.test(sentence) || SENTENCE_BREAK.test(sentence.replace(/[.!]$/, ''))) return reject('not_one_sentence');
    const otherCodes = [...(sentence.match(CODE_LIKE) ?? []), ...[...this.allowedCodes].filter((c) => containsWord(sentence, c))];
    if (otherCodes.some((c) => c !== code)) return reject('reason_code_mismatch');
    const lower = sentence.toLowerCase();
    if (this.denied.some((term) => containsPhrase(lower, term))) return reject('sensitive_term');
    if (this.mentionsForeignValue(lower, facts, vocabulary)) return reject('ungrounded_fact');
    const category = facts.item[CATEGORY_FEATURE];
    if (/\d/.test(category ? removePhrase(lower, category.toLowerCase()) : lower)) return reject('contains_identifier');
    return { ok: true, text: sentence };
  }

  /** True when the sentence names an attribute value (a category, a creator) that is not the item's own. */
  private mentionsForeignValue(lower: string, facts: ExplanationFacts, vocabulary: ExplanationVocabulary): boolean {
    // The item's own values are taken out first, so "comic books" does not count as the other category "books".
    const own = Object.values(facts.item).map((v) => v.toLowerCase());
    const rest = own.reduce(removePhrase, lower);
    const categories = new Set([...(vocabulary.get(CATEGORY_FEATURE) ?? []), ...this.sensitiveCategories]);
    const known = new Map(vocabulary).set(CATEGORY_FEATURE, categories);
    for (const values of known.values()) {
      for (const value of values) {
        const v = value.toLowerCase();
        if (v && !own.includes(v) && containsPhrase(rest, v)) return true;
      }
    }
    return false;
  }
}

function reject(reason: RejectionReason): Validation {
  return { ok: false, reason };
}

/** The forms a value can take in a sentence: as written and with `_` read as a space. */
function forms(phrase: string): string[] {
  return [...new Set([phrase, factPhrase(phrase)])];
}

/** Compiled patterns, by flags and phrase: the vocabulary of an answer is checked for every item of it. */
const PATTERNS = new Map<string, RegExp>();
const MAX_PATTERNS = 20_000;

function phrasePattern(phrase: string, flags: string): RegExp {
  const key = `${flags}\u0000${phrase}`;
  let pattern = PATTERNS.get(key);
  if (!pattern) {
    const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
    pattern = new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, `u${flags}`);
    if (PATTERNS.size >= MAX_PATTERNS) PATTERNS.clear();
    PATTERNS.set(key, pattern);
  }
  // A global pattern keeps its position between uses.
  pattern.lastIndex = 0;
  return pattern;
}

/** A cheap necessary condition: the phrase's first word occurs in the text at all. */
function mayContain(text: string, phrase: string): boolean {
  const first = phrase.split(/\s+/, 1)[0];
  return first === '' || text.includes(first);
}

function containsWord(text: string, word: string): boolean {
  return mayContain(text, word) && phrasePattern(word, '').test(text);
}

function containsPhrase(text: string, phrase: string): boolean {
  return forms(phrase).some((f) => mayContain(text, f) && phrasePattern(f, '').test(text));
}

function removePhrase(text: string, phrase: string): string {
  return forms(phrase).reduce((t, f) => (mayContain(t, f) ? t.replace(phrasePattern(f, 'g'), ' ') : t), text);
}
