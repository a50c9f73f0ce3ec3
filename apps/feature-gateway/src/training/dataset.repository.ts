import { DataSource, EntityManager } from 'typeorm';
import { DatasetManifest } from '@recsys/models';

/** One row of a stored dataset: pseudonymous subject and item of `sourceTenant` (the owner, or a global_shared peer). */
export interface StoredRow {
  sourceTenant: string;
  user: string;
  item: string;
  weight: number;
  timestampMs: number;
}

/** An explicitly switched-off privacy filter: who asked, and why (recorded in the manifest). */
export interface FilterOverride {
  filter: 'exclude_deleted_users' | 'exclude_no_training_consent';
  reason: string;
}

/** The manifest of a stored dataset: the builder's manifest plus where the rows came from. */
export interface StoredDatasetManifest extends DatasetManifest {
  dataset_id: string;
  window_days: number;
  /** Tenants whose rows are in the dataset (more than the owner only for global_shared). */
  contributing_tenants: string[];
  /** Filters switched off on purpose; empty for every dataset a served model may be trained from. */
  filter_overrides: FilterOverride[];
}

export interface StoredDataset {
  tenantId: string;
  datasetId: string;
  name: string;
  createdAt: Date;
  state: 'building' | 'ready';
  manifest: StoredDatasetManifest;
  /** Rows removed after the build by deletions (the manifest's counts are as built). */
  rowsRemovedByDeletion: number;
}

interface DatasetRow {
  tenant_id: string;
  dataset_id: string;
  name: string;
  created_at: Date;
  state: 'building' | 'ready';
  manifest: StoredDatasetManifest;
  rows_removed_by_deletion: string;
}

const INSERT_BATCH = 5000;
const COLUMNS = `tenant_id, dataset_id, name, created_at, state, manifest, rows_removed_by_deletion`;

const toDataset = (r: DatasetRow): StoredDataset => ({
  tenantId: r.tenant_id,
  datasetId: r.dataset_id,
  name: r.name,
  createdAt: r.created_at,
  state: r.state,
  manifest: r.manifest,
  rowsRemovedByDeletion: Number(r.rows_removed_by_deletion),
});

/** Serializes writers of one tenant's datasets (save vs save) and of one subject tenant's rows (save vs deletion). */
const datasetsLock = (tenantId: string) => `training-datasets:${tenantId}`;
const rowsLock = (tenantId: string) => `training-rows:${tenantId}`;

/**
 * Stored governed training datasets (features.training_dataset, features.training_row). Every method takes the
 * tenant: the dataset owner, or for deleteSubject/countSubject the subject's tenant.
 */
