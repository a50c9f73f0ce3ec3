import { join } from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import { Enum, Field, MapField, parse, Root, Type } from 'protobufjs';
import { allProtoPaths, PROTO_FILES, PROTO_LOADER_OPTIONS, protoRoot } from './index';
import { setFlagsFromString } from 'node:v8';
import { INTERNED_FIELDS, StringInterner, WireCodecs } from './wire-codec';

/*
 * The wire codec against proto-loader's own (de)serializer, which is protobufjs's `fromObject` + `encode` and
 * `decode` + `toObject` with PROTO_LOADER_OPTIONS: for random values of every message type of the contracts, both
 * directions must give the objects proto-loader gives.
 */

const files = Object.values(PROTO_FILES);
const codecs = WireCodecs.load(protoRoot(), files);

/** proto-loader's codec for one type: what createSerializer/createDeserializer in @grpc/proto-loader do. */
const reference = new Root();
reference.resolvePath = (_origin, target) => (target.startsWith('/') ? target : join(protoRoot(), target));
reference.loadSync(files, { keepCase: false });
reference.resolveAll();
const referenceEncode = (type: Type, value: unknown) => Buffer.from(type.encode(type.fromObject(value as object)).finish());
const referenceDecode = (type: Type, bytes: Buffer) => type.toObject(type.decode(bytes), PROTO_LOADER_OPTIONS);

function allTypes(root: Root): Type[] {
  const out: Type[] = [];
  const visit = (ns: { nestedArray: unknown[] }) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof Type) out.push(nested);
      if (nested && typeof nested === 'object' && 'nestedArray' in nested) visit(nested as { nestedArray: unknown[] });
    }
  };
  visit(root);
  return out.filter((t) => t.fullName.startsWith('.recsys.'));
}

/**
 * mulberry32: the cases are the same on every run. The generator is @recsys/models' `mulberry32`, written out here
 * because a contract library imports nothing but contracts.
 */
function rng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)];
  return { next, pick, int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)) };
}
type Rng = ReturnType<typeof rng>;

const STRINGS = [
  '',
  'a',
  'item-00042',
  'é',
  'naïve café',
  '日本語',
  '😀 emoji',
  'x'.repeat(127),
  'y'.repeat(128),
  'z'.repeat(300),
  'ü'.repeat(70),
];

function scalarValue(type: string, r: Rng): unknown {
  switch (type) {
    case 'double':
      return r.pick([0, -0, 1, -1.5, 0.1, 1e300, -1e-300, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity, r.next() * 1000 - 500]);
    case 'float':
      return r.pick([0, 1, -2.5, 3.4e38, r.next() * 100, Math.fround(r.next())]);
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return r.pick([0, 1, -1, 127, 128, 300, 2 ** 31 - 1, -(2 ** 31), r.int(-1e6, 1e6)]);
    case 'uint32':
    case 'fixed32':
      return r.pick([0, 1, 127, 128, 2 ** 32 - 1, r.int(0, 1e9)]);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return r.pick([0, 1, -1, 2 ** 32, -(2 ** 40) + 7, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, r.int(-1e12, 1e12), '123']);
    case 'uint64':
    case 'fixed64':
      return r.pick([0, 1, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, r.int(0, 1e12)]);
    case 'bool':
      return r.pick([true, false]);
    case 'string':
      return r.pick(STRINGS);
    case 'bytes':
      return Buffer.from(r.pick(STRINGS));
    default:
      throw new Error('no generator for ' + type);
  }
}

function enumValue(type: Enum, r: Rng): unknown {
  const names = Object.keys(type.values);
  return r.pick([...names, ...names.map((n) => type.values[n]), 99, 'NOT_A_VALUE']);
}

function fieldValue(field: Field, r: Rng, depth: number, element = false): unknown {
  if (field.repeated && !element) {
    const length = r.pick([0, 1, 2, 5, depth === 0 ? 200 : 3]);
    return Array.from({ length }, () => fieldValue(field, r, depth + 1, true));
  }
  const resolved = field.resolvedType;
  if (resolved instanceof Enum) return enumValue(resolved, r);
  if (resolved instanceof Type) return depth > 3 ? {} : randomMessage(resolved, r, depth + 1);
  return scalarValue(field.type, r);
}

function randomMessage(type: Type, r: Rng, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    field.resolve();
    const roll = r.next();
    if (roll < 0.15) continue;
    if (roll < 0.2 && (field.resolvedType instanceof Type || field.repeated || field instanceof MapField)) {
      out[field.name] = null;
      continue;
    }
    if (field instanceof MapField) {
      const map: Record<string, unknown> = {};
      for (let i = r.int(0, 4); i > 0; i--) map[r.pick(STRINGS)] = fieldValue(field, r, depth, true);
      out[field.name] = map;
    } else out[field.name] = fieldValue(field, r, depth);
  }
  return out;
}

