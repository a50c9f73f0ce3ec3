import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { DataServiceConfig, IsPort } from '@recsys/service-kit';
import { EXPLAINER_SETTINGS, ExplainerSetting } from '../explanations/explainer.factory';

export class OrchestratorConfig extends DataServiceConfig {
  @IsPort()
  ORCHESTRATOR_GRPC_PORT = 50051;

  @IsPort()
  ORCHESTRATOR_METRICS_PORT = 9451;

  @IsString()
  CONSENT_SERVICE_ADDR = '127.0.0.1:50052';

  @IsString()
  FEATURE_GATEWAY_ADDR = '127.0.0.1:50053';

  @IsString()
  RANKER_ADDR = '127.0.0.1:50054';

  @IsString()
  AUDIT_SERVICE_ADDR = '127.0.0.1:50055';

  /** Deadline of the privacy context lookup; past it the request is served CONTEXTUAL_ONLY. */
  @IsInt()
  @Min(10)
  @Max(10_000)
  CONSENT_DEADLINE_MS = 150;

  /** Deadline of each feature-gateway and ranker call. */
  @IsInt()
  @Min(10)
  @Max(30_000)
  DOWNSTREAM_DEADLINE_MS = 1000;

  /**
   * Recommends one replica works on at once; one more is refused at once with RESOURCE_EXHAUSTED (load shedding)
   * instead of queueing past every deadline (decisions 47, 56). 0 disables the limit.
   */
  @IsInt()
  @Min(0)
  @Max(100_000)
  MAX_IN_FLIGHT_RECOMMENDS = 32;

  /** How long the signed privacy context stays valid downstream. */
  @IsInt()
  @Min(1)
  @Max(300)
  PRIVACY_CONTEXT_TTL_SECONDS = 30;

  /** 0 disables the recommendation cache. */
  @IsInt()
  @Min(0)
  @Max(86_400)
  RECOMMENDATION_CACHE_TTL_SECONDS = 120;

  /** Share of Recommend decisions written to the audit log, 0..1. */
  @IsNumber()
  @Min(0)
  @Max(1)
  DECISION_LOG_SAMPLE_RATE = 0.1;

  /** Share of Recommend requests that leave a redacted debug trace in audit-service (kept 7 days), 0..1. */
  @IsNumber()
  @Min(0)
  @Max(1)
  DEBUG_TRACE_SAMPLE_RATE = 0.01;

  /** Kill switch (seed §36): comma-separated "source" or "tenant/source" entries that must not run. */
  @IsOptional()
  @Matches(/^([a-z0-9_-]+(\/[a-z_]+)?)?(,[a-z0-9_-]+(\/[a-z_]+)?)*$/, {
    message: 'DISABLED_SOURCES must be a comma list of "source" or "tenant/source"',
  })
  DISABLED_SOURCES = '';

  /** Kill-switch file, re-read when it changes; empty uses kill-switches.yaml in the config folder. */
  @IsOptional()
  @IsString()
  KILL_SWITCH_FILE = '';

  /** How often the kill-switch file is checked for a change. */
  @IsInt()
  @Min(100)
  @Max(60_000)
  KILL_SWITCH_POLL_MS = 1000;

  @IsOptional()
  @IsString()
  REGISTRY_DIR = '';

  /** Folder with surfaces.yaml and reasons.yaml; empty finds config/ above the code. */
  @IsOptional()
  @IsString()
  CONFIG_DIR = '';

  /**
   * What fills RecommendedItem.explanation (docs/explanations.md): `template` (default, no model), `none`, or
   * `llm`, which needs a LanguageModel adapter plugged in main.ts (none is bundled: without one, no start).
   */
  @IsIn(EXPLAINER_SETTINGS)
  EXPLAINER: ExplainerSetting = 'template';

  /** Time all explanations of one answer may take; an item still unexplained then gets an empty one. */
  @IsInt()
  @Min(1)
  @Max(5000)
  EXPLANATION_DEADLINE_MS = 100;
}
