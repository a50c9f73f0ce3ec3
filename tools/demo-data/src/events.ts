/**
 * Behavioural events. Per user: a heavy-tailed number of events, grouped into sessions over the last 60 days.
 * Items are drawn proportionally to popularity x taste affinity, factored as "pick a category (85% from the
 * user's tastes, by affinity; otherwise explore by category popularity), then an item of it by popularity".
 * Sessions stick to a category and sometimes a creator, so item-to-item co-occurrence carries real signal.
 */
import type { TenantCatalog } from './catalog';
import { DAY_MS } from './items';
import { WeightedSampler, type Rng } from './random';
import type { DemoEvent, DemoEventType, DemoItem, DemoUser } from './types';

export const EVENT_WINDOW_DAYS = 60;
/** Share of category choices made from the user's tastes; the rest is exploration. */
export const TASTE_SHARE = 0.85;
const TASTE_AFFINITY = [1, 0.55, 0.3];
const STAY_IN_CATEGORY = 0.8;
const SAME_CREATOR = 0.15;
/** A click/dwell/purchase/hide often acts on the item just seen (view -> click -> purchase funnels). */
const ACT_ON_PREVIOUS_ITEM = 0.6;
const TRAVEL_RATE = 0.03;
/** Lognormal sigma of events per user: most users are light, a few are heavy. */
const COUNT_SIGMA = 0.9;
const MIN_GAP_MS = 2_000;
const MAX_GAP_MS = 300_000;

const EVENT_TYPES: DemoEventType[] = ['view', 'click', 'dwell', 'purchase', 'hide'];
// Overall mix at 85% taste: ~70% view, ~18% click, ~6% dwell, ~4% purchase, ~2% hide (mostly off-taste).
const TASTE_TYPE_WEIGHTS = [70, 19, 6.5, 4.3, 0.2];
const EXPLORE_TYPE_WEIGHTS = [72, 12, 4, 2, 10];

export interface EventInput {
  catalog: TenantCatalog;
  items: DemoItem[];
  popularity: Float64Array;
  users: DemoUser[];
  meanEventsPerUser: number;
  nowMs: number;
}

interface Pool {
  indices: number[];
  sampler: WeightedSampler;
}

export function generateEvents(input: EventInput, rng: Rng): DemoEvent[] {
  const { catalog, items, nowMs } = input;
  if (items.length === 0) return [];
  const byCategory = buildPools(items, input.popularity, (item) => item.category);
  const byCreator = buildPools(items, input.popularity, (item) => item.creatorId);
  const categories = [...byCategory.keys()];
  const categoryMass = categories.map((name) => byCategory.get(name)!.sampler.total);
  const oldest = items.reduce((a, b) => (b.createdAtMs < a.createdAtMs ? b : a));
  // Travel never lands in SMALL_REGION, so it keeps fewer than k distinct users.
  const travelRegions = Object.keys(catalog.regionWeights);

  /** A popular item of the pool that already existed at time t (undefined only for absurdly young catalogs). */
  const pickItem = (category: string, previous: DemoItem | undefined, t: number): DemoItem | undefined => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const pool = previous && rng.chance(SAME_CREATOR) ? byCreator.get(previous.creatorId)! : byCategory.get(category)!;
      const item = items[pool.indices[pool.sampler.sample(rng)]];
      if (item.createdAtMs <= t) return item;
    }
    return oldest.createdAtMs <= t ? oldest : undefined;
  };

  let sessionCounter = 0;
  const events: DemoEvent[] = [];
  for (const user of input.users) {
    const tastes = user.tasteCategories.filter((c) => byCategory.has(c));
    const affinity = tastes.map((_, i) => TASTE_AFFINITY[i] ?? 0.2);
    const exploreWeights = categories.map((name, i) => (tastes.includes(name) ? 0 : categoryMass[i]));
    const canExplore = exploreWeights.some((w) => w > 0);
    const chooseCategory = (): string =>
      tastes.length > 0 && (!canExplore || rng.chance(TASTE_SHARE))
        ? rng.weightedPick(tastes, affinity)
        : rng.weightedPick(categories, exploreWeights);

    const sizes = sessionSizes(eventCount(input.meanEventsPerUser, rng), rng);
    // Sessions start between 60 days and 1 hour ago; a session lasts under 1 hour, so all events precede nowMs.
    const starts = sizes.map(() => nowMs - Math.floor(rng.float(1 / 24, EVENT_WINDOW_DAYS) * DAY_MS)).sort((a, b) => a - b);
    const userEvents: DemoEvent[] = [];
    sizes.forEach((size, s) => {
      const sessionId = `${catalog.prefix}-s-${++sessionCounter}`;
      const region = rng.chance(TRAVEL_RATE) ? rng.pick(travelRegions) : user.homeRegion;
      let t = starts[s];
      let category = chooseCategory();
      let previous: DemoItem | undefined;
      for (let e = 0; e < size; e++) {
        if (e > 0) {
          t += Math.round(Math.min(MAX_GAP_MS, Math.max(MIN_GAP_MS, rng.logNormal(Math.log(30_000), 0.8))));
          if (!rng.chance(STAY_IN_CATEGORY)) category = chooseCategory();
        }
        let item = pickItem(category, previous, t);
        if (!item) continue;
        category = item.category;
        const weights = user.tasteCategories.includes(item.category) ? TASTE_TYPE_WEIGHTS : EXPLORE_TYPE_WEIGHTS;
        const eventType = rng.weightedPick(EVENT_TYPES, weights);
        if (eventType !== 'view' && previous?.category === item.category && rng.chance(ACT_ON_PREVIOUS_ITEM)) {
          item = previous;
        }
        userEvents.push({
          tenantId: catalog.tenantId,
          userId: user.userId,
          itemId: item.itemId,
          eventType,
          timestampMs: t,
          sessionId,
          region,
        });
        previous = item;
      }
    });
    // Sessions may overlap (two tabs), so order by time; the sort is stable for equal timestamps.
    userEvents.sort((a, b) => a.timestampMs - b.timestampMs);
    for (const event of userEvents) events.push(event);
  }
  return events;
}

function buildPools(items: DemoItem[], popularity: Float64Array, key: (item: DemoItem) => string): Map<string, Pool> {
  const indices = new Map<string, number[]>();
  items.forEach((item, i) => {
    const k = key(item);
    const list = indices.get(k);
    if (list) list.push(i);
    else indices.set(k, [i]);
  });
  const pools = new Map<string, Pool>();
  for (const [k, list] of indices) {
    pools.set(k, { indices: list, sampler: new WeightedSampler(list.map((i) => popularity[i])) });
  }
  return pools;
}

/** Lognormal with the requested mean, at least 1 and capped at 20x the mean. */
function eventCount(mean: number, rng: Rng): number {
  if (!(mean > 0)) return 0;
  const x = rng.logNormal(Math.log(mean) - (COUNT_SIGMA * COUNT_SIGMA) / 2, COUNT_SIGMA);
  return Math.min(Math.max(1, Math.round(x)), Math.ceil(mean * 20));
}

/** Sessions of 3-10 events; the last one may be shorter (a user with 2 events has one 2-event session). */
function sessionSizes(total: number, rng: Rng): number[] {
  const sizes: number[] = [];
  for (let left = total; left > 0;) {
    const size = Math.min(left, rng.int(3, 10));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}
