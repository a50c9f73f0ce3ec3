import { join } from 'node:path';
import { endianness } from 'node:os';
import { Enum, Field, MapField, Root, Type, util } from 'protobufjs';

/*
 * The protobuf wire codec of the recsys.v1 contracts, in place of proto-loader's (de)serializers on every
 * recsys.v1 method. proto-loader turns an object into a protobufjs message (`fromObject`), encodes it through a
 * writer that queues one operation object per value, and on the way in decodes into a message and copies it once
 * more into a plain object (`toObject`). A Recommend carries ~130 KiB of candidate lists and feature columns over
 * three hops, and those copies and per-value allocations were a large share of the services' CPU.
 *
 * This codec does one pass each way, straight between plain objects and bytes: a growing buffer with nested
 * lengths patched in place, packed numbers written and read in a loop, short ASCII strings copied byte by byte.
 * It produces the same objects as proto-loader with PROTO_LOADER_OPTIONS (camelCase names, enums as their names,
 * int64 as numbers, every field present with its default, `null` for an absent message) and accepts the same
 * inputs (numbers or names for enums, the same coercions of scalar values; a wrong shape is a TypeError). Bytes on
 * the wire are valid proto3 for every peer; only default scalars are left out rather than written. A property
 * test holds it to proto-loader's codec in both directions for every message of the contracts (wire-codec.spec.ts).
 */

/** What grpc-js needs of a message type: serialize to a Buffer, deserialize from one. */
export interface MessageCodec {
  readonly typeName: string;
  serialize(value: unknown): Buffer;
  deserialize(bytes: Buffer): unknown;
}

/** The parts of a proto-loader method definition that carry its codec. */
interface MethodSerializers {
  path: string;
  requestSerialize: (value: unknown) => Buffer;
  requestDeserialize: (bytes: Buffer) => unknown;
  responseSerialize: (value: unknown) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}

interface LongBitsLike {
  lo: number;
  hi: number;
  toNumber(unsigned?: boolean): number;
  zzEncode(): LongBitsLike;
  zzDecode(): LongBitsLike;
}
const LongBits = (
  util as unknown as {
    LongBits: { new (lo: number, hi: number): LongBitsLike; from(value: unknown): LongBitsLike };
  }
).LongBits;

/** Buffer's own UTF-8 decoder without toString's argument handling (what protobufjs uses too). */
const utf8Slice = (buf: Buffer, start: number, end: number): string =>
  (buf as unknown as { utf8Slice(start: number, end: number): string }).utf8Slice(start, end);

/** Packed doubles can be viewed in place only where the machine's byte order is the wire's (little-endian). */
const LITTLE_ENDIAN = endianness() === 'LE';

/** Longest list made at its final size (packed varints): a longer `new Array(n)` could be a slow dictionary in V8. */
const MAX_PRESIZED = 1024;

