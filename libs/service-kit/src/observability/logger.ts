import pino, { DestinationStream, Logger } from 'pino';
import { maskLogLine } from './log-redaction';
import { activeTraceIds } from './trace-context';

/**
 * Structured JSON logs. Code logs pseudonymous ids only; the logger itself is the second line of defence:
 * - every serialized line passes through maskLogLine: e-mail addresses and phone numbers are masked anywhere
 *   in it (message, fields, child bindings, error stacks), and values under identifier keys (userId, user_id,
 *   anonymousId, email, phone, ... at any depth) are masked unless they are pseudonymous ids;
 * - secrets and connection URLs are removed by path;
 * - a line written while a gRPC call is being handled carries that call's trace_id and span_id.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', fd: 1 | 2 = 1): Logger {
  return createLoggerTo(service, level, pino.destination(fd));
}

/** The same logger writing to any stream (tests capture its output this way). */
export function createLoggerTo(service: string, level: string, stream: DestinationStream): Logger {
  return pino(
    {
      name: service,
      level,
      base: { service },
      mixin: activeTraceIds,
      // After serialization, so the message, child bindings and serialized errors are covered alike.
      hooks: { streamWrite: maskLogLine },
      redact: {
        paths: ['secret', '*.secret', 'authorization', '*.authorization', 'DATABASE_URL', 'REDIS_URL', '*.DATABASE_URL', '*.REDIS_URL'],
        censor: '[redacted]',
      },
    },
    stream,
  );
}

export type { Logger };
