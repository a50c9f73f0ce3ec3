import { defaultConfigDir, loadRegistry, loadSurfaces } from '@recsys/feature-registry';
import { AFFINITY_TERM } from './ranker';
import { routeSpecs } from './routes';

const PERSONAL_SOURCES = ['user_cf', 'user_two_tower'];

describe(routeSpecs.name, () => {
  const registry = loadRegistry();
  const surfaces = loadSurfaces(defaultConfigDir(), registry);
  const home = surfaces.get('home')!;
  const byMode = (specs: ReturnType<typeof routeSpecs>) => new Map(specs.map((s) => [s.mode, s]));

  it("gives one spec per registry route of the surface, with the surface's sources for the route's mode", () => {
    const specs = routeSpecs(registry, home);
    expect(specs.map((s) => [s.name, s.mode])).toEqual([
      ['home_personalized', 'personalized'],
      ['home_contextual', 'contextual_only'],
      ['home_non_personal', 'non_personalized'],
    ]);
    const modes = byMode(specs);
    expect(modes.get('personalized')!.sources).toEqual(home.sources.personalized);
    expect(modes.get('personalized')!.sources).toEqual(expect.arrayContaining(PERSONAL_SOURCES));
    expect(modes.get('non_personalized')!.sources).toEqual(['trending_region', 'editorial']);
  });

  it('never puts user_cf or user_two_tower, or the affinity term, into the contextual and non-personal routes', () => {
    for (const surface of surfaces.values()) {
      for (const spec of routeSpecs(registry, surface)) {
        if (spec.mode === 'personalized') continue;
        for (const s of PERSONAL_SOURCES) {
          expect(spec.sources).not.toContain(s);
          expect(spec.terms).not.toContain(`source:${s}`);
        }
        expect(spec.terms).not.toContain(AFFINITY_TERM);
      }
    }
  });

  it('lets the personalized route weight its sources, the affinity and the consumed numeric item features', () => {
    const personalized = byMode(routeSpecs(registry, home)).get('personalized')!;
    expect(personalized.terms).toEqual([
      ...home.sources.personalized.map((s) => `source:${s}`),
      'item_quality_score',
      'item_popularity',
      'region_popularity',
      AFFINITY_TERM,
    ]);
    // Business-rule features (item_category, item_creator) are consumed but are no model terms.
    expect(personalized.terms).not.toContain('item_category');
  });

  it('filters out sources the registry does not allow in the mode even when the surface lists them', () => {
    const misconfigured = {
      ...home,
      sources: {
        ...home.sources,
        contextual_only: ['user_cf', 'item_to_item', 'user_two_tower'],
        non_personalized: ['content_similar', 'editorial'],
      },
    };
    const modes = byMode(routeSpecs(registry, misconfigured));
    expect(modes.get('contextual_only')!.sources).toEqual(['item_to_item']);
    expect(modes.get('contextual_only')!.terms).toEqual([
      'source:item_to_item',
      'item_quality_score',
      'item_popularity',
      'region_popularity',
    ]);
    expect(modes.get('non_personalized')!.sources).toEqual(['editorial']);
  });

  it('has no routes for a surface without registry routes', () => {
    expect(routeSpecs(registry, { ...home, name: 'no_such_surface' })).toEqual([]);
  });
});
