import { FeatureValue } from '@recsys/proto';
import { ProfileEvent } from '../profile/profile.store';

const DAY = 86_400_000;
const TYPE_WEIGHT: Record<string, number> = { purchase: 4, click: 2, dwell: 1.5, view: 1, hide: -3 };
const RECENCY_HALF_LIFE_DAYS = 14;

const empty = (): FeatureValue => ({ number: 0, text: '', vector: [], weights: {} });

/** The user features computed from a profile read. Each is computed only when it was allowed and asked for. */
export const USER_FEATURES: Record<string, (events: ProfileEvent[], now: number) => FeatureValue> = {
  /** item → recency-weighted interaction strength; hidden items get a negative weight. */
  user_recent_items: (events, now) => {
    const weights: Record<string, number> = {};
    for (const e of events) {
      const decay = Math.pow(0.5, Math.max(0, now - e.timestampMs) / DAY / RECENCY_HALF_LIFE_DAYS);
      weights[e.itemId] = (weights[e.itemId] ?? 0) + (TYPE_WEIGHT[e.eventType] ?? 0) * decay;
    }
    return { ...empty(), weights };
  },
  /** category → share of interaction weight in the last 30 days (sums to 1). */
  user_category_affinity_30d: (events, now) => {
    const raw: Record<string, number> = {};
    for (const e of events) {
      if (now - e.timestampMs > 30 * DAY) continue;
      raw[e.category] = (raw[e.category] ?? 0) + Math.max(0, TYPE_WEIGHT[e.eventType] ?? 0);
    }
    const total = Object.values(raw).reduce((a, b) => a + b, 0);
    const weights = total > 0 ? Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v / total])) : {};
    return { ...empty(), weights };
  },
  /** clicks in the last 7 days. */
  recent_click_count: (events, now) => ({
    ...empty(),
    number: events.filter((e) => e.eventType === 'click' && now - e.timestampMs <= 7 * DAY).length,
  }),
};

export { empty as emptyFeatureValue };
