import { Registry } from '@recsys/feature-registry';
import { ReasonConfig } from './reason-config';

const SOURCE_PREFIX = 'source:';

/**
 * Internal reasons (the ranker's strongest term: `source:<name>` or a feature name) → user-safe codes and texts
 * (seed §31, §32). The generic reason is used instead when the reason would reveal a sensitive inference: the
 * term is a `sensitive_inference` feature, or a source reading one (directly or through what its features are
 * derived from), or it is a personal reason on an item of a sensitive category.
 */
export class ReasonMapper {
  private readonly sensitive = new Map<string, boolean>();

  constructor(
    private readonly config: ReasonConfig,
    private readonly registry: Registry,
  ) {}

  map(internalReason: string, category: string): { code: string; text: string } {
    const reason = this.config.reasons.get(internalReason);
    if (!reason || this.revealsSensitiveInference(internalReason)) return this.config.generic;
    if (reason.personal && this.config.sensitiveCategories.has(category)) return this.config.generic;
    return { code: reason.code, text: reason.text };
  }

  private revealsSensitiveInference(term: string): boolean {
    let answer = this.sensitive.get(term);
    if (answer === undefined) {
      const features = term.startsWith(SOURCE_PREFIX)
        ? (this.registry.featureSets.get(this.registry.sources.get(term.slice(SOURCE_PREFIX.length))?.feature_set ?? '')?.features ?? [])
        : [term];
      answer = features.some((f) => this.derivesFromSensitive(f, new Set()));
      this.sensitive.set(term, answer);
    }
    return answer;
  }

  private derivesFromSensitive(name: string, seen: Set<string>): boolean {
    const feature = this.registry.features.get(name);
    if (!feature || seen.has(name)) return false;
    seen.add(name);
    return feature.sensitive_inference || (feature.derived_from ?? []).some((input) => this.derivesFromSensitive(input, seen));
  }
}
