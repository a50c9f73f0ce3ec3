import type { Logger } from 'pino';
import { Registry } from '@recsys/feature-registry';
import { PrivacyContext } from '@recsys/privacy-context';
import { AuditServiceClient, FeatureValue, RecommendResponse } from '@recsys/proto';
import {
  DEBUG_TRACE_SCHEMA,
  DebugTraceDocument,
  ServiceMetrics,
  traceProblems,
  traceSubjectHash,
  TraceFeature,
  UnaryClient,
} from '@recsys/service-kit';
import { RecommendCommand } from './recommend.command';

/** What one Recommend leaves for its trace. */
export interface TraceInput {
  command: RecommendCommand;
  context: PrivacyContext;
  response: RecommendResponse;
  sources: { name: string; ok: boolean; candidates: number }[];
  features: Record<string, FeatureValue | undefined>;
  modelVersion: string;
}

/** Weights of a map feature kept in a trace (the strongest few; the rest are counted). */
const TOP_WEIGHTS = 5;

/**
 * Sampled debug traces of Recommend (seed §23), redacted here, where the registry is at hand, before they leave
 * the process: the subject only as a one-way hash; no raw id, no query text (its length only), no exact history;
 * features by their registry entry — `hidden` ones counted, never named; `restricted` and `sensitive_inference`
 * ones named with their class, value masked; visible ones with a bounded summary of their value. Sent to
 * audit-service best-effort (a trace is debugging data: one lost while audit-service is down is not an audit gap).
 */
export class DebugTraceRecorder {
  private readonly bytes;
  private readonly dropped;

  constructor(
    private readonly registry: Registry,
    private readonly client: Pick<UnaryClient<AuditServiceClient>, 'recordDebugTraces'>,
    metrics: ServiceMetrics,
    private readonly logger: Logger,
    private readonly options: { sampleRate: number; timeoutMs: number },
  ) {
    this.bytes = metrics.histogram(
      'debug_trace_payload_bytes',
      'Size of the stored debug traces (redacted JSON).',
      [],
      [512, 1024, 2048, 4096, 8192, 16384, 65536],
    );
    this.dropped = metrics.counter('debug_traces_dropped_total', 'Debug traces not stored (audit-service unreachable or trace refused).');
  }

  /** Samples the request; never blocks or fails the answer. */
  maybeRecord(input: TraceInput): void {
    if (this.options.sampleRate <= 0 || Math.random() >= this.options.sampleRate) return;
    let doc: DebugTraceDocument;
    try {
      doc = this.build(input);
    } catch (error) {
      this.dropped.inc();
      this.logger.warn({ err: String((error as Error).message ?? error) }, 'debug trace not built');
      return;
    }
    const problems = traceProblems(doc, [input.command.userId, input.command.anonymousId, input.context.subjectPid]);
    if (problems.length > 0) {
      // Fail closed: a trace that would still hold an id is not sent at all.
      this.dropped.inc();
      this.logger.error({ problems }, 'debug trace refused before sending');
      return;
    }
    const traceJson = JSON.stringify(doc);
    this.bytes.observe(Buffer.byteLength(traceJson));
    this.client
      .recordDebugTraces(
        { traces: [{ tenantId: doc.tenant_id, requestId: doc.request_id, occurredAtMs: Date.parse(doc.occurred_at), traceJson }] },
        { timeoutMs: this.options.timeoutMs },
      )
      .catch(() => this.dropped.inc());
  }

  build(input: TraceInput): DebugTraceDocument {
    const { command: cmd, context: ctx, response } = input;
    const privacy = response.privacy!;
    const features: TraceFeature[] = [];
    let hidden = 0;
    for (const [name, value] of Object.entries(input.features).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const def = this.registry.features.get(name);
      if (!def || def.debug_visibility === 'hidden') {
        hidden += 1;
        continue;
      }
      const masked = def.debug_visibility !== 'visible' || def.sensitive_inference;
      features.push({
        name,
        privacy_class: def.privacy_class,
        visibility: def.debug_visibility === 'visible' ? 'visible' : 'restricted',
        sensitive_inference: def.sensitive_inference,
        allowed_purposes: [...def.allowed_purposes],
        masked,
        ...(masked || !value ? {} : { value: summarize(value) }),
      });
    }
    return {
      schema: DEBUG_TRACE_SCHEMA,
      request_id: response.requestId,
      tenant_id: cmd.tenantId,
      subject_hash: traceSubjectHash(cmd.tenantId, ctx.subjectPid),
      occurred_at: new Date().toISOString(),
      request: {
        surface: cmd.surface,
        region: cmd.region,
        device_type: cmd.deviceType,
        local_hour: cmd.localHour,
        seed_item_id: cmd.seedItemId,
        query_chars: cmd.query.length,
        limit: cmd.limit,
      },
      privacy: {
        mode: String(privacy.mode),
        fallback_reason: privacy.fallbackReason,
        consent_version: privacy.consentVersion,
        policy_version: privacy.policyVersion,
        purposes: ctx.purposes.map(String),
      },
      sources: input.sources,
      features,
      hidden_features: hidden,
      ranking: {
        route: privacy.rankingRoute,
        model_version: input.modelVersion,
        items: response.items.map((i) => ({ item_id: i.itemId, score: i.score, source: i.source, reason_code: i.reasonCode })),
      },
    };
  }
}

/** A bounded summary of a visible value: numbers and short texts as they are, vectors by size, maps by their top. */
function summarize(value: FeatureValue): unknown {
  if (value.vector.length > 0) return { dims: value.vector.length };
  const weights = Object.entries(value.weights);
  if (weights.length > 0) {
    return { entries: weights.length, top: weights.sort(([, a], [, b]) => b - a).slice(0, TOP_WEIGHTS) };
  }
  if (value.text) return value.text.slice(0, 64);
  return value.number;
}
