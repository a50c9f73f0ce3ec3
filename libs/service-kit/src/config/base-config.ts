import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { Sensitive } from './load-config';

/** Settings every process of the platform reads, services and jobs alike. */
export class ProcessConfig {
  /** Prefix of every Redis key and channel; separates deployments (and test runs) sharing one Redis. */
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'KEY_NAMESPACE must be 1-64 characters of A-Z, a-z, 0-9, "_" or "-"' })
  KEY_NAMESPACE = 'recsys';

  /** The privacy policy version in force; part of every privacy decision and cache key. */
  @Matches(/^[A-Za-z0-9._-]{1,32}$/, { message: 'POLICY_VERSION must be 1-32 characters of A-Z, a-z, 0-9, ".", "_" or "-"' })
  POLICY_VERSION = '2026-11-01';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';
}

/** Settings every service reads. Each service extends this with its own. */
export class BaseServiceConfig extends ProcessConfig {
  /** Signing keys of the privacy context, "kid:secret[,kid:secret]"; the first signs, all verify. */
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}:.{32,}/, { message: 'PRIVACY_CONTEXT_KEYS must look like "kid:secret" with a secret of 32+ characters' })
  @Sensitive()
  PRIVACY_CONTEXT_KEYS = '';

  /** Interface the gRPC server binds to. */
  @IsString()
  GRPC_HOST = '0.0.0.0';

  /** Interface the metrics server binds to. */
  @IsString()
  METRICS_HOST = '0.0.0.0';
}

/** What opening a service's PostgreSQL schema needs. */
export interface DatabaseSettings {
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
}

/** Settings of a service that owns a PostgreSQL schema and uses caches. */
export class DataServiceConfig extends BaseServiceConfig implements DatabaseSettings {
  /** PostgreSQL connection string. The launcher sets it to the embedded server when none is given. */
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// connection string' })
  @Sensitive()
  DATABASE_URL = '';

  /** Redis connection string; empty means no Redis: in-process caches and PostgreSQL LISTEN/NOTIFY instead. */
  @IsOptional()
  @Matches(/^(rediss?:\/\/.+)?$/, { message: 'REDIS_URL must be a redis:// connection string or empty' })
  @Sensitive()
  REDIS_URL = '';

  /** Size of the PostgreSQL connection pool. */
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_SIZE = 10;
}

/**
 * Settings of a job of a service that works on the service's schema without serving anything: no signing keys,
 * no ports, no cache (least privilege: a job gets no secret it does not use).
 */
export class DataJobConfig extends ProcessConfig implements DatabaseSettings {
  /** PostgreSQL connection string. */
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// connection string' })
  @Sensitive()
  DATABASE_URL = '';

  /** Size of the PostgreSQL connection pool. */
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_SIZE = 4;
}

/** A TCP port, 0..65535 (0 lets the OS pick one). */
export function IsPort(): PropertyDecorator {
  return (target, key) => {
    for (const decorate of [IsInt(), Min(0), Max(65535)]) decorate(target, key);
  };
}
