import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Ports are picked at or above this (well clear of the well-known and registered services people run locally). */
const LOWEST = 10_000;

/**
 * Where to pick listening ports: below the kernel's ephemeral range. A port the OS hands out for `listen(0)` comes
 * from that range, and so does the local port of every outgoing connection — a service connecting to PostgreSQL
 * or Redis between the pick and the listen could take it (EADDRINUSE). Outside the range only another listener
 * can. Undefined when the range leaves no room (then the OS picks).
 */
function listeningRange(): { low: number; high: number } | undefined {
  let ephemeralLow = 32_768;
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralLow;
  } catch {
    // Not Linux: the common default.
  }
  return ephemeralLow - LOWEST >= 1000 ? { low: LOWEST, high: ephemeralLow } : undefined;
}

/** True when nothing listens on the port on any address. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** A port the OS picks (from its ephemeral range). */
function osPickedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A port that was free a moment ago, outside the kernel's ephemeral range where possible (see listeningRange), and
 * not one of `taken`.
 */
export async function freePort(taken: ReadonlySet<number> = new Set()): Promise<number> {
  const range = listeningRange();
  if (range) {
    for (let attempt = 0; attempt < 500; attempt++) {
      const port = range.low + Math.floor(Math.random() * (range.high - range.low));
      if (!taken.has(port) && (await canListen(port))) return port;
    }
  }
  for (;;) {
    const port = await osPickedPort();
    if (!taken.has(port)) return port;
  }
}

/** A free gRPC and metrics port for each app, for a Stack that must not collide with anything running. */
export async function freeStackPorts<A extends string>(apps: readonly A[]): Promise<Partial<Record<A, { grpc: number; metrics: number }>>> {
  const ports: Partial<Record<A, { grpc: number; metrics: number }>> = {};
  const taken = new Set<number>();
  const next = async () => {
    const port = await freePort(taken);
    taken.add(port);
    return port;
  };
  for (const app of apps) ports[app] = { grpc: await next(), metrics: await next() };
  return ports;
}
