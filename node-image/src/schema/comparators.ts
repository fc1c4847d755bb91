// Orderings of serialized values, as Apache Cassandra's AbstractType.compare defines them: they
// order clustering columns, set elements and map keys. All comparators work on the serialized
// bytes; numeric types compare without building JS numbers where a byte trick is exact.
import { assertNever } from '../lib/index.ts';
import { compareDecimalValues } from './codecs/decimal-text.ts';
import { varintToBigint } from './codecs/varint.ts';
import type { CqlType } from './cql-type.ts';
import type { TableMetadata } from './schema-model.ts';

export type ValueComparator = (a: Buffer, b: Buffer) => number;

const compareUnsignedBytes: ValueComparator = (a, b) => Buffer.compare(a, b);

/** Below this many bytes a JS loop beats the native Buffer.compare call. */
const SHORT_COMPARE_BYTES = 32;

/** Unsigned comparison of a[aStart..] with b[bStart..], shorter-equal prefix first, without allocating. */
function compareTails(a: Buffer, aStart: number, b: Buffer, bStart: number): number {
  const lengthA = a.length - aStart;
  const lengthB = b.length - bStart;
  const n = Math.min(lengthA, lengthB);
  if (n > SHORT_COMPARE_BYTES) return a.compare(b, bStart, b.length, aStart, a.length);
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i]! - b[bStart + i]!;
    if (d !== 0) return d;
  }
  return lengthA - lengthB;
}

/** Big-endian two's complement of fixed width: flip the sign bit, then unsigned order (no allocation). */
function compareSignedFixed(a: Buffer, b: Buffer): number {
  if (a.length === 0 || b.length === 0) return a.length - b.length;
  const sa = a[0]! ^ 0x80;
  const sb = b[0]! ^ 0x80;
  if (sa !== sb) return sa - sb;
  return compareTails(a, 1, b, 1);
}

/** int: 4 bytes read as one signed integer (the common clustering type). */
function compareInt32(a: Buffer, b: Buffer): number {
  if (a.length !== 4 || b.length !== 4) return compareSignedFixed(a, b);
  return a.readInt32BE(0) - b.readInt32BE(0);
}

/** bigint, counter, timestamp, time: signed high word, then unsigned low word. */
function compareInt64(a: Buffer, b: Buffer): number {
  if (a.length !== 8 || b.length !== 8) return compareSignedFixed(a, b);
  const high = a.readInt32BE(0) - b.readInt32BE(0);
  return high !== 0 ? high : a.readUInt32BE(4) - b.readUInt32BE(4);
}

/** Index of the first byte that is not a redundant sign-extension byte of a two's-complement integer. */
function significantStart(bytes: Buffer): number {
  let start = 0;
  while (start < bytes.length - 1) {
    const b = bytes[start]!;
    const next = bytes[start + 1]!;
    if ((b === 0x00 && (next & 0x80) === 0) || (b === 0xff && (next & 0x80) !== 0)) start++;
    else break;
  }
  return start;
}

/** Two's-complement integers of any length (IntegerType): sign, then significant length, then bytes. */
function compareVarint(a: Buffer, b: Buffer): number {
  if (a.length === 0 || b.length === 0) return a.length - b.length;
  const negativeA = (a[0]! & 0x80) !== 0;
  const negativeB = (b[0]! & 0x80) !== 0;
  if (negativeA !== negativeB) return negativeA ? -1 : 1;
  const startA = significantStart(a);
  const startB = significantStart(b);
  const lengthA = a.length - startA;
  const lengthB = b.length - startB;
  // Same sign: more significant bytes means a larger magnitude (larger if positive, smaller if negative).
  if (lengthA !== lengthB) return (lengthA < lengthB ? -1 : 1) * (negativeA ? -1 : 1);
  return compareTails(a, startA, b, startB);
}

/** BigDecimal.compareTo: numeric order (1.0 equals 1.00); work is bounded by the digit counts, not the scales. */
function compareDecimal(a: Buffer, b: Buffer): number {
  if (a.length < 4 || b.length < 4) return a.length - b.length;
  const scaleA = a.readInt32BE(0);
  const scaleB = b.readInt32BE(0);
  // Equal scales (the usual case for one column) compare as integers, without BigInt.
  if (scaleA === scaleB) return compareVarint(a.subarray(4), b.subarray(4));
  return compareDecimalValues(
    { unscaled: varintToBigint(a.subarray(4)), scale: scaleA },
    { unscaled: varintToBigint(b.subarray(4)), scale: scaleB },
  );
}

