import { DataSource } from 'typeorm';

export interface ScopePermission {
  tenantId: string;
  contractRef: string;
  grantedBy: string;
  grantedAt: Date;
  revokedAt: Date | null;
}

interface PermissionRow {
  tenant_id: string;
  contract_ref: string;
  granted_by: string;
  granted_at: Date;
  revoked_at: Date | null;
}

const toPermission = (r: PermissionRow): ScopePermission => ({
  tenantId: r.tenant_id,
  contractRef: r.contract_ref,
  grantedBy: r.granted_by,
  grantedAt: r.granted_at,
  revokedAt: r.revoked_at,
});

/**
 * Recorded permissions for global_shared training (features.training_scope_permission). A revoked permission
 * stays as history; at most one per tenant is current (a partial unique index).
 */
export class ScopePermissionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records a permission; false when the tenant already has a current one (nothing is written). */
  async grant(tenantId: string, contractRef: string, grantedBy: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO features.training_scope_permission (tenant_id, contract_ref, granted_by) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) WHERE revoked_at IS NULL DO NOTHING RETURNING tenant_id`,
      [tenantId, contractRef, grantedBy],
    )) as unknown[];
    return rows.length === 1;
  }

  /** Revokes the current permission; false when there is none. */
  async revoke(tenantId: string, revokedBy: string): Promise<boolean> {
    const [{ n }] = (await this.dataSource.query(
      `WITH r AS (UPDATE features.training_scope_permission SET revoked_at = now(), revoked_by = $2
                  WHERE tenant_id = $1 AND revoked_at IS NULL RETURNING 1)
       SELECT count(*)::int AS n FROM r`,
      [tenantId, revokedBy],
    )) as { n: number }[];
    return n > 0;
  }

  async current(tenantId: string): Promise<ScopePermission | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT tenant_id, contract_ref, granted_by, granted_at, revoked_at FROM features.training_scope_permission
       WHERE tenant_id = $1 AND revoked_at IS NULL`,
      [tenantId],
    )) as PermissionRow[];
    return rows[0] && toPermission(rows[0]);
  }

  /** Tenants with a current permission. */
  async permittedTenants(): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT tenant_id FROM features.training_scope_permission WHERE revoked_at IS NULL ORDER BY tenant_id`,
    )) as { tenant_id: string }[];
    return rows.map((r) => r.tenant_id);
  }
}
