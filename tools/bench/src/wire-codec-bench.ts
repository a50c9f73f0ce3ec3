import { loadSync, MethodDefinition } from '@grpc/proto-loader';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import {
  allProtoPaths,
  featureValue,
  ItemTable,
  PROTO_LOADER_OPTIONS,
  protoRoot,
  textColumn,
  WireCodecs,
  PROTO_FILES,
} from '@recsys/proto';

/**
 * `npm run bench:codec`: the contracts' wire codec (libs/proto/src/wire-codec.ts) against proto-loader's
 * (de)serializers on the three large messages of a personalized Recommend, in this one process: the
 * GetFeatureBatchResponse of six candidate lists of 200 and a 500-row ranking table, the 500-row RankRequest and the
 * 200-item RankResponse. Prints the median time per call over `--rounds` rounds of `--calls` calls each.
 * `--polymorphic` first runs the codec over every message type of the contracts, as a service does over its life.
 */

function ids(n: number, prefix: string): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${String((i * 7919) % 10_000).padStart(5, '0')}`);
}

const value = featureValue;

function messages() {
  const numbers: ItemTable['numbers'] = {};
  for (const name of ['popularity', 'age_days', 'price', 'rating', 'ctr', 'a', 'b', 'c', 'd', 'e']) {
    numbers[`item_${name}`] = { values: Array.from({ length: 500 }, (_, i) => ((i * 37) % 101) / 7) };
  }
  const table: ItemTable = {
    itemIds: ids(500, 'item'),
    numbers,
    texts: { item_category: textColumn(ids(500, 'cat')), item_creator: textColumn(ids(500, 'creator')) },
  };
  const userFeatures = {
    user_embedding: value({ vector: Array.from({ length: 32 }, (_, i) => i / 32) }),
    user_category_affinity_30d: value({ weights: { books: 0.5, music: 0.3, garden: 0.1 } }),
  };
  const list = () => value({ rankedItemIds: ids(200, 'item'), rankedScores: Array.from({ length: 200 }, (_, i) => 1 - i / 200) });
  const response = (fields: object) => ({
    userFeatures: {},
    items: [],
    contextFeatures: {},
    withheld: [],
    served: [],
    itemTable: null,
    ...fields,
  });
  return {
    batch: {
      entries: [
        ...Array.from({ length: 6 }, (_, i) => ({
          error: '',
          response: response({ userFeatures: { [`source_${i}`]: list() }, served: [`source_${i}`] }),
        })),
        { error: '', response: response({ userFeatures, served: Object.keys(userFeatures), itemTable: table }) },
      ],
    },
    rank: {
      tenantId: 'demo-retail',
      surface: 'home',
      mode: 'PERSONALIZED',
      candidates: [],
      userFeatures,
      contextFeatures: {},
      candidateTable: table,
      candidateSourceScores: { user_cf: { values: table.numbers.item_a.values }, user_two_tower: { values: table.numbers.item_b.values } },
      candidateSources: [],
      topN: 200,
      weightMultipliers: {},
    },
    ranked: {
      route: 'home_personalized',
      modelVersion: 'v1',
      mode: 'PERSONALIZED',
      droppedFeatures: [],
      items: ids(200, 'item').map((itemId, i) => ({
        itemId,
        score: 1 - i / 200,
        source: '',
        internalReason: 'SIMILAR_TO_HISTORY',
        candidateIndex: i,
      })),
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median ms per call of `fn` over `rounds` rounds of `calls` calls, after one untimed round. */
function time(fn: () => unknown, rounds: number, calls: number): number {
  for (let i = 0; i < calls; i++) fn();
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    perRound.push(Number(process.hrtime.bigint() - start) / 1e6 / calls);
  }
  return median(perRound);
}

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('bench:codec')
    .option('rounds', { type: 'number', default: 7, describe: 'timed rounds per codec and direction (the median is reported)' })
    .option('calls', { type: 'number', default: 200, describe: 'calls per round' })
    .option('polymorphic', { type: 'boolean', default: false, describe: 'use the codec on every message type first' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of a table' })
    .strict()
    .parse();
  const codecs = WireCodecs.load(protoRoot(), Object.values(PROTO_FILES));
  if (argv.polymorphic) {
    const types: string[] = [];
    const visit = (ns: { nestedArray?: unknown[] }) => {
      for (const nested of ns.nestedArray ?? []) {
        const n = nested as { fieldsArray?: unknown[]; fullName: string; nestedArray?: unknown[] };
        if (n.fieldsArray && n.fullName.startsWith('.recsys.')) types.push(n.fullName.slice(1));
        visit(n);
      }
    };
    visit(codecs.root);
    for (const name of types) {
      const codec = codecs.codec(name);
      const empty = codec.deserialize(Buffer.alloc(0));
      for (let i = 0; i < 1000; i++) codec.deserialize(codec.serialize(empty));
    }
  }
  const definition = loadSync(allProtoPaths(), { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] }) as unknown as Record<
    string,
    Record<string, MethodDefinition<unknown, unknown>>
  >;
  const m = messages();
  const cases = [
    { name: 'GetFeatureBatchResponse', method: definition['recsys.v1.FeatureService'].GetFeatureBatch, side: 'response', value: m.batch },
    { name: 'RankRequest', method: definition['recsys.v1.RankerService'].Rank, side: 'request', value: m.rank },
    { name: 'RankResponse', method: definition['recsys.v1.RankerService'].Rank, side: 'response', value: m.ranked },
  ] as const;
  const rows = cases.map(({ name, method, side, value: v }) => {
    const serialize = side === 'request' ? method.requestSerialize : method.responseSerialize;
    const deserialize = side === 'request' ? method.requestDeserialize : method.responseDeserialize;
    const codec = codecs.codec(`recsys.v1.${name}`);
    const bytes = serialize(v);
    return {
      message: name,
      bytes: bytes.length,
      encodeProtoLoaderMs: time(() => serialize(v), argv.rounds, argv.calls),
      encodeWireCodecMs: time(() => codec.serialize(v), argv.rounds, argv.calls),
      decodeProtoLoaderMs: time(() => deserialize(bytes), argv.rounds, argv.calls),
      decodeWireCodecMs: time(() => codec.deserialize(bytes), argv.rounds, argv.calls),
    };
  });
  if (argv.json) {
    console.log(JSON.stringify({ polymorphic: argv.polymorphic, node: process.version, rows }, null, 2));
    return;
  }
  const f = (ms: number) => ms.toFixed(3).padStart(8);
  console.log(`median ms per call (${argv.rounds} rounds of ${argv.calls}; polymorphic: ${argv.polymorphic}; node ${process.version})`);
  console.log('message                    bytes   encode: proto-loader    codec   decode: proto-loader    codec');
  for (const r of rows) {
    console.log(
      `${r.message.padEnd(24)} ${String(r.bytes).padStart(7)}   ${' '.repeat(6)}${f(r.encodeProtoLoaderMs)} ${f(r.encodeWireCodecMs)}   ${' '.repeat(6)}${f(r.decodeProtoLoaderMs)} ${f(r.decodeWireCodecMs)}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
