import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { DataServiceConfig, IsPort, Sensitive } from '@recsys/service-kit';

export class ConsentConfig extends DataServiceConfig {
  @IsPort()
  CONSENT_GRPC_PORT = 50052;

  @IsPort()
  CONSENT_METRICS_PORT = 9452;

  /** Key of the per-tenant keyed HMAC that turns user ids into pseudonymous ids. */
  @MinLength(32, { message: 'PSEUDONYM_SECRET must be at least 32 characters' })
  @Sensitive()
  PSEUDONYM_SECRET = '';

  /** How long a resolved consent state may be served from cache; every change invalidates it at once. */
  @IsInt()
  @Min(1)
  @Max(86_400)
  CONSENT_CACHE_TTL_SECONDS = 300;

  @IsString()
  AUDIT_SERVICE_ADDR = '127.0.0.1:50055';
}
