import { loadRegistry } from '@recsys/feature-registry';
import { dictionaryColumn, ItemTable, RecommendedItem, textColumn } from '@recsys/proto';
import { ServiceMetrics } from '@recsys/service-kit';
import pino from 'pino';
import { ReasonConfig } from '../recommend/reason-config';
import { CompletionOptions, Explainer, LanguageModel } from './explainer';
import { ExplanationFactsBuilder } from './explanation-facts';
import { ExplanationService } from './explanation.service';
import { ExplanationValidator } from './explanation.validator';
import { LlmExplainer } from './llm.explainer';
import { TemplateExplainer } from './template.explainer';

const reasons: ReasonConfig = {
  sensitiveCategories: new Set(['health']),
  sensitiveTerms: new Set(['you seem', 'debt']),
  generic: { code: 'RECOMMENDED', text: 'Recommended for you' },
  reasons: new Map([
    ['item_popularity', { code: 'POPULAR', text: 'Popular right now', personal: false }],
    ['source:user_cf', { code: 'SIMILAR_TO_HISTORY', text: 'Similar to items you viewed recently', personal: true }],
  ]),
};
const table: ItemTable = {
  itemIds: ['i1', 'i2', 'i3'],
  texts: {
    item_category: textColumn(['books', 'health', 'toys']),
    item_creator: dictionaryColumn(['Kayu Press', 'Sehat Co', 'Mainan Ltd']),
  },
  numbers: { item_popularity: { values: [0.9, 0.8, 0.7] } },
};
const item = (itemId: string, reasonCode: string, reasonText: string): RecommendedItem => ({
  itemId,
  score: 1,
  reasonCode,
  reasonText,
  source: 'trending_region',
  explanation: '',
});
const items = [
  item('i1', 'POPULAR', 'Popular right now'),
  item('i2', 'RECOMMENDED', 'Recommended for you'),
  item('i3', 'SIMILAR_TO_HISTORY', 'Similar to items you viewed recently'),
];

/** A collaborator stub standing in for a model adapter: answers what the test tells it to. */
class ScriptedModel implements LanguageModel {
  readonly name = 'scripted';
  constructor(private readonly answer: (prompt: string) => Promise<string>) {}
  complete(prompt: string, _options: CompletionOptions): Promise<string> {
    return this.answer(prompt);
  }
}

function setup(explainer: Explainer | undefined, deadlineMs = 200) {
  const metrics = new ServiceMetrics('test');
  const service = new ExplanationService(
    explainer,
    new ExplanationFactsBuilder(loadRegistry(), reasons),
    new ExplanationValidator(reasons),
    metrics,
    pino({ level: 'silent' }),
    { deadlineMs },
  );
  const rejected = async (reason: string) =>
    (await metrics.registry.getSingleMetric('explanation_rejected_total')!.get()).values.find((v) => v.labels.reason === reason)?.value ??
    0;
  return { service, rejected };
}

describe(ExplanationService.name, () => {
  it('fills every item with the validated template sentence, without a sensitive or generic-hidden category', async () => {
    const { service } = setup(new TemplateExplainer());
    const filled = await service.fill(items, table);
    expect(filled.map((i) => i.explanation)).toEqual([
      'Popular right now, in the books category.',
      'Recommended for you.',
      'Similar to items you viewed recently, in the toys category.',
    ]);
  });

  it('shows nothing, and counts it, when the model answers something the validator rejects', async () => {
    const answers: Record<string, string> = {
      // Speculates about the user, and leans on a reason code that is not the item's.
      POPULAR: 'SIMILAR_TO_HISTORY: You seem to be paying off debt.',
      RECOMMENDED: 'RECOMMENDED: Recommended for you. It is a health product.',
      SIMILAR_TO_HISTORY: 'SIMILAR_TO_HISTORY: Similar to the books you viewed recently',
    };
    const model = new ScriptedModel((prompt) => Promise.resolve(answers[/Rely on the reason code (\w+)/.exec(prompt)![1]]));
    const { service, rejected } = setup(new LlmExplainer(model));
    const filled = await service.fill(items, table);
    expect(filled.map((i) => i.explanation)).toEqual(['', '', '']);
    expect(await rejected('reason_code_mismatch')).toBe(1);
    expect(await rejected('not_one_sentence')).toBe(1);
    expect(await rejected('ungrounded_fact')).toBe(1);
  });

  it('shows a model sentence that passes validation', async () => {
    const model = new ScriptedModel(() => Promise.resolve('POPULAR: A popular book from Kayu Press right now.'));
    const { service, rejected } = setup(new LlmExplainer(model));
    const [first] = await service.fill([items[0]], table);
    expect(first.explanation).toBe('A popular book from Kayu Press right now.');
    expect(await rejected('reason_code_mismatch')).toBe(0);
  });

  it('answers empty explanations, never an error, when the model fails', async () => {
    const model = new ScriptedModel(() => Promise.reject(new Error('model runtime down: prompt was ...')));
    const { service, rejected } = setup(new LlmExplainer(model));
    const filled = await service.fill(items, table);
    expect(filled.map((i) => [i.itemId, i.reasonCode, i.explanation])).toEqual([
      ['i1', 'POPULAR', ''],
      ['i2', 'RECOMMENDED', ''],
      ['i3', 'SIMILAR_TO_HISTORY', ''],
    ]);
    expect(await rejected('explainer_error')).toBe(3);
  });

  it('gives up at the deadline and aborts the model call', async () => {
    let aborted = false;
    const slow: LanguageModel = {
      name: 'slow',
      complete: (_prompt, options) =>
        new Promise((resolve) => {
          options.signal?.addEventListener('abort', () => (aborted = true));
          setTimeout(() => resolve('POPULAR: Popular right now.'), 1000).unref();
        }),
    };
    const { service, rejected } = setup(new LlmExplainer(slow), 20);
    const started = Date.now();
    const [first] = await service.fill([items[0]], table);
    expect(Date.now() - started).toBeLessThan(500);
    expect(first.explanation).toBe('');
    expect(aborted).toBe(true);
    expect(await rejected('timeout')).toBe(1);
  });

  it('leaves explanations empty and calls nothing with EXPLAINER=none', async () => {
    const { service } = setup(undefined);
    expect(await service.fill(items, table)).toEqual(items);
  });
});