/** Bounds of the size an encoding starts its buffer at (it grows as needed). */
const MIN_BUFFER = 256;
const MAX_START_BUFFER = 1 << 20;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** A growing output buffer. Nested messages reserve one length byte and move their body when it needs more. */
class Writer {
  buf: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  uint32(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    let v = value >>> 0;
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  int32(value: number): void {
    if (value < 0) this.long(LongBits.from(value));
    else this.uint32(value);
  }

  long(bits: LongBitsLike): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    let lo = bits.lo >>> 0;
    let hi = bits.hi >>> 0;
    while (hi) {
      buf[pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 127) {
      buf[pos++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  double(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** Packed doubles: filled into a float64 block, which is then written as one (float64Array). */
  doubles(values: unknown[]): void {
    const count = values.length;
    const block = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const v = values[i];
      block[i] = typeof v === 'number' ? v : Number(v);
    }
    this.float64Array(block);
  }

  /**
   * A Float64Array's values as packed doubles, copied in as they are where the byte order is the wire's (little
   * endian): a caller that keeps a column of doubles in one (off the heap, never boxed) hands it over as it is.
   */
  float64Array(values: Float64Array): void {
    const count = values.length;
    this.ensure(8 * count);
    if (!LITTLE_ENDIAN) {
      for (let i = 0; i < count; i++) this.double(values[i]);
      return;
    }
    this.buf.set(new Uint8Array(values.buffer, values.byteOffset, 8 * count), this.pos);
    this.pos += 8 * count;
  }

  float(value: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(value, this.pos);
    this.pos += 4;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  fixed64(bits: LongBitsLike): void {
    this.ensure(8);
    this.buf.writeUInt32LE(bits.lo >>> 0, this.pos);
    this.buf.writeUInt32LE(bits.hi >>> 0, this.pos + 4);
    this.pos += 8;
  }

  string(value: string): void {
    const n = value.length;
    if (n < 128) {
      // Short ASCII (item ids, feature names): the length is one byte and each char one byte.
      this.ensure(n + 1);
      const buf = this.buf;
      let pos = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 128) break;
        buf[pos++] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = pos;
        return;
      }
    }
    const length = Buffer.byteLength(value, 'utf8');
    this.uint32(length);
    this.ensure(length);
    this.buf.write(value, this.pos, length, 'utf8');
    this.pos += length;
  }

  bytes(value: Uint8Array): void {
    this.uint32(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Reserves the length byte of a nested message; returns where it is. */
  fork(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Writes the length of the body written since `fork`, moving the body when the length needs more than a byte. */
  ldelim(at: number): void {
    const length = this.pos - at - 1;
    if (length < 128) {
      this.buf[at] = length;
      return;
    }
    let extra = 1;
    while (length >>> (7 * (extra + 1)) > 0 && extra < 4) extra++;
    this.ensure(extra);
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    this.pos += extra;
    let v = length;
    let pos = at;
    while (v > 127) {
      this.buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[pos] = v;
  }
}

/** Where unaligned packed doubles are copied to be read as float64 (decoding is synchronous: one is enough). */
let scratch = new Float64Array(1024);

/**
 * Decoded strings of vocabulary fields (item ids, feature and source names, item categories), shared instead of
 * made anew: a Recommend decodes ~3 000 of them per hop, each a young object that the requests in flight keep
 * alive through a scavenge or two, and copying them is most of the services' garbage-collection pauses. A direct-
 * mapped table of ASCII strings up to MAX_INTERNED bytes, keyed by a hash of the bytes: a hit is compared byte by
 * byte (so it returns exactly what decoding would), a miss decodes and takes the slot. Bounded by construction:
 * `slots` strings at most. Only the fields named in INTERNED_FIELDS go through it, so no subject id, token or
 * free text is ever held here.
 */
export class StringInterner {
  private readonly table: string[];
  private readonly mask: number;
  hits = 0;
  misses = 0;

  /** `slots` is rounded up to a power of two. */
  constructor(slots = 1 << 16) {
    let size = 1;
    while (size < slots) size *= 2;
    this.table = new Array<string>(size).fill('');
    this.mask = size - 1;
  }

  /** The string of bytes `start..end` of `buf` (UTF-8), from the table when it holds it. */
  decode(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    if (length === 0) return '';
    if (length > MAX_INTERNED) return utf8Slice(buf, start, end);
    // FNV-1a over the bytes; a byte past ASCII means a string this table does not keep.
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) {
      const b = buf[i];
      if (b >= 128) return utf8Slice(buf, start, end);
      hash = Math.imul(hash ^ b, 0x01000193);
    }
    const slot = (hash ^ (hash >>> 16)) & this.mask;
    const held = this.table[slot];
    if (held.length === length) {
      let i = 0;
      while (i < length && held.charCodeAt(i) === buf[start + i]) i++;
      if (i === length) {
        this.hits++;
        return held;
      }
    }
    this.misses++;
    const fresh = utf8Slice(buf, start, end);
    this.table[slot] = fresh;
    return fresh;
  }

  /** Whether the table holds this string now (for tests: what it may never hold). */
  holds(value: string): boolean {
    return this.table.includes(value);
  }
}

/** Longer strings are never interned (vocabulary is short; a long string is rarely repeated). */
const MAX_INTERNED = 64;

/**
 * The fields (and map fields, for their keys) whose values are vocabulary of the catalog or the registry, never a
 * subject's: item ids, item text features, feature, source and reason names. Each must exist in the contracts
 * (WireCodecs refuses to load otherwise). Which messages are decoded with interning is the installer's choice: the
 * services' useWireCodecs interns answers only, so the request fields listed here matter only to a codec used directly.
 */
export const INTERNED_FIELDS: readonly string[] = [
  'recsys.v1.FeatureValue.weights',
  'recsys.v1.FeatureValue.ranked_item_ids',
  'recsys.v1.ItemTable.item_ids',
  'recsys.v1.ItemTable.numbers',
  'recsys.v1.ItemTable.texts',
  'recsys.v1.TextColumn.values',
  'recsys.v1.TextColumn.dictionary',
  'recsys.v1.ItemFeatures.item_id',
  'recsys.v1.ItemFeatures.features',
  'recsys.v1.GetFeaturesRequest.item_ids',
  'recsys.v1.GetFeaturesResponse.user_features',
  'recsys.v1.GetFeaturesResponse.context_features',
  'recsys.v1.GetFeaturesResponse.served',
  'recsys.v1.RankRequest.user_features',
  'recsys.v1.RankRequest.context_features',
  'recsys.v1.RankRequest.candidate_source_scores',
  'recsys.v1.RankRequest.candidate_sources',
  'recsys.v1.RankedItem.item_id',
  'recsys.v1.RankedItem.source',
  'recsys.v1.RankedItem.internal_reason',
];

/*
 * Decoded lists are born at one array literal per kind of element. V8 remembers, per literal, the most general
 * kind of element its arrays came to hold and makes the next ones that way: doubles in a list born where string
 * lists are born too would each be a boxed heap object instead of eight bytes in place.
 */
const newNumberList = (): unknown[] => [];
const newList = (): unknown[] => [];
/** A list of `length` holes, to be filled (packed varints); at most MAX_PRESIZED long. */
const presizedList = (length: number): unknown[] => new Array<unknown>(length);

/** A bounds-checked reader over one Buffer. */
class Reader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    pos: number,
    readonly end: number,
  ) {
    this.pos = pos;
  }

  private outOfRange(): never {
    throw new RangeError(`index out of range: ${this.pos} of ${this.end}`);
  }

  /** A varint's low 32 bits, unsigned. */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos++];
    let v = b & 127;
    if (b >= 128) {
      b = buf[pos++];
      v |= (b & 127) << 7;
      if (b >= 128) {
        b = buf[pos++];
        v |= (b & 127) << 14;
        if (b >= 128) {
          b = buf[pos++];
          v |= (b & 127) << 21;
          if (b >= 128) {
            b = buf[pos++];
            v |= (b & 15) << 28;
            // A negative int32 is sign-extended to ten bytes: the rest carries no low bits.
            let more = 5;
            while (b >= 128 && more-- > 0) b = buf[pos++];
            if (b >= 128) throw new Error('invalid varint encoding');
          }
        }
      }
    }
    if (pos > this.end) this.outOfRange();
    this.pos = pos;
    return v >>> 0;
  }

  long(): LongBitsLike {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let pos = this.pos;
    let shift = 0;
    let b: number;
    for (;;) {
      b = buf[pos++];
      if (pos > this.end) this.outOfRange();
      if (shift < 28) lo |= (b & 127) << shift;
      else if (shift === 28) {
        lo |= (b & 15) << 28;
        hi |= (b & 127) >> 4;
      } else hi |= (b & 127) << (shift - 32);
      if (b < 128) break;
      shift += 7;
      if (shift > 63) throw new Error('invalid varint encoding');
    }
    this.pos = pos;
    return new LongBits(lo >>> 0, hi >>> 0);
  }

  double(): number {
    if (this.pos + 8 > this.end) this.outOfRange();
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  float(): number {
    if (this.pos + 4 > this.end) this.outOfRange();
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) this.outOfRange();
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  fixed64(): LongBitsLike {
    if (this.pos + 8 > this.end) this.outOfRange();
    const bits = new LongBits(this.buf.readUInt32LE(this.pos), this.buf.readUInt32LE(this.pos + 4));
    this.pos += 8;
    return bits;
  }

  /** The end of a length-delimited value starting here (its length read). */
  delimited(): number {
    const length = this.uint32();
    const end = this.pos + length;
    if (end > this.end) this.outOfRange();
    return end;
  }

  string(): string {
    const end = this.delimited();
    const start = this.pos;
    this.pos = end;
    return utf8Slice(this.buf, start, end);
  }

  /** A string of a field whose values are vocabulary (see INTERNED_FIELDS): the interner's copy where it has one. */
  internedString(interner: StringInterner): string {
    const end = this.delimited();
    const start = this.pos;
    this.pos = end;
    return interner.decode(this.buf, start, end);
  }

  /** Packed doubles, read as one block (through an aligned scratch block when the bytes are not aligned). */
  doubles(list: number[]): void {
    const end = this.delimited();
    const bytes = end - this.pos;
    if (bytes % 8 !== 0) throw new RangeError('packed doubles overrun their length');
    const count = bytes / 8;
    const first = list.length;
    list.length = first + count;
    if (!LITTLE_ENDIAN) {
      for (let i = 0; i < count; i++) list[first + i] = this.buf.readDoubleLE(this.pos + 8 * i);
      this.pos = end;
      return;
    }
    const offset = this.buf.byteOffset + this.pos;
    let view: Float64Array;
    if (offset % 8 === 0) view = new Float64Array(this.buf.buffer, offset, count);
    else {
      if (scratch.length < count) scratch = new Float64Array(Math.max(count, 2 * scratch.length));
      new Uint8Array(scratch.buffer, 0, bytes).set(this.buf.subarray(this.pos, end));
      view = scratch;
    }
    for (let i = 0; i < count; i++) list[first + i] = view[i];
    this.pos = end;
  }

  bytes(): Buffer {
    const end = this.delimited();
    const copy = Buffer.from(this.buf.subarray(this.pos, end));
    this.pos = end;
    return copy;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.long();
        return;
      case WIRE_FIXED64:
        this.pos += 8;
        break;
      case WIRE_DELIMITED:
        this.pos = this.delimited();
        return;
      case WIRE_FIXED32:
        this.pos += 4;
        break;
      default:
        throw new Error(`invalid wire type ${wireType} at offset ${this.pos}`);
    }
    if (this.pos > this.end) this.outOfRange();
  }
}

/** How one scalar type is written, read, coerced (as protobufjs's fromObject does) and defaulted. */
interface Scalar {
  wireType: number;
  write(w: Writer, value: unknown): void;
  read(r: Reader): unknown;
  isDefault(value: unknown): boolean;
  defaultValue(): unknown;
  /** False for a value fromObject would not take (an unknown enum name): a map entry holding one is left out. */
  accepts?(value: unknown): boolean;
  /** Decoded as a JavaScript number (its lists are born where only number lists are). */
  numeric?: boolean;
}

const numberDefault = (v: unknown) => v === 0 || v === '0';
const longScalar = (write: (w: Writer, bits: LongBitsLike) => void, read: (r: Reader) => number, wireType: number): Scalar => ({
  wireType,
  write: (w, v) => write(w, LongBits.from(v)),
  read,
  isDefault: (v) =>
    numberDefault(v) || (typeof v === 'object' && v !== null && !(v as { low?: number }).low && !(v as { high?: number }).high),
  defaultValue: () => 0,
  numeric: true,
});

/** A 32-bit integer type: `toInt` is fromObject's coercion (`| 0` signed, `>>> 0` unsigned). */
const intScalar = (
  wireType: number,
  write: (w: Writer, n: number) => void,
  read: (r: Reader) => number,
  toInt: (v: number) => number,
): Scalar => ({
  wireType,
  write: (w, v) => write(w, toInt(v as number)),
  read,
  isDefault: (v) => toInt(v as number) === 0,
  defaultValue: () => 0,
  numeric: true,
});

const SCALARS: Record<string, Scalar> = {
  double: {
    wireType: WIRE_FIXED64,
    write: (w, v) => w.double(Number(v)),
    read: (r) => r.double(),
    isDefault: (v) => Object.is(Number(v), 0),
    defaultValue: () => 0,
    numeric: true,
  },
  float: {
    wireType: WIRE_FIXED32,
    write: (w, v) => w.float(Number(v)),
    read: (r) => r.float(),
    isDefault: (v) => Object.is(Number(v), 0),
    defaultValue: () => 0,
    numeric: true,
  },
  int32: intScalar(
    WIRE_VARINT,
    (w, n) => w.int32(n),
    (r) => r.uint32() | 0,
    (v) => v | 0,
  ),
  uint32: intScalar(
    WIRE_VARINT,
    (w, n) => w.uint32(n),
    (r) => r.uint32(),
    (v) => v >>> 0,
  ),
  sint32: intScalar(
    WIRE_VARINT,
    (w, n) => w.uint32(((n << 1) ^ (n >> 31)) >>> 0),
    (r) => {
      const n = r.uint32();
      return (n >>> 1) ^ -(n & 1);
    },
    (v) => v | 0,
  ),
  fixed32: intScalar(
    WIRE_FIXED32,
    (w, n) => w.fixed32(n),
    (r) => r.fixed32(),
    (v) => v >>> 0,
  ),
  sfixed32: intScalar(
    WIRE_FIXED32,
    (w, n) => w.fixed32(n),
    (r) => r.fixed32() | 0,
    (v) => v | 0,
  ),
  int64: longScalar(
    (w, b) => w.long(b),
    (r) => r.long().toNumber(false),
    WIRE_VARINT,
  ),
  uint64: longScalar(
    (w, b) => w.long(b),
    (r) => r.long().toNumber(true),
    WIRE_VARINT,
  ),
  sint64: longScalar(
    (w, b) => w.long(b.zzEncode()),
    (r) => r.long().zzDecode().toNumber(false),
    WIRE_VARINT,
  ),
  fixed64: longScalar(
    (w, b) => w.fixed64(b),
    (r) => r.fixed64().toNumber(true),
    WIRE_FIXED64,
  ),
  sfixed64: longScalar(
    (w, b) => w.fixed64(b),
    (r) => r.fixed64().toNumber(false),
    WIRE_FIXED64,
  ),
  bool: {
    wireType: WIRE_VARINT,
    write: (w, v) => w.uint32(v ? 1 : 0),
    read: (r) => r.uint32() !== 0,
    isDefault: (v) => !v,
    defaultValue: () => false,
  },
  string: {
    wireType: WIRE_DELIMITED,
    write: (w, v) => w.string(typeof v === 'string' ? v : String(v)),
    read: (r) => r.string(),
    isDefault: (v) => v === '',
    defaultValue: () => '',
  },
  bytes: {
    wireType: WIRE_DELIMITED,
    write: (w, v) => w.bytes(typeof v === 'string' ? Buffer.from(v, 'base64') : (v as Uint8Array)),
    read: (r) => r.bytes(),
    isDefault: (v) => (typeof v === 'string' ? v === '' : (v as Uint8Array).length === 0),
    defaultValue: () => Buffer.alloc(0),
  },
};

/** An enum as a scalar: names or numbers in, names out (the number when the name is unknown). */
function enumScalar(type: Enum): Scalar {
  const byName = type.values;
  const byId = type.valuesById;
  const first = Object.keys(byName)[0];
  const toNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v | 0 : byName[v as string]);
  return {
    wireType: WIRE_VARINT,
    write: (w, v) => w.int32(toNumber(v) ?? 0),
    read: (r) => {
      const n = r.uint32() | 0;
      return byId[n] ?? n;
    },
    isDefault: (v) => !toNumber(v),
    defaultValue: () => first,
    accepts: (v) => toNumber(v) !== undefined,
  };
}

type FieldWriter = (w: Writer, value: unknown) => void;
type FieldReader = (r: Reader, target: Record<string, unknown>, wireType: number) => void;

interface CompiledField {
  name: string;
  write: FieldWriter;
  read: FieldReader;
  initial: () => unknown;
}

/** One message type compiled to closures; nested types resolve lazily (types may refer to each other). */
class CompiledMessage implements MessageCodec {
  readonly typeName: string;
  private fields: CompiledField[] = [];
  private byId: (CompiledField | undefined)[] = [];
  /** Every field with its default where that is a primitive or null (see defaults). */
  private readonly template: Record<string, unknown> = {};
  /** The fields whose default is an object of its own (lists, maps, bytes). */
  private readonly fresh: CompiledField[] = [];
  private lastSize = MIN_BUFFER;

