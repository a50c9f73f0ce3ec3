import type { Logger } from 'pino';
import { ContentIndex, neighborsFromRows, RetrievalArtifacts } from '@recsys/models';
import { DictionaryEncoder, FeatureValue } from '@recsys/proto';
import { ServiceMetrics } from '@recsys/service-kit';
import { ModelRepository } from '../training/model.repository';
import { StoredArtifacts } from '../training/model-codec';
import { CatalogRepository, ItemRow } from './catalog.repository';

type ScopeMap = Map<string, Map<string, number>>;

/** Shared lists per snapshot at most (a key per scope, list length and form: a handful in practice). */
const MAX_SHARED_LISTS = 256;

/** One tenant's public and thresholded aggregate data, held in memory for fast item feature reads. */
export class TenantSnapshot {
  constructor(
    readonly items: Map<string, ItemRow>,
    /** `${scope}:${scopeKey}` → item → normalized popularity 0..1. */
    private readonly popularity: ScopeMap,
    /** `${scope}:${scopeKey}` → distinct users (only scopes with at least k users are present). */
    private readonly populations: Map<string, number>,
    readonly neighbors: Map<string, Map<string, number>>,
    readonly editorial: Map<string, string[]>,
    /** Retrieval models and aggregates in the shape the candidate functions of @recsys/models read. */
    readonly retrieval: RetrievalArtifacts,
    /** The trained model version in use, empty before the tenant's first training. */
    readonly modelVersion: string,
  ) {}

  /**
   * The most specific usable scope for a region: the region itself when it has at least k users and
   * thresholded rows, else its country, else global (seed §22).
   */
  scopeFor(region: string): string {
    const candidates = region ? [`region:${region}`, `country:${region.split('-')[0]}`] : [];
    for (const scope of candidates) {
      if (this.populations.has(scope) && (this.popularity.get(scope)?.size ?? 0) > 0) return scope;
    }
    return 'global:*';
  }

  private readonly topCache = new Map<string, [string, number][]>();

  /** The scope's items by popularity, best first (computed once per snapshot). */
  topIn(scope: string, n: number): [string, number][] {
    let top = this.topCache.get(scope);
    if (!top) {
      top = [...this.popularityIn(scope)].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      this.topCache.set(scope, top);
    }
    return top.slice(0, n);
  }

  popularityIn(scope: string): Map<string, number> {
    return this.popularity.get(scope) ?? new Map();
  }

  private readonly shared = new Map<string, FeatureValue>();
  private readonly encoders = new Map<string, DictionaryEncoder>();

  /**
   * The dictionary encoder of one text item feature (category, creator) for columns of this snapshot's items: its
   * vocabulary is the catalog's, so it stays bounded, and it goes with the snapshot.
   */
  dictionaryEncoder(feature: string): DictionaryEncoder {
    let encoder = this.encoders.get(feature);
    if (!encoder) this.encoders.set(feature, (encoder = new DictionaryEncoder()));
    return encoder;
  }

  /**
   * A feature value that depends only on this snapshot and `key` (a scope's popular items, the editorial list): made
   * once and shared by every request that asks for it until the next snapshot. Callers replace a shared value, never
   * change it.
   */
  sharedValue(key: string, make: () => FeatureValue): FeatureValue {
    let value = this.shared.get(key);
    if (!value) {
      if (this.shared.size >= MAX_SHARED_LISTS) this.shared.clear();
      this.shared.set(key, (value = make()));
    }
    return value;
  }
}

/** Loads and holds snapshots of every tenant; reloaded after imports, aggregate refreshes and new model versions. */
export class CatalogSnapshots {
  private readonly snapshots = new Map<string, TenantSnapshot>();
  /** Decoded artifacts of the model version each tenant uses: a reload reads them again only for a new version. */
  private readonly models = new Map<string, { version: string; artifacts: StoredArtifacts }>();
  /** The version (see CatalogRepository.snapshotVersions) each snapshot was built from. */
  private readonly versions = new Map<string, string>();

  /** The reload in progress per tenant: reloads of one tenant run one after another, so the last one wins. */
  private readonly loading = new Map<string, Promise<unknown>>();
  private readonly failures;

  constructor(
    private readonly repository: CatalogRepository,
    private readonly modelRepository: ModelRepository,
    private readonly logger: Logger,
    metrics: ServiceMetrics,
  ) {
    this.failures = metrics.counter(
      'snapshot_reload_failures_total',
      'Tenant snapshot reloads that failed (the tenant keeps serving its previous snapshot).',
      ['stage'],
    );
  }

