import { ServerInterceptingCall, ServerInterceptor, status } from '@grpc/grpc-js';
import { Context, Span, SpanStatusCode } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { serverTraceContext, withTraceContext } from '../observability/trace-context';

/**
 * Runs every incoming call inside its trace context (from its `traceparent` metadata, or a new trace), so that
 * the handler's log lines carry the trace id and its outgoing calls carry the context on. grpc-js calls the
 * handler synchronously from one of the listener steps below (the last of metadata, message and half-close to
 * complete), so each step runs inside the context. With a logger at debug level, each call also gets one access
 * line (method, status code, milliseconds, trace id: nothing from the request).
 */
export function rpcTraceInterceptor(logger?: Logger): ServerInterceptor {
  return (descriptor, call) => {
    const started = performance.now();
    let ctx: Context | undefined;
    let span: Span | undefined;
    const within = (step: () => void) => (ctx ? withTraceContext(ctx, step) : step());
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            ({ ctx, span } = serverTraceContext(metadata, descriptor.path.slice(1)));
            within(() => nextMetadata(metadata));
          },
          onReceiveMessage: (message, nextMessage) => within(() => nextMessage(message)),
          onReceiveHalfClose: (nextHalfClose) => within(() => nextHalfClose()),
        }),
      sendStatus: (sent, next) => {
        if (ctx && logger?.isLevelEnabled('debug')) {
          const fields = {
            rpc: descriptor.path.slice(1),
            code: status[sent.code] ?? sent.code,
            ms: Math.round(performance.now() - started),
          };
          withTraceContext(ctx, () => logger.debug(fields, 'rpc'));
        }
        if (span) {
          span.setAttribute('rpc.grpc.status_code', sent.code);
          if (sent.code !== status.OK) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        }
        next(sent);
      },
    });
  };
}