  constructor(
    private readonly type: Type,
    private readonly compiler: WireCodecs,
  ) {
    this.typeName = type.fullName.replace(/^\./, '');
  }

  /** Fills in the field closures (after every type of the root has its CompiledMessage). */
  compile(): void {
    // proto-loader's `oneofs: true` adds a property naming the set member (and proto3 `optional` fields are oneofs
    // with presence): not modelled here, so such a type keeps proto-loader's codec (install skips its methods).
    if (this.type.oneofsArray.length > 0) throw new Error(`${this.typeName}: oneofs are not supported`);
    for (const field of this.type.fieldsArray) {
      field.resolve();
      const compiled = this.compileField(field);
      this.fields.push(compiled);
      this.byId[field.id] = compiled;
      const initial = compiled.initial();
      const primitive = initial === null || typeof initial !== 'object';
      this.template[compiled.name] = primitive ? initial : null;
      if (!primitive) this.fresh.push(compiled);
    }
  }

  /** A string field named in the codecs' interned fields reads through their interner. */
  private interned(field: Field, scalar: Scalar | undefined): Scalar | undefined {
    if (scalar !== SCALARS.string || !this.compiler.internedFields.has(field.fullName.replace(/^\./, ''))) return scalar;
    const interner = this.compiler.interner;
    return { ...scalar, read: (r) => r.internedString(interner) };
  }

