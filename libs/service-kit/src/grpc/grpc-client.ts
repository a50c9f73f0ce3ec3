import { credentials, loadPackageDefinition, Metadata, ServiceError, Client, GrpcObject } from '@grpc/grpc-js';
import { loadSync, MethodDefinition } from '@grpc/proto-loader';
import { join } from 'node:path';
import { Observable } from 'rxjs';
import { PROTO_FILES, PROTO_LOADER_OPTIONS, protoRoot, ServiceName, useWireCodecs } from '@recsys/proto';
import { injectTraceContext } from '../observability/trace-context';
import { CLIENT_FLOW_CONTROL_OPTIONS } from './flow-control';

export interface CallOptions {
  metadata?: Metadata;
  /** Deadline relative to now. */
  timeoutMs?: number;
}

/** The promise form of a ts-proto generated `XServiceClient` interface. */
export type UnaryClient<C> = {
  [K in keyof C]: C[K] extends (request: infer Q, ...rest: never[]) => Observable<infer R>
    ? (request: Q, options?: CallOptions) => Promise<R>
    : never;
};

export interface ClosableClient {
  close(): void;
}

/**
 * A promise-based client of one recsys.v1 service over @grpc/grpc-js. Every call has a deadline
 * (`defaultTimeoutMs` unless the call gives one): a slow dependency turns into DEADLINE_EXCEEDED, never a hang.
 * Every call carries the active trace context (W3C `traceparent`) in a copy of its metadata. The connection reads
 * answers through a wide HTTP/2 window (see FLOW_CONTROL_WINDOW_BYTES). Messages go through the contracts' wire codec
 * (useWireCodecs), which gives the same objects as proto-loader's.
 */
export function createGrpcClient<C>(service: ServiceName, address: string, defaultTimeoutMs = 2000): UnaryClient<C> & ClosableClient {
  const definition = loadSync(join(protoRoot(), PROTO_FILES[service]), { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] });
  useWireCodecs(definition);
  const pkg = loadPackageDefinition(definition) as unknown as { recsys: { v1: GrpcObject } };
  const Ctor = pkg.recsys.v1[service] as unknown as new (
    address: string,
    creds: ReturnType<typeof credentials.createInsecure>,
    options?: object,
  ) => Client &
    Record<string, (req: unknown, md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null, res: unknown) => void) => void>;
  const raw = new Ctor(address, credentials.createInsecure(), { 'grpc.keepalive_time_ms': 30_000, ...CLIENT_FLOW_CONTROL_OPTIONS });
  const methods = Object.keys((Ctor as unknown as { service: Record<string, { originalName: string }> }).service);
  const client: Record<string, unknown> = {
    close: () => raw.close(),
  };
  const methodDefinitions = definition[`recsys.v1.${service}`] as unknown as Record<string, MethodDefinition<unknown, unknown>>;
  for (const name of methods) {
    const camel = name.charAt(0).toLowerCase() + name.slice(1);
    const method = methodDefinitions[name];
    client[camel] = (request: unknown, options: CallOptions = {}) => {
      const deadline = Date.now() + (options.timeoutMs ?? defaultTimeoutMs);
      const metadata = injectTraceContext(options.metadata?.clone() ?? new Metadata());
      // Serialized here, so the call holds only the bytes: grpc-js keeps the message it is given until the call
      // ends, and a Recommend's Rank request is ~70 KB of columns that would otherwise stay alive (and be copied by
      // the garbage collector) for the whole call; sendBytes's closures cannot reach `request`. A message that
      // cannot be serialized goes the usual way and fails as grpc-js fails it (INTERNAL).
      let bytes: Buffer;
      try {
        bytes = method.requestSerialize(request);
      } catch {
        return unary((done) => raw[name](request, metadata, { deadline }, done));
      }
      return sendBytes(raw, method, bytes, metadata, deadline);
    };
  }
  return client as UnaryClient<C> & ClosableClient;
}

/** A unary call as a promise. */
function unary(start: (done: (err: ServiceError | null, res?: unknown) => void) => void): Promise<unknown> {
  return new Promise((resolve, reject) => start((err, res) => (err ? reject(err) : resolve(res))));
}

/** A call with its request serialized already (in a function of its own: its closures cannot reach the object). */
function sendBytes(raw: Client, method: MethodDefinition<unknown, unknown>, bytes: Buffer, metadata: Metadata, deadline: number) {
  return unary((done) => raw.makeUnaryRequest(method.path, passBytes, method.responseDeserialize, bytes, metadata, { deadline }, done));
}

/** The serializer of a request serialized already. */
const passBytes = (bytes: Buffer): Buffer => bytes;

/** True for a gRPC error object (as opposed to a programming error). */
export function isServiceError(error: unknown): error is ServiceError {
  return typeof error === 'object' && error !== null && 'code' in error && 'metadata' in error;
}
