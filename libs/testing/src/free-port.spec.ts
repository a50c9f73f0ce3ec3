import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { freeStackPorts } from './free-port';

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve(server));
  });

describe(freeStackPorts.name, () => {
  it('gives every app two distinct ports that can be listened on, below the kernel’s ephemeral range', async () => {
    const ports = await freeStackPorts(['a', 'b', 'c', 'd', 'e']);
    const all = Object.values(ports).flatMap((p) => [p!.grpc, p!.metrics]);
    expect(new Set(all).size).toBe(10);
    const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    for (const port of all) expect(port).toBeLessThan(ephemeralLow);
    const servers = await Promise.all(all.map(listen));
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });
});