  private scalarOf(field: Pick<Field, 'name' | 'resolvedType'>, typeName: string): Scalar | undefined {
    const resolved = field.resolvedType;
    if (resolved instanceof Enum) return enumScalar(resolved);
    if (resolved instanceof Type) return undefined;
    const scalar = SCALARS[typeName];
    if (!scalar) throw new Error(`${this.typeName}.${field.name}: unsupported type ${typeName}`);
    return scalar;
  }

  private compileField(field: Field): CompiledField {
    const name = field.name;
    const where = `${this.typeName}.${name}`;
    if (field instanceof MapField) return this.compileMap(field, where);
    const scalar = this.interned(field, this.scalarOf(field, field.type));
    const tag = (wireType: number) => ((field.id << 3) | wireType) >>> 0;
    if (field.repeated) {
      if (scalar) {
        const packable = scalar.wireType !== WIRE_DELIMITED;
        const packedTag = tag(WIRE_DELIMITED);
        const elementTag = tag(scalar.wireType);
        return {
          name,
          initial: scalar.numeric ? newNumberList : newList,
          write: packable
            ? (w, value) => {
                // A repeated double may come as a Float64Array: its bytes are the packed field's (float64Array).
                if (scalar === SCALARS.double && value instanceof Float64Array) {
                  if (value.length === 0) return;
                  w.uint32(packedTag);
                  w.uint32(8 * value.length);
                  w.float64Array(value);
                  return;
                }
                const values = arrayOf(value, where);
                if (!values || values.length === 0) return;
                w.uint32(packedTag);
                const at = w.fork();
                if (scalar === SCALARS.double) w.doubles(values);
                else for (let i = 0; i < values.length; i++) scalar.write(w, values[i]);
                w.ldelim(at);
              }
            : (w, value) => {
                const values = arrayOf(value, where);
                if (!values) return;
                for (let i = 0; i < values.length; i++) {
                  w.uint32(elementTag);
                  scalar.write(w, values[i]);
                }
              },
          read: (r, target, wireType) => {
            const list = target[name] as unknown[];
            if (scalar === SCALARS.double && wireType === WIRE_DELIMITED) r.doubles(list as number[]);
            else if (packable && wireType === WIRE_DELIMITED) {
              const end = r.delimited();
              let count = 0;
              if (list.length === 0 && scalar.wireType === WIRE_VARINT) for (let p = r.pos; p < end; p++) if (r.buf[p] < 128) count++;
              if (count > 0 && count <= MAX_PRESIZED) {
                // A new list sized once for the values (each varint ends at a byte below 128) instead of one grown
                // by push, which copies it as it grows: lists of rows and codes were much of a Recommend's garbage.
                // Made apart from the number lists' literal (presizedList): a presized list is holey, and the
                // literal's lists would follow it (see newNumberList).
                const values = presizedList(count);
                let n = 0;
                while (n < count && r.pos < end) values[n++] = scalar.read(r);
                values.length = n;
                target[name] = values;
              } else while (r.pos < end) list.push(scalar.read(r));
              if (r.pos !== end) throw new RangeError(`${where}: packed values overrun their length`);
            } else if (wireType === scalar.wireType) list.push(scalar.read(r));
            else r.skip(wireType);
          },
        };
      }
      const nested = this.compiler.compiled(field.resolvedType as Type);
      const elementTag = tag(WIRE_DELIMITED);
      return {
        name,
        initial: newList,
        write: (w, value) => {
          const values = arrayOf(value, where);
          if (!values) return;
          for (let i = 0; i < values.length; i++) {
            w.uint32(elementTag);
            const at = w.fork();
            nested.encodeInto(w, objectOf(values[i], where) ?? {});
            w.ldelim(at);
          }
        },
        read: (r, target, wireType) => {
          if (wireType !== WIRE_DELIMITED) return r.skip(wireType);
          (target[name] as unknown[]).push(nested.decodeFrom(r, r.delimited()));
        },
      };
    }
    if (scalar) {
      const scalarTag = tag(scalar.wireType);
      const initial = scalar.defaultValue;
      return {
        name,
        initial,
        write: (w, value) => {
          if (value === undefined || value === null || scalar.isDefault(value)) return;
          w.uint32(scalarTag);
          scalar.write(w, value);
        },
        read: (r, target, wireType) => {
          if (wireType === scalar.wireType) target[name] = scalar.read(r);
          else r.skip(wireType);
        },
      };
    }
    const nested = this.compiler.compiled(field.resolvedType as Type);
    const messageTag = tag(WIRE_DELIMITED);
    return {
      name,
      initial: () => null,
      write: (w, value) => {
        const object = objectOf(value, where);
        if (!object) return;
        w.uint32(messageTag);
        const at = w.fork();
        nested.encodeInto(w, object);
        w.ldelim(at);
      },
      read: (r, target, wireType) => {
        if (wireType !== WIRE_DELIMITED) return r.skip(wireType);
        target[name] = nested.decodeFrom(r, r.delimited());
      },
    };
  }

