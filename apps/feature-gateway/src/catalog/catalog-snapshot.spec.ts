import { CatalogRepository } from './catalog.repository';
import { CatalogSnapshots } from './catalog-snapshot';
import pino from 'pino';
import { featureValue } from '@recsys/proto';
import { ServiceMetrics } from '@recsys/service-kit';
import { ModelRepository } from '../training/model.repository';

/** A stub catalog store (the collaborator): one item per tenant, versions the test sets, reads counted. */
function stores(versions: Map<string, string>) {
  const reads: string[] = [];
  const catalog = {
    snapshotVersions: async () => new Map(versions),
    items: async (tenantId: string) => {
      reads.push(tenantId);
      // The first read of a tenant is slow: a later reload would overtake it if reloads were not serialized.
      if (reads.filter((t) => t === tenantId).length === 1) await new Promise((resolve) => setTimeout(resolve, 50));
      return [{ itemId: `${tenantId}-1`, title: 'One', tags: [], category: 'books', creatorId: 'c', sensitive: false, qualityScore: 0.5 }];
    },
    popularity: async () => [],
    populations: async () => new Map<string, number>(),
    neighbors: async () => [],
    editorial: async () => new Map<string, string[]>(),
  } as unknown as CatalogRepository;
  const models = {
    activeVersion: async (tenantId: string) => (tenantId === 'broken' ? 'v1' : undefined),
    active: async () => {
      throw new Error('model artifacts format 9 is not supported');
    },
  } as unknown as ModelRepository;
  return { snapshots: new CatalogSnapshots(catalog, models, pino({ level: 'silent' }), new ServiceMetrics('test')), reads };
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

  it('keeps reloading the other tenants when one tenant’s model cannot be read, and retries that one', async () => {
    const versions = new Map([
      ['broken', 'c1|a1|v1'],
      ['globex', 'c1|a1|'],
    ]);
    const { snapshots, reads } = stores(versions);
    await snapshots.reloadAll();
    expect(reads.sort()).toEqual(['broken', 'globex']);
    // Served without a model, not left without a snapshot; and not marked current, so the next tick retries.
    expect(snapshots.get('broken')?.modelVersion).toBe('');
    await snapshots.reloadAll();
    expect(reads.filter((t) => t === 'broken')).toHaveLength(2);
    expect(reads.filter((t) => t === 'globex')).toHaveLength(1);
  });

  it('runs concurrent reloads of one tenant one after another, so the last one started wins', async () => {
    const { snapshots } = stores(new Map([['acme', 'c1|a1|']]));
    const [first, second] = await Promise.all([snapshots.reload('acme'), snapshots.reload('acme')]);
    expect(snapshots.get('acme')).toBe(second);
    expect(first).not.toBe(second);
  });

  it('makes a shared value once per key and snapshot, and a rebuilt snapshot makes it anew', async () => {
    const versions = new Map([['acme', 'c1|a1|']]);
    const { snapshots } = stores(versions);
    await snapshots.reloadAll();
    const made: string[] = [];
    const value = (key: string) =>
      snapshots.get('acme')!.sharedValue(key, () => {
        made.push(key);
        return featureValue({ number: made.length, text: key });
      });
    const first = value('region_popular_items|global:*|100');
    expect(value('region_popular_items|global:*|100')).toBe(first);
    expect(value('region_popular_items|global:*|50')).not.toBe(first);
    expect(made).toEqual(['region_popular_items|global:*|100', 'region_popular_items|global:*|50']);

    versions.set('acme', 'c2|a1|');
    await snapshots.reloadAll();
    expect(value('region_popular_items|global:*|100')).not.toBe(first);
    expect(made).toHaveLength(3);
  });
});
