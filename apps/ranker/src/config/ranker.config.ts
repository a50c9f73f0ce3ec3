import { IsOptional, IsString } from 'class-validator';
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
}
