import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecFor } from './codecs/type-codec.ts';
import type { DecimalValue, JsValue } from './codecs/js-value.ts';
import { arbValue } from './codecs/test-arbitraries.ts';
import { cellPathComparatorFor, clusteringComparator, comparatorFor } from './comparators.ts';
import type { CqlType, NativeTypeName } from './cql-type.ts';
import { nativeType } from './cql-type.ts';
import type { ColumnMetadata, TableMetadata } from './schema-model.ts';
import { maxTimeuuid, minTimeuuid, timeuuidTicks } from './timeuuid.ts';

const n = (name: NativeTypeName): CqlType => nativeType(name);
const sign = (x: number): number => (x < 0 ? -1 : x > 0 ? 1 : 0);
const RUNS = { numRuns: 500 };

/** Compares serialized values with the type comparator. */
function compareValues(type: CqlType, a: JsValue, b: JsValue): number {
  const codec = codecFor(type);
  return sign(comparatorFor(type)(codec.serialize(a), codec.serialize(b)));
}

/** Java's Float.compare / Double.compare on JS numbers. */
function javaCompare(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return sign((Number.isNaN(x) ? 1 : 0) - (Number.isNaN(y) ? 1 : 0));
  if (x !== y) return x < y ? -1 : 1;
  return sign((Object.is(x, -0) ? -1 : 0) - (Object.is(y, -0) ? -1 : 0));
}