/** Java Float.compare / Double.compare: -0.0 < 0.0 and NaN above everything. */
function compareFloating(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
  if (Number.isNaN(y)) return -1;
  if (x === 0 && y === 0) {
    const nx = Object.is(x, -0);
    const ny = Object.is(y, -0);
    return nx === ny ? 0 : nx ? -1 : 1;
  }
  return 0;
}

function compareFloat(a: Buffer, b: Buffer): number {
  if (a.length !== 4 || b.length !== 4) return a.length - b.length;
  return compareFloating(a.readFloatBE(0), b.readFloatBE(0));
}

function compareDouble(a: Buffer, b: Buffer): number {
  if (a.length !== 8 || b.length !== 8) return a.length - b.length;
  return compareFloating(a.readDoubleBE(0), b.readDoubleBE(0));
}

/** Version 1 UUID timestamps in order: time_hi (version masked off), then time_mid, then time_low. */
function compareUuidTimestamps(a: Buffer, b: Buffer): number {
  const high = (a.readUInt16BE(6) & 0x0fff) - (b.readUInt16BE(6) & 0x0fff);
  if (high !== 0) return high;
  const mid = a.readUInt16BE(4) - b.readUInt16BE(4);
  if (mid !== 0) return mid;
  return a.readUInt32BE(0) - b.readUInt32BE(0);
}

function compareSignedBytes(a: Buffer, b: Buffer, from: number): number {
  const n = Math.min(a.length, b.length);
  for (let i = from; i < n; i++) {
    const x = (a[i]! << 24) >> 24;
    const y = (b[i]! << 24) >> 24;
    if (x !== y) return x - y;
  }
  return a.length - b.length;
}

function compareTimeuuid(a: Buffer, b: Buffer): number {
  if (a.length !== 16 || b.length !== 16) return a.length - b.length;
  const byTime = compareUuidTimestamps(a, b);
  return byTime !== 0 ? byTime : compareSignedBytes(a, b, 8);
}

/**
 * UUIDType: version first; version 1 by timestamp; then the remaining bytes unsigned (unlike
 * TimeUUIDType, which compares the clock sequence and node as signed bytes: CASSANDRA-8730).
 */
function compareUuid(a: Buffer, b: Buffer): number {
  if (a.length !== 16 || b.length !== 16) return a.length - b.length;
  const va = a[6]! >> 4;
  const vb = b[6]! >> 4;
  if (va !== vb) return va - vb;
  if (va === 1) {
    const byTime = compareUuidTimestamps(a, b);
    return byTime !== 0 ? byTime : compareTails(a, 8, b, 8);
  }
  return compareUnsignedBytes(a, b);
}

/** BooleanType: empty first, then false (0) before true (any other byte). */
function compareBoolean(a: Buffer, b: Buffer): number {
  if (a.length === 0 || b.length === 0) return a.length - b.length;
  return (a[0] === 0 ? 0 : 1) - (b[0] === 0 ? 0 : 1);
}

/** Splits successive [int length][bytes] values (length < 0 is null, returned as null). */
function splitLengthPrefixed(bytes: Buffer, count: number | null): Array<Buffer | null> {
  const out: Array<Buffer | null> = [];
  let offset = 0;
  while (offset + 4 <= bytes.length && (count === null || out.length < count)) {
    const n = bytes.readInt32BE(offset);
    offset += 4;
    if (n < 0) {
      out.push(null);
    } else {
      out.push(bytes.subarray(offset, offset + n));
      offset += n;
    }
  }
  return out;
}

function compareSequences(xs: Array<Buffer | null>, ys: Array<Buffer | null>, comparators: (i: number) => ValueComparator): number {
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (x === null || y === null) {
      if (x !== y) return x === null ? -1 : 1;
      continue;
    }
    const c = comparators(i)(x, y);
    if (c !== 0) return c;
  }
  return xs.length - ys.length;
}

/**
 * TupleType/UserType: empty first; component by component with null before any value; a value
 * with fewer components equals one whose extra components are all null.
 */
function compareComponents(a: Buffer, b: Buffer, comparators: readonly ValueComparator[]): number {
  if (a.length === 0 || b.length === 0) return a.length - b.length;
  const xs = splitLengthPrefixed(a, comparators.length);
  const ys = splitLengthPrefixed(b, comparators.length);
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (x === null || y === null) {
      if (x !== y) return x === null ? -1 : 1;
      continue;
    }
    const c = comparators[i]!(x, y);
    if (c !== 0) return c;
  }
  for (let i = n; i < xs.length; i++) if (xs[i] !== null) return 1;
  for (let i = n; i < ys.length; i++) if (ys[i] !== null) return -1;
  return 0;
}

