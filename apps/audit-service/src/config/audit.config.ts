import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { DataServiceConfig, IsPort } from '@recsys/service-kit';

export class AuditConfig extends DataServiceConfig {
  @IsPort()
  AUDIT_GRPC_PORT = 50055;

  @IsPort()
  AUDIT_METRICS_PORT = 9455;

  /** Retention of sampled Recommend decision records (seed §20: 30 d). */
  @IsInt()
  @Min(1)
  @Max(30)
  DECISION_LOG_RETENTION_DAYS = 30;

  /** Retention of sampled debug traces (seed §20: 7 d). */
  @IsInt()
  @Min(1)
  @Max(7)
  DEBUG_TRACE_RETENTION_DAYS = 7;

  /**
   * The database role audit-service switches to after migrating: INSERT and SELECT on the audit trail only, so the
   * running service cannot change or remove an audit record (the migration creates it; the connecting user must be
   * a member). Empty runs as the connecting user (the append-only trigger still refuses changes).
   */
  @IsOptional()
  @Matches(/^([a-z_][a-z0-9_]{0,62})?$/, { message: 'AUDIT_DB_ROLE must be a PostgreSQL role name or empty' })
  AUDIT_DB_ROLE = 'recsys_audit_writer';

  /**
   * Who may read debug traces in which role: `operator:role|role,...` (roles viewer, engineer, privacy_officer).
   * Empty: nobody (fail closed). The operator is the `actor` of GetDebugTrace; front the RPC with an
   * authenticating proxy that sets it from the caller's identity.
   */
  @IsOptional()
  @Matches(/^([A-Za-z0-9._-]{1,64}:[a-z_|]+)?(,[A-Za-z0-9._-]{1,64}:[a-z_|]+)*$/, {
    message: 'DEBUG_TRACE_OPERATORS must be a comma list of operator:role|role',
  })
  DEBUG_TRACE_OPERATORS = '';

  /** How often the retention sweep of decision records and debug traces runs (it also runs at start). */
  @IsInt()
  @Min(10)
  @Max(86_400)
  RETENTION_SWEEP_SECONDS = 3600;
}
