import { randomFillSync } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import {
  Context,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  TextMapGetter,
  TextMapSetter,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C trace context (`traceparent`, `tracestate`) carried in gRPC metadata beside the privacy context, through
 * the OpenTelemetry API: every incoming call runs inside a context holding its own span id, and every outgoing
 * call carries that context. A trace id is random and says nothing about the user.
 *
 * No tracing SDK is bundled, so no span is recorded or exported here: ids are made below when the registered
 * tracer does not record. Start an OpenTelemetry SDK before the service (its context manager and propagator
 * then win over the ones installed here) and its tracer's spans are used instead.
 */
let installed = false;

/** Installs the AsyncLocalStorage context manager and the W3C propagator once per process. */
export function installTracePropagation(): void {
  if (installed) return;
  installed = true;
  // Both return false, keeping what is there, when an OpenTelemetry SDK registered its own first.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key).filter((v): v is string => typeof v === 'string');
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
  },
};

const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** Adds the active trace context (if any) to outgoing metadata. */
export function injectTraceContext(metadata: Metadata, ctx: Context = context.active()): Metadata {
  installTracePropagation();
  propagation.inject(ctx, metadata, metadataSetter);
  return metadata;
}

const tracer = () => trace.getTracer('recsys-grpc');

/** Random bytes drawn a page at a time: every call of every service makes a span id. */
const entropy = Buffer.alloc(4096);
let drawn = entropy.length;

function randomId(bytes: number): string {
  let id: string;
  do {
    if (drawn + bytes > entropy.length) {
      randomFillSync(entropy);
      drawn = 0;
    }
    id = entropy.toString('hex', drawn, (drawn += bytes));
  } while (/^0+$/.test(id));
  return id;
}

/**
 * The context an incoming call runs in: a span that is the child of the caller's `traceparent`, or the root of
 * a new trace when there is none (or it is malformed). Returns the span so the caller can end it.
 */
export function serverTraceContext(metadata: Metadata, name: string): { ctx: Context; span: Span } {
  installTracePropagation();
  const parentCtx = propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
  const span = tracer().startSpan(name, { kind: SpanKind.SERVER }, parentCtx);
  if (span.isRecording()) return { ctx: trace.setSpan(parentCtx, span), span };
  const parent = trace.getSpanContext(parentCtx);
  const valid = parent !== undefined && isSpanContextValid(parent);
  const own = trace.wrapSpanContext({
    traceId: valid ? parent.traceId : randomId(16),
    spanId: randomId(8),
    traceFlags: valid ? parent.traceFlags : TraceFlags.NONE,
    traceState: valid ? parent.traceState : undefined,
  });
  return { ctx: trace.setSpan(parentCtx, own), span: own };
}

/** The trace and span id of the active context, for log lines; empty when there is none. */
export function activeTraceIds(): { trace_id: string; span_id: string } | Record<string, never> {
  const span = trace.getSpanContext(context.active());
  return span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}

/** Runs `fn` inside `ctx` (so that logs and outgoing calls of its async work see it). */
export function withTraceContext<T>(ctx: Context, fn: () => T): T {
  return context.with(ctx, fn);
}
