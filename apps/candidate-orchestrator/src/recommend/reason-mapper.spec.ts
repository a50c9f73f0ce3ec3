import { defaultConfigDir, loadRegistry } from '@recsys/feature-registry';
import { loadReasons, ReasonConfig } from './reason-config';
import { ReasonMapper } from './reason-mapper';

const registry = loadRegistry();
const GENERIC = { code: 'RECOMMENDED', text: 'Recommended for you' };

const config: ReasonConfig = {
  sensitiveCategories: new Set(['health']),
  sensitiveTerms: new Set(),
  generic: GENERIC,
  reasons: new Map([
    ['source:user_cf', { code: 'SIMILAR_TO_HISTORY', text: 'Similar to items you viewed', personal: true }],
    ['source:user_two_tower', { code: 'MATCHES_INTERESTS', text: 'Matches your interests', personal: true }],
    ['user_category_affinity_30d', { code: 'MATCHES_INTERESTS', text: 'Matches your interests', personal: true }],
    ['item_popularity', { code: 'POPULAR', text: 'Popular right now', personal: false }],
  ]),
};

describe(ReasonMapper.name, () => {
  const mapper = new ReasonMapper(config, registry);

  it('maps a personal reason on an ordinary category to its own code and text', () => {
    expect(mapper.map('source:user_cf', 'books')).toEqual({ code: 'SIMILAR_TO_HISTORY', text: 'Similar to items you viewed' });
  });

  it('hides a personal reason on a sensitive category behind the generic reason', () => {
    expect(mapper.map('source:user_cf', 'health')).toEqual(GENERIC);
  });

  it('keeps a non-personal reason, even on a sensitive category', () => {
    expect(mapper.map('item_popularity', 'health')).toEqual({ code: 'POPULAR', text: 'Popular right now' });
    expect(mapper.map('item_popularity', 'books')).toEqual({ code: 'POPULAR', text: 'Popular right now' });
  });

  it('never shows a reason from a sensitive_inference feature, whatever the category', () => {
    expect(registry.features.get('user_category_affinity_30d')?.sensitive_inference).toBe(true);
    expect(mapper.map('user_category_affinity_30d', 'books')).toEqual(GENERIC);
  });

  it('never shows the reason of a source whose candidates derive from a sensitive_inference feature', () => {
    // user_two_tower_items is derived from user_embedding, which is flagged sensitive_inference.
    expect(registry.features.get('user_two_tower_items')?.derived_from).toContain('user_embedding');
    expect(mapper.map('source:user_two_tower', 'books')).toEqual(GENERIC);
  });

  it('answers the generic reason for an internal reason it does not know', () => {
    expect(mapper.map('source:secret_model', 'books')).toEqual(GENERIC);
    expect(mapper.map('', '')).toEqual(GENERIC);
  });

  it('never reveals a sensitive interest with the repository reasons file', () => {
    const real = loadReasons(defaultConfigDir());
    const repoMapper = new ReasonMapper(real, registry);
    expect(real.sensitiveCategories.size).toBeGreaterThan(0);
    for (const category of real.sensitiveCategories) {
      for (const [internal, reason] of real.reasons) {
        const mapped = repoMapper.map(internal, category);
        if (reason.personal) expect(mapped).toEqual(real.generic);
        else expect(mapped.code).toBe(reason.code);
      }
    }
    expect(repoMapper.map('source:user_cf', 'books').code).toBe('SIMILAR_TO_HISTORY');
    expect(repoMapper.map('user_category_affinity_30d', 'books')).toEqual(real.generic);
  });
});
