/** Why the experiments command refuses: printed with exit code 1. */
export enum ExperimentsErrorCode {
  /** The experiments file, the registry or the surfaces failed their check. */
  INVALID_CONFIG = 'INVALID_CONFIG',
  /** No experiment is declared for the tenant. */
  UNKNOWN_TENANT = 'UNKNOWN_TENANT',
  /** The tenant has no experiment of that name. */
  UNKNOWN_EXPERIMENT = 'UNKNOWN_EXPERIMENT',
}

export class ExperimentsError extends Error {
  override readonly name = 'ExperimentsError';
  constructor(
    readonly code: ExperimentsErrorCode,
    message: string,
  ) {
    super(message);
  }
}