const types = allTypes(reference);

describe('WireCodecs', () => {
  it('covers every message type of the contracts', () => {
    expect(types.length).toBeGreaterThan(50);
    for (const type of types) expect(codecs.codec(type.fullName.slice(1)).typeName).toBe(type.fullName.slice(1));
  });

  it.each(types.map((t) => [t.fullName.slice(1), t] as const))(
    '%s: decodes what proto-loader encodes, and the other way',
    (_name, type) => {
      const codec = codecs.codec(type.fullName.slice(1));
      const r = rng(type.fullName.length * 7919 + type.fieldsArray.length);
      for (let i = 0; i < 40; i++) {
        const value = randomMessage(type, r);
        const referenceBytes = referenceEncode(type, value);
        const expected = referenceDecode(type, referenceBytes);
        expect(codec.deserialize(referenceBytes)).toStrictEqual(expected);
        const ours = codec.serialize(value);
        expect(referenceDecode(type, ours)).toStrictEqual(expected);
        expect(codec.deserialize(ours)).toStrictEqual(expected);
      }
      // An empty message: every field present with its default, null for messages.
      expect(codec.deserialize(Buffer.alloc(0))).toStrictEqual(referenceDecode(type, Buffer.alloc(0)));
    },
  );

  it('handles every scalar type, repeated and in maps, the contracts use or not (a proto written for the test)', () => {
    const { root } = parse(
      `syntax = "proto3"; package t.v1;
       enum Colour { COLOUR_UNSPECIFIED = 0; RED = 1; GREEN = 2; }
       message Inner { string s = 1; repeated sint64 z = 2; }
       message All {
         double a = 1; float b = 2; int32 c = 3; uint32 d = 4; sint32 e = 5; fixed32 f = 6; sfixed32 g = 7;
         int64 h = 8; uint64 i = 9; sint64 j = 10; fixed64 k = 11; sfixed64 l = 12; bool m = 13; string n = 14;
         bytes o = 15; Colour p = 16; Inner q = 17;
         repeated double ra = 21; repeated float rb = 22; repeated int32 rc = 23; repeated uint32 rd = 24;
         repeated sint32 re = 25; repeated fixed32 rf = 26; repeated sfixed32 rg = 27; repeated int64 rh = 28;
         repeated uint64 ri = 29; repeated sint64 rj = 30; repeated fixed64 rk = 31; repeated sfixed64 rl = 32;
         repeated bool rm = 33; repeated string rn = 34; repeated bytes ro = 35; repeated Colour rp = 36;
         repeated Inner rq = 37;
         map<string, sint32> ma = 41; map<string, Colour> mb = 42; map<string, Inner> mc = 43; map<string, bytes> md = 44;
       }`,
      { keepCase: false },
    );
    root.resolveAll();
    const local = new WireCodecs(root);
    const r = rng(2026);
    for (const name of ['t.v1.All', 't.v1.Inner']) {
      const type = root.lookupType(name);
      const codec = local.codec(name);
      for (let i = 0; i < 200; i++) {
        const value = randomMessage(type, r);
        const expected = referenceDecode(type, referenceEncode(type, value));
        expect(codec.deserialize(referenceEncode(type, value))).toStrictEqual(expected);
        expect(referenceDecode(type, codec.serialize(value))).toStrictEqual(expected);
      }
    }
  });

  it('leaves a type with a oneof (or a proto3 optional field) to proto-loader', () => {
    const { root } = parse(
      `syntax = "proto3"; package t.v1;
       message Choice { oneof pick { string a = 1; int32 b = 2; } }
       message Maybe { optional string a = 1; }
       message Holder { Choice choice = 1; }
       message Plain { string a = 1; }
       service S { rpc Choose(Choice) returns (Plain); rpc Hold(Holder) returns (Plain); rpc Echo(Plain) returns (Plain); }`,
      { keepCase: false },
    );
    root.resolveAll();
    const local = new WireCodecs(root);
    for (const name of ['t.v1.Choice', 't.v1.Maybe', 't.v1.Holder']) expect(() => local.codec(name)).toThrow(/oneofs are not supported/);
    // Asked again, still refused (nothing half-built stays behind).
    expect(() => local.codec('t.v1.Holder')).toThrow(/oneofs are not supported/);
    const original = () => Buffer.alloc(0);
    const method = () => ({
      path: '',
      requestSerialize: original,
      requestDeserialize: original,
      responseSerialize: original,
      responseDeserialize: original,
    });
    const definition = { 't.v1.S': { Choose: method(), Hold: method(), Echo: method() } };
    expect(local.install(definition, 't.v1')).toBe(1);
    expect(definition['t.v1.S'].Choose.requestSerialize).toBe(original);
    expect(definition['t.v1.S'].Hold.requestSerialize).toBe(original);
    expect(definition['t.v1.S'].Echo.requestSerialize).not.toBe(original);
  });

  it('fails on truncated bytes wherever proto-loader fails, and agrees wherever it decodes', () => {
    // protobufjs quietly cuts a string that runs past the end; this codec refuses it (RangeError) instead.
    const type = reference.lookupType('recsys.v1.RankRequest');
    const codec = codecs.codec('recsys.v1.RankRequest');
    const r = rng(7);
    let failures = 0;
    for (let i = 0; i < 20; i++) {
      const bytes = referenceEncode(type, randomMessage(type, r));
      expect(codec.deserialize(bytes)).toStrictEqual(referenceDecode(type, bytes));
      for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 40))) {
        const prefix = bytes.subarray(0, cut);
        let ours: unknown;
        try {
          ours = codec.deserialize(prefix);
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
          failures++;
          continue;
        }
        expect(ours).toStrictEqual(referenceDecode(type, prefix));
      }
    }
    expect(failures).toBeGreaterThan(50);
  });

  it('refuses a value of the wrong shape with a TypeError naming the field, as proto-loader does', () => {
    const codec = codecs.codec('recsys.v1.RankRequest');
    expect(() => codec.serialize({ candidateSources: 'user_cf' })).toThrow(
      new TypeError('recsys.v1.RankRequest.candidateSources: array expected'),
    );
    expect(() => codec.serialize({ candidateTable: 'x' })).toThrow(TypeError);
    expect(() => referenceEncode(reference.lookupType('recsys.v1.RankRequest'), { candidateTable: 'x' })).toThrow(TypeError);
  });

  it('reads long packed doubles wherever they lie in memory (aligned or not)', () => {
    const type = reference.lookupType('recsys.v1.NumberColumn');
    const codec = codecs.codec('recsys.v1.NumberColumn');
    const values = Array.from({ length: 3000 }, (_, i) => (i % 7 === 0 ? -i : i / 3));
    const bytes = referenceEncode(type, { values });
    for (let shift = 0; shift < 8; shift++) {
      const shifted = Buffer.alloc(bytes.length + shift);
      bytes.copy(shifted, shift);
      expect(codec.deserialize(shifted.subarray(shift))).toStrictEqual({ values });
    }
  });

  it('writes a Float64Array given for a repeated double as that list would be written, and only there', () => {
    const type = reference.lookupType('recsys.v1.RankRequest');
    const codec = codecs.codec('recsys.v1.RankRequest');
    const values = Array.from({ length: 300 }, (_, i) => (i % 5 === 0 ? -i : i / 7));
    // A view into a larger buffer, at an offset: only its own values are written.
    const backing = new Float64Array(values.length + 3);
    const view = new Float64Array(backing.buffer, 8, values.length);
    view.set(values);
    const message = (column: ArrayLike<number>, empty: ArrayLike<number>) => ({
      tenantId: 't',
      candidateTable: { itemIds: [], numbers: { item_popularity: { values: column } }, texts: {} },
      candidateSourceScores: { user_cf: { values: column }, editorial: { values: empty } },
    });
    const bytes = codec.serialize(message(view, new Float64Array(0)));
    expect(bytes).toEqual(referenceEncode(type, message(values, [])));
    expect(bytes).toEqual(codec.serialize(message(values, [])));
    // Any other repeated field still wants a list.
    expect(() => codec.serialize({ candidateSources: new Float64Array(1) })).toThrow(
      new TypeError('recsys.v1.RankRequest.candidateSources: array expected'),
    );
  });

  it('reads packed varints sized once: over several chunks of one field, with elements between, like proto-loader', () => {
    const codec = codecs.codec('recsys.v1.RankedColumns');
    const type = reference.lookupType('recsys.v1.RankedColumns');
    const minusOne = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    const bytes = Buffer.from([
      ...[0x0a, 0x03, 0x01, 0x96, 0x01], // candidate_indexes packed: 1, 150
      ...[0x08, 0x07], // one unpacked element: 7
      ...[0x0a, 0x0c, 0x05, ...minusOne, 0x00], // packed again: 5, -1, 0
    ]);
    const decoded = codec.deserialize(bytes) as { candidateIndexes: number[] };
    expect(decoded.candidateIndexes).toStrictEqual([1, 150, 7, 5, -1, 0]);
    expect(decoded).toStrictEqual(referenceDecode(type, bytes));
    // A varint cut short at the end of its packed field (its last byte says more follow) is refused.
    expect(() => codec.deserialize(Buffer.from([0x0a, 0x02, 0x01, 0x96, 0x08, 0x01]))).toThrow(RangeError);
    expect(() => codec.deserialize(Buffer.from([0x0a, 0x02, 0x01, 0x96]))).toThrow(RangeError);
  });

  it('skips fields it does not know (a newer peer), like proto-loader', () => {
    const codec = codecs.codec('recsys.v1.NumberColumn');
    // field 1: packed doubles [1.5]; field 99 (varint 5), field 100 (length-delimited "hi").
    const known = codec.serialize({ values: [1.5] });
    const unknown = Buffer.from([0x98, 0x06, 0x05, 0xa2, 0x06, 0x02, 0x68, 0x69]);
    expect(codec.deserialize(Buffer.concat([unknown, known]))).toStrictEqual({ values: [1.5] });
  });

  it('is installed on every method of the recsys services in a proto-loader package definition', () => {
    const definition = loadSync(allProtoPaths(), { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] }) as Record<
      string,
      Record<string, { requestSerialize: (v: unknown) => Buffer; responseDeserialize: (b: Buffer) => unknown }>
    >;
    const before = definition['recsys.v1.RankerService'].Rank.requestSerialize;
    const methods = Object.entries(definition)
      .filter(([name]) => name.startsWith('recsys.v1.') && name.endsWith('Service'))
      .reduce((n, [, service]) => n + Object.keys(service).length, 0);
    expect(codecs.install(definition, 'recsys.v1')).toBe(methods);
    const rank = definition['recsys.v1.RankerService'].Rank;
    expect(rank.requestSerialize).not.toBe(before);
    const request = { tenantId: 't', mode: 'PERSONALIZED', candidateSources: ['a', 'b'], topN: 3 };
    expect(before(request)).toEqual(before(request));
    expect(referenceDecode(reference.lookupType('recsys.v1.RankRequest'), rank.requestSerialize(request))).toMatchObject(request);
  });
});

