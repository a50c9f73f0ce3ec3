import { Metadata, Server } from '@grpc/grpc-js';
import { parseKeyring, PrivacyContextCodec, PrivacyMode } from '@recsys/privacy-context';
import { RankerServiceClient, RankResponse, rankRequest } from '@recsys/proto';
import { createGrpcClient } from './grpc-client';
import { privacyMetadata } from './privacy-metadata';
import { rpcTraceInterceptor } from './trace.interceptor';
import { activeTraceIds } from '../observability/trace-context';
import { rankerServer } from './ranker-server.testing';

/** The services' trace interceptor, on every test server. */
const traced = [rpcTraceInterceptor()];
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const codec = new PrivacyContextCodec(parseKeyring(`k1:${'s'.repeat(32)}`));

const answer: RankResponse = { route: 'r', modelVersion: 'm', items: [], droppedFeatures: [], mode: PrivacyMode.NON_PERSONALIZED };
const request = rankRequest({ tenantId: 'acme', surface: 'home', mode: PrivacyMode.NON_PERSONALIZED });

describe('trace context over gRPC', () => {
  /** What the downstream server saw: the traceparent of each call and the trace ids active in its handler. */
  const downstreamSaw: { traceparent: string; privacy: boolean; active: Record<string, string> }[] = [];
  /** What the middle server saw in its handler. */
  const middleSaw: Record<string, string>[] = [];
  let downstream: { address: string; server: Server };
  let middle: { address: string; server: Server };
  let toDownstream: ReturnType<typeof createGrpcClient<RankerServiceClient>>;
  let toMiddle: ReturnType<typeof createGrpcClient<RankerServiceClient>>;

  beforeAll(async () => {
    downstream = await rankerServer((call, callback) => {
      downstreamSaw.push({
        traceparent: String(call.metadata.get('traceparent')[0] ?? ''),
        privacy: call.metadata.get('x-recsys-privacy-context').length === 1,
        active: activeTraceIds(),
      });
      callback(null, answer);
    }, traced);
    toDownstream = createGrpcClient<RankerServiceClient>('RankerService', downstream.address);
    // The middle service calls downstream the way the orchestrator does: privacy metadata built in the handler,
    // after an await, and sent through the service-kit client.
    middle = await rankerServer((call, callback) => {
      middleSaw.push(activeTraceIds());
      const work = async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        const now = Date.now();
        const metadata = privacyMetadata(codec, {
          tenantId: 'acme',
          subjectPid: '',
          mode: PrivacyMode.NON_PERSONALIZED,
          purposes: [],
          consentVersion: '0',
          policyVersion: 'p',
          requestId: 'r',
          issuedAtMs: now,
          expiresAtMs: now + 30_000,
        });
        await toDownstream.rank(request, { metadata });
        await toDownstream.rank(request);
      };
      work().then(
        () => callback(null, answer),
        (error: Error) => callback(error),
      );
    }, traced);
    toMiddle = createGrpcClient<RankerServiceClient>('RankerService', middle.address);
  });

  afterAll(async () => {
    toMiddle.close();
    toDownstream.close();
    await Promise.all([middle, downstream].map(({ server }) => new Promise<void>((resolve) => server.tryShutdown(() => resolve()))));
  });

  beforeEach(() => {
    downstreamSaw.length = 0;
    middleSaw.length = 0;
  });

  it("carries the caller's trace id downstream, each hop as a child span, beside the privacy context", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const metadata = new Metadata();
    metadata.set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`);
    await toMiddle.rank(request, { metadata });

    expect(middleSaw).toEqual([{ trace_id: traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) }]);
    const middleSpan = middleSaw[0].span_id;
    expect(middleSpan).not.toBe('00f067aa0ba902b7');
    expect(downstreamSaw).toHaveLength(2);
    for (const saw of downstreamSaw) {
      const [, sentTrace, parentSpan, flags] = saw.traceparent.match(TRACEPARENT)!;
      expect({ sentTrace, parentSpan, flags }).toEqual({ sentTrace: traceId, parentSpan: middleSpan, flags: '01' });
      expect(saw.active.trace_id).toBe(traceId);
      expect(saw.active.span_id).not.toBe(middleSpan);
    }
    expect(downstreamSaw.map((s) => s.privacy)).toEqual([true, false]);
  });

  it('starts a new trace for a call that arrives without one, and a different one per call', async () => {
    await toMiddle.rank(request);
    await toMiddle.rank(request);
    expect(middleSaw).toHaveLength(2);
    const [first, second] = middleSaw.map((s) => s.trace_id);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(second).not.toBe(first);
    expect(downstreamSaw.map((s) => s.traceparent.match(TRACEPARENT)?.[1])).toEqual([first, first, second, second]);
  });

  it('ignores a malformed traceparent and starts a new trace', async () => {
    const metadata = new Metadata();
    metadata.set('traceparent', 'not-a-traceparent');
    await toMiddle.rank(request, { metadata });
    expect(middleSaw[0].trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(downstreamSaw[0].traceparent).toMatch(TRACEPARENT);
  });
});
