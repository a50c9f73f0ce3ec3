import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { status } from '@grpc/grpc-js';
import { PrivacyMode } from '@recsys/privacy-context';
import { RankerServiceClient, RankRequest, rankRequest } from '@recsys/proto';
import { createGrpcClient } from './grpc-client';
import { rankerServer } from './ranker-server.testing';

/*
 * createGrpcClient against a real grpc-js server: what a call keeps alive while it waits for its answer, and how a
 * request that cannot be serialized fails.
 */
describe('createGrpcClient calls', () => {
  // A full collection on demand (V8's own, exposed for this process before the first use).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;

  const bigRequest = (): RankRequest => {
    const ids = Array.from({ length: 2000 }, (_, i) => `item-${i}`);
    return rankRequest({
      tenantId: 'acme',
      surface: 'home',
      mode: PrivacyMode.PERSONALIZED,
      candidateTable: { itemIds: ids, numbers: { item_popularity: { values: ids.map((_, i) => i / 3) } }, texts: {} },
      topN: 10,
    });
  };

  it('does not keep the request object alive while the call waits for its answer (only its bytes)', async () => {
    let answer: (() => void) | undefined;
    let received = 0;
    const { server, address } = await rankerServer((call, callback) => {
      received = call.request.candidateTable?.itemIds.length ?? 0;
      answer = () => callback(null, { route: 'r', modelVersion: 'v', items: [], droppedFeatures: [], mode: PrivacyMode.PERSONALIZED });
    });
    const client = createGrpcClient<RankerServiceClient>('RankerService', address);
    try {
      let request: RankRequest | undefined = bigRequest();
      const held = new WeakRef(request);
      const pending = client.rank(request);
      request = undefined;
      // Until the server has the request the call may legitimately hold it (grpc-js serializes on send).
      for (let i = 0; i < 200 && !answer; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(received).toBe(2000);
      // Collected while the call is still open: the call holds the serialized bytes, not the object.
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      expect(held.deref()).toBeUndefined();
      answer!();
      await expect(pending).resolves.toMatchObject({ route: 'r' });
    } finally {
      client.close();
      server.forceShutdown();
    }
  });

  it('fails a request that cannot be serialized with INTERNAL, as grpc-js does, without calling the server', async () => {
    let calls = 0;
    const { server, address } = await rankerServer((_call, callback) => {
      calls += 1;
      callback(null, null);
    });
    const client = createGrpcClient<RankerServiceClient>('RankerService', address);
    try {
      await expect(client.rank({ ...bigRequest(), candidateTable: 'not a table' } as unknown as RankRequest)).rejects.toMatchObject({
        code: status.INTERNAL,
      });
      expect(calls).toBe(0);
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});