describe('StringInterner', () => {
  const bytesOf = (value: string) => Buffer.from(value, 'utf8');
  const decode = (interner: StringInterner, value: string) => {
    // Somewhere inside a larger buffer, as a field is.
    const buf = Buffer.concat([Buffer.from([1, 2, 3]), bytesOf(value), Buffer.from([4])]);
    return interner.decode(buf, 3, 3 + bytesOf(value).length);
  };

  it('gives back exactly what decoding gives, for every kind of string', () => {
    const interner = new StringInterner(64);
    for (const value of [...STRINGS, 'item-1', 'item-1', 'z'.repeat(64), 'z'.repeat(65), 'item-1']) {
      expect(decode(interner, value)).toBe(value);
    }
  });

  it('keeps short ASCII strings only, and counts hits and misses', () => {
    const interner = new StringInterner(64);
    decode(interner, 'item-00042');
    decode(interner, 'item-00042');
    decode(interner, 'naïve café');
    decode(interner, 'z'.repeat(65));
    expect(interner.holds('item-00042')).toBe(true);
    expect(interner.holds('naïve café')).toBe(false);
    expect(interner.holds('z'.repeat(65))).toBe(false);
    expect([interner.hits, interner.misses]).toEqual([1, 1]);
  });

  it('stays correct when strings share a slot (one slot: each new string replaces the last)', () => {
    const interner = new StringInterner(1);
    const values = ['item-1', 'item-2', 'item-1', 'item-10', 'item-2', 'item-2'];
    expect(values.map((v) => decode(interner, v))).toEqual(values);
    expect([interner.hits, interner.misses]).toEqual([1, 5]);
    expect(interner.holds('item-2')).toBe(true);
    expect(interner.holds('item-1')).toBe(false);
  });
});

