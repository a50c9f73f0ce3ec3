import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { DataServiceConfig, IsPort, Sensitive } from '@recsys/service-kit';

export class FeatureConfig extends DataServiceConfig {
  @IsPort()
  FEATURE_GRPC_PORT = 50053;

  @IsPort()
  FEATURE_METRICS_PORT = 9453;

  @MinLength(32, { message: 'PSEUDONYM_SECRET must be at least 32 characters' })
  @Sensitive()
  PSEUDONYM_SECRET = '';

  @IsString()
  CONSENT_SERVICE_ADDR = '127.0.0.1:50052';

  /** audit-service: the service relays the audit records its jobs left in features.audit_outbox. */
  @IsString()
  AUDIT_SERVICE_ADDR = '127.0.0.1:50055';

  /**
   * Deadline of the consent check of one ingested batch (up to 1000 subjects in one call). Past it the batch is
   * refused with UNAVAILABLE and nothing is stored; the producer retries.
   */
  @IsInt()
  @Min(10)
  @Max(30_000)
  INGEST_CONSENT_DEADLINE_MS = 2000;

  /** k of seed §22: an aggregate over people is kept only for groups of at least k distinct users. */
  @IsInt()
  @Min(2)
  @Max(10_000)
  AGGREGATION_MIN_USERS = 10;

  /** How often aggregates are recomputed when new events arrived, and snapshots reloaded. */
  @IsInt()
  @Min(1)
  @Max(86_400)
  AGGREGATE_REFRESH_SECONDS = 30;

  /** Events older than this do not count into popularity and co-occurrence. */
  @IsInt()
  @Min(1)
  @Max(3650)
  AGGREGATE_WINDOW_DAYS = 90;

  /**
   * Lifetime of a cached profile read; new events and purges make cached profiles unreachable at once, so this
   * bounds only the cache's memory and how long an event past its retention can outlive the sweep (decision 55).
   */
  @IsInt()
  @Min(1)
  @Max(3600)
  PROFILE_CACHE_TTL_SECONDS = 300;

  /**
   * Lifetime of anonymous session state and of every event in it (seed §20: session state 24 h). At most one day:
   * the registry lets session state serve contextual requests without consent only because it is that short.
   */
  @IsInt()
  @Min(60)
  @Max(86_400)
  SESSION_TTL_SECONDS = 86_400;

  /** Folder of the registry files; empty finds registry/ above the code. */
  @IsOptional()
  @IsString()
  REGISTRY_DIR = '';

  /** Folder of surfaces.yaml (session policy); empty finds config/ above the code. */
  @IsOptional()
  @IsString()
  CONFIG_DIR = '';

  /** Retention of raw behaviour events (seed §20: 90 d; at most 180 d, the behavioral_personal maximum). */
  @IsInt()
  @Min(1)
  @Max(180)
  RAW_EVENT_RETENTION_DAYS = 90;

  /** Retention of aggregated features nobody refreshed (seed §20: 180 d; at most 365 d, aggregate_non_personal). */
  @IsInt()
  @Min(1)
  @Max(365)
  AGGREGATE_RETENTION_DAYS = 180;

  /**
   * Retention of experiment exposure logs (seed §29; data class experiment_exposures): 30 d at most, long enough
   * to read an experiment's results, short enough that a log of what each person was shown does not pile up.
   */
  @IsInt()
  @Min(1)
  @Max(30)
  EXPOSURE_RETENTION_DAYS = 30;

  /** How often the retention sweep runs (it also runs at start). */
  @IsInt()
  @Min(10)
  @Max(86_400)
  RETENTION_SWEEP_SECONDS = 3600;

  /** Rows deleted per statement by the retention sweep: short transactions, so serving never waits. */
  @IsInt()
  @Min(100)
  @Max(100_000)
  RETENTION_BATCH_SIZE = 10_000;
}
