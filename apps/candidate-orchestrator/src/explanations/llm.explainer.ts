import { Explainer, ExplanationResult, LanguageModel } from './explainer';
import { ExplanationFacts } from './explanation-facts';
import { PromptBuilder } from './prompt-builder';

/** Enough tokens for one sentence of MAX_EXPLANATION_CHARS and the reason code. */
const MAX_TOKENS = 64;

/**
 * Asks a {@link LanguageModel} for the sentence. The model sees only the prompt built from the facts; its answer
 * is a draft like any other, shown only if the validator accepts it.
 */
export class LlmExplainer implements Explainer {
  readonly name: string;

  constructor(
    private readonly model: LanguageModel,
    private readonly prompts = new PromptBuilder(),
  ) {
    this.name = `llm:${model.name}`;
  }

  async explain(facts: ExplanationFacts, signal?: AbortSignal): Promise<ExplanationResult> {
    const output = await this.model.complete(this.prompts.build(facts), { maxTokens: MAX_TOKENS, temperature: 0, signal });
    return { output: typeof output === 'string' ? output : '' };
  }
}
