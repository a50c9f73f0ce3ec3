import { DataSource } from 'typeorm';
import { CatalogItem, EditorialEntry } from '@recsys/proto';

export interface ItemRow {
  itemId: string;
  title: string;
  tags: string[];
  category: string;
  creatorId: string;
  sensitive: boolean;
  qualityScore: number;
}

export interface PopularityRow {
  scope: 'global' | 'country' | 'region';
  scopeKey: string;
  itemId: string;
  score: number;
}

/** Catalog, editorial lists and the stored aggregates, read and written per tenant. */
export class CatalogRepository {
  constructor(private readonly dataSource: DataSource) {}

  async upsertItems(tenantId: string, items: CatalogItem[]): Promise<number> {
    if (items.length === 0) return 0;
    const rows = (await this.dataSource.query(
      `INSERT INTO features.item (tenant_id, item_id, title, category, creator_id, tags, sensitive, quality_score, created_at)
       SELECT $1, r.item_id, r.title, r.category, r.creator_id, ARRAY(SELECT jsonb_array_elements_text(r.tags)), r.sensitive, r.quality_score,
              CASE WHEN r.created_at_ms > 0 THEN to_timestamp(r.created_at_ms / 1000.0) ELSE now() END
       FROM jsonb_to_recordset($2::jsonb) AS r(item_id text, title text, category text, creator_id text, tags jsonb,
                                              sensitive boolean, quality_score double precision, created_at_ms bigint)
       ON CONFLICT (tenant_id, item_id) DO UPDATE SET title = EXCLUDED.title, category = EXCLUDED.category,
         creator_id = EXCLUDED.creator_id, tags = EXCLUDED.tags, sensitive = EXCLUDED.sensitive,
         quality_score = EXCLUDED.quality_score, created_at = EXCLUDED.created_at
       RETURNING item_id`,
      [
        tenantId,
        JSON.stringify(
          items.map((i) => ({
            item_id: i.itemId,
            title: i.title,
            category: i.category,
            creator_id: i.creatorId,
            tags: i.tags,
            sensitive: i.sensitive,
            quality_score: i.qualityScore,
            created_at_ms: i.createdAtMs,
          })),
        ),
      ],
    )) as unknown[];
    return rows.length;
  }

  /** Replaces the editorial lists of the surfaces named in `entries`. */
  async replaceEditorial(tenantId: string, entries: EditorialEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const surfaces = [...new Set(entries.map((e) => e.surface))];
    await this.dataSource.transaction(async (m) => {
      await m.query(`DELETE FROM features.editorial_entry WHERE tenant_id = $1 AND surface = ANY($2)`, [tenantId, surfaces]);
      await m.query(
        `INSERT INTO features.editorial_entry (tenant_id, surface, position, item_id)
         SELECT $1, r.surface, r.position, r.item_id FROM jsonb_to_recordset($2::jsonb) AS r(surface text, position int, item_id text)`,
        [tenantId, JSON.stringify(entries.map((e) => ({ surface: e.surface, position: e.position, item_id: e.itemId })))],
      );
    });
    return entries.length;
  }

  /** Records that a tenant's catalog changed (every replica reloads its snapshot on its next tick). */
  async markChanged(tenantId: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO features.catalog_state (tenant_id, changed_at) VALUES ($1, clock_timestamp())
       ON CONFLICT (tenant_id) DO UPDATE SET changed_at = EXCLUDED.changed_at`,
      [tenantId],
    );
  }

  /**
   * Every tenant with a catalog and what its snapshot depends on, as one version string per tenant: when the
   * catalog changed, when aggregates were last refreshed, and the active model version. A snapshot is rebuilt only
   * when this changes.
   */
  async snapshotVersions(): Promise<Map<string, string>> {
    const rows = (await this.dataSource.query(
      `SELECT c.tenant_id, c.changed_at::text AS catalog, a.refreshed_at::text AS aggregates, m.version AS model
       FROM features.catalog_state c
       LEFT JOIN features.aggregate_state a ON a.tenant_id = c.tenant_id
       LEFT JOIN features.model m ON m.tenant_id = c.tenant_id AND m.active
       ORDER BY c.tenant_id`,
    )) as { tenant_id: string; catalog: string; aggregates: string | null; model: string | null }[];
    return new Map(rows.map((r) => [r.tenant_id, `${r.catalog}|${r.aggregates ?? ''}|${r.model ?? ''}`]));
  }

  async items(tenantId: string): Promise<ItemRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT item_id, title, tags, category, creator_id, sensitive, quality_score FROM features.item WHERE tenant_id = $1 ORDER BY item_id`,
      [tenantId],
    )) as {
      item_id: string;
      title: string;
      tags: string[];
      category: string;
      creator_id: string;
      sensitive: boolean;
      quality_score: number;
    }[];
    return rows.map((r) => ({
      itemId: r.item_id,
      title: r.title,
      tags: r.tags,
      category: r.category,
      creatorId: r.creator_id,
      sensitive: r.sensitive,
      qualityScore: r.quality_score,
    }));
  }

  async editorial(tenantId: string): Promise<Map<string, string[]>> {
    const rows = (await this.dataSource.query(
      `SELECT surface, item_id FROM features.editorial_entry WHERE tenant_id = $1 ORDER BY surface, position`,
      [tenantId],
    )) as { surface: string; item_id: string }[];
    const lists = new Map<string, string[]>();
    for (const r of rows) lists.set(r.surface, [...(lists.get(r.surface) ?? []), r.item_id]);
    return lists;
  }

  async popularity(tenantId: string): Promise<PopularityRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT scope, scope_key, item_id, score FROM features.item_popularity WHERE tenant_id = $1`,
      [tenantId],
    )) as { scope: PopularityRow['scope']; scope_key: string; item_id: string; score: number }[];
    return rows.map((r) => ({ scope: r.scope, scopeKey: r.scope_key, itemId: r.item_id, score: r.score }));
  }

  async populations(tenantId: string): Promise<Map<string, number>> {
    const rows = (await this.dataSource.query(`SELECT scope, scope_key, users FROM features.scope_population WHERE tenant_id = $1`, [
      tenantId,
    ])) as { scope: string; scope_key: string; users: number }[];
    return new Map(rows.map((r) => [`${r.scope}:${r.scope_key}`, r.users]));
  }

  async neighbors(tenantId: string): Promise<{ itemId: string; neighborId: string; weight: number }[]> {
    const rows = (await this.dataSource.query(
      `SELECT item_id, neighbor_id, weight FROM features.item_neighbor WHERE tenant_id = $1 ORDER BY item_id, weight DESC`,
      [tenantId],
    )) as { item_id: string; neighbor_id: string; weight: number }[];
    return rows.map((r) => ({ itemId: r.item_id, neighborId: r.neighbor_id, weight: r.weight }));
  }
}
