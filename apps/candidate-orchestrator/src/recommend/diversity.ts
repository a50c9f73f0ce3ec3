/** Business rules after scoring (seed §16): at most this many items of one creator or one category in an answer. */
export interface DiversityRules {
  maxPerCreator: number;
  maxPerCategory: number;
}

/**
 * The best `limit` items of a ranked list that keep every creator and every category within its cap, in ranked
 * order. The caps are strict: when the candidates cannot fill the answer within them, the answer is shorter
 * rather than less diverse. Items without a creator or category are not capped on it.
 */
export function diversify<T>(
  ranked: readonly T[],
  attributes: (item: T) => { creator: string; category: string },
  rules: DiversityRules,
  limit: number,
): T[] {
  const perCreator = new Map<string, number>();
  const perCategory = new Map<string, number>();
  const kept: T[] = [];
  for (const item of ranked) {
    if (kept.length >= limit) break;
    const { creator, category } = attributes(item);
    const creators = perCreator.get(creator) ?? 0;
    const categories = perCategory.get(category) ?? 0;
    if ((creator && creators >= rules.maxPerCreator) || (category && categories >= rules.maxPerCategory)) continue;
    perCreator.set(creator, creators + 1);
    perCategory.set(category, categories + 1);
    kept.push(item);
  }
  return kept;
}
