import { credentials, loadPackageDefinition, GrpcObject, Client, ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

type HealthClient = Client & {
  check(req: { service: string }, opts: { deadline: number }, cb: (err: ServiceError | null, res?: { status: string }) => void): void;
};

let HealthCtor: (new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => HealthClient) | undefined;

/** The status of one service through the standard grpc.health.v1.Health/Check. */
export function healthStatus(address: string, service: string, timeoutMs = 1000): Promise<string> {
  if (!HealthCtor) {
    const pkg = loadPackageDefinition(loadSync(protoPath, { keepCase: true, enums: String, defaults: true })) as unknown as {
      grpc: { health: { v1: GrpcObject } };
    };
    HealthCtor = pkg.grpc.health.v1.Health as unknown as typeof HealthCtor;
  }
  const client = new HealthCtor!(address, credentials.createInsecure());
  return new Promise((resolve) => {
    client.check({ service }, { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      resolve(err ? 'UNAVAILABLE' : (res?.status ?? 'UNKNOWN'));
    });
  });
}

/** Waits until the service reports SERVING. */
export async function waitForServing(
  address: string,
  service: string,
  timeoutMs: number,
  isAlive: () => boolean = () => true,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!isAlive()) throw new Error(`${service} exited before it was serving`);
    if ((await healthStatus(address, service)) === 'SERVING') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${service} at ${address} was not serving within ${timeoutMs} ms`);
}
