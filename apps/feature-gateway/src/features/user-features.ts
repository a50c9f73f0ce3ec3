import { RetrievalArtifacts, twoTowerTopScores, userCfTopScores, userEmbedding } from '@recsys/models';
import { FeatureValue, featureValue } from '@recsys/proto';
import { ProfileEvent } from '../profile/profile.store';

const DAY = 86_400_000;
const TYPE_WEIGHT: Record<string, number> = { purchase: 4, click: 2, dwell: 1.5, view: 1, hide: -3 };
const RECENCY_HALF_LIFE_DAYS = 14;

const empty = (): FeatureValue => featureValue();

/**
 * A candidate list (best first, scores 0..1) as a FeatureValue: a ranked list when the request asked for one
 * (GetFeaturesRequest.ranked_lists), a weights map otherwise.
 */
export function listValue(entries: readonly [string, number][], ranked: boolean, base: FeatureValue = empty()): FeatureValue {
  if (!ranked) return { ...base, weights: Object.fromEntries(entries) };
  return { ...base, rankedItemIds: entries.map(([id]) => id), rankedScores: entries.map(([, score]) => score) };
}

/**
 * What user features are computed from, for one request: the profile read, the tenant's retrieval artifacts,
 * and the derived inputs (history weights, the folded-in embedding), each computed at most once.
 */
export class UserFeatureInputs {
  private historyMemo?: Map<string, number>;
  private embeddingMemo?: Float64Array | null;

  constructor(
    readonly events: readonly ProfileEvent[],
    readonly now: number,
    readonly retrieval: RetrievalArtifacts,
    /** Candidates wanted from a candidate feature. */
    readonly limit: number,
    /** Candidate lists as ranked lists instead of weights (GetFeaturesRequest.ranked_lists). */
    readonly rankedLists = false,
  ) {}

  /** item → recency-weighted interaction strength; hidden items get a negative weight. */
  get history(): Map<string, number> {
    if (!this.historyMemo) {
      const weights = new Map<string, number>();
      for (const e of this.events) {
        const decay = Math.pow(0.5, Math.max(0, this.now - e.timestampMs) / DAY / RECENCY_HALF_LIFE_DAYS);
        weights.set(e.itemId, (weights.get(e.itemId) ?? 0) + (TYPE_WEIGHT[e.eventType] ?? 0) * decay);
      }
      this.historyMemo = weights;
    }
    return this.historyMemo;
  }

  /** The subject's vector in the tenant's item-tower space; undefined before the tenant's first training. */
  get embedding(): Float64Array | undefined {
    if (this.embeddingMemo === undefined) this.embeddingMemo = userEmbedding(this.retrieval, this.history) ?? null;
    return this.embeddingMemo ?? undefined;
  }
}

/** The user features. Each is computed only when it (and every feature it derives from) was allowed and asked for. */
export const USER_FEATURES: Record<string, (u: UserFeatureInputs) => FeatureValue> = {
  user_recent_items: (u) => ({ ...empty(), weights: Object.fromEntries(u.history) }),
  /** category → share of interaction weight in the last 30 days (sums to 1). */
  user_category_affinity_30d: (u) => {
    const raw: Record<string, number> = {};
    for (const e of u.events) {
      if (u.now - e.timestampMs > 30 * DAY) continue;
      raw[e.category] = (raw[e.category] ?? 0) + Math.max(0, TYPE_WEIGHT[e.eventType] ?? 0);
    }
    const total = Object.values(raw).reduce((a, b) => a + b, 0);
    const weights = total > 0 ? Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v / total])) : {};
    return { ...empty(), weights };
  },
  /** clicks in the last 7 days. */
  recent_click_count: (u) => ({
    ...empty(),
    number: u.events.filter((e) => e.eventType === 'click' && u.now - e.timestampMs <= 7 * DAY).length,
  }),
  user_embedding: (u) => ({ ...empty(), vector: [...(u.embedding ?? [])] }),
  /** The history through the trained item-item model; items of the history itself are not news. */
  user_cf_items: (u) => listValue(userCfTopScores(u.retrieval, u.history, u.limit), u.rankedLists),
  user_two_tower_items: (u) => listValue(twoTowerTopScores(u.retrieval, u.embedding, new Set(u.history.keys()), u.limit), u.rankedLists),
};

export { empty as emptyFeatureValue };
