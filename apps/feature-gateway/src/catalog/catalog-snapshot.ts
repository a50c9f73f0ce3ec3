import { ContentIndex, neighborsFromRows, RetrievalArtifacts } from '@recsys/models';
import { ModelRepository } from '../training/model.repository';
import { StoredArtifacts } from '../training/model-codec';
import { CatalogRepository, ItemRow } from './catalog.repository';

type ScopeMap = Map<string, Map<string, number>>;

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

  globalPopularity(itemId: string): number {
    return this.popularity.get('global:*')?.get(itemId) ?? 0;
  }
}

/** Loads and holds snapshots of every tenant; reloaded after imports, aggregate refreshes and new model versions. */
export class CatalogSnapshots {
  private readonly snapshots = new Map<string, TenantSnapshot>();
  /** Decoded artifacts of the model version each tenant uses: a reload reads them again only for a new version. */
  private readonly models = new Map<string, { version: string; artifacts: StoredArtifacts }>();
  /** The version (see CatalogRepository.snapshotVersions) each snapshot was built from. */
  private readonly versions = new Map<string, string>();

  constructor(
    private readonly repository: CatalogRepository,
    private readonly modelRepository: ModelRepository,
  ) {}

  get(tenantId: string): TenantSnapshot | undefined {
    return this.snapshots.get(tenantId);
  }

  /** Rebuilds the snapshots whose catalog, aggregates or model changed since they were built (by any replica). */
  async reloadAll(): Promise<void> {
    for (const [tenantId, version] of await this.repository.snapshotVersions()) {
      if (this.versions.get(tenantId) !== version) await this.reload(tenantId, version);
    }
  }

  async reload(tenantId: string, version?: string): Promise<TenantSnapshot> {
    // Read the version first: a change that lands while we load makes the next tick load again.
    const current = version ?? (await this.repository.snapshotVersions()).get(tenantId) ?? '';
    const [items, popularityRows, populations, neighborRows, editorial, model] = await Promise.all([
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
    this.versions.set(tenantId, current);
    return snapshot;
  }

  private async model(tenantId: string): Promise<{ version: string; artifacts: StoredArtifacts } | undefined> {
    const version = await this.modelRepository.activeVersion(tenantId);
    if (!version) return undefined;
    const cached = this.models.get(tenantId);
    if (cached?.version === version) return cached;
    const active = await this.modelRepository.active(tenantId);
    if (!active) return undefined;
    const loaded = { version: active.version, artifacts: active.artifacts };
    this.models.set(tenantId, loaded);
    return loaded;
  }
}
