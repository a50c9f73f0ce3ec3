import { createServer } from 'node:net';

/** A port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A free gRPC and metrics port for each app, for a Stack that must not collide with anything running. */
export async function freeStackPorts<A extends string>(apps: readonly A[]): Promise<Partial<Record<A, { grpc: number; metrics: number }>>> {
  const ports: Partial<Record<A, { grpc: number; metrics: number }>> = {};
  for (const app of apps) ports[app] = { grpc: await freePort(), metrics: await freePort() };
  return ports;
}
