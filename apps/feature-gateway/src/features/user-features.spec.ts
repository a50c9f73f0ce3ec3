import { ProfileEvent } from '../profile/profile.store';
import { RetrievalArtifacts } from '@recsys/models';
import { USER_FEATURES, UserFeatureInputs } from './user-features';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;

const event = (itemId: string, eventType: string, daysAgo: number, category = 'books'): ProfileEvent => ({
  itemId,
  eventType,
  timestampMs: NOW - daysAgo * DAY,
  category,
});

const NO_MODELS = new RetrievalArtifacts(undefined, undefined, undefined, undefined);
const inputs = (events: ProfileEvent[]) => new UserFeatureInputs(events, NOW, NO_MODELS, 100);

const sum = (weights: Record<string, number>) => Object.values(weights).reduce((a, b) => a + b, 0);

describe('USER_FEATURES.user_recent_items', () => {
  const recent = (events: ProfileEvent[]) => USER_FEATURES.user_recent_items(inputs(events)).weights;

  it('halves the weight of an interaction every 14 days', () => {
    const w = recent([event('new', 'view', 0), event('old', 'view', 14), event('older', 'view', 28)]);
    expect(w.new).toBeCloseTo(1);
    expect(w.old).toBeCloseTo(0.5);
    expect(w.older).toBeCloseTo(0.25);
  });

  it('weights purchases over clicks over dwells over views', () => {
    const w = recent([event('p', 'purchase', 0), event('c', 'click', 0), event('d', 'dwell', 0), event('v', 'view', 0)]);
    expect([w.p, w.c, w.d, w.v]).toEqual([4, 2, 1.5, 1]);
  });

  it('sums the interactions with one item', () => {
    expect(recent([event('i', 'view', 0), event('i', 'click', 0), event('i', 'view', 14)]).i).toBeCloseTo(3.5);
  });

  it('gives a hidden item a negative weight, even after it was viewed', () => {
    const w = recent([event('hidden', 'view', 1), event('hidden', 'hide', 0), event('kept', 'view', 1)]);
    expect(w.hidden).toBeLessThan(0);
    expect(w.kept).toBeGreaterThan(0);
  });

  it('ignores unknown event types and does not boost future timestamps', () => {
    const w = recent([event('x', 'share', 0), event('f', 'view', -3)]);
    expect(w.x).toBe(0);
    expect(w.f).toBe(1);
  });
});

describe('USER_FEATURES.user_category_affinity_30d', () => {
  const affinity = (events: ProfileEvent[]) => USER_FEATURES.user_category_affinity_30d(inputs(events)).weights;

  it('gives each category its share of the interaction weight, summing to 1', () => {
    const w = affinity([event('a', 'click', 1, 'books'), event('b', 'view', 2, 'music'), event('c', 'view', 3, 'music')]);
    expect(w.books).toBeCloseTo(0.5);
    expect(w.music).toBeCloseTo(0.5);
    expect(sum(w)).toBeCloseTo(1);
  });

  it('counts only the last 30 days', () => {
    const w = affinity([event('a', 'view', 30, 'books'), event('b', 'purchase', 30.01, 'health'), event('c', 'view', 10, 'music')]);
    expect(Object.keys(w).sort()).toEqual(['books', 'music']);
    expect(w.health).toBeUndefined();
    expect(sum(w)).toBeCloseTo(1);
  });

  it('does not let a hide subtract from a category', () => {
    const w = affinity([event('a', 'view', 1, 'books'), event('b', 'hide', 1, 'books'), event('c', 'view', 1, 'music')]);
    expect(w.books).toBeCloseTo(0.5);
    expect(sum(w)).toBeCloseTo(1);
  });

  it('is empty without recent positive interactions', () => {
    expect(affinity([])).toEqual({});
    expect(affinity([event('a', 'view', 45)])).toEqual({});
    expect(affinity([event('a', 'hide', 1)])).toEqual({});
  });
});

describe('USER_FEATURES.recent_click_count', () => {
  const clicks = (events: ProfileEvent[]) => USER_FEATURES.recent_click_count(inputs(events)).number;

  it('counts clicks of the last 7 days only', () => {
    expect(clicks([event('a', 'click', 0), event('b', 'click', 7), event('c', 'click', 7.01), event('d', 'click', 30)])).toBe(2);
  });

  it('does not count other event types', () => {
    expect(clicks([event('a', 'view', 0), event('b', 'purchase', 1), event('c', 'hide', 1)])).toBe(0);
  });
});