/** Exact rational comparison of decimals by cross-multiplication. */
function decimalCompare(a: DecimalValue, b: DecimalValue): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.unscaled * 10n ** BigInt(scale - a.scale);
  const y = b.unscaled * 10n ** BigInt(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

const compareBig = (x: bigint, y: bigint): number => (x < y ? -1 : x > y ? 1 : 0);

describe('numeric comparators agree with JS-value ordering', () => {
  const integral: NativeTypeName[] = ['int', 'smallint', 'tinyint', 'timestamp', 'date'];
  it.each(integral)('%s', (name) => {
    fc.assert(fc.property(arbValue(n(name)), arbValue(n(name)), (a, b) => {
      expect(compareValues(n(name), a, b)).toBe(sign((a as number) - (b as number)));
    }), RUNS);
  });

  const big: NativeTypeName[] = ['bigint', 'counter', 'varint', 'time'];
  it.each(big)('%s', (name) => {
    fc.assert(fc.property(arbValue(n(name)), arbValue(n(name)), (a, b) => {
      expect(compareValues(n(name), a, b)).toBe(compareBig(a as bigint, b as bigint));
    }), RUNS);
  });

  it('varint accepts non-minimal encodings (redundant sign bytes)', () => {
    const compare = comparatorFor(n('varint'));
    expect(compare(Buffer.from([0x00, 0x00, 0x05]), Buffer.from([0x05]))).toBe(0);
    expect(compare(Buffer.from([0xff, 0xff, 0x80]), Buffer.from([0x80]))).toBe(0);
    expect(sign(compare(Buffer.from([0xff, 0x7f]), Buffer.from([0x80])))).toBe(-1); // -129 < -128
    expect(sign(compare(Buffer.from([0x01, 0x00]), Buffer.from([0x00, 0xff])))).toBe(1); // 256 > 255
  });

  it.each(['float', 'double'] as const)('%s (Java order: -0.0 < 0.0, NaN last)', (name) => {
    fc.assert(fc.property(arbValue(n(name)), arbValue(n(name)), (a, b) => {
      expect(compareValues(n(name), a, b)).toBe(javaCompare(a as number, b as number));
    }), RUNS);
  });

  it('decimal (numeric value, 1.0 equals 1.00)', () => {
    fc.assert(fc.property(arbValue(n('decimal')), arbValue(n('decimal')), (a, b) => {
      expect(compareValues(n('decimal'), a, b)).toBe(decimalCompare(a as DecimalValue, b as DecimalValue));
    }), RUNS);
    expect(compareValues(n('decimal'), { unscaled: 10n, scale: 1 }, { unscaled: 100n, scale: 2 })).toBe(0);
  });

  it('decimal with extreme scales compares without building huge numbers', () => {
    const started = performance.now();
    expect(compareValues(n('decimal'), { unscaled: 1n, scale: 2 ** 31 - 1 }, { unscaled: 1n, scale: -(2 ** 31) })).toBe(-1);
    expect(compareValues(n('decimal'), { unscaled: -1n, scale: 2 ** 31 - 1 }, { unscaled: -1n, scale: -(2 ** 31) })).toBe(1);
    expect(compareValues(n('decimal'), { unscaled: 0n, scale: 2 ** 31 - 1 }, { unscaled: 0n, scale: -5 })).toBe(0);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('empty values sort before every other value', () => {
    for (const name of ['int', 'bigint', 'varint', 'decimal', 'float', 'double', 'uuid', 'timeuuid', 'boolean', 'text', 'timestamp'] as const) {
      const codec = codecFor(n(name));
      fc.assert(fc.property(arbValue(n(name)), (v) => {
        const bytes = codec.serialize(v);
        if (bytes.length === 0) return;
        expect(sign(comparatorFor(n(name))(Buffer.alloc(0), bytes))).toBe(-1);
        expect(sign(comparatorFor(n(name))(bytes, Buffer.alloc(0)))).toBe(1);
      }), { numRuns: 50 });
    }
  });
});

describe('other comparators', () => {
  it('timeuuid orders by timestamp, then clock sequence and node as signed bytes', () => {
    fc.assert(fc.property(arbValue(n('timeuuid')), arbValue(n('timeuuid')), (a, b) => {
      const ba = codecFor(n('timeuuid')).serialize(a);
      const bb = codecFor(n('timeuuid')).serialize(b);
      const byTime = compareBig(timeuuidTicks(ba), timeuuidTicks(bb));
      const result = sign(comparatorFor(n('timeuuid'))(ba, bb));
      if (byTime !== 0) expect(result).toBe(byTime);
      else expect(result).toBe(sign(Buffer.compare(Buffer.from(ba.subarray(8).map((x) => x ^ 0x80)), Buffer.from(bb.subarray(8).map((x) => x ^ 0x80)))));
    }), RUNS);
  });

  it('minTimeuuid/maxTimeuuid bound every timeuuid of their millisecond', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 42 }), fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.nat({ max: 9999 }), (ms, tail, ticks) => {
      const min = minTimeuuid(ms);
      const max = maxTimeuuid(ms);
      const inside = Buffer.from(minTimeuuid(ms));
      // Same millisecond, any sub-millisecond tick and any clock sequence/node.
      const t = timeuuidTicks(min) + BigInt(ticks);
      inside.writeUInt32BE(Number(t & 0xffffffffn), 0);
      inside.writeUInt16BE(Number((t >> 32n) & 0xffffn), 4);
      inside.writeUInt16BE(Number((t >> 48n) & 0x0fffn) | 0x1000, 6);
      Buffer.from(tail).copy(inside, 8);
      const compare = comparatorFor(n('timeuuid'));
      expect(compare(min, inside)).toBeLessThanOrEqual(0);
      expect(compare(inside, max)).toBeLessThanOrEqual(0);
    }), RUNS);
  });

  it('uuid orders by version, then v1 by timestamp and unsigned bytes, others by unsigned bytes', () => {
    const compare = comparatorFor(n('uuid'));
    const v1 = (hex: string): Buffer => Buffer.from(hex, 'hex');
    // Same timestamp, node bytes 0x7f vs 0x80: UUIDType (unsigned) puts 0x7f first; TimeUUIDType (signed) puts 0x80 first.
    const low = v1('00000000000010008000000000007f00');
    const high = v1('00000000000010008000000000008000');
    expect(sign(compare(low, high))).toBe(-1);
    expect(sign(comparatorFor(n('timeuuid'))(low, high))).toBe(1);
    // Version 1 sorts before version 4 regardless of bytes.
    expect(sign(compare(v1('ffffffffffff1fff8000000000000000'), v1('00000000000040008000000000000000')))).toBe(-1);
    // Version 1: time_hi is more significant than time_low.
    expect(sign(compare(v1('ffffffff000010008000000000000000'), v1('00000000000010018000000000000000')))).toBe(-1);
  });

  it('boolean: false before true, any non-zero byte is true', () => {
    const compare = comparatorFor(n('boolean'));
    expect(sign(compare(Buffer.from([0]), Buffer.from([1])))).toBe(-1);
    expect(compare(Buffer.from([1]), Buffer.from([2]))).toBe(0);
  });

  it('lists compare element-wise, a prefix first', () => {
    const type: CqlType = { kind: 'list', element: n('int'), frozen: true };
    expect(compareValues(type, [1, 2], [1, 3])).toBe(-1);
    expect(compareValues(type, [1], [1, 0])).toBe(-1);
    expect(compareValues(type, [2], [1, 9])).toBe(1);
    expect(compareValues(type, [], [1])).toBe(-1);
  });

  it('maps compare key, value, key, value...', () => {
    const type: CqlType = { kind: 'map', key: n('int'), value: n('text'), frozen: true };
    expect(compareValues(type, [[1, 'b']], [[1, 'c']])).toBe(-1);
    expect(compareValues(type, [[1, 'z']], [[2, 'a']])).toBe(-1);
  });

  it('tuples: null before values, trailing nulls equal missing components', () => {
    const type: CqlType = { kind: 'tuple', elements: [n('int'), n('int')] };
    const compare = comparatorFor(type);
    const codec = codecFor(type);
    expect(compareValues(type, [null, 5], [1, 0])).toBe(-1);
    expect(compare(codec.serialize([1]), codec.serialize([1, null]))).toBe(0);
    expect(sign(compare(codec.serialize([1]), codec.serialize([1, 0])))).toBe(-1);
    expect(sign(compare(Buffer.alloc(0), codec.serialize([null, null])))).toBe(-1);
  });

  it('clustering comparator honours DESC columns and sorts prefixes first', () => {
    const column = (name: string, type: CqlType, position: number, clusteringOrder: 'asc' | 'desc'): ColumnMetadata =>
      ({ name, type, kind: 'clustering', position, clusteringOrder });
    const table = {
      clustering: [column('a', n('int'), 0, 'asc'), column('b', n('text'), 1, 'desc')],
    } as unknown as TableMetadata;
    const compare = clusteringComparator(table);
    const int = (v: number): Buffer => codecFor(n('int')).serialize(v);
    const text = (v: string): Buffer => codecFor(n('text')).serialize(v);
    expect(sign(compare([int(1), text('a')], [int(1), text('b')]))).toBe(1);
    expect(sign(compare([int(1), text('z')], [int(2), text('a')]))).toBe(-1);
    expect(sign(compare([int(1)], [int(1), text('a')]))).toBe(-1);
  });

  it('cell path comparators: map keys, set elements, list timeuuids, UDT field positions', () => {
    const mapType: CqlType = { kind: 'map', key: n('int'), value: n('text'), frozen: false };
    expect(sign(cellPathComparatorFor(mapType)(codecFor(n('int')).serialize(-1), codecFor(n('int')).serialize(1)))).toBe(-1);
    const listType: CqlType = { kind: 'list', element: n('text'), frozen: false };
    expect(sign(cellPathComparatorFor(listType)(minTimeuuid(1), minTimeuuid(2)))).toBe(-1);
  });
});
