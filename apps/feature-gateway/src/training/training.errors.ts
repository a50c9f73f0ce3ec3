/** Why a dataset command was refused. Every message names tenants and datasets only, never a subject. */
export enum TrainingErrorCode {
  /** config/training-scopes.yaml is missing or does not pass its schema. */
  INVALID_SCOPE_CONFIG = 'INVALID_SCOPE_CONFIG',
  /** A global_shared build for a tenant without a current recorded permission (fail closed). */
  SCOPE_NOT_PERMITTED = 'SCOPE_NOT_PERMITTED',
  /** A permission asked for a tenant whose scope forbids cross-tenant learning. */
  PERMISSION_REFUSED = 'PERMISSION_REFUSED',
  /** A permission asked while one is current, or a revoke without one. */
  PERMISSION_CONFLICT = 'PERMISSION_CONFLICT',
  DATASET_NOT_FOUND = 'DATASET_NOT_FOUND',
  /** A dataset a served model must not be trained from (a filter switched off, or another tenant's rows). */
  DATASET_NOT_TRAINABLE = 'DATASET_NOT_TRAINABLE',
}

export class TrainingDatasetError extends Error {
  override readonly name = 'TrainingDatasetError';

  constructor(
    readonly code: TrainingErrorCode,
    message: string,
  ) {
    super(message);
  }
}
