import { CatalogRepository } from './catalog.repository';
import { CatalogSnapshots } from './catalog-snapshot';
import { ModelRepository } from '../training/model.repository';

/** A stub catalog store (the collaborator): one item per tenant, versions the test sets, reads counted. */
function stores(versions: Map<string, string>) {
  const reads: string[] = [];
  const catalog = {
    snapshotVersions: async () => new Map(versions),
    items: async (tenantId: string) => {
      reads.push(tenantId);
      return [{ itemId: `${tenantId}-1`, title: 'One', tags: [], category: 'books', creatorId: 'c', sensitive: false, qualityScore: 0.5 }];
    },
    popularity: async () => [],
    populations: async () => new Map<string, number>(),
    neighbors: async () => [],
    editorial: async () => new Map<string, string[]>(),
  } as unknown as CatalogRepository;
  const models = { activeVersion: async () => undefined, active: async () => undefined } as unknown as ModelRepository;
  return { snapshots: new CatalogSnapshots(catalog, models), reads };
}

describe(CatalogSnapshots.name, () => {
  it('rebuilds only the tenants whose catalog, aggregates or model version changed', async () => {
    const versions = new Map([
      ['acme', 'c1|a1|'],
      ['globex', 'c1|a1|'],
    ]);
    const { snapshots, reads } = stores(versions);
    await snapshots.reloadAll();
    expect(reads.sort()).toEqual(['acme', 'globex']);
    await snapshots.reloadAll();
    expect(reads).toHaveLength(2);
    versions.set('globex', 'c1|a2|');
    await snapshots.reloadAll();
    expect(reads.slice(2)).toEqual(['globex']);
    versions.set('acme', 'c1|a1|m1');
    await snapshots.reloadAll();
    expect(reads.slice(3)).toEqual(['acme']);
    expect(snapshots.get('acme')?.items.has('acme-1')).toBe(true);
  });
});
