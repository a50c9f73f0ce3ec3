import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WireCodecs } from './wire-codec';

export * from './generated/recsys/v1/common';
export * from './generated/recsys/v1/recommendation';
export * from './generated/recsys/v1/consent';
export * from './generated/recsys/v1/feature';
export * from './generated/recsys/v1/ranker';
export * from './generated/recsys/v1/audit';

/** The protobuf package of every contract. */
export const PROTO_PACKAGE = 'recsys.v1';

/** The .proto file (relative to {@link protoRoot}) that declares each service. */
export const PROTO_FILES = {
  RecommendationService: 'recsys/v1/recommendation.proto',
  ConsentService: 'recsys/v1/consent.proto',
  FeatureService: 'recsys/v1/feature.proto',
  RankerService: 'recsys/v1/ranker.proto',
  AuditService: 'recsys/v1/audit.proto',
} as const;

export type ServiceName = keyof typeof PROTO_FILES;

/**
 * proto-loader options shared by servers and clients. They must match the ts-proto options in buf.gen.yaml:
 * camelCase fields, enums as their names, int64 as JS numbers, defaults filled in.
 */
export const PROTO_LOADER_OPTIONS = {
  keepCase: false,
  enums: String,
  longs: Number,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
} as const;

let cachedRoot: string | undefined;

/** The folder holding the .proto files, found from this module's location in the source tree or in dist/. */
export function protoRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'libs', 'proto', 'proto');
    if (existsSync(join(candidate, PROTO_FILES.RecommendationService))) {
      cachedRoot = candidate;
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('libs/proto/proto not found above ' + __dirname);
    dir = parent;
  }
}

/** Absolute paths of every contract file. */
export function allProtoPaths(): string[] {
  return Object.values(PROTO_FILES).map((file) => join(protoRoot(), file));
}
export * from './defaults';
export * from './text-column';
export { WireCodecs } from './wire-codec';
export type { MessageCodec } from './wire-codec';

let answerCodecs: WireCodecs | undefined;
let requestCodecs: WireCodecs | undefined;

/**
 * Puts the contracts' wire codec (wire-codec.ts) in place of proto-loader's on every recsys.v1 method of a
 * proto-loader package definition; call it before grpc-js builds a client or server from the definition.
 * Answers decode their vocabulary strings through the interner (a caller keeps an answer through its own further
 * calls, and the collector would copy its strings); requests do not (a handler is done with its request at once,
 * and there hashing the strings costs more than the collector saves: decision 51).
 */
export function useWireCodecs(definition: object): number {
  answerCodecs ??= WireCodecs.load(protoRoot(), Object.values(PROTO_FILES));
  requestCodecs ??= WireCodecs.load(protoRoot(), Object.values(PROTO_FILES), []);
  return answerCodecs.install(definition as Record<string, unknown>, PROTO_PACKAGE, requestCodecs);
}
