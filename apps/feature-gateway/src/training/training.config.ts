import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { DataJobConfig } from '@recsys/service-kit';

/**
 * The training job's settings: feature-gateway's schema, consent-service, and what training reads. No signing
 * keys and no pseudonymization secret: the job handles pseudonymous ids only and serves nothing.
 */
export class TrainingJobConfig extends DataJobConfig {
  @IsString()
  CONSENT_SERVICE_ADDR = '127.0.0.1:50052';

  /** audit-service, which records dataset builds, scope permissions and published models. */
  @IsString()
  AUDIT_SERVICE_ADDR = '127.0.0.1:50055';

  /** k of seed §22, as feature-gateway uses it: only items with at least k distinct users enter a model. */
  @IsInt()
  @Min(2)
  @Max(10_000)
  AGGREGATION_MIN_USERS = 10;

  /** The job reads the last this many days of behaviour (seed §20: raw behaviour events 90 d). */
  @IsInt()
  @Min(1)
  @Max(3650)
  TRAINING_WINDOW_DAYS = 90;

  /** Stored training datasets kept per tenant (seed §20: training artifacts); older ones are dropped at each save. */
  @IsInt()
  @Min(1)
  @Max(100)
  TRAINING_DATASETS_KEPT = 3;

  /** Folder of the registry files; empty finds registry/ above the code. */
  @IsOptional()
  @IsString()
  REGISTRY_DIR = '';

  /** Folder of surfaces.yaml (the routes to train) and training-scopes.yaml; empty finds config/ above the code. */
  @IsOptional()
  @IsString()
  CONFIG_DIR = '';
}
