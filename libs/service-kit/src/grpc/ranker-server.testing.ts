import {
  GrpcObject,
  loadPackageDefinition,
  Server,
  ServerCredentials,
  ServerInterceptor,
  ServerUnaryCall,
  sendUnaryData,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import { PROTO_FILES, PROTO_LOADER_OPTIONS, protoRoot, RankRequest, RankResponse } from '@recsys/proto';

export type RankHandler = (call: ServerUnaryCall<RankRequest, RankResponse>, callback: sendUnaryData<RankResponse>) => void;

/** A real grpc-js server of RankerService (for service-kit's gRPC tests), bound on a free port of loopback. */
export async function rankerServer(
  rank: RankHandler,
  interceptors: ServerInterceptor[] = [],
): Promise<{ address: string; server: Server }> {
  const definition = loadSync(join(protoRoot(), PROTO_FILES.RankerService), { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] });
  const pkg = loadPackageDefinition(definition) as unknown as { recsys: { v1: GrpcObject } };
  const service = (pkg.recsys.v1.RankerService as unknown as { service: Parameters<Server['addService']>[0] }).service;
  const server = new Server({ interceptors });
  server.addService(service, { rank });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, server };
}
