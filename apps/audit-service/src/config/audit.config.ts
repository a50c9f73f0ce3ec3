import { IsInt, Max, Min } from 'class-validator';
import { DataServiceConfig } from '@recsys/service-kit';

export class AuditConfig extends DataServiceConfig {
  @IsInt()
  @Min(0)
  @Max(65535)
  AUDIT_GRPC_PORT = 50055;

  @IsInt()
  @Min(0)
  @Max(65535)
  AUDIT_METRICS_PORT = 9455;
}
