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
  /** Drafts checked so far (see DraftCheck), by reason code, the item's own facts and the draft. */
  private readonly checked = new Map<string, DraftCheck>();

  constructor(reasons: Pick<ReasonConfig, 'generic' | 'reasons' | 'sensitiveCategories' | 'sensitiveTerms'>) {
    this.allowedCodes = allowedReasonCodes(reasons);
    this.sensitiveCategories = reasons.sensitiveCategories;
    this.denied = [...new Set([...reasons.sensitiveCategories, ...reasons.sensitiveTerms].map((t) => t.toLowerCase()))];
  }

  /**
   * An answer's vocabulary (with the sensitive categories) indexed by first word, built once per answer: each
   * item's sentence then meets only the values that could occur in it.
   */
  index(vocabulary: ExplanationVocabulary | readonly Iterable<string>[]): VocabularyIndex {
    const groups = vocabulary instanceof Map ? [...vocabulary.values()] : (vocabulary as readonly Iterable<string>[]);
    return new VocabularyIndex([...groups, this.sensitiveCategories]);
  }

  validate(output: string, facts: ExplanationFacts, vocabulary: ExplanationVocabulary | VocabularyIndex = new Map()): Validation {
    const draft = output.trim();
    const entries = Object.entries(facts.item);
    const own = entries.map(([, v]) => v.toLowerCase());
    // Everything but the answer's vocabulary depends on the draft, its reason code, the item's category and those
    // of the item's own values the draft may contain (taking out one it does not contain changes nothing), and an
    // answer's items repeat them: the template explainer writes the same sentence for the same category, whoever
    // the item's creator is.
    const lowerDraft = draft.toLowerCase();
    const named = own.filter((v) => forms(v).some((f) => mayContain(lowerDraft, f)));
    const key = JSON.stringify([facts.reason.code, facts.item[CATEGORY_FEATURE] ?? null, named, draft]);
    const checked = remember(this.checked, key, () => this.check(draft, facts, named));
    if (!checked.ok) return checked.verdict;
    const index = vocabulary instanceof VocabularyIndex ? vocabulary : this.index(vocabulary);
    for (const v of index.candidates(checked.words)) {
      if (!own.includes(v) && containsPhrase(checked.rest, v, checked.words)) return reject('ungrounded_fact');
    }
    if (checked.identifier) return reject('contains_identifier');
    return { ok: true, text: checked.sentence };
  }

  /**
   * The checks of {@link validate} that do not depend on the answer's vocabulary; `own`: the item's own values
   * (lower-cased) the draft may contain.
   */
  private check(draft: string, facts: ExplanationFacts, own: string[]): DraftCheck {
    const rejected = (reason: RejectionReason): DraftCheck => ({ ok: false, verdict: reject(reason) });
    if (!draft) return rejected('empty');
    const parsed = DRAFT.exec(draft);
    if (!parsed) return rejected('missing_reason_code');
    const [, code, rest] = parsed;
    if (!this.allowedCodes.has(code)) return rejected('unknown_reason_code');
    if (code !== facts.reason.code) return rejected('reason_code_mismatch');
    const sentence = rest.trim();
    if (!sentence) return rejected('empty');
    if (sentence.length > MAX_EXPLANATION_CHARS) return rejected('too_long');
    if (EMAIL.test(sentence) || URL.test(sentence)) return rejected('contains_contact');
    if (/[\r\n]/.test(sentence) || SENTENCE_BREAK.test(sentence.replace(/[.!]$/, ''))) return rejected('not_one_sentence');
    const otherCodes = [...(sentence.match(CODE_LIKE) ?? []), ...[...this.allowedCodes].filter((c) => containsWord(sentence, c))];
    if (otherCodes.some((c) => c !== code)) return rejected('reason_code_mismatch');
    const lower = sentence.toLowerCase();
    const words = wordsOf(lower);
    if (this.denied.some((term) => containsPhrase(lower, term, words))) return rejected('sensitive_term');
    // The item's own values are taken out first, so "comic books" does not count as the other category "books".
    const withoutOwn = own.reduce(removePhrase, lower);
    const category = facts.item[CATEGORY_FEATURE];
    return {
      ok: true,
      sentence,
      rest: withoutOwn,
      words: wordsOf(withoutOwn),
      identifier: /\d/.test(category ? removePhrase(lower, category.toLowerCase()) : lower),
    };
  }
}