  private compileMap(field: MapField, where: string): CompiledField {
    const name = field.name;
    if (field.keyType !== 'string') throw new Error(`${where}: map keys of type ${field.keyType} are not supported`);
    const key = SCALARS.string;
    const interner = this.compiler.internedFields.has(field.fullName.replace(/^\./, '')) ? this.compiler.interner : undefined;
    const scalar = this.scalarOf(field, field.type);
    const nested = scalar ? undefined : this.compiler.compiled(field.resolvedType as Type);
    const entryTag = ((field.id << 3) | WIRE_DELIMITED) >>> 0;
    const valueTag = scalar ? (16 | scalar.wireType) >>> 0 : 18;
    return {
      name,
      initial: () => ({}),
      write: (w, value) => {
        const map = objectOf(value, where);
        if (!map) return;
        for (const k of Object.keys(map)) {
          const v = map[k];
          if (scalar?.accepts && !scalar.accepts(v)) continue;
          w.uint32(entryTag);
          const at = w.fork();
          w.uint32(10);
          key.write(w, k);
          w.uint32(valueTag);
          if (scalar) scalar.write(w, v);
          else {
            const inner = w.fork();
            nested!.encodeInto(w, objectOf(v, where) ?? {});
            w.ldelim(inner);
          }
          w.ldelim(at);
        }
      },
      read: (r, target, wireType) => {
        if (wireType !== WIRE_DELIMITED) return r.skip(wireType);
        const end = r.delimited();
        let k = '';
        let v: unknown;
        while (r.pos < end) {
          const entryTagRead = r.uint32();
          const id = entryTagRead >>> 3;
          const wt = entryTagRead & 7;
          if (id === 1 && wt === WIRE_DELIMITED) k = interner ? r.internedString(interner) : r.string();
          else if (id === 2 && scalar && wt === scalar.wireType) v = scalar.read(r);
          else if (id === 2 && nested && wt === WIRE_DELIMITED) v = nested.decodeFrom(r, r.delimited());
          else r.skip(wt);
        }
        if (r.pos !== end) throw new RangeError(`${where}: map entry overruns its length`);
        (target[name] as Record<string, unknown>)[k] = v ?? (scalar ? scalar.defaultValue() : nested!.defaults());
      },
    };
  }

