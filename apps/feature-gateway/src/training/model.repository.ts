import { DataSource } from 'typeorm';
import { DatasetManifest } from '@recsys/models';
import { decodeArtifacts, encodeArtifacts, StoredArtifacts } from './model-codec';

export interface ModelVersion {
  version: string;
  manifest: DatasetManifest;
  /** Model name (route or retrieval model) → model card. */
  cards: Record<string, unknown>;
  /** Route name → linear weights. */
  rankers: Record<string, Record<string, number>>;
}

/** Versions kept per tenant (the active one and the ones before it, for rollback); older ones are deleted. */
export const KEPT_VERSIONS = 3;

/** The tenant's trained models (features.model). Every method takes the tenant. */
export class ModelRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores a new version and makes it the active one, in one transaction; prunes old versions. */
  async publish(tenantId: string, model: ModelVersion, artifacts: StoredArtifacts): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`models:${tenantId}`]);
      await m.query(`UPDATE features.model SET active = false WHERE tenant_id = $1 AND active`, [tenantId]);
      await m.query(
        `INSERT INTO features.model (tenant_id, version, active, manifest, cards, rankers, artifacts) VALUES ($1, $2, true, $3, $4, $5, $6)`,
        [
          tenantId,
          model.version,
          JSON.stringify(model.manifest),
          JSON.stringify(model.cards),
          JSON.stringify(model.rankers),
          encodeArtifacts(artifacts),
        ],
      );
      await m.query(
        `DELETE FROM features.model WHERE tenant_id = $1 AND version NOT IN
           (SELECT version FROM features.model WHERE tenant_id = $1 ORDER BY created_at DESC, version DESC LIMIT ${KEPT_VERSIONS})`,
        [tenantId],
      );
    });
  }

  /** The active version's name, or undefined when the tenant has no trained model. */
  async activeVersion(tenantId: string): Promise<string | undefined> {
    const rows = (await this.dataSource.query(`SELECT version FROM features.model WHERE tenant_id = $1 AND active`, [tenantId])) as {
      version: string;
    }[];
    return rows[0]?.version;
  }

  /** The active version with its decoded artifacts. */
  async active(tenantId: string): Promise<(ModelVersion & { artifacts: StoredArtifacts }) | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT version, manifest, cards, rankers, artifacts FROM features.model WHERE tenant_id = $1 AND active`,
      [tenantId],
    )) as {
      version: string;
      manifest: DatasetManifest;
      cards: Record<string, unknown>;
      rankers: Record<string, Record<string, number>>;
      artifacts: Buffer;
    }[];
    const row = rows[0];
    if (!row) return undefined;
    return {
      version: row.version,
      manifest: row.manifest,
      cards: row.cards,
      rankers: row.rankers,
      artifacts: decodeArtifacts(row.artifacts),
    };
  }

  /** One route's weights and card of the active version (small: no artifacts are read). */
  async ranker(tenantId: string, route: string): Promise<{ version: string; weights: Record<string, number>; card: unknown } | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT version, rankers -> $2 AS weights, cards -> $2 AS card FROM features.model WHERE tenant_id = $1 AND active`,
      [tenantId, route],
    )) as { version: string; weights: Record<string, number> | null; card: unknown }[];
    const row = rows[0];
    return row?.weights ? { version: row.version, weights: row.weights, card: row.card } : undefined;
  }
}
