import { credentials, GrpcObject, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const REFLECTION_PROTO = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');

/** Service names a server lists through gRPC server reflection (grpc.reflection.v1), as grpcurl would ask. */
export function listServicesByReflection(address: string): Promise<string[]> {
  const pkg = loadPackageDefinition(loadSync(REFLECTION_PROTO, { keepCase: true, defaults: true })) as unknown as {
    grpc: { reflection: { v1: GrpcObject } };
  };
  const Ctor = pkg.grpc.reflection.v1.ServerReflection as unknown as new (
    a: string,
    c: ReturnType<typeof credentials.createInsecure>,
  ) => {
    ServerReflectionInfo(): NodeJS.ReadWriteStream & { write(m: object): boolean; end(): void; close?: () => void };
    close(): void;
  };
  const client = new Ctor(address, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    call.on('data', (reply: { list_services_response?: { service: { name: string }[] } }) => {
      resolve((reply.list_services_response?.service ?? []).map((s) => s.name));
      call.end();
      client.close();
    });
    call.on('error', (e: Error) => {
      client.close();
      reject(e);
    });
    call.write({ list_services: '' });
  });
}
