import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { BaseServiceConfig, IsPort } from '@recsys/service-kit';

export class RankerConfig extends BaseServiceConfig {
  @IsPort()
  RANKER_GRPC_PORT = 50054;

  @IsPort()
  RANKER_METRICS_PORT = 9454;

  /** Folder of the registry files; empty finds registry/ above the code. */
  @IsOptional()
  @IsString()
  REGISTRY_DIR = '';

  /** feature-gateway, whose model store holds each tenant's trained ranking models; empty uses the default files only. */
  @IsString()
  FEATURE_GATEWAY_ADDR = '127.0.0.1:50053';

  /** How often a tenant's trained model is looked up again (a new version is served within this time). */
  @IsInt()
  @Min(1)
  @Max(86_400)
  MODEL_REFRESH_SECONDS = 30;

  /** Deadline of one model lookup. */
  @IsInt()
  @Min(10)
  @Max(30_000)
  MODEL_LOOKUP_DEADLINE_MS = 500;
}