/** What {@link ExplanationValidator.validate} knows of a draft before it meets an answer's vocabulary. */
type DraftCheck =
  | { ok: false; verdict: Validation }
  | {
      ok: true;
      sentence: string;
      /** The lower-cased sentence without the item's own values, and its words. */
      rest: string;
      words: ReadonlySet<string>;
      /** Digits outside the item's category: an id-like token (reported after a foreign value). */
      identifier: boolean;
    };

/**
 * Every value answers have named so far (lower-cased), by the first word of each of its forms; values whose form
 * starts with no word (punctuation) apart. Shared by all answers: a tenant's categories and creators recur, so
 * an answer only registers the values that are new here — found by the value as it came (`raw`), so an answer's
 * hundreds of values cost a set lookup each and nothing else. When full it starts over with a new generation,
 * and an index of an earlier generation registers its values again before it answers (it never misses one).
 */
const registry = {
  byFirstWord: new Map<string, Set<string>>(),
  unindexed: new Set<string>(),
  values: new Set<string>(),
  raw: new Set<string>(),
  generation: 0,
};

/** Registers the values not registered yet, starting over first when they would not fit. */
function registerAll(groups: readonly Iterable<string>[]): void {
  let fresh: string[] = [];
  for (const group of groups) for (const raw of group) if (raw && !registry.raw.has(raw)) fresh.push(raw);
  if (fresh.length === 0) return;
  if (registry.raw.size + fresh.length > MAX_CACHED) {
    registry.byFirstWord.clear();
    registry.unindexed.clear();
    registry.values.clear();
    registry.raw.clear();
    registry.generation += 1;
    fresh = [...new Set(groups.flatMap((group) => [...group].filter(Boolean)))];
  }
  for (const raw of fresh) {
    registry.raw.add(raw);
    const value = raw.toLowerCase();
    if (registry.values.has(value)) continue;
    registry.values.add(value);
    for (const form of forms(value)) {
      if (form.firstWord === '') registry.unindexed.add(value);
      else {
        let set = registry.byFirstWord.get(form.firstWord);
        if (!set) registry.byFirstWord.set(form.firstWord, (set = new Set()));
        set.add(value);
      }
    }
  }
}

/** The values an answer's sentences may not name unless they are the item's own. */
export class VocabularyIndex {
  /**
   * This answer's values, lower-cased: made the first time a sentence's words meet a registered value at all
   * (a template sentence mostly meets none once the item's own values are taken out).
   */
  private members: Set<string> | undefined;
  private generation: number;

  /** `groups`: the answer's values, in groups as they come (a column of the table, a set); '' is no value. */
  constructor(private readonly groups: readonly Iterable<string>[]) {
    registerAll(groups);
    this.generation = registry.generation;
  }

  /** This answer's values that could occur in a text with these words. */
  *candidates(words: ReadonlySet<string>): Iterable<string> {
    if (this.generation !== registry.generation) {
      registerAll(this.groups);
      this.generation = registry.generation;
    }
    for (const word of words) {
      const values = registry.byFirstWord.get(word);
      if (values) for (const v of values) if (this.has(v)) yield v;
    }
    for (const v of registry.unindexed) if (this.has(v)) yield v;
  }

  private has(value: string): boolean {
    if (!this.members) {
      this.members = new Set();
      for (const group of this.groups) for (const raw of group) if (raw) this.members.add(raw.toLowerCase());
    }
    return this.members.has(value);
  }
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
