import { DataSource } from 'typeorm';

export interface RefreshStats {
  popularityRows: number;
  neighborPairs: number;
  minUsers: number;
}

/** Event weights for aggregates: what a view, click, ... says about interest. `hide` counts as no interest. */
export const EVENT_WEIGHT_SQL = `CASE event_type WHEN 'purchase' THEN 4 WHEN 'click' THEN 2 WHEN 'dwell' THEN 1.5 WHEN 'view' THEN 1 ELSE 0 END`;

/** Most recent distinct items per subject that count into co-occurrence (bounds the pair count). */
const ITEMS_PER_SUBJECT = 30;
const NEIGHBORS_PER_ITEM = 50;

/**
 * Recomputes a tenant's thresholded aggregates (seed §22) in one transaction: a group (item × scope, item pair)
 * is kept only when at least k distinct subjects are in it; a scope (region, country) is usable only when
 * at least k distinct subjects are in it. Readers then fall back region → country → global.
 */
export class AggregateRepository {
  constructor(private readonly dataSource: DataSource) {}

  async refresh(tenantId: string, minUsers: number, windowDays: number): Promise<RefreshStats> {
    return this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`aggregates:${tenantId}`]);
      const [{ last_id: lastId }] = (await m.query(
        `SELECT COALESCE(max(id), 0)::bigint AS last_id FROM features.event WHERE tenant_id = $1`,
        [tenantId],
      )) as {
        last_id: string;
      }[];
      await m.query(`DELETE FROM features.item_popularity WHERE tenant_id = $1`, [tenantId]);
      await m.query(`DELETE FROM features.scope_population WHERE tenant_id = $1`, [tenantId]);
      await m.query(`DELETE FROM features.item_neighbor WHERE tenant_id = $1`, [tenantId]);
      const window = `occurred_at > now() - make_interval(days => $2) AND id <= $4`;
      await m.query(
        `INSERT INTO features.scope_population (tenant_id, scope, scope_key, users)
         SELECT $1, CASE WHEN grouping(region) = 0 THEN 'region' WHEN grouping(country) = 0 THEN 'country' ELSE 'global' END,
                COALESCE(region, country, '*'), count(DISTINCT subject_pid)
         FROM (SELECT subject_pid, NULLIF(region, '') AS region, NULLIF(split_part(region, '-', 1), '') AS country
               FROM features.event WHERE tenant_id = $1 AND ${window}) e
         GROUP BY GROUPING SETS ((), (country), (region))
         HAVING count(DISTINCT subject_pid) >= $3 AND (grouping(region) = 1 OR region IS NOT NULL) AND (grouping(country) = 1 OR country IS NOT NULL)`,
        [tenantId, windowDays, minUsers, lastId],
      );
      const popularity = (await m.query(
        `WITH grouped AS (
           SELECT item_id, CASE WHEN grouping(region) = 0 THEN 'region' WHEN grouping(country) = 0 THEN 'country' ELSE 'global' END AS scope,
                  COALESCE(region, country, '*') AS scope_key, count(DISTINCT subject_pid) AS users, sum(w) AS raw
           FROM (SELECT subject_pid, item_id, NULLIF(region, '') AS region, NULLIF(split_part(region, '-', 1), '') AS country, ${EVENT_WEIGHT_SQL} AS w
                 FROM features.event WHERE tenant_id = $1 AND event_type <> 'hide' AND ${window}) e
           GROUP BY GROUPING SETS ((item_id), (item_id, country), (item_id, region))
           HAVING count(DISTINCT subject_pid) >= $3 AND (grouping(region) = 1 OR region IS NOT NULL) AND (grouping(country) = 1 OR country IS NOT NULL))
         INSERT INTO features.item_popularity (tenant_id, scope, scope_key, item_id, users, score)
         SELECT $1, g.scope, g.scope_key, g.item_id, g.users, g.raw / max(g.raw) OVER (PARTITION BY g.scope, g.scope_key)
         FROM grouped g JOIN features.scope_population p ON p.tenant_id = $1 AND p.scope = g.scope AND p.scope_key = g.scope_key
         RETURNING 1`,
        [tenantId, windowDays, minUsers, lastId],
      )) as unknown[];
      const neighbors = (await m.query(
        `WITH recent AS (
           SELECT subject_pid, item_id FROM (
             SELECT subject_pid, item_id, row_number() OVER (PARTITION BY subject_pid ORDER BY max(occurred_at) DESC) AS rn
             FROM features.event WHERE tenant_id = $1 AND event_type <> 'hide' AND ${window}
             GROUP BY subject_pid, item_id) x
           WHERE rn <= ${ITEMS_PER_SUBJECT}),
         item_users AS (SELECT item_id, count(*) AS n FROM recent GROUP BY item_id),
         pairs AS (
           SELECT a.item_id, b.item_id AS neighbor_id, count(*) AS users
           FROM recent a JOIN recent b ON a.subject_pid = b.subject_pid AND a.item_id <> b.item_id
           GROUP BY a.item_id, b.item_id HAVING count(*) >= $3),
         ranked AS (
           SELECT p.item_id, p.neighbor_id, p.users, p.users / sqrt(ua.n * ub.n) AS weight,
                  row_number() OVER (PARTITION BY p.item_id ORDER BY p.users / sqrt(ua.n * ub.n) DESC, p.neighbor_id COLLATE "C") AS rn
           FROM pairs p JOIN item_users ua ON ua.item_id = p.item_id JOIN item_users ub ON ub.item_id = p.neighbor_id)
         INSERT INTO features.item_neighbor (tenant_id, item_id, neighbor_id, users, weight)
         SELECT $1, item_id, neighbor_id, users, weight FROM ranked WHERE rn <= ${NEIGHBORS_PER_ITEM}
         RETURNING 1`,
        [tenantId, windowDays, minUsers, lastId],
      )) as unknown[];
      await m.query(
        `INSERT INTO features.aggregate_state (tenant_id, refreshed_at, last_event_id, min_users) VALUES ($1, now(), $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET refreshed_at = now(), last_event_id = EXCLUDED.last_event_id, min_users = EXCLUDED.min_users`,
        [tenantId, lastId, minUsers],
      );
      return { popularityRows: popularity.length, neighborPairs: neighbors.length, minUsers };
    });
  }

  /** Tenants whose events changed since their last refresh (or that were never refreshed). */
  async staleTenants(minUsers: number): Promise<string[]> {
    // One index probe per tenant (newest event id by the primary key), not a scan of every event.
    const rows = (await this.dataSource.query(
      `SELECT t.tenant_id FROM (
         SELECT c.tenant_id, (SELECT max(e.id) FROM features.event e WHERE e.tenant_id = c.tenant_id) AS last_id
         FROM features.catalog_state c) t
       LEFT JOIN features.aggregate_state s ON s.tenant_id = t.tenant_id
       WHERE t.last_id IS NOT NULL AND (s.tenant_id IS NULL OR s.last_event_id < t.last_id OR s.min_users <> $1)`,
      [minUsers],
    )) as { tenant_id: string }[];
    return rows.map((r) => r.tenant_id);
  }
}