  get(tenantId: string): TenantSnapshot | undefined {
    return this.snapshots.get(tenantId);
  }

  /** Rebuilds the snapshots whose catalog, aggregates or model changed since they were built (by any replica). */
  async reloadAll(): Promise<void> {
    for (const [tenantId, version] of await this.repository.snapshotVersions()) {
      if (this.versions.get(tenantId) === version) continue;
      // One tenant's failure (a query, a model that does not decode) must not stop the others from reloading.
      await this.reload(tenantId, version).catch((error: unknown) => {
        this.failures.inc({ stage: 'snapshot' });
        this.logger.error({ tenantId, err: error instanceof Error ? error.message : String(error) }, 'tenant snapshot reload failed');
      });
    }
  }

  reload(tenantId: string, version?: string): Promise<TenantSnapshot> {
    const previous = this.loading.get(tenantId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.load(tenantId, version));
    this.loading.set(tenantId, next);
    void next
      .finally(() => {
        if (this.loading.get(tenantId) === next) this.loading.delete(tenantId);
      })
      .catch(() => undefined);
    return next;
  }

  private async load(tenantId: string, version?: string): Promise<TenantSnapshot> {
    // Read the version first: a change that lands while we load makes the next tick load again.
    const current = version ?? (await this.repository.snapshotVersions()).get(tenantId) ?? '';
    const [items, popularityRows, populations, neighborRows, editorial, { model, ok: modelOk }] = await Promise.all([
      this.repository.items(tenantId),
      this.repository.popularity(tenantId),
      this.repository.populations(tenantId),
      this.repository.neighbors(tenantId),
      this.repository.editorial(tenantId),
      this.model(tenantId),
    ]);
    const popularity: ScopeMap = new Map();
    for (const r of popularityRows) {
      const key = `${r.scope}:${r.scopeKey}`;
      let scope = popularity.get(key);
      if (!scope) popularity.set(key, (scope = new Map()));
      scope.set(r.itemId, r.score);
    }
    const neighbors = new Map<string, Map<string, number>>();
    for (const r of neighborRows) {
      let list = neighbors.get(r.itemId);
      if (!list) neighbors.set(r.itemId, (list = new Map()));
      list.set(r.neighborId, r.weight);
    }
    const ids = [...neighbors.keys()];
    const rows = new Map(ids.map((id, i) => [id, i]));
    for (const list of neighbors.values()) for (const id of list.keys()) if (!rows.has(id)) rows.set(id, ids.push(id) - 1);
    const cooccurrence = neighborsFromRows(
      ids,
      ids.map((id) => [...(neighbors.get(id) ?? [])].map(([n, w]): [number, number] => [rows.get(n)!, w])),
    );
    const retrieval = new RetrievalArtifacts(model?.artifacts.cf, model?.artifacts.embeddings, cooccurrence, new ContentIndex(items));
    const snapshot = new TenantSnapshot(
      new Map(items.map((i) => [i.itemId, i])),
      popularity,
      populations,
      neighbors,
      editorial,
      retrieval,
      model?.version ?? '',
    );
    this.snapshots.set(tenantId, snapshot);
    // Not marked current when the model could not be read: the next tick tries again.
    if (modelOk) this.versions.set(tenantId, current);
    return snapshot;
  }

  /** The tenant's active model; `ok` is false when a newer version could not be read (the last good one is kept). */
  private async model(tenantId: string): Promise<{ model?: { version: string; artifacts: StoredArtifacts }; ok: boolean }> {
    const version = await this.modelRepository.activeVersion(tenantId);
    if (!version) return { ok: true };
    const cached = this.models.get(tenantId);
    if (cached?.version === version) return { model: cached, ok: true };
    try {
      const active = await this.modelRepository.active(tenantId);
      if (!active) return { model: cached, ok: false };
      const loaded = { version: active.version, artifacts: active.artifacts };
      this.models.set(tenantId, loaded);
      return { model: loaded, ok: true };
    } catch (error) {
      // A version that cannot be read or decoded: keep serving the last good one (or none) rather than nothing.
      this.failures.inc({ stage: 'model' });
      this.logger.error({ tenantId, version, err: error instanceof Error ? error.message : String(error) }, 'model version not loaded');
      return { model: cached, ok: false };
    }
  }
}