  /**
   * A new object with every field at its default. Copied from a template that already has every field, so the
   * object is born with its final shape (one allocation, no property added one at a time); only the fields whose
   * default is itself an object (lists, maps, bytes) get a new one each.
   */
  defaults(): Record<string, unknown> {
    const object: Record<string, unknown> = { ...this.template };
    const fresh = this.fresh;
    for (let i = 0; i < fresh.length; i++) object[fresh[i].name] = fresh[i].initial();
    return object;
  }

  encodeInto(w: Writer, object: Record<string, unknown>): void {
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) fields[i].write(w, object[fields[i].name]);
  }

  decodeFrom(r: Reader, end: number): Record<string, unknown> {
    const object = this.defaults();
    const byId = this.byId;
    while (r.pos < end) {
      const tag = r.uint32();
      const field = byId[tag >>> 3];
      if (field === undefined) r.skip(tag & 7);
      else field.read(r, object, tag & 7);
    }
    if (r.pos !== end) throw new RangeError(`${this.typeName}: a field overruns the message`);
    return object;
  }

  serialize(value: unknown): Buffer {
    const object = objectOf(value, this.typeName) ?? {};
    const w = new Writer(this.lastSize);
    this.encodeInto(w, object);
    // The next one starts at the size this one needed (a Recommend's messages of a type are alike in size), so a
    // large message grows its buffer once rather than log2(size) times; bounded, so one huge message does not
    // make every later one allocate as much.
    this.lastSize = Math.min(Math.max(w.pos, MIN_BUFFER), MAX_START_BUFFER);
    return w.buf.subarray(0, w.pos);
  }

