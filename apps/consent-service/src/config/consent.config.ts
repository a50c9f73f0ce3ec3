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

  /** feature-gateway, which carries out CLEAR_HISTORY and RESET_PROFILE on the profile store. */
  @IsString()
  FEATURE_GATEWAY_ADDR = '127.0.0.1:50053';

  /** How often queued user controls are retried against a store that was unreachable. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  CONTROL_RETRY_INTERVAL_MS = 2000;
}
