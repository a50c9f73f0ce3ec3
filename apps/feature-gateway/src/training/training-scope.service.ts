import { ScopePermission, ScopePermissionRepository } from './scope-permission.repository';
import { TrainingDatasetError, TrainingErrorCode } from './training.errors';
import { TrainingScopes } from './training-scopes';

/**
 * Recording and revoking a tenant's permission for global_shared training (seed §28). The configured scope
 * decides whether a tenant's data may be shared at all; a permission is the contract that allows it.
 */
export class TrainingScopeService {
  constructor(
    private readonly scopes: TrainingScopes,
    private readonly permissions: Pick<ScopePermissionRepository, 'grant' | 'revoke' | 'current'>,
  ) {}

  /**
   * Records a permission. Refused for a no_cross_tenant tenant (never shareable) and while one is current.
   * A tenant configured otherwise may be permitted ahead of a config change; `effective` says whether the
   * permission is in force today (only with scope global_shared).
   */
  async permit(tenantId: string, contractRef: string, grantedBy: string): Promise<{ permission: ScopePermission; effective: boolean }> {
    const scope = this.scopes.scopeOf(tenantId);
    if (scope === 'no_cross_tenant') {
      throw new TrainingDatasetError(
        TrainingErrorCode.PERMISSION_REFUSED,
        `tenant ${tenantId} is configured no_cross_tenant: its data can never join a global_shared dataset, so no permission can be recorded`,
      );
    }
    if (!(await this.permissions.grant(tenantId, contractRef, grantedBy))) {
      const current = await this.permissions.current(tenantId);
      throw new TrainingDatasetError(
        TrainingErrorCode.PERMISSION_CONFLICT,
        `tenant ${tenantId} already has a current permission (contract ${current?.contractRef ?? '?'}); revoke it first`,
      );
    }
    return { permission: (await this.permissions.current(tenantId))!, effective: scope === 'global_shared' };
  }

  /** Revokes the current permission: the tenant's data joins no global_shared dataset built from now on. */
  async revoke(tenantId: string, revokedBy: string): Promise<void> {
    if (!(await this.permissions.revoke(tenantId, revokedBy))) {
      throw new TrainingDatasetError(TrainingErrorCode.PERMISSION_CONFLICT, `tenant ${tenantId} has no current permission to revoke`);
    }
  }
}
