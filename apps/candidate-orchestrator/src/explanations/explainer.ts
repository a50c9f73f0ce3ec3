import { ExplanationFacts } from './explanation-facts';

/**
 * What an explainer produced for one item, before validation: `<REASON_CODE>: <one sentence>`. Only
 * {@link ExplanationService} turns it into a user-visible explanation, after {@link ExplanationValidator} accepted it.
 */
export interface ExplanationResult {
  readonly output: string;
}

/** Produces a draft explanation from allowed facts only; implementations never see anything else. */
export interface Explainer {
  /** A short stable name, for logs. */
  readonly name: string;
  /** @param signal aborted when the answer's explanation deadline passes. */
  explain(facts: ExplanationFacts, signal?: AbortSignal): Promise<ExplanationResult>;
}

export interface CompletionOptions {
  /** Upper bound of the answer's length in tokens. */
  maxTokens: number;
  /** 0 for deterministic answers. */
  temperature: number;
  /** Aborted when the explanation deadline passes; an adapter should cancel its call. */
  signal?: AbortSignal;
}

/**
 * A language model behind an approved runtime (seed §25). None is bundled: an adapter implementing this is plugged
 * in `main.ts` (docs/explanations.md). It receives only the prompt built by {@link PromptBuilder}.
 */
export interface LanguageModel {
  readonly name: string;
  complete(prompt: string, options: CompletionOptions): Promise<string>;
}