describe('WireCodecs interning and number lists', () => {
  const fresh = () => WireCodecs.load(protoRoot(), files);

  it('decodes vocabulary fields through the interner: item ids, texts, feature and source names, map keys', () => {
    const local = fresh();
    const codec = local.codec('recsys.v1.GetFeaturesResponse');
    const value = {
      userFeatures: { user_cf_items: { rankedItemIds: ['item-1', 'item-2'], rankedScores: [1, 0.5] } },
      served: ['user_cf_items'],
      itemTable: { itemIds: ['item-1', 'item-2'], numbers: {}, texts: { item_category: { values: ['books', 'books'] } } },
    };
    const bytes = codec.serialize(value);
    expect(codec.deserialize(bytes)).toMatchObject(value);
    const misses = local.interner.misses;
    expect(codec.deserialize(bytes)).toMatchObject(value);
    // The second time every string came from the table.
    expect(local.interner.misses).toBe(misses);
    expect(local.interner.hits).toBeGreaterThanOrEqual(9);
    for (const s of ['item-1', 'item-2', 'books', 'user_cf_items']) expect(local.interner.holds(s)).toBe(true);
  });

  it('never keeps a subject id, a token or any field not named as vocabulary', () => {
    const local = fresh();
    const decode = (typeName: string, value: object) => {
      const codec = local.codec(typeName);
      return codec.deserialize(codec.serialize(value));
    };
    expect(decode('recsys.v1.CheckPersonalizationConsentRequest', { tenantId: 't', userIds: ['user-raw-1'] })).toMatchObject({
      userIds: ['user-raw-1'],
    });
    expect(decode('recsys.v1.CheckTrainingConsentRequest', { tenantId: 't', subjectPids: ['pid-abc'] })).toMatchObject({
      subjectPids: ['pid-abc'],
    });
    expect(decode('recsys.v1.RankRequest', { tenantId: 'tenant-a', surface: 'home', candidateSources: ['user_cf'] })).toMatchObject({
      tenantId: 'tenant-a',
    });
    for (const s of ['user-raw-1', 'pid-abc', 'tenant-a', 'home']) expect(local.interner.holds(s)).toBe(false);
    expect(local.interner.holds('user_cf')).toBe(true);
  });

  it('decodes answers through the interner and requests without it when installed with request codecs', () => {
    const answers = fresh();
    const requests = WireCodecs.load(protoRoot(), files, []);
    const definition = loadSync(allProtoPaths(), { ...PROTO_LOADER_OPTIONS, includeDirs: [protoRoot()] }) as Record<
      string,
      Record<
        string,
        Record<'requestSerialize' | 'responseSerialize', (v: unknown) => Buffer> &
          Record<'requestDeserialize' | 'responseDeserialize', (b: Buffer) => unknown>
      >
    >;
    expect(answers.install(definition, 'recsys.v1', requests)).toBeGreaterThan(0);
    const rank = definition['recsys.v1.RankerService'].Rank;
    const request = { tenantId: 't', mode: 'PERSONALIZED', candidateTable: { itemIds: ['item-asked'], numbers: {}, texts: {} } };
    expect(rank.requestDeserialize(rank.requestSerialize(request))).toMatchObject(request);
    const answer = { route: 'r', items: [{ itemId: 'item-answered', score: 1, source: '', internalReason: '' }] };
    expect(rank.responseDeserialize(rank.responseSerialize(answer))).toMatchObject(answer);
    expect(answers.interner.holds('item-answered')).toBe(true);
    expect(answers.interner.holds('item-asked')).toBe(false);
    expect(requests.interner.holds('item-asked')).toBe(false);
  });

  it('names only string and map fields that exist in the contracts', () => {
    expect(() => fresh()).not.toThrow();
    expect(INTERNED_FIELDS.length).toBeGreaterThan(10);
    expect(() => WireCodecs.load(protoRoot(), files, ['recsys.v1.ItemTable.no_such_field'])).toThrow(/no_such_field/);
    expect(() => WireCodecs.load(protoRoot(), files, ['recsys.v1.NumberColumn.values'])).toThrow(/not a string or map field/);
  });

  it('decodes packed doubles into unboxed number lists even after decoding string lists', () => {
    // V8's own view of an array's elements (natives syntax, enabled for this process before the function is parsed).
    setFlagsFromString('--allow-natives-syntax');
    const hasDoubleElements = new Function('a', 'return %HasDoubleElements(a)') as (a: unknown[]) => boolean;
    const local = fresh();
    const table = local.codec('recsys.v1.ItemTable');
    const value = {
      itemIds: ['a', 'b', 'c'],
      numbers: { x: { values: [0.5, 1.5, 2.25] } },
      texts: { y: { values: ['p', 'q', 'r'], dictionary: [], codes: [] } },
    };
    for (let i = 0; i < 5; i++) {
      const decoded = table.deserialize(table.serialize(value)) as typeof value;
      expect(decoded).toStrictEqual(value);
      expect(hasDoubleElements(decoded.numbers.x.values)).toBe(true);
      expect(hasDoubleElements(decoded.itemIds)).toBe(false);
    }
  });
});