  deserialize(bytes: Buffer): unknown {
    return this.decodeFrom(new Reader(bytes, 0, bytes.length), bytes.length);
  }
}

function arrayOf(value: unknown, where: string): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new TypeError(`${where}: array expected`);
  return value;
}

function objectOf(value: unknown, where: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object') throw new TypeError(`${where}: object expected`);
  return value as Record<string, unknown>;
}

/** The codecs of every message type of a set of .proto files. */
export class WireCodecs {
  private readonly byType = new Map<Type, CompiledMessage>();
  /** Fully qualified fields whose strings (map keys, for a map) are decoded through `interner`. */
  readonly internedFields: ReadonlySet<string>;

  /**
   * `interned` names fields of `root` (`package.Message.field`) whose values are vocabulary, decoded through
   * `interner`; each must be a string field or a map (its keys are interned), or the constructor throws.
   */
  constructor(
    readonly root: Root,
    interned: readonly string[] = [],
    readonly interner = new StringInterner(),
  ) {
    const fields = new Set<string>();
    for (const name of interned) {
      // Field names as the .proto spells them; the root holds them camelCased (keepCase: false, as proto-loader).
      const dot = name.lastIndexOf('.');
      const fullName = `${name.slice(0, dot)}.${util.camelCase(name.slice(dot + 1))}`;
      const field = root.lookup(fullName);
      if (!(field instanceof Field) || !(field instanceof MapField || field.type === 'string')) {
        throw new Error(`interned field ${name} is not a string or map field of the contracts`);
      }
      fields.add(fullName);
    }
    this.internedFields = fields;
  }

