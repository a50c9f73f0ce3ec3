import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RankingRouteDefinition } from '@recsys/feature-registry';

/** Terms a linear model may weight; every feature term must be in the route's feature set. */
const FEATURE_TERMS = ['user_category_affinity_30d', 'item_quality_score', 'item_popularity', 'region_popularity'] as const;
export type FeatureTerm = (typeof FEATURE_TERMS)[number];

export interface LinearModel {
  name: string;
  version: string;
  route: string;
  weights: Partial<Record<'retrieval' | FeatureTerm, number>>;
  /** Multiplier of the retrieval score per candidate source. */
  sourcePrior: Record<string, number>;
}

/**
 * Loads a route's model file and checks it against the registry: a model may weight only the features its
 * route declares as consumed (which the registry check keeps inside the route's feature set).
 */
export function loadLinearModel(root: string, route: RankingRouteDefinition): LinearModel {
  const path = join(root, route.model);
  const raw = JSON.parse(readFileSync(path, 'utf8')) as {
    name?: string;
    version?: string;
    route?: string;
    weights?: Record<string, number>;
    source_prior?: Record<string, number>;
  };
  const problems: string[] = [];
  if (raw.route !== route.name) problems.push(`route is "${raw.route}", expected "${route.name}"`);
  if (!raw.version) problems.push('version is required');
  for (const [term, weight] of Object.entries(raw.weights ?? {})) {
    if (typeof weight !== 'number' || !Number.isFinite(weight)) problems.push(`weight of ${term} is not a number`);
    if (term === 'retrieval') continue;
    if (!(FEATURE_TERMS as readonly string[]).includes(term)) problems.push(`unknown term ${term}`);
    else if (!route.consumed_features.includes(term)) problems.push(`${term} is not among the consumed features of route ${route.name}`);
  }
  if (problems.length > 0) throw new Error(`model ${path}: ${problems.join('; ')}`);
  return {
    name: raw.name ?? route.name,
    version: raw.version ?? '',
    route: route.name,
    weights: raw.weights ?? {},
    sourcePrior: raw.source_prior ?? {},
  };
}
