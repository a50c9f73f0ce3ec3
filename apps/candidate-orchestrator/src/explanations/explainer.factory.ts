import { ConfigError } from '@recsys/service-kit';
import { Explainer, LanguageModel } from './explainer';
import { LlmExplainer } from './llm.explainer';
import { TemplateExplainer } from './template.explainer';

/** Values of the EXPLAINER setting. */
export const EXPLAINER_SETTINGS = ['template', 'none', 'llm'] as const;
export type ExplainerSetting = (typeof EXPLAINER_SETTINGS)[number];

/**
 * The explainer of the EXPLAINER setting: `template` (default), `none` (no explanations, `undefined`), or `llm`,
 * which needs a {@link LanguageModel} adapter plugged in code (main.ts). No model is bundled, so `llm` without one
 * is a configuration error: the service refuses to start rather than silently explain with something else.
 */
export function createExplainer(setting: ExplainerSetting, languageModel?: LanguageModel): Explainer | undefined {
  switch (setting) {
    case 'none':
      return undefined;
    case 'template':
      return new TemplateExplainer();
    case 'llm':
      if (!languageModel) {
        throw new ConfigError([
          'EXPLAINER=llm needs a LanguageModel adapter, and none is bundled: plug one in apps/candidate-orchestrator/src/main.ts ' +
            '(docs/explanations.md) or use EXPLAINER=template',
        ]);
      }
      return new LlmExplainer(languageModel);
  }
}
