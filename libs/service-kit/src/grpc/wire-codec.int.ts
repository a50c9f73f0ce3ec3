import { PrivacyMode } from '@recsys/privacy-context';
import { dictionaryColumn, RankerServiceClient, RankRequest, RankResponse, rankRequest, textColumn, WireCodecs } from '@recsys/proto';
import { createGrpcClient } from './grpc-client';
import { rankerServer } from './ranker-server.testing';

/*
 * The contracts' wire codec against a peer that still uses proto-loader's (a rolling deploy, another client):
 * a real grpc-js RankerService server built with proto-loader only, called through createGrpcClient.
 */
describe('wire codec over real gRPC', () => {
  const ids = Array.from({ length: 500 }, (_, i) => `item-${String(i).padStart(5, '0')}`);
  const request: RankRequest = rankRequest({
    tenantId: 'acme',
    surface: 'home',
    mode: PrivacyMode.PERSONALIZED,
    userFeatures: {
      user_embedding: {
        number: 0,
        text: '',
        vector: [0.5, -0.25, 0.125],
        weights: {},
        rankedItemIds: [],
        rankedScores: [],
        rankedRows: [],
      },
      user_category_affinity_30d: {
        number: 0,
        text: '',
        vector: [],
        weights: { books: 0.75, café: 0.25 },
        rankedItemIds: [],
        rankedScores: [],
        rankedRows: [],
      },
    },
    candidateTable: {
      itemIds: ids,
      numbers: { item_popularity: { values: ids.map((_, i) => i / 7) }, item_age_days: { values: ids.map((_, i) => -i) } },
      // One text column as values, one dictionary-encoded (its codes a packed uint32 list).
      texts: {
        item_category: textColumn(ids.map((_, i) => (i % 3 ? 'books' : 'électronique'))),
        item_creator: dictionaryColumn(ids.map((_, i) => `créateur-${i % 7}`)),
      },
    },
    candidateSourceScores: { user_cf: { values: ids.map((_, i) => (i % 2) / 3) } },
    topN: 200,
    weightMultipliers: { 'source:user_cf': 1.5 },
  });
  const answer: RankResponse = {
    route: 'home_personalized',
    modelVersion: 'v7',
    mode: PrivacyMode.PERSONALIZED,
    droppedFeatures: ['user_secret'],
    items: ids
      .slice(0, 200)
      .map((itemId, i) => ({ itemId, score: 1 - i / 200, source: '', internalReason: 'SIMILAR_TO_HISTORY', candidateIndex: i })),
    // The columns' form too (ranked_columns), with a negative index to cross the wire as proto-loader writes it.
    ranked: {
      candidateIndexes: ids.slice(0, 200).map((_, i) => (i === 7 ? -1 : 199 - i)),
      scores: ids.slice(0, 200).map((_, i) => 1 - i / 200),
      internalReasons: dictionaryColumn(ids.slice(0, 200).map((_, i) => (i % 4 ? 'source:user_cf' : 'item_quality_score'))),
    },
  };

  it('a proto-loader server receives exactly what the client sent, and the client exactly what it answered', async () => {
    const install = jest.spyOn(WireCodecs.prototype, 'install');
    let received: RankRequest | undefined;
    const { server, address } = await rankerServer((call, callback) => {
      received = call.request;
      callback(null, answer);
    });
    const client = createGrpcClient<RankerServiceClient>('RankerService', address);
    try {
      // The client's methods were given the wire codec (proto-loader's stays on the server).
      expect(install).toHaveBeenCalled();
      expect(install.mock.results.at(-1)?.value).toBeGreaterThan(0);
      const reply = await client.rank(request);
      expect(received).toStrictEqual(request);
      expect(reply).toStrictEqual(answer);
    } finally {
      install.mockRestore();
      client.close();
      server.forceShutdown();
    }
  });
});