export class DatasetRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores a dataset in one transaction (nothing half-written survives a failure) and then keeps only the
   * tenant's newest `keep` datasets. Before it commits, rows of subjects a deletion removed meanwhile are purged
   * (the build's consent check may predate the deletion) and counted in rows_removed_by_deletion.
   * Returns the ids of the datasets dropped by retention.
   */
  async save(
    tenantId: string,
    dataset: { datasetId: string; manifest: StoredDatasetManifest; rows: readonly StoredRow[] },
    keep: number,
    onProgress: (rowsWritten: number) => void = () => undefined,
  ): Promise<{ dropped: string[]; purged: number }> {
    const { datasetId, manifest, rows } = dataset;
    return this.dataSource.transaction(async (m) => {
      await lock(m, datasetsLock(tenantId));
      await m.query(`INSERT INTO features.training_dataset (${COLUMNS}) VALUES ($1, $2, $3, $4, 'building', $5, 0)`, [
        tenantId,
        datasetId,
        manifest.name,
        manifest.created_at,
        JSON.stringify(manifest),
      ]);
      for (let i = 0; i < rows.length; i += INSERT_BATCH) {
        const batch = rows.slice(i, i + INSERT_BATCH);
        await m.query(
          `INSERT INTO features.training_row (tenant_id, dataset_id, source_tenant, subject_pid, item_id, weight, ts)
           SELECT $1, $2, s, p, i, w, to_timestamp(t / 1000.0)
           FROM unnest($3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[]) AS u(s, p, i, w, t)`,
          [
            tenantId,
            datasetId,
            batch.map((r) => r.sourceTenant),
            batch.map((r) => r.user),
            batch.map((r) => r.item),
            batch.map((r) => r.weight),
            batch.map((r) => r.timestampMs),
          ],
        );
        onProgress(i + batch.length);
      }
      // Taken in one order (sorted) and before old datasets are touched: a concurrent deleteSubject either
      // finished (its tombstone is visible to the purge) or waits and then deletes the committed rows.
      for (const source of [...new Set(manifest.contributing_tenants)].sort()) await lock(m, rowsLock(source));
      const [{ n: purged }] = (await m.query(
        `WITH d AS (DELETE FROM features.training_row r USING features.erased_subject x
                    WHERE r.tenant_id = $1 AND r.dataset_id = $2 AND x.tenant_id = r.source_tenant AND x.subject_pid = r.subject_pid
                    RETURNING 1)
         SELECT count(*)::int AS n FROM d`,
        [tenantId, datasetId],
      )) as { n: number }[];
      await m.query(
        `UPDATE features.training_dataset SET state = 'ready', rows_removed_by_deletion = $3 WHERE tenant_id = $1 AND dataset_id = $2`,
        [tenantId, datasetId, purged],
      );
      const dropped = (await m.query(
        `WITH d AS (DELETE FROM features.training_dataset WHERE tenant_id = $1 AND dataset_id NOT IN
                      (SELECT dataset_id FROM features.training_dataset WHERE tenant_id = $1 AND state = 'ready'
                       ORDER BY created_at DESC, dataset_id DESC LIMIT $2)
                    RETURNING dataset_id)
         SELECT dataset_id FROM d ORDER BY dataset_id`,
        [tenantId, keep],
      )) as { dataset_id: string }[];
      return { dropped: dropped.map((r) => r.dataset_id), purged };
    });
  }

  /** The tenant's newest ready dataset. */
  async latest(tenantId: string): Promise<StoredDataset | undefined> {
    return (await this.list(tenantId))[0];
  }

  async get(tenantId: string, datasetId: string): Promise<StoredDataset | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM features.training_dataset WHERE tenant_id = $1 AND dataset_id = $2 AND state = 'ready'`,
      [tenantId, datasetId],
    )) as DatasetRow[];
    return rows[0] && toDataset(rows[0]);
  }

  /** The tenant's ready datasets, newest first. */
  async list(tenantId: string): Promise<StoredDataset[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM features.training_dataset WHERE tenant_id = $1 AND state = 'ready' ORDER BY created_at DESC, dataset_id DESC`,
      [tenantId],
    )) as DatasetRow[];
    return rows.map(toDataset);
  }

  /** The rows of one of the tenant's datasets, as stored now (deletions since the build are gone). */
  async rows(tenantId: string, datasetId: string): Promise<StoredRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT source_tenant, subject_pid, item_id, weight, (extract(epoch FROM ts) * 1000)::float8 AS ts FROM features.training_row
       WHERE tenant_id = $1 AND dataset_id = $2 ORDER BY source_tenant, subject_pid, item_id`,
      [tenantId, datasetId],
    )) as { source_tenant: string; subject_pid: string; item_id: string; weight: number; ts: number }[];
    return rows.map((r) => ({ sourceTenant: r.source_tenant, user: r.subject_pid, item: r.item_id, weight: r.weight, timestampMs: r.ts }));
  }

  /**
   * Removes one subject of `tenantId` from every stored dataset — the tenant's own and any global_shared
   * dataset of another tenant that holds them — counts the removal per dataset, and records the subject so that
   * a build already past its consent check cannot store them again. Idempotent: a second call removes 0.
   */
  async deleteSubject(tenantId: string, subjectPid: string): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      await lock(m, rowsLock(tenantId));
      await m.query(
        `INSERT INTO features.erased_subject (tenant_id, subject_pid, erased_at) VALUES ($1, $2, now()) ON CONFLICT (tenant_id, subject_pid) DO NOTHING`,
        [tenantId, subjectPid],
      );
      // A CTE, because TypeORM returns [rows, count] for a bare DELETE ... RETURNING.
      const [{ n }] = (await m.query(
        `WITH d AS (DELETE FROM features.training_row WHERE source_tenant = $1 AND subject_pid = $2 RETURNING tenant_id, dataset_id),
              per AS (SELECT tenant_id, dataset_id, count(*) AS n FROM d GROUP BY tenant_id, dataset_id),
              bumped AS (UPDATE features.training_dataset t SET rows_removed_by_deletion = t.rows_removed_by_deletion + per.n
                         FROM per WHERE t.tenant_id = per.tenant_id AND t.dataset_id = per.dataset_id RETURNING 1)
         SELECT coalesce(sum(n), 0)::int AS n FROM per`,
        [tenantId, subjectPid],
      )) as { n: number }[];
      return n;
    });
  }

  /** The stored datasets holding one subject of `tenantId`, and how many of their rows (the subject's data export). */
  async exportSubject(
    tenantId: string,
    subjectPid: string,
  ): Promise<{ dataset_id: string; name: string; created_at: string; rows: number }[]> {
    // A global_shared dataset owned by another tenant is named only as such: its id and name are that tenant's.
    return (await this.dataSource.query(
      `SELECT CASE WHEN d.tenant_id = $1 THEN d.dataset_id ELSE 'global_shared' END AS dataset_id,
              CASE WHEN d.tenant_id = $1 THEN d.name ELSE 'a global_shared dataset of another tenant' END AS name,
              to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at, count(*)::int AS rows
       FROM features.training_row r JOIN features.training_dataset d ON d.tenant_id = r.tenant_id AND d.dataset_id = r.dataset_id
       WHERE r.source_tenant = $1 AND r.subject_pid = $2
       GROUP BY d.tenant_id, d.dataset_id, d.name, d.created_at ORDER BY d.created_at, d.dataset_id`,
      [tenantId, subjectPid],
    )) as { dataset_id: string; name: string; created_at: string; rows: number }[];
  }

  /** Rows of one subject of `tenantId` left in any stored dataset (the deletion saga's verification). */
  async countSubject(tenantId: string, subjectPid: string): Promise<number> {
    const [{ n }] = (await this.dataSource.query(
      `SELECT count(*)::int AS n FROM features.training_row WHERE source_tenant = $1 AND subject_pid = $2`,
      [tenantId, subjectPid],
    )) as { n: number }[];
    return n;
  }
}

async function lock(m: EntityManager, key: string): Promise<void> {
  await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
}
