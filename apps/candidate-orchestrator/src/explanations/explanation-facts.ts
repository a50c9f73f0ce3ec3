import { FeatureDefinition, Registry } from '@recsys/feature-registry';
import { ReasonConfig } from '../recommend/reason-config';

/** The registry feature holding an item's category: hidden from the facts on sensitive items and generic reasons. */
export const CATEGORY_FEATURE = 'item_category';

/** Longest fact value that reaches a prompt; catalog text is tenant-controlled and could carry instructions. */
const MAX_FACT_CHARS = 80;

/** The user-safe reason of an item, as ReasonMapper gave it (a code of config/reasons.yaml and its text). */
export interface UserSafeReason {
  readonly code: string;
  readonly text: string;
}

/**
 * Everything an explainer may know about one recommended item, and nothing else (seed §25: grounded facts only).
 * Built only by {@link ExplanationFactsBuilder}; there is no field for user, session or request data.
 */
export interface ExplanationFacts {
  /** The item's id, for correlation only: it is never rendered into a prompt or a sentence. */
  readonly itemId: string;
  /** Public catalog attributes by registry feature name (see {@link explainableFeatures}). */
  readonly item: Readonly<Record<string, string>>;
  readonly reason: UserSafeReason;
}

/**
 * The registry features an explanation may use: public catalog text about the item itself, visible in debug
 * output, not a sensitive inference, and derived (if at all) only from features that pass the same test. The
 * list comes from the registry, so a feature added with a personal class can never become an explanation fact.
 */
export function explainableFeatures(registry: Registry): Set<string> {
  const allowed = (feature: FeatureDefinition | undefined, seen: Set<string>): boolean => {
    if (!feature || seen.has(feature.name)) return false;
    seen.add(feature.name);
    return (
      feature.entity === 'item' &&
      feature.privacy_class === 'public_catalog' &&
      feature.value_type === 'text' &&
      feature.debug_visibility === 'visible' &&
      !feature.sensitive_inference &&
      (feature.derived_from ?? []).every((input) => allowed(registry.features.get(input), seen))
    );
  };
  return new Set([...registry.features.values()].filter((f) => allowed(f, new Set())).map((f) => f.name));
}

/**
 * Turns what the serving path knows about an item into {@link ExplanationFacts}, keeping only whitelisted
 * values: anything else handed to it (user features, session state, the query, subject ids) is dropped.
 */
export class ExplanationFactsBuilder {
  readonly allowedFeatures: ReadonlySet<string>;

  constructor(
    registry: Registry,
    private readonly reasons: Pick<ReasonConfig, 'sensitiveCategories' | 'generic'>,
  ) {
    this.allowedFeatures = explainableFeatures(registry);
  }

  /**
   * @param values anything known about the item, by name; only allowed features with a non-empty text value
   *   are kept. The category is left out when it is sensitive or when the reason was made generic: an
   *   explanation must not reveal what the generic reason hides.
   */
  factsFor(itemId: string, values: Readonly<Record<string, unknown>>, reason: UserSafeReason): ExplanationFacts {
    const hideCategory = reason.code === this.reasons.generic.code;
    const item: Record<string, string> = {};
    for (const name of this.allowedFeatures) {
      const value = values[name];
      if (typeof value !== 'string') continue;
      const clean = sanitizeFact(value);
      if (!clean || this.isSensitiveValue(clean)) continue;
      if (name === CATEGORY_FEATURE && hideCategory) continue;
      item[name] = clean;
    }
    return { itemId, item, reason: { code: reason.code, text: sanitizeFact(reason.text) } };
  }

  private isSensitiveValue(value: string): boolean {
    const normalized = value.toLowerCase().replace(/[\s-]+/g, '_');
    return [...this.reasons.sensitiveCategories].some((c) => c.toLowerCase() === normalized);
  }
}

/** One line of plain text, bounded: no control characters or line breaks that could start new instructions. */
function sanitizeFact(value: string): string {
  return value
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_FACT_CHARS);
}

/** How a fact's value reads in a sentence: `home_kitchen` → `home kitchen`. */
export function factPhrase(value: string): string {
  return value.replace(/_/g, ' ');
}

/** How a fact's name reads in a prompt: `item_category` → `category`. */
export function factLabel(name: string): string {
  return factPhrase(name.replace(/^item_/, ''));
}
