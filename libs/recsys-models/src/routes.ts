import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Registry, SurfaceConfig } from '@recsys/feature-registry';
import { RouteSpec } from './pipeline';
import { NUMERIC_ITEM_TERMS, AFFINITY_TERM, SOURCE_TERM_PREFIX } from './ranker';

/**
 * The ranking routes of a surface as training sees them, from the same registry and surface config the serving
 * path uses: each route's sources are the surface's sources for its mode that the registry allows in that mode,
 * and its model may weight those sources and the numeric features the route consumes.
 */
export function routeSpecs(registry: Registry, surface: SurfaceConfig): RouteSpec[] {
  const routes = [...registry.routes.values()].filter((r) => r.surface === surface.name);
  return routes.map((route) => {
    const sources = surface.sources[route.mode].filter((name) => {
      const source = registry.sources.get(name);
      return (
        source && source.allowed_privacy_modes.includes(route.mode) && (!source.requires_personal_data || route.mode === 'personalized')
      );
    });
    const features = [...NUMERIC_ITEM_TERMS, AFFINITY_TERM].filter((term) => route.consumed_features.includes(term));
    const model = JSON.parse(readFileSync(join(dirname(registry.dir), route.model), 'utf8')) as { weights?: Record<string, number> };
    return {
      name: route.name,
      mode: route.mode,
      sources,
      terms: [...sources.map((s) => `${SOURCE_TERM_PREFIX}${s}`), ...features],
      defaultWeights: model.weights ?? {},
    };
  });
}
