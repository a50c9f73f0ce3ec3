import 'reflect-metadata';
import { join } from 'node:path';
import {
  defaultConfigDir,
  defaultRegistryDir,
  loadExperiments,
  loadRegistry,
  loadSessionPolicy,
  loadSurfaces,
} from '@recsys/feature-registry';
import { parseKeyring, PrivacyContextCodec } from '@recsys/privacy-context';
import { AuditServiceClient, ConsentServiceClient, FeatureServiceClient, RankerServiceClient } from '@recsys/proto';
import {
  AuditSink,
  closeOnSignals,
  createCacheInfrastructure,
  createGrpcClient,
  openServiceDataSource,
  PgAuditOutbox,
  runMain,
  serveGrpc,
  serviceRuntime,
} from '@recsys/service-kit';
import { CandidateRouter } from './candidates/candidate-router';
import { CandidateSource } from './candidates/candidate-source';
import { KillSwitches, parseKillSwitches } from './candidates/kill-switches';
import { FEATURE_LIST_SOURCES, FeatureListSource } from './candidates/sources/feature-list.source';
import { ItemToItemSource } from './candidates/sources/item-to-item.source';
import { OrchestratorConfig } from './config/orchestrator.config';
import { ExperimentAssigner } from './experiments/experiment-assigner';
import { ExposureSink } from './experiments/exposure-sink';
import { OrchestratorModule } from './orchestrator.module';
import { PrivacyConfigAudit, registryDigest } from './privacy/privacy-config-audit';
import { PrivacyResolver } from './privacy/privacy-resolver';
import { ReasonMapper } from './recommend/reason-mapper';
import { RecommendationService } from './recommend/recommendation.service';
import { DebugTraceRecorder } from './recommend/debug-trace-recorder';
import { ORCHESTRATOR_MIGRATIONS } from './migrations';
import { loadReasons } from './recommend/reason-config';
import { createExplainer } from './explanations/explainer.factory';
import { LanguageModel } from './explanations/explainer';
import { ExplanationFactsBuilder } from './explanations/explanation-facts';
import { ExplanationService } from './explanations/explanation.service';
import { ExplanationValidator } from './explanations/explanation.validator';

const SERVICE = 'candidate-orchestrator';

