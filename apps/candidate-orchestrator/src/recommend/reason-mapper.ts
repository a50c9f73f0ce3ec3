import { ReasonConfig } from '../surfaces/surface-config';

/**
 * Internal reasons → user-safe codes and texts (seed §31, §32). A personal reason on an item of a sensitive
 * category becomes the generic reason, so no answer reveals an inferred sensitive interest.
 */
export class ReasonMapper {
  constructor(private readonly config: ReasonConfig) {}

  map(internalReason: string, category: string): { code: string; text: string } {
    const reason = this.config.reasons.get(internalReason);
    if (!reason) return this.config.generic;
    if (reason.personal && this.config.sensitiveCategories.has(category)) return this.config.generic;
    return { code: reason.code, text: reason.text };
  }
}
