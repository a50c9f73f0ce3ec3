import { DataServiceConfig, IsPort } from '@recsys/service-kit';

export class AuditConfig extends DataServiceConfig {
  @IsPort()
  AUDIT_GRPC_PORT = 50055;

  @IsPort()
  AUDIT_METRICS_PORT = 9455;
}
