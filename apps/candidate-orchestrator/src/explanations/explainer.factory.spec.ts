import { ConfigError } from '@recsys/service-kit';
import { LanguageModel } from './explainer';
import { createExplainer } from './explainer.factory';
import { LlmExplainer } from './llm.explainer';
import { TemplateExplainer } from './template.explainer';

describe(createExplainer.name, () => {
  const model: LanguageModel = { name: 'stub', complete: () => Promise.resolve('') };

  it('uses the template explainer by default setting and none for `none`', () => {
    expect(createExplainer('template')).toBeInstanceOf(TemplateExplainer);
    expect(createExplainer('none')).toBeUndefined();
  });

  it('refuses EXPLAINER=llm with a configuration error when no model adapter is plugged in', () => {
    expect(() => createExplainer('llm')).toThrow(ConfigError);
    expect(() => createExplainer('llm')).toThrow(/LanguageModel adapter/);
  });

  it('wraps a plugged-in model adapter for EXPLAINER=llm', () => {
    expect(createExplainer('llm', model)).toBeInstanceOf(LlmExplainer);
    expect(createExplainer('llm', model)?.name).toBe('llm:stub');
  });
});
