import { Explainer, ExplanationResult } from './explainer';
import { CATEGORY_FEATURE, ExplanationFacts, factPhrase } from './explanation-facts';

/**
 * The default explainer: a deterministic sentence from the reason text and the item's category, no model.
 * "Popular right now, in the books category." — or only the reason when the category is not a fact (a
 * sensitive category, a generic reason).
 */
export class TemplateExplainer implements Explainer {
  readonly name = 'template';

  explain(facts: ExplanationFacts): Promise<ExplanationResult> {
    return Promise.resolve({ output: `${facts.reason.code}: ${TemplateExplainer.sentence(facts)}` });
  }

  static sentence(facts: ExplanationFacts): string {
    const reason = facts.reason.text.replace(/[\s.!?;:,]+$/, '');
    const category = facts.item[CATEGORY_FEATURE];
    return category ? `${reason}, in the ${factPhrase(category)} category.` : `${reason}.`;
  }
}
