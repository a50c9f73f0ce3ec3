import { defaultConfigDir, loadReasons, ReasonConfig } from '../surfaces/surface-config';
import { ReasonMapper } from './reason-mapper';

const GENERIC = { code: 'RECOMMENDED', text: 'Recommended for you' };

const config: ReasonConfig = {
  sensitiveCategories: new Set(['health']),
  generic: GENERIC,
  reasons: new Map([
    ['source:user_cf', { code: 'SIMILAR_TO_HISTORY', text: 'Similar to items you viewed', personal: true }],
    ['popularity', { code: 'POPULAR', text: 'Popular right now', personal: false }],
  ]),
};

describe(ReasonMapper.name, () => {
  const mapper = new ReasonMapper(config);

  it('maps a personal reason on an ordinary category to its own code and text', () => {
    expect(mapper.map('source:user_cf', 'books')).toEqual({ code: 'SIMILAR_TO_HISTORY', text: 'Similar to items you viewed' });
  });

  it('hides a personal reason on a sensitive category behind the generic reason', () => {
    expect(mapper.map('source:user_cf', 'health')).toEqual(GENERIC);
  });

  it('keeps a non-personal reason, even on a sensitive category', () => {
    expect(mapper.map('popularity', 'health')).toEqual({ code: 'POPULAR', text: 'Popular right now' });
    expect(mapper.map('popularity', 'books')).toEqual({ code: 'POPULAR', text: 'Popular right now' });
  });

  it('answers the generic reason for an internal reason it does not know', () => {
    expect(mapper.map('source:secret_model', 'books')).toEqual(GENERIC);
    expect(mapper.map('', '')).toEqual(GENERIC);
  });

  it('never reveals a sensitive interest with the repository reasons file', () => {
    const real = loadReasons(defaultConfigDir());
    const repoMapper = new ReasonMapper(real);
    expect(real.sensitiveCategories.size).toBeGreaterThan(0);
    for (const category of real.sensitiveCategories) {
      for (const [internal, reason] of real.reasons) {
        const mapped = repoMapper.map(internal, category);
        if (reason.personal) expect(mapped).toEqual(real.generic);
        else expect(mapped.code).toBe(reason.code);
      }
    }
    expect(repoMapper.map('affinity', 'books').code).toBe('MATCHES_INTERESTS');
  });
});