const comparatorCache = new WeakMap<CqlType, ValueComparator>();

/** The comparator of serialized values of `type` (ascending). */
export function comparatorFor(type: CqlType): ValueComparator {
  const cached = comparatorCache.get(type);
  if (cached !== undefined) return cached;
  const built = buildComparator(type);
  comparatorCache.set(type, built);
  return built;
}

function buildComparator(type: CqlType): ValueComparator {
  switch (type.kind) {
    case 'native': {
      const name = type.name;
      switch (name) {
        case 'ascii': case 'text': case 'blob': case 'inet': case 'duration': case 'date':
          return compareUnsignedBytes;
        case 'boolean':
          return compareBoolean;
        case 'int':
          return compareInt32;
        case 'bigint': case 'counter': case 'timestamp': case 'time':
          return compareInt64;
        case 'smallint': case 'tinyint':
          return compareSignedFixed;
        case 'varint':
          return compareVarint;
        case 'decimal':
          return compareDecimal;
        case 'float':
          return compareFloat;
        case 'double':
          return compareDouble;
        case 'uuid':
          return compareUuid;
        case 'timeuuid':
          return compareTimeuuid;
        default:
          return assertNever(name, 'native type');
      }
    }
    case 'list': {
      const element = comparatorFor(type.element);
      return (a, b) => {
        if (a.length < 4 || b.length < 4) return a.length - b.length;
        return compareSequences(splitLengthPrefixed(a.subarray(4), a.readInt32BE(0)), splitLengthPrefixed(b.subarray(4), b.readInt32BE(0)), () => element);
      };
    }
    case 'set': {
      const element = comparatorFor(type.element);
      return (a, b) => {
        if (a.length < 4 || b.length < 4) return a.length - b.length;
        return compareSequences(splitLengthPrefixed(a.subarray(4), a.readInt32BE(0)), splitLengthPrefixed(b.subarray(4), b.readInt32BE(0)), () => element);
      };
    }
    case 'map': {
      const key = comparatorFor(type.key);
      const value = comparatorFor(type.value);
      return (a, b) => {
        if (a.length < 4 || b.length < 4) return a.length - b.length;
        const xs = splitLengthPrefixed(a.subarray(4), a.readInt32BE(0) * 2);
        const ys = splitLengthPrefixed(b.subarray(4), b.readInt32BE(0) * 2);
        return compareSequences(xs, ys, (i) => (i % 2 === 0 ? key : value));
      };
    }
    case 'tuple': {
      const elements = type.elements.map(comparatorFor);
      return (a, b) => compareComponents(a, b, elements);
    }
    case 'udt': {
      const fields = type.fieldTypes.map(comparatorFor);
      return (a, b) => compareComponents(a, b, fields);
    }
    case 'custom':
      return compareUnsignedBytes;
    default:
      return assertNever(type, 'type');
  }
}

/** Orders the cell paths of a multi-cell column: map keys, set elements, list timeuuids, UDT field indexes. */
export function cellPathComparatorFor(type: CqlType): ValueComparator {
  switch (type.kind) {
    case 'map':
      return comparatorFor(type.key);
    case 'set':
      return comparatorFor(type.element);
    case 'list':
      return compareTimeuuid;
    case 'udt':
      return compareUnsignedBytes;
    default:
      return compareUnsignedBytes;
  }
}

export type ClusteringComparator = (a: readonly Buffer[], b: readonly Buffer[]) => number;

const clusteringCache = new WeakMap<TableMetadata, ClusteringComparator>();

/**
 * Orders full clusterings (or prefixes: a shorter prefix equal on its length sorts first) in the
 * table's clustering order, honouring DESC columns.
 */
export function clusteringComparator(table: TableMetadata): ClusteringComparator {
  const cached = clusteringCache.get(table);
  if (cached !== undefined) return cached;
  const comparators = table.clustering.map((c) => {
    const base = comparatorFor(c.type);
    return c.clusteringOrder === 'desc' ? (a: Buffer, b: Buffer) => base(b, a) : base;
  });
  const compare: ClusteringComparator = (a, b) => {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = comparators[i]!(a[i]!, b[i]!);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  };
  clusteringCache.set(table, compare);
  return compare;
}