runMain(SERVICE, async () => {
  const runtime = serviceRuntime(SERVICE, OrchestratorConfig);
  const { config, logger, metrics } = runtime;
  const registry = loadRegistry(config.REGISTRY_DIR || undefined);
  const configDir = config.CONFIG_DIR || defaultConfigDir();
  const surfaces = loadSurfaces(configDir, registry);
  const reasons = loadReasons(configDir);
  // No language model is bundled. An adapter for an approved runtime (seed §25) implementing LanguageModel is
  // plugged here; EXPLAINER=llm without one stops the start with a configuration error (docs/explanations.md).
  const languageModel: LanguageModel | undefined = undefined;
  const explanations = new ExplanationService(
    createExplainer(config.EXPLAINER, languageModel),
    new ExplanationFactsBuilder(registry, reasons),
    new ExplanationValidator(reasons),
    metrics,
    logger,
    { deadlineMs: config.EXPLANATION_DEADLINE_MS },
  );
  const codec = new PrivacyContextCodec(parseKeyring(config.PRIVACY_CONTEXT_KEYS));
  const consentClient = createGrpcClient<ConsentServiceClient>('ConsentService', config.CONSENT_SERVICE_ADDR);
  const featureClient = createGrpcClient<FeatureServiceClient>('FeatureService', config.FEATURE_GATEWAY_ADDR);
  const rankerClient = createGrpcClient<RankerServiceClient>('RankerService', config.RANKER_ADDR);
  const auditClient = createGrpcClient<AuditServiceClient>('AuditService', config.AUDIT_SERVICE_ADDR);
  // Decision records audit-service cannot take now wait in orchestrator.audit_outbox (the service's only table).
  const dataSource = await openServiceDataSource(runtime, 'orchestrator', [], ORCHESTRATOR_MIGRATIONS);
  const audit = new AuditSink(auditClient, `svc:${SERVICE}`, metrics, logger, {
    maxQueue: 10_000,
    batchSize: 200,
    intervalMs: 200,
    outbox: new PgAuditOutbox(dataSource, 'orchestrator'),
  });
  const { cache, bus } = createCacheInfrastructure(config);
  const sources = new Map<string, CandidateSource>(
    [new ItemToItemSource(), ...FEATURE_LIST_SOURCES.map((spec) => new FeatureListSource(spec))].map((s) => [s.name, s]),
  );
  const sourceNames = new Set(registry.sources.keys());
  const killSwitches = new KillSwitches(
    parseKillSwitches(config.DISABLED_SOURCES, sourceNames),
    config.KILL_SWITCH_FILE || join(configDir, 'kill-switches.yaml'),
    config.KILL_SWITCH_POLL_MS,
    sourceNames,
    metrics,
    logger,
  );
  const exposures = new ExposureSink(featureClient, metrics, logger);
  const configAudit = new PrivacyConfigAudit(audit, SERVICE);
  configAudit.registryLoaded(registry, registryDigest(config.REGISTRY_DIR || defaultRegistryDir()));
  killSwitches.onChange = (entries, previous) => configAudit.killSwitchesChanged(entries, previous);
  killSwitches.start();
  const recommendations = new RecommendationService({
    registry,
    surfaces,
    privacy: new PrivacyResolver(
      consentClient,
      {
        deadlineMs: config.CONSENT_DEADLINE_MS,
        contextTtlSeconds: config.PRIVACY_CONTEXT_TTL_SECONDS,
        policyVersion: config.POLICY_VERSION,
      },
      metrics,
    ),
    router: new CandidateRouter(registry, sources, killSwitches, loadSessionPolicy(configDir)),
    features: featureClient,
    ranker: rankerClient,
    codec,
    cache,
    audit,
    reasons: new ReasonMapper(reasons, registry),
    explanations,
    experiments: new ExperimentAssigner(loadExperiments(configDir, registry, surfaces)),
    exposures,
    traces: new DebugTraceRecorder(registry, auditClient, metrics, logger, { sampleRate: config.DEBUG_TRACE_SAMPLE_RATE, timeoutMs: 1000 }),
    metrics,
    logger,
    keySpace: { namespace: config.KEY_NAMESPACE },
    options: {
      downstreamTimeoutMs: config.DOWNSTREAM_DEADLINE_MS,
      cacheTtlSeconds: config.RECOMMENDATION_CACHE_TTL_SECONDS,
      decisionSampleRate: config.DECISION_LOG_SAMPLE_RATE,
      maxInFlight: config.MAX_IN_FLIGHT_RECOMMENDS,
    },
  });
  // A consent or control change anywhere drops this subject's cached answers in every replica.
  await bus.subscribe((m) => recommendations.invalidateSubject(m.tenantId, m.subjectPid).then(() => undefined));
  const running = await serveGrpc(runtime, {
    service: 'RecommendationService',
    module: OrchestratorModule.register(recommendations, new Set(surfaces.keys())),
    port: config.ORCHESTRATOR_GRPC_PORT,
    metricsPort: config.ORCHESTRATOR_METRICS_PORT,
    // The public endpoint takes small Recommend requests: HTTP/2's default window (its clients of the other
    // services read their large answers through wide windows).
    receiveWindowBytes: 0,
  });
  closeOnSignals(
    {
      close: async () => {
        killSwitches.stop();
        await running.close();
        await audit.drain();
        audit.close();
        await exposures.drain();
        exposures.close();
        for (const c of [consentClient, featureClient, rankerClient, auditClient]) c.close();
        await bus.close();
        await cache.close();
        await dataSource.destroy();
      },
    },
    logger,
  );
});
