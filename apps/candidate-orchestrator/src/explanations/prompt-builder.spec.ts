import { ExplanationFacts } from './explanation-facts';
import { MAX_EXPLANATION_CHARS, PromptBuilder } from './prompt-builder';

describe(PromptBuilder.name, () => {
  const facts: ExplanationFacts = {
    itemId: 'r-item-00012',
    item: { item_category: 'home_kitchen', item_creator: 'Kayu Press' },
    reason: { code: 'POPULAR_IN_REGION', text: 'Popular in your region' },
  };
  const prompt = new PromptBuilder().build(facts);

  it('asks for one sentence on the given facts and reason only, without speculating about the user', () => {
    expect(prompt).toMatch(/one short sentence/i);
    expect(prompt).toMatch(/use only the facts and the reason/i);
    expect(prompt).toMatch(/do not speculate about the user/i);
    expect(prompt).toContain(`at most ${MAX_EXPLANATION_CHARS} characters`);
  });

  it('names the one reason code to rely on and the answer format that carries it', () => {
    expect(prompt).toContain('Rely on the reason code POPULAR_IN_REGION and no other');
    expect(prompt.trim().split('\n').at(-1)).toBe('Answer format: POPULAR_IN_REGION: <one sentence>');
  });

  it('renders facts as quoted data, without the item id', () => {
    expect(prompt).toContain('- category: "home_kitchen"');
    expect(prompt).toContain('- creator: "Kayu Press"');
    expect(prompt).toContain('- text: "Popular in your region"');
    expect(prompt).not.toContain('r-item-00012');
  });
});
