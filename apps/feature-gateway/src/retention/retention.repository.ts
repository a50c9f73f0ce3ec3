import { DataSource } from 'typeorm';

/** What the retention sweep deletes from feature-gateway's schema, per tenant, in bounded batches. */
export class RetentionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Tenants that have behaviour stored. */
  async tenantsWithEvents(): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT c.tenant_id FROM features.catalog_state c
       WHERE EXISTS (SELECT 1 FROM features.event e WHERE e.tenant_id = c.tenant_id) ORDER BY c.tenant_id`,
    )) as { tenant_id: string }[];
    return rows.map((r) => r.tenant_id);
  }

  /**
   * Deletes at most `batch` of the tenant's events that happened before `cutoff` (oldest first, by the
   * (tenant_id, occurred_at) index) and returns how many; a short transaction per batch, so serving never waits.
   */
  async deleteExpiredEvents(tenantId: string, cutoff: Date, batch: number): Promise<number> {
    const [{ n }] = (await this.dataSource.query(
      `WITH expired AS (
         SELECT id FROM features.event WHERE tenant_id = $1 AND occurred_at < $2 ORDER BY occurred_at LIMIT $3),
       d AS (DELETE FROM features.event e USING expired WHERE e.tenant_id = $1 AND e.id = expired.id RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [tenantId, cutoff, batch],
    )) as { n: number }[];
    return n;
  }

  /**
   * Deletes at most `batch` experiment exposures (every tenant) that happened before `cutoff`, oldest first by the
   * occurred_at index, and returns how many: a short transaction per batch.
   */
  async deleteExpiredExposures(cutoff: Date, batch: number): Promise<number> {
    const [{ n }] = (await this.dataSource.query(
      `WITH expired AS (
         SELECT tenant_id, id FROM features.exposure WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2),
       d AS (DELETE FROM features.exposure x USING expired WHERE x.tenant_id = expired.tenant_id AND x.id = expired.id RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [cutoff, batch],
    )) as { n: number }[];
    return n;
  }

  /** Marks the tenant's aggregates stale: the next refresh recomputes them from what is left. */
  async markAggregatesStale(tenantId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM features.aggregate_state WHERE tenant_id = $1`, [tenantId]);
  }

  /**
   * Drops aggregates last computed before `cutoff` (a tenant with no new behaviour for that long): they are not
   * refreshed any more, so they would otherwise outlive their data class.
   */
  async deleteExpiredAggregates(cutoff: Date): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const stale = (await m.query(`SELECT tenant_id FROM features.aggregate_state WHERE refreshed_at < $1`, [cutoff])) as {
        tenant_id: string;
      }[];
      const tenants = stale.map((r) => r.tenant_id);
      if (tenants.length === 0) return 0;
      let removed = 0;
      for (const table of ['item_popularity', 'scope_population', 'item_neighbor']) {
        const [{ n }] = (await m.query(
          `WITH d AS (DELETE FROM features.${table} WHERE tenant_id = ANY($1) RETURNING 1) SELECT count(*)::int AS n FROM d`,
          [tenants],
        )) as { n: number }[];
        removed += n;
      }
      await m.query(`DELETE FROM features.aggregate_state WHERE tenant_id = ANY($1)`, [tenants]);
      return removed;
    });
  }

  /** The time of each tenant's oldest stored event. */
  async oldestEvents(): Promise<Map<string, Date>> {
    const rows = (await this.dataSource.query(
      `SELECT c.tenant_id, (SELECT min(occurred_at) FROM features.event e WHERE e.tenant_id = c.tenant_id) AS oldest
       FROM features.catalog_state c`,
    )) as { tenant_id: string; oldest: Date | null }[];
    return new Map(rows.filter((r) => r.oldest).map((r) => [r.tenant_id, new Date(r.oldest!)]));
  }
}
