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

  /**
   * An answer's vocabulary (with the sensitive categories) indexed by first word, built once per answer: each
   * item's sentence then meets only the values that could occur in it.
   */
  index(vocabulary: ExplanationVocabulary): VocabularyIndex {
    return new VocabularyIndex([...[...vocabulary.values()].flatMap((values) => [...values]), ...this.sensitiveCategories]);
  }

  validate(output: string, facts: ExplanationFacts, vocabulary: ExplanationVocabulary | VocabularyIndex = new Map()): Validation {
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
    const words = wordsOf(lower);
    if (this.denied.some((term) => containsPhrase(lower, term, words))) return reject('sensitive_term');
    const index = vocabulary instanceof VocabularyIndex ? vocabulary : this.index(vocabulary);
    if (mentionsForeignValue(lower, facts, index)) return reject('ungrounded_fact');
    const category = facts.item[CATEGORY_FEATURE];
    if (/\d/.test(category ? removePhrase(lower, category.toLowerCase()) : lower)) return reject('contains_identifier');
    return { ok: true, text: sentence };
  }
}

/** The values an answer's sentences may not name unless they are the item's own, by the first word of each form. */
export class VocabularyIndex {
  private readonly byFirstWord = new Map<string, Set<string>>();
  /** Values with a form that starts with no word (punctuation): tried on every sentence. */
  private readonly unindexed = new Set<string>();

  constructor(values: Iterable<string>) {
    for (const value of values) {
      const v = value.toLowerCase();
      if (!v) continue;
      for (const form of forms(v)) {
        if (form.firstWord === '') this.unindexed.add(v);
        else {
          let set = this.byFirstWord.get(form.firstWord);
          if (!set) this.byFirstWord.set(form.firstWord, (set = new Set()));
          set.add(v);
        }
      }
    }
  }

  /** The values that could occur in a text with these words. */
  *candidates(words: ReadonlySet<string>): Iterable<string> {
    for (const word of words) yield* this.byFirstWord.get(word) ?? [];
    yield* this.unindexed;
  }
}

/** True when the sentence names an attribute value (a category, a creator) that is not the item's own. */
function mentionsForeignValue(lower: string, facts: ExplanationFacts, index: VocabularyIndex): boolean {
  // The item's own values are taken out first, so "comic books" does not count as the other category "books".
  const own = Object.values(facts.item).map((v) => v.toLowerCase());
  const rest = own.reduce(removePhrase, lower);
  const words = wordsOf(rest);
  for (const v of index.candidates(words)) if (!own.includes(v) && containsPhrase(rest, v, words)) return true;
  return false;
}

function reject(reason: RejectionReason): Validation {
  return { ok: false, reason };
}

/** A word: a run of letters, digits and `_` (what the phrase patterns' boundaries do not cut). */
const WORD = /[\p{L}\p{N}_]+/gu;

/** The words of a text. */
function wordsOf(text: string): ReadonlySet<string> {
  return new Set(text.match(WORD) ?? []);
}

/** One form of a phrase, with its first word ('' when it starts with no word). */
interface PhraseForm {
  text: string;
  firstWord: string;
}

/** By phrase: the vocabulary of an answer is checked for every item of it, and answers share most values. */
const FORMS = new Map<string, PhraseForm[]>();
/** Compiled patterns, by flags and phrase. */
const PATTERNS = new Map<string, RegExp>();
const MAX_CACHED = 20_000;

function remember<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, value);
  }
  return value;
}

/** The forms a value can take in a sentence: as written and with `_` read as a space. */
function forms(phrase: string): PhraseForm[] {
  return remember(FORMS, phrase, () =>
    [...new Set([phrase, factPhrase(phrase)])].map((text) => {
      // The pattern starts at a word boundary, so a match starts with the phrase's first word as a whole word.
      const first = /^[\p{L}\p{N}_]+/u.exec(text);
      return { text, firstWord: first ? first[0] : '' };
    }),
  );
}

function phrasePattern(phrase: string, flags: string): RegExp {
  const pattern = remember(PATTERNS, `${flags}\u0000${phrase}`, () => {
    const escaped = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
    return new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, `u${flags}`);
  });
  // A global pattern keeps its position between uses.
  pattern.lastIndex = 0;
  return pattern;
}

/**
 * A cheap necessary condition: the phrase's first word is a word of the text (given its words) or occurs in it
 * at all (without them).
 */
function mayContain(text: string, form: PhraseForm, words?: ReadonlySet<string>): boolean {
  if (form.firstWord === '') return true;
  return words ? words.has(form.firstWord) : text.includes(form.firstWord);
}

/** The word exactly as written (a reason code: `EDITORS_PICK`, not "EDITORS PICK"). */
function containsWord(text: string, word: string): boolean {
  const [exact] = forms(word);
  return mayContain(text, exact) && phrasePattern(exact.text, '').test(text);
}

function containsPhrase(text: string, phrase: string, words?: ReadonlySet<string>): boolean {
  return forms(phrase).some((f) => mayContain(text, f, words) && phrasePattern(f.text, '').test(text));
}

function removePhrase(text: string, phrase: string): string {
  return forms(phrase).reduce((t, f) => (mayContain(t, f) ? t.replace(phrasePattern(f.text, 'g'), ' ') : t), text);
}
