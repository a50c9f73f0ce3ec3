import { status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';

/** The error codes a service's domain errors use; one mapper below turns them into gRPC statuses. */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'FAILED_PRECONDITION'
  | 'UNAVAILABLE'
  | 'RESOURCE_EXHAUSTED'
  | 'UNIMPLEMENTED'
  | 'INTERNAL';

/**
 * Base of every domain error. Messages go to the caller: they say what was wrong with the input, never a raw
 * user id, a secret or stored data.
 */
export class AppError extends Error {
  override readonly name: string = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class InvalidArgumentError extends AppError {
  override readonly name = 'InvalidArgumentError';
  constructor(readonly problems: string[]) {
    super('INVALID_ARGUMENT', problems.join('; '));
  }
}

export function grpcStatusOf(code: ErrorCode): status {
  switch (code) {
    case 'INVALID_ARGUMENT':
      return status.INVALID_ARGUMENT;
    case 'NOT_FOUND':
      return status.NOT_FOUND;
    case 'PERMISSION_DENIED':
      return status.PERMISSION_DENIED;
    case 'UNAUTHENTICATED':
      return status.UNAUTHENTICATED;
    case 'FAILED_PRECONDITION':
      return status.FAILED_PRECONDITION;
    case 'UNAVAILABLE':
      return status.UNAVAILABLE;
    case 'RESOURCE_EXHAUSTED':
      return status.RESOURCE_EXHAUSTED;
    case 'UNIMPLEMENTED':
      return status.UNIMPLEMENTED;
    case 'INTERNAL':
      return status.INTERNAL;
  }
}

/** The RpcException Nest's gRPC transport turns into a status and message. */
export function toRpcException(error: unknown): RpcException {
  if (error instanceof RpcException) return error;
  if (error instanceof AppError) return new RpcException({ code: grpcStatusOf(error.code), message: error.message });
  return new RpcException({ code: status.INTERNAL, message: 'internal error' });
}
