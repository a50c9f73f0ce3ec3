import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RankingRouteDefinition, Registry } from '@recsys/feature-registry';
import { AFFINITY_TERM, NUMERIC_ITEM_TERMS, SOURCE_TERM_PREFIX } from '@recsys/models';

/** A route's linear model: weights over named terms (`source:<name>` and registry feature names). */
export interface LinearModel {
  name: string;
  version: string;
  route: string;
  weights: Record<string, number>;
  /** Where the model came from: the route's default file, or the tenant's trained model. */
  origin: 'default' | 'trained';
}

const FEATURE_TERMS: readonly string[] = [...NUMERIC_ITEM_TERMS, AFFINITY_TERM];

/**
 * What a model of this route may weight (seed §16): the sources the registry allows in the route's mode, and
 * the features the route consumes. A model weighting anything else — a personal source in a contextual route,
 * say — is refused, whoever trained it.
 */
export function weightProblems(registry: Registry, route: RankingRouteDefinition, weights: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [term, weight] of Object.entries(weights)) {
    if (typeof weight !== 'number' || !Number.isFinite(weight)) problems.push(`weight of ${term} is not a number`);
    if (term.startsWith(SOURCE_TERM_PREFIX)) {
      const source = registry.sources.get(term.slice(SOURCE_TERM_PREFIX.length));
      if (!source) problems.push(`${term} is not a registry source`);
      else if (!source.allowed_privacy_modes.includes(route.mode) || (source.requires_personal_data && route.mode !== 'personalized')) {
        problems.push(`${term} is not allowed in the ${route.mode} mode of route ${route.name}`);
      }
    } else if (!FEATURE_TERMS.includes(term)) problems.push(`unknown term ${term}`);
    else if (!route.consumed_features.includes(term)) problems.push(`${term} is not among the consumed features of route ${route.name}`);
  }
  return problems;
}

/** Loads a route's default model file (the cold-start model before a tenant's first training) and checks it. */
export function loadDefaultModel(registry: Registry, root: string, route: RankingRouteDefinition): LinearModel {
  const path = join(root, route.model);
  const raw = JSON.parse(readFileSync(path, 'utf8')) as {
    name?: string;
    version?: string;
    route?: string;
    weights?: Record<string, unknown>;
  };
  const problems: string[] = [];
  if (raw.route !== route.name) problems.push(`route is "${raw.route}", expected "${route.name}"`);
  if (!raw.version) problems.push('version is required');
  problems.push(...weightProblems(registry, route, raw.weights ?? {}));
  if (problems.length > 0) throw new Error(`model ${path}: ${problems.join('; ')}`);
  return {
    name: raw.name ?? route.name,
    version: raw.version!,
    route: route.name,
    weights: raw.weights as Record<string, number>,
    origin: 'default',
  };
}
