import { Metadata } from '@grpc/grpc-js';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { serverTraceContext } from './trace-context';

describe(serverTraceContext.name, () => {
  it('gives every call its own valid span id and every new trace its own trace id, across many pages of entropy', () => {
    const spans = new Set<string>();
    const traces = new Set<string>();
    for (let i = 0; i < 2_000; i += 1) {
      const span = trace.getSpanContext(serverTraceContext(new Metadata(), 'recsys.v1.X/Y').ctx)!;
      expect(isSpanContextValid(span)).toBe(true);
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      spans.add(span.spanId);
      traces.add(span.traceId);
    }
    expect(spans.size).toBe(2_000);
    expect(traces.size).toBe(2_000);
  });

  it('continues the caller’s trace with a new span of its own', () => {
    const metadata = new Metadata();
    metadata.set('traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    const span = trace.getSpanContext(serverTraceContext(metadata, 'recsys.v1.X/Y').ctx)!;
    expect(span.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span.spanId).not.toBe('00f067aa0ba902b7');
  });
});
