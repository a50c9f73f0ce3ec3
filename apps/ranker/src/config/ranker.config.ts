import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { BaseServiceConfig } from '@recsys/service-kit';

export class RankerConfig extends BaseServiceConfig {
  @IsInt()
  @Min(0)
  @Max(65535)
  RANKER_GRPC_PORT = 50054;

  @IsInt()
  @Min(0)
  @Max(65535)
  RANKER_METRICS_PORT = 9454;

  /** Folder of the registry files; empty finds registry/ above the code. */
  @IsOptional()
  @IsString()
  REGISTRY_DIR = '';
}
