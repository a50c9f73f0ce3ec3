import { IsInt, Max, Min } from 'class-validator';
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

  /** How often the decision-log retention sweep runs (it also runs at start). */
  @IsInt()
  @Min(10)
  @Max(86_400)
  RETENTION_SWEEP_SECONDS = 3600;
}
