import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, Observable, tap, throwError } from 'rxjs';
import { status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import type { Logger } from 'pino';
import { ServiceMetrics } from '../observability/metrics';
import { AppError, toRpcException } from './errors';

/** Times every RPC into the latency histogram and maps domain errors to gRPC statuses in one place. */
@Injectable()
export class RpcInterceptor implements NestInterceptor {
  constructor(
    private readonly metrics: ServiceMetrics,
    private readonly logger: Logger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const method = context.getHandler().name;
    const end = this.metrics.rpcDuration.startTimer({ method });
    return next.handle().pipe(
      tap(() => end({ code: 'OK' })),
      catchError((error: unknown) => {
        const rpc = toRpcException(error);
        const code = (rpc.getError() as { code?: number }).code ?? status.UNKNOWN;
        end({ code: status[code] ?? String(code) });
        if (!(error instanceof AppError) && !(error instanceof RpcException)) {
          // Unexpected: log the error class and message, which never hold request data by construction.
          this.logger.error(
            { method, err: error instanceof Error ? { type: error.name, message: error.message, stack: error.stack } : String(error) },
            'rpc failed',
          );
        }
        return throwError(() => rpc);
      }),
    );
  }
}