  /**
   * Loads `files` (relative to `protoDir`, imports resolved there too) the way proto-loader does; the fields of
   * `interned` (by default the recsys.v1 vocabulary fields) decode through an interner.
   */
  static load(protoDir: string, files: string[], interned: readonly string[] = INTERNED_FIELDS): WireCodecs {
    const root = new Root();
    root.resolvePath = (_origin, target) => (target.startsWith('/') ? target : join(protoDir, target));
    root.loadSync(files, { keepCase: false });
    root.resolveAll();
    return new WireCodecs(root, interned);
  }

  compiled(type: Type): CompiledMessage {
    let codec = this.byType.get(type);
    if (!codec) {
      codec = new CompiledMessage(type, this);
      // In the map before its fields compile (a type may contain itself), out again if they cannot be.
      this.byType.set(type, codec);
      try {
        codec.compile();
      } catch (error) {
        this.byType.delete(type);
        throw error;
      }
    }
    return codec;
  }

  /** The codec of a fully qualified message type, e.g. `recsys.v1.RankRequest`. */
  codec(typeName: string): MessageCodec {
    return this.compiled(this.root.lookupType(typeName));
  }

  /**
   * Puts these codecs in place of proto-loader's on every method of the services under `packagePrefix` in a
   * proto-loader package definition, before grpc-js builds a client or a server from it. Returns how many methods
   * now use them; a method whose types this codec cannot handle keeps proto-loader's. Requests go through
   * `requestCodecs` (by default these), answers through these: see useWireCodecs for why they may differ.
   */
  install(definition: Record<string, unknown>, packagePrefix: string, requestCodecs: WireCodecs = this): number {
    let installed = 0;
    for (const [serviceName, service] of Object.entries(definition)) {
      if (!serviceName.startsWith(packagePrefix + '.')) continue;
      const reflected = this.root.lookup(serviceName);
      if (!reflected || !('methods' in reflected)) continue;
      const methods = (reflected as unknown as { methods: Record<string, { resolvedRequestType: Type; resolvedResponseType: Type }> })
        .methods;
      for (const [methodName, definitionOfMethod] of Object.entries(service as Record<string, MethodSerializers>)) {
        const method = methods[methodName];
        if (!method) continue;
        let request: MessageCodec;
        let response: MessageCodec;
        try {
          request =
            requestCodecs === this
              ? this.compiled(method.resolvedRequestType)
              : requestCodecs.codec(method.resolvedRequestType.fullName.slice(1));
          response = this.compiled(method.resolvedResponseType);
        } catch {
          continue;
        }
        definitionOfMethod.requestSerialize = (value) => request.serialize(value);
        definitionOfMethod.requestDeserialize = (bytes) => request.deserialize(bytes);
        definitionOfMethod.responseSerialize = (value) => response.serialize(value);
        definitionOfMethod.responseDeserialize = (bytes) => response.deserialize(bytes);
        installed++;
      }
    }
    return installed;
  }
}
