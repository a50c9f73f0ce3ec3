/** Catalog generation: creators, items, and each item's power-law popularity. */
import type { TenantCatalog } from './catalog';
import { Rng, WeightedSampler, zipfWeights } from './random';
import type { DemoItem } from './types';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Zipf exponent of item popularity: a realistic head/long-tail split (top 10% of items get well over a third). */
export const POPULARITY_EXPONENT = 1.1;

export interface GeneratedItems {
  items: DemoItem[];
  /** Base popularity weight per item, parallel to `items`. */
  popularity: Float64Array;
}

interface Creator {
  id: string;
  categories: string[];
  /** Relative output; lognormal so a few creators are prolific. */
  productivity: number;
}

export function generateItems(catalog: TenantCatalog, count: number, rng: Rng, nowMs: number): GeneratedItems {
  const categoryWeights = catalog.categories.map((c) => c.weight);
  const creators = generateCreators(catalog, Math.max(1, Math.round(count / 10)), rng);
  const creatorSamplers = new Map<string, { creators: Creator[]; sampler: WeightedSampler }>();
  for (const category of catalog.categories) {
    const specialists = creators.filter((c) => c.categories.includes(category.name));
    // Tiny catalogs can have fewer creators than categories; then any creator may branch out.
    const pool = specialists.length > 0 ? specialists : creators;
    creatorSamplers.set(category.name, {
      creators: pool,
      sampler: new WeightedSampler(pool.map((c) => c.productivity)),
    });
  }

  const items: DemoItem[] = [];
  for (let n = 1; n <= count; n++) {
    const category = rng.weightedPick(catalog.categories, categoryWeights);
    const { creators: pool, sampler } = creatorSamplers.get(category.name)!;
    items.push({
      tenantId: catalog.tenantId,
      itemId: `${catalog.prefix}-item-${String(n).padStart(5, '0')}`,
      title: `${rng.pick(catalog.adjectives)} ${rng.pick(category.nouns)}`,
      category: category.name,
      creatorId: pool[sampler.sample(rng)].id,
      tags: rng.shuffle(category.tags).slice(0, rng.int(1, Math.min(3, category.tags.length))),
      sensitive: category.sensitive,
      // Skewed towards decent quality with a tail of poor items, like real ratings.
      qualityScore: Math.round(rng.beta(2.5, 1.6) * 1000) / 1000,
      // At least an hour old, so there is always time for events after creation.
      createdAtMs: nowMs - Math.floor(rng.float(1 / 24, 365) * DAY_MS),
    });
  }
  return { items, popularity: assignPopularity(items, rng) };
}

/**
 * The first creators cover every category once, so each category has a specialist when there are enough
 * creators; the rest follow the category mix. About a third also work in a second category.
 */
function generateCreators(catalog: TenantCatalog, count: number, rng: Rng): Creator[] {
  const names = catalog.categories.map((c) => c.name);
  const weights = catalog.categories.map((c) => c.weight);
  const creators: Creator[] = [];
  for (let n = 1; n <= count; n++) {
    const primary = n <= names.length ? names[n - 1] : rng.weightedPick(names, weights);
    const categories = [primary];
    if (rng.chance(0.35)) {
      categories.push(
        rng.weightedPick(
          names,
          weights.map((w, i) => (names[i] === primary ? 0 : w)),
        ),
      );
    }
    creators.push({
      id: `${catalog.prefix}-creator-${String(n).padStart(4, '0')}`,
      categories,
      productivity: rng.logNormal(0, 0.8),
    });
  }
  return creators;
}

/** Zipf weights by rank; the rank follows quality plus noise, so good items tend to (but need not) be popular. */
function assignPopularity(items: DemoItem[], rng: Rng): Float64Array {
  const keys = items.map((item) => item.qualityScore + rng.normal(0, 0.3));
  const order = items.map((_, i) => i).sort((a, b) => keys[b] - keys[a] || a - b);
  const weights = zipfWeights(items.length, POPULARITY_EXPONENT);
  const popularity = new Float64Array(items.length);
  order.forEach((itemIndex, rank) => (popularity[itemIndex] = weights[rank]));
  return popularity;
}
