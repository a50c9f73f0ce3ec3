import { Server } from '@grpc/grpc-js';
import type { Http2Session } from 'node:http2';
import { PrivacyMode } from '@recsys/privacy-context';
import { RankerServiceClient, RankResponse, rankRequest } from '@recsys/proto';
import { createGrpcClient } from './grpc-client';
import { FLOW_CONTROL_WINDOW_BYTES, widenServerFlowControl } from './flow-control';
import { rankerServer } from './ranker-server.testing';

describe('HTTP/2 flow-control windows of recsys connections', () => {
  // An answer of ~1 MB: far over HTTP/2's initial 64 KiB window, so it needs the window or WINDOW_UPDATEs.
  const answer: RankResponse = {
    route: 'r',
    modelVersion: 'm',
    mode: PrivacyMode.NON_PERSONALIZED,
    droppedFeatures: [],
    items: Array.from({ length: 20_000 }, (_, i) => ({
      itemId: `item-${String(i).padStart(8, '0')}`,
      score: i,
      source: 'editorial',
      internalReason: 'EDITORIAL',
      candidateIndex: i,
    })),
  };

  it('the server widens each connection’s receive window and the client its own; large answers still arrive whole', async () => {
    const { server, address } = await rankerServer((_call, callback) => callback(null, answer));
    const sessions: Http2Session[] = [];
    const bound = (server as unknown as { http2Servers: Map<{ on(e: 'session', f: (s: Http2Session) => void): void }, unknown> })
      .http2Servers;
    for (const http2Server of bound.keys()) http2Server.on('session', (s) => sessions.push(s));
    widenServerFlowControl(server);
    const client = createGrpcClient<RankerServiceClient>('RankerService', address);
    try {
      const reply = await client.rank(rankRequest({ tenantId: 'acme', surface: 'home', mode: PrivacyMode.NON_PERSONALIZED }));
      expect(reply.items).toHaveLength(answer.items.length);
      expect(reply.items[19_999].itemId).toBe('item-00019999');
      expect(sessions).toHaveLength(1);
      // What the server may still receive on the connection (its widened window less the small request) and what
      // it may still send (the client's widened window less the ~1 MB answer): both far over HTTP/2's 64 KiB.
      expect(sessions[0].state.localWindowSize).toBeGreaterThan(FLOW_CONTROL_WINDOW_BYTES - 1024);
      expect(sessions[0].state.remoteWindowSize).toBeGreaterThan(FLOW_CONTROL_WINDOW_BYTES - 2 * 1024 * 1024);
    } finally {
      client.close();
      server.forceShutdown();
    }
  });

  it('refuses a server that is not bound yet (it would widen nothing)', () => {
    expect(() => widenServerFlowControl(new Server())).toThrow(/no bound HTTP\/2 server/);
  });
});
