import pino, { Logger } from 'pino';

/**
 * Structured JSON logs. Field names that could carry a raw identifier or a secret are redacted by pino itself,
 * as a second line of defence: code logs pseudonymous ids only.
 */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', fd: 1 | 2 = 1): Logger {
  return pino(
    {
      name: service,
      level,
      base: { service },
      redact: {
        paths: [
          'userId',
          'user_id',
          'anonymousId',
          'anonymous_id',
          '*.userId',
          '*.user_id',
          '*.anonymousId',
          'secret',
          '*.secret',
          'authorization',
          '*.authorization',
          'DATABASE_URL',
          'REDIS_URL',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination(fd),
  );
}

export type { Logger };
