import { defaultConfigDir, loadRegistry } from '@recsys/feature-registry';
import { loadReasons } from '../recommend/reason-config';
import { ExplanationFacts, ExplanationFactsBuilder } from './explanation-facts';
import { ExplanationValidator } from './explanation.validator';
import { TemplateExplainer } from './template.explainer';

const reasons = loadReasons(defaultConfigDir());
const validator = new ExplanationValidator(reasons);
const facts: ExplanationFacts = {
  itemId: 'r-item-00012',
  item: { item_category: 'home_kitchen', item_creator: 'Kayu Press' },
  reason: { code: 'POPULAR', text: 'Popular right now' },
};
const vocabulary = new Map([
  ['item_category', new Set(['home_kitchen', 'books', 'comic_books', 'health'])],
  ['item_creator', new Set(['Kayu Press', 'Nusa Books'])],
]);
const verdict = (output: string, f: ExplanationFacts = facts) => validator.validate(output, f, vocabulary);

describe(ExplanationValidator.name, () => {
  it('accepts one grounded sentence with its own reason code, and answers it without the code', () => {
    expect(verdict('POPULAR: Popular right now, in the home kitchen category.')).toEqual({
      ok: true,
      text: 'Popular right now, in the home kitchen category.',
    });
    expect(verdict('POPULAR: A popular pick from Kayu Press for your kitchen').ok).toBe(true);
  });

  it.each([
    ['a made-up reason code', 'BECAUSE_WE_KNOW_YOU: Popular right now.', 'unknown_reason_code'],
    ['another allowed reason code', 'SIMILAR_TO_HISTORY: Similar to items you viewed recently.', 'reason_code_mismatch'],
    ['a second code inside the sentence', 'POPULAR: Popular right now and MATCHES_INTERESTS too.', 'reason_code_mismatch'],
    ['no reason code', 'Popular right now.', 'missing_reason_code'],
    ['nothing', '  ', 'empty'],
    ['a code and no sentence', 'POPULAR:   ', 'empty'],
    ['two sentences', 'POPULAR: Popular right now. People love it.', 'not_one_sentence'],
    ['two lines', 'POPULAR: Popular right now\nGreat for kitchens', 'not_one_sentence'],
    ['a question and an answer', 'POPULAR: Why? Because it is popular.', 'not_one_sentence'],
    ['an e-mail address', 'POPULAR: Popular right now, ask shop@example.com', 'contains_contact'],
    ['a link', 'POPULAR: Popular right now, see https://shop.example/deal', 'contains_contact'],
    ['a bare domain', 'POPULAR: Popular right now on kayupress.com', 'contains_contact'],
    ['an id', 'POPULAR: Popular right now, like r-item-00077', 'contains_identifier'],
    ['a number', 'POPULAR: Bought by 1200 shoppers nearby', 'contains_identifier'],
    ['a sensitive category', 'POPULAR: Popular right now with health fans', 'sensitive_term'],
    ['a sensitive term', 'POPULAR: Popular right now, good for managing debt', 'sensitive_term'],
    ['speculation about the user', 'POPULAR: You seem to love cooking', 'sensitive_term'],
    ['a category the item does not have', 'POPULAR: Popular right now in books', 'ungrounded_fact'],
    ['a creator the item does not have', 'POPULAR: Popular right now, from Nusa Books', 'ungrounded_fact'],
    ['an over-long sentence', `POPULAR: Popular right now${' and popular'.repeat(20)}`, 'too_long'],
  ])('rejects %s', (_, output, reason) => {
    expect(verdict(output)).toEqual({ ok: false, reason });
  });

  it('reads another reason code only as written: its words with spaces are just words', () => {
    expect(verdict('POPULAR: Popular right now, an EDITORS PICK')).toEqual({ ok: true, text: 'Popular right now, an EDITORS PICK' });
    expect(verdict('POPULAR: Popular right now, an EDITORS_PICK')).toEqual({ ok: false, reason: 'reason_code_mismatch' });
  });

  it('does not take the item’s own category for another one it contains', () => {
    const comics = { ...facts, item: { item_category: 'comic_books' } };
    expect(verdict('POPULAR: Popular right now, in the comic books category.', comics).ok).toBe(true);
    expect(verdict('POPULAR: Popular right now, like other books', comics)).toEqual({ ok: false, reason: 'ungrounded_fact' });
  });

  it('finds a foreign value whatever its first word looks like (hyphens, accents, punctuation, digits)', () => {
    const creators = ['Sci-Fi House', 'Café Noir', '(Unnamed) Studio', '7th Street Press', 'ümlaut works'];
    const words = new Map([...vocabulary, ['item_creator', new Set([...vocabulary.get('item_creator')!, ...creators])]]);
    // As a map (built into an index per call) and as the index an answer builds once: the same verdicts.
    for (const wide of [words, validator.index(words)])
      for (const creator of creators) {
        const sentence = `POPULAR: Popular right now, from ${creator}`;
        expect(validator.validate(sentence, facts, wide)).toEqual({ ok: false, reason: 'ungrounded_fact' });
        // The same value is fine as the item's own (a digit would still count as an identifier).
        const own = { ...facts, item: { ...facts.item, item_creator: creator } };
        const expected = /\d/.test(creator) ? { ok: false, reason: 'contains_identifier' } : { ok: true, text: sentence.slice(9) };
        expect(validator.validate(sentence, own, wide)).toEqual(expected);
      }
    // Part of a word is not the word: "Cafés" does not name "Café Noir", "Sci-Fi Housing" does not name "Sci-Fi House".
    expect(validator.validate('POPULAR: Popular right now, like Sci-Fi Housing', facts, words).ok).toBe(true);
  });

  it('checks a repeated sentence against each answer’s own vocabulary (only the rest of the work is remembered)', () => {
    const sentence = 'POPULAR: Popular right now, like Lontar Ink';
    const withLontar = new Map([...vocabulary, ['item_creator', new Set(['Kayu Press', 'Lontar Ink'])]]);
    expect(validator.validate(sentence, facts, withLontar)).toEqual({ ok: false, reason: 'ungrounded_fact' });
    // The same sentence and facts in an answer where no item is by Lontar Ink: nothing foreign is named.
    expect(validator.validate(sentence, facts, vocabulary).ok).toBe(true);
    expect(validator.validate(sentence, facts, withLontar)).toEqual({ ok: false, reason: 'ungrounded_fact' });
    // Same words, other facts: the same value as the item's own creator is grounded.
    expect(validator.validate(sentence, { ...facts, item: { ...facts.item, item_creator: 'Lontar Ink' } }, withLontar).ok).toBe(true);
  });

  it('checks a sentence once for items of one category whatever their creators, unless the sentence names one', () => {
    const local = new ExplanationValidator(reasons);
    const checks = jest.spyOn(local as unknown as { check: () => unknown }, 'check');
    const sentence = 'POPULAR: Popular right now, in the home kitchen category.';
    for (const creator of ['Kayu Press', 'Nusa Books', 'Lontar Ink'])
      expect(local.validate(sentence, { ...facts, item: { ...facts.item, item_creator: creator } }, vocabulary).ok).toBe(true);
    expect(checks).toHaveBeenCalledTimes(1);
    // A sentence naming a creator: grounded for the item by that creator, foreign for another item of the category.
    const naming = 'POPULAR: A popular pick from Kayu Press for your kitchen';
    expect(local.validate(naming, facts, vocabulary).ok).toBe(true);
    expect(local.validate(naming, { ...facts, item: { ...facts.item, item_creator: 'Nusa Books' } }, vocabulary)).toEqual({
      ok: false,
      reason: 'ungrounded_fact',
    });
    // Another category is another check (the category decides what counts as an identifier).
    local.validate(sentence, { ...facts, item: { item_category: 'books', item_creator: 'Kayu Press' } }, vocabulary);
    expect(checks).toHaveBeenCalledTimes(4);
  });

  it('never answers one draft with what it remembered of another (a draft cannot forge the facts part of the key)', () => {
    const sentence = 'POPULAR: A popular pick from Kayu Press for your kitchen';
    expect(validator.validate(sentence, facts, vocabulary).ok).toBe(true);
    // Joined with NULs, these facts and this draft would spell the same key as the ones above.
    const withoutCreator = { ...facts, item: { item_category: 'home_kitchen' } };
    expect(validator.validate(`item_creator\u0000Kayu Press\u0000${sentence}`, withoutCreator, vocabulary)).toEqual({
      ok: false,
      reason: 'missing_reason_code',
    });
  });

  it('still finds a foreign value with an index built before the shared value registry started over', () => {
    const index = validator.index(new Map([...vocabulary, ['item_creator', new Set(['Kayu Press', 'Lontar Ink'])]]));
    // Another answer with more distinct values than the registry keeps: it starts over without this answer's.
    new ExplanationValidator(reasons).index(new Map([['item_creator', new Set(Array.from({ length: 20_001 }, (_, i) => `creator ${i}`))]]));
    expect(validator.validate('POPULAR: Popular right now, like Lontar Ink', facts, index)).toEqual({
      ok: false,
      reason: 'ungrounded_fact',
    });
  });

  it('rejects any category when the facts hold none (a sensitive item or a generic reason)', () => {
    const hidden = { ...facts, item: {} };
    expect(verdict('POPULAR: Popular right now.', hidden).ok).toBe(true);
    expect(verdict('POPULAR: Popular right now, in the home kitchen category.', hidden)).toEqual({
      ok: false,
      reason: 'ungrounded_fact',
    });
    // A sensitive category is known to the validator even when no candidate of the answer had it.
    expect(validator.validate('POPULAR: Popular right now among finance readers', hidden, new Map()).ok).toBe(false);
  });

  describe('with the template explainer and the repository reasons file', () => {
    const builder = new ExplanationFactsBuilder(loadRegistry(), reasons);
    const template = new TemplateExplainer();
    const shown = [reasons.generic, ...reasons.reasons.values()];

    it.each(shown.map((r) => [r.code, r] as const))('always accepts the template sentence of %s', async (_, reason) => {
      for (const category of ['home_kitchen', 'books', 'news', ...reasons.sensitiveCategories]) {
        const f = builder.factsFor('r-item-00012', { item_category: category, item_creator: 'r-creator-0003' }, reason);
        const result = verdict((await template.explain(f)).output, f);
        expect(result).toEqual({ ok: true, text: expect.stringContaining(reason.text) });
        const text = (result as { text: string }).text.toLowerCase();
        // The category is shown only when it is neither sensitive nor hidden behind the generic reason.
        const showsCategory = reason.code !== reasons.generic.code && !reasons.sensitiveCategories.has(category);
        expect(text.includes(category.replace(/_/g, ' '))).toBe(showsCategory);
      }
    });
  });
});
