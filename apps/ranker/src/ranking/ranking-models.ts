import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { RankingRouteDefinition, Registry } from '@recsys/feature-registry';
import { FeatureServiceClient } from '@recsys/proto';
import { ServiceMetrics, UnaryClient } from '@recsys/service-kit';
import { LinearModel, loadDefaultModel, weightProblems } from './linear-model';

export type ModelClient = Pick<UnaryClient<FeatureServiceClient>, 'getRankingModel'>;

interface Entry {
  model?: LinearModel;
  fetchedAt: number;
  pending?: Promise<void>;
}

/**
 * The model of each (tenant, route): the tenant's trained model from feature-gateway's model store when there is
 * a valid one, else the route's default file. Trained models are cached and refreshed in the background every
 * `refreshMs` (a request never waits for a refresh, only for a tenant's very first lookup), so a newly published
 * version is served within one refresh interval.
 */
export class RankingModels {
  private readonly defaults = new Map<string, LinearModel>();
  private readonly trained = new Map<string, Entry>();
  private readonly loads;

  constructor(
    private readonly registry: Registry,
    private readonly client: ModelClient | undefined,
    private readonly options: { refreshMs: number; timeoutMs: number },
    metrics: ServiceMetrics,
    private readonly logger: Logger,
  ) {
    for (const route of registry.routes.values()) this.defaults.set(route.name, loadDefaultModel(registry, dirname(registry.dir), route));
    this.loads = metrics.counter(
      'ranker_model_loads_total',
      'Trained model lookups in the model store, by outcome (trained, none, rejected, failed).',
      ['outcome'],
    );
  }

  async get(tenantId: string, route: RankingRouteDefinition): Promise<LinearModel> {
    const fallback = this.defaults.get(route.name)!;
    if (!this.client) return fallback;
    const key = `${tenantId}/${route.name}`;
    let entry = this.trained.get(key);
    if (!entry) {
      entry = { fetchedAt: 0 };
      this.trained.set(key, entry);
      await this.refresh(entry, tenantId, route);
    } else if (Date.now() - entry.fetchedAt > this.options.refreshMs && !entry.pending) {
      void this.refresh(entry, tenantId, route);
    } else if (entry.pending && entry.fetchedAt === 0) {
      await entry.pending;
    }
    return entry.model ?? fallback;
  }

  private refresh(entry: Entry, tenantId: string, route: RankingRouteDefinition): Promise<void> {
    entry.pending = this.fetch(tenantId, route)
      .then((model) => {
        entry.model = model;
      })
      .catch((error: unknown) => {
        // Keep what we had (trained or default); try again after the next interval.
        this.loads.inc({ outcome: 'failed' });
        this.logger.warn({ route: route.name, err: error instanceof Error ? error.message : String(error) }, 'model store unavailable');
      })
      .finally(() => {
        entry.fetchedAt = Date.now();
        entry.pending = undefined;
      });
    return entry.pending;
  }

  private async fetch(tenantId: string, route: RankingRouteDefinition): Promise<LinearModel | undefined> {
    const reply = await this.client!.getRankingModel({ tenantId, route: route.name }, { timeoutMs: this.options.timeoutMs });
    if (!reply.found) {
      this.loads.inc({ outcome: 'none' });
      return undefined;
    }
    const problems = weightProblems(this.registry, route, reply.weights);
    if (problems.length > 0) {
      this.loads.inc({ outcome: 'rejected' });
      this.logger.error(
        { route: route.name, version: reply.version, problems },
        'trained model refused: it weights terms its route may not use',
      );
      return undefined;
    }
    this.loads.inc({ outcome: 'trained' });
    return { name: route.name, version: reply.version, route: route.name, weights: reply.weights, origin: 'trained' };
  }
}
