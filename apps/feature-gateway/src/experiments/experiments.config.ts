import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { DataJobConfig } from '@recsys/service-kit';

/**
 * The experiments command's settings: feature-gateway's schema (read), where the experiments are declared, and k.
 * No signing keys, no pseudonymization secret, no other service: it reads pseudonymous rows and prints aggregates.
 */
export class ExperimentsJobConfig extends DataJobConfig {
  /** k of seed §22: a result cell's click-through is printed only from at least k distinct subjects. */
  @IsInt()
  @Min(2)
  @Max(10_000)
  AGGREGATION_MIN_USERS = 10;

  /** Folder of the registry files (experiments are checked against it); empty finds registry/ above the code. */
  @IsOptional()
  @IsString()
  REGISTRY_DIR = '';

  /** Folder of experiments.yaml and surfaces.yaml; empty finds config/ above the code. */
  @IsOptional()
  @IsString()
  CONFIG_DIR = '';
}
