import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CqlError, ErrorCode } from '../../lib/index.ts';
import type { CqlType, NativeTypeName } from '../cql-type.ts';
import { NATIVE_TYPE_NAMES, nativeType } from '../cql-type.ts';
import { parseJsonExact } from './json-text.ts';
import { arbType, arbTypedValue, arbValue } from './test-arbitraries.ts';
import { codecFor } from './type-codec.ts';

const n = (name: NativeTypeName): CqlType => nativeType(name);
const list = (element: CqlType, frozen = false): CqlType => ({ kind: 'list', element, frozen });
const set = (element: CqlType, frozen = false): CqlType => ({ kind: 'set', element, frozen });
const map = (key: CqlType, value: CqlType, frozen = false): CqlType => ({ kind: 'map', key, value, frozen });
const tuple = (...elements: CqlType[]): CqlType => ({ kind: 'tuple', elements });
const udt = (fields: Record<string, CqlType>): CqlType => ({
  kind: 'udt', keyspace: 'ks', name: 'address', fieldNames: Object.keys(fields), fieldTypes: Object.values(fields), frozen: true,
});

const hex = (text: string): Buffer => Buffer.from(text.replaceAll(' ', ''), 'hex');
// CASSIA_FC_RUNS raises the run count for a deeper local search.
const RUNS = { numRuns: Number(process.env['CASSIA_FC_RUNS'] ?? 300) };

function invalid(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CqlError);
    expect((error as CqlError).code).toBe(ErrorCode.Invalid);
    return (error as CqlError).message;
  }
  throw new Error('expected an Invalid error');
}

describe('round trips (property)', () => {
  it('serialize -> validate -> deserialize -> serialize is stable for every type, nested ones included', () => {
    fc.assert(fc.property(arbTypedValue(3), ({ type, value }) => {
      const codec = codecFor(type);
      const bytes = codec.serialize(value);
      codec.validate(bytes);
      expect(codec.normalize(bytes)).toBe(bytes);
      const back = codec.deserialize(bytes);
      expect(back).not.toBeNull();
      expect(codec.serialize(back!).equals(bytes)).toBe(true);
    }), RUNS);
  });

  it('deserialize(serialize(v)) is v for every native type', () => {
    for (const name of NATIVE_TYPE_NAMES) {
      const codec = codecFor(n(name));
      fc.assert(fc.property(arbValue(n(name)), (value) => {
        const back = codec.deserialize(codec.serialize(value));
        if (typeof value === 'number') expect(Object.is(back, value)).toBe(true);
        else expect(back).toEqual(value);
      }), { numRuns: 200 });
    }
  });

  it('fromJson(toJson(bytes)) gives the same bytes (JSON numbers kept exact)', () => {
    fc.assert(fc.property(arbTypedValue(3, { displayable: true, fullComposites: true }), ({ type, value }) => {
      const codec = codecFor(type);
      const bytes = codec.serialize(value);
      const json = codec.toJson(bytes);
      if (json.includes('null') && containsNonFinite(type, codec.deserialize(bytes))) return; // NaN/Infinity become null
      const back = codec.fromJson(parseJsonExact(json));
      expect(back.equals(bytes)).toBe(true);
    }), RUNS);
  });

  it('fromString(format(bytes)) gives the same bytes for displayable values', () => {
    fc.assert(fc.property(arbTypedValue(3, { displayable: true, fullComposites: true }), ({ type, value }) => {
      const codec = codecFor(type);
      const bytes = codec.serialize(value);
      const text = codec.format(bytes);
      expect(codec.fromString(text).equals(bytes)).toBe(true);
    }), RUNS);
  });

  it('normalize sorts and deduplicates sets and maps at every level', () => {
    fc.assert(fc.property(arbType(2, { comparableOnly: true }), fc.array(fc.integer()), (keyType, _seed) => {
      const type = map(keyType, set(n('int'), true), true);
      return fc.assert(fc.property(fc.array(fc.tuple(arbValue(keyType), fc.array(fc.integer({ min: -5, max: 5 }))), { maxLength: 5 }), (entries) => {
        const codec = codecFor(type);
        const canonical = codec.serialize(entries);
        // Build the same value unsorted by hand: entries and set elements in given order.
        const raw = rawCollection(entries.map(([k, v]) => [codecFor(keyType).serialize(k), rawCollection(v.map((x) => [codecFor(n('int')).serialize(x)]))]));
        expect(codec.normalize(raw).equals(canonical)).toBe(true);
      }), { numRuns: 5 });
    }), { numRuns: 40 });
  });
});

function containsNonFinite(_type: CqlType, value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some((v) => containsNonFinite(_type, v));
  return false;
}

/** `[int n]` then the given parts as `[int length][bytes]` (pairs for maps), unsorted. */
function rawCollection(entries: Buffer[][]): Buffer {
  const parts: Buffer[] = [Buffer.alloc(4)];
  parts[0]!.writeInt32BE(entries.length, 0);
  for (const entry of entries) {
    for (const part of entry) {
      const length = Buffer.alloc(4);
      length.writeInt32BE(part.length, 0);
      parts.push(length, part);
    }
  }
  return Buffer.concat(parts);
}

describe('serialization (golden)', () => {
  it('encodes natives as the protocol specifies', () => {
    expect(codecFor(n('int')).serialize(1)).toEqual(hex('00000001'));
    expect(codecFor(n('bigint')).serialize(-1n)).toEqual(hex('ffffffffffffffff'));
    expect(codecFor(n('smallint')).serialize(-2)).toEqual(hex('fffe'));
    expect(codecFor(n('tinyint')).serialize(127)).toEqual(hex('7f'));
    expect(codecFor(n('boolean')).serialize(true)).toEqual(hex('01'));
    expect(codecFor(n('varint')).serialize(0n)).toEqual(hex('00'));
    expect(codecFor(n('varint')).serialize(128n)).toEqual(hex('0080'));
    expect(codecFor(n('varint')).serialize(-128n)).toEqual(hex('80'));
    expect(codecFor(n('varint')).serialize(-129n)).toEqual(hex('ff7f'));
    expect(codecFor(n('varint')).serialize(2n ** 64n)).toEqual(hex('010000000000000000'));
    expect(codecFor(n('decimal')).serialize({ unscaled: -1n, scale: 3 })).toEqual(hex('00000003 ff'));
    expect(codecFor(n('date')).serialize(0)).toEqual(hex('80000000'));
    expect(codecFor(n('date')).serialize(-1)).toEqual(hex('7fffffff'));
    expect(codecFor(n('timestamp')).serialize(1704164645678)).toEqual(hex('0000018cc820db2e'));
    expect(codecFor(n('time')).serialize(1n)).toEqual(hex('0000000000000001'));
    expect(codecFor(n('inet')).serialize('::1')).toEqual(hex('00000000000000000000000000000001'));
    expect(codecFor(n('uuid')).serialize('550E8400-E29B-41D4-A716-446655440000')).toEqual(hex('550e8400e29b41d4a716446655440000'));
  });

  it('encodes durations as zigzag vints', () => {
    const d = codecFor(n('duration'));
    expect(d.serialize({ months: 1, days: 2, nanoseconds: 3n })).toEqual(hex('02 04 06'));
    expect(d.serialize({ months: -1, days: 0, nanoseconds: 0n })).toEqual(hex('01 00 00'));
    // 7.2e12 after zigzag: 43 bits, so 7 bytes with six leading 1 bits in the first.
    expect(d.serialize({ months: 0, days: 0, nanoseconds: 3_600_000_000_000n })).toEqual(hex('00 00 fc 06 8c 61 71 40 00'));
    expect(d.deserialize(hex('00 00 fc 06 8c 61 71 40 00'))).toEqual({ months: 0, days: 0, nanoseconds: 3_600_000_000_000n });
    expect(d.serialize({ months: 0, days: 0, nanoseconds: -(2n ** 63n) })).toEqual(hex('00 00 ff ff ff ff ff ff ff ff ff'));
  });

  it('sorts set elements and map keys by the type comparator and drops duplicates', () => {
    expect(codecFor(set(n('int'))).serialize([3, -1, 3])).toEqual(hex('00000002 00000004 ffffffff 00000004 00000003'));
    expect(codecFor(map(n('text'), n('int'))).deserialize(codecFor(map(n('text'), n('int'))).serialize([['b', 1], ['a', 2], ['b', 3]])))
      .toEqual([['a', 2], ['b', 3]]);
  });

  it('allows nulls in tuples and UDTs but not in collections', () => {
    const t = codecFor(tuple(n('int'), n('text')));
    expect(t.serialize([null, 'a'])).toEqual(hex('ffffffff 00000001 61'));
    expect(t.deserialize(hex('ffffffff 00000001 61'))).toEqual([null, 'a']);
    expect(invalid(() => codecFor(list(n('int'))).serialize([1, null]))).toBe('null is not supported inside collections');
    expect(invalid(() => codecFor(list(n('int'))).validate(hex('00000001 ffffffff')))).toBe('null is not supported inside collections');
  });

  it('reads UDT values with fewer fields than the type', () => {
    const u = codecFor(udt({ street: n('text'), zip: n('int') }));
    const short = hex('00000001 61');
    u.validate(short);
    expect(u.deserialize(short)).toEqual(['a']);
    expect(u.format(short)).toBe("{street: 'a', zip: null}");
    expect(u.toJson(short)).toBe('{"street": "a", "zip": null}');
  });
});

describe('validate (Cassandra messages)', () => {
  const cases: Array<[NativeTypeName, string, string]> = [
    ['int', '000001', 'Expected 4 or 0 byte int (3)'],
    ['bigint', '00', 'Expected 8 or 0 byte long (1)'],
    ['smallint', '', 'Expected 2 bytes for a smallint (0)'],
    ['tinyint', '0000', 'Expected 1 byte for a tinyint (2)'],
    ['float', '00', 'Expected 4 or 0 byte value for a float (1)'],
    ['double', '00000000', 'Expected 8 or 0 byte value for a double (4)'],
    ['boolean', '0000', 'Expected 1 or 0 byte value (2)'],
    ['timestamp', '0000', 'Expected 8 or 0 byte long for date (2)'],
    ['date', '', 'Expected 4 byte long for date (0)'],
    ['time', '', 'Expected 8 byte long for time (0)'],
    ['uuid', '00', 'UUID should be 16 or 0 bytes (1)'],
    ['timeuuid', '550e8400e29b41d4a716446655440000', 'Invalid version for TimeUUID type.'],
    ['inet', '0102', 'Expected 4 or 16 byte inetaddress; got 0102'],
    ['decimal', '000000', 'Expected 0 or at least 4 bytes (3)'],
    ['text', 'c328', "String didn't validate."],
    ['ascii', '61ff', 'Invalid byte for ascii: -1'],
    ['duration', '02', 'Expected at least 3 bytes for a duration (1)'],
    ['duration', '020401', 'The duration months, days and nanoseconds must be all of the same sign (1, 2, -1)'],
  ];
  it.each(cases)('%s %s -> %s', (name, bytes, message) => {
    expect(invalid(() => codecFor(n(name)).validate(hex(bytes)))).toBe(message);
  });

  it('accepts empty values where Cassandra does', () => {
    const emptyOk: NativeTypeName[] = ['int', 'bigint', 'counter', 'float', 'double', 'boolean', 'timestamp', 'uuid', 'timeuuid', 'inet', 'decimal', 'varint', 'text', 'ascii', 'blob'];
    for (const name of emptyOk) {
      codecFor(n(name)).validate(Buffer.alloc(0));
      expect(codecFor(n(name)).toJson(Buffer.alloc(0))).toBe(name === 'blob' ? '"0x"' : '""');
    }
    expect(codecFor(n('int')).deserialize(Buffer.alloc(0))).toBeNull();
    expect(codecFor(n('text')).deserialize(Buffer.alloc(0))).toBe('');
    codecFor(tuple(n('int'))).validate(Buffer.alloc(0));
  });

  it('rejects malformed collections, tuples and UDTs', () => {
    expect(invalid(() => codecFor(list(n('int'))).validate(hex('000000')))).toBe('Not enough bytes to read a list');
    expect(invalid(() => codecFor(set(n('int'))).validate(hex('00000001 00000004 0000')))).toBe('Not enough bytes to read a set');
    expect(invalid(() => codecFor(map(n('int'), n('int'))).validate(hex('00000000 00')))).toBe('Unexpected extraneous bytes after map value');
    expect(invalid(() => codecFor(list(n('int'))).validate(hex('00000001 00000003 000000')))).toBe('Expected 4 or 0 byte int (3)');
    expect(invalid(() => codecFor(tuple(n('int'))).validate(hex('00000004 00000001 00000000')))).toBe('Invalid remaining data after end of tuple value');
    expect(invalid(() => codecFor(tuple(n('int'))).validate(hex('0000')))).toBe('Not enough bytes to read size of 0th component');
    expect(invalid(() => codecFor(udt({ a: n('int') })).validate(hex('00000004 00')))).toBe('Not enough bytes to read 0th component');
  });
});

describe('format (cqlsh display, golden)', () => {
  const show = (type: CqlType, value: Parameters<ReturnType<typeof codecFor>['serialize']>[0]): string => codecFor(type).format(codecFor(type).serialize(value));
  it('formats natives', () => {
    expect(show(n('text'), "it's")).toBe("it's");
    expect(show(n('timestamp'), 1704164645678)).toBe('2024-01-02 03:04:05.678000+0000');
    expect(show(n('timestamp'), -1)).toBe('1969-12-31 23:59:59.999000+0000');
    expect(show(n('timestamp'), -62135596800001)).toBe('-62135596800001');
    expect(show(n('blob'), Buffer.from([0xca, 0xfe]))).toBe('0xcafe');
    expect(show(n('blob'), Buffer.alloc(0))).toBe('0x');
    expect(show(n('boolean'), true)).toBe('True');
    expect(show(n('boolean'), false)).toBe('False');
    expect(show(n('float'), 0.1)).toBe('0.1');
    expect(show(n('float'), 123456789)).toBe('123456792');
    expect(show(n('float'), 1e20)).toBe('1e+20');
    expect(show(n('double'), 1)).toBe('1');
    expect(show(n('double'), 1.5e-7)).toBe('1.5e-07');
    expect(show(n('double'), 1e16)).toBe('1e+16');
    expect(show(n('double'), 0.0001)).toBe('0.0001');
    expect(show(n('double'), NaN)).toBe('NaN');
    expect(show(n('double'), -Infinity)).toBe('-Infinity');
    expect(show(n('double'), -0)).toBe('-0');
    expect(show(n('duration'), { months: 0, days: 0, nanoseconds: 3_720_000_000_000n })).toBe('1h2m');
    expect(show(n('duration'), { months: -14, days: -3, nanoseconds: -1n })).toBe('-1y2mo3d1ns');
    expect(show(n('date'), 19724)).toBe('2024-01-02');
    expect(show(n('date'), -800_000)).toBe('-800000');
    expect(show(n('time'), 36_000_000_000_000n)).toBe('10:00:00.000000000');
    expect(show(n('decimal'), { unscaled: -1n, scale: 3 })).toBe('-0.001');
    expect(show(n('decimal'), { unscaled: 1n, scale: 10 })).toBe('1E-10');
    expect(show(n('decimal'), { unscaled: 123n, scale: -2 })).toBe('1.23E+4');
    expect(show(n('varint'), 2n ** 70n)).toBe('1180591620717411303424');
    expect(show(n('inet'), '2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(show(n('uuid'), '550E8400-E29B-41D4-A716-446655440000')).toBe('550e8400-e29b-41d4-a716-446655440000');
    expect(codecFor(n('int')).format(Buffer.alloc(0))).toBe('');
  });

  it('formats collections, tuples and UDTs with nested quoting', () => {
    expect(show(map(n('text'), n('int')), [['a', 1]])).toBe("{'a': 1}");
    expect(show(set(n('int')), [2, 1])).toBe('{1, 2}');
    expect(show(list(n('int')), [1, 2])).toBe('[1, 2]');
    expect(show(list(n('text')), ["it's"])).toBe("['it''s']");
    expect(show(tuple(n('int'), n('text')), [1, 'a'])).toBe("(1, 'a')");
    expect(show(udt({ f: n('int'), g: n('text') }), [1, null])).toBe('{f: 1, g: null}');
    expect(show(list(n('timestamp')), [0])).toBe("['1970-01-01 00:00:00.000000+0000']");
    expect(show(list(n('inet')), ['10.0.0.1'])).toBe("['10.0.0.1']");
    expect(show(list(n('date')), [0])).toBe('[1970-01-01]');
    expect(show(map(n('int'), list(n('blob'), true)), [[1, [Buffer.from([1])]]])).toBe('{1: [0x01]}');
  });
});

describe('JSON (golden)', () => {
  const json = (type: CqlType, value: Parameters<ReturnType<typeof codecFor>['serialize']>[0]): string => codecFor(type).toJson(codecFor(type).serialize(value));
  it('writes values as Cassandra does', () => {
    expect(json(n('text'), 'a"b\n')).toBe('"a\\"b\\n"');
    expect(json(n('int'), -5)).toBe('-5');
    expect(json(n('bigint'), 2n ** 62n)).toBe('4611686018427387904');
    expect(json(n('varint'), 2n ** 70n)).toBe('1180591620717411303424');
    expect(json(n('decimal'), { unscaled: -1n, scale: 3 })).toBe('-0.001');
    expect(json(n('float'), 1)).toBe('1.0');
    expect(json(n('double'), 1e7)).toBe('1.0E7');
    expect(json(n('double'), 0.001)).toBe('0.001');
    expect(json(n('double'), NaN)).toBe('null');
    expect(json(n('boolean'), true)).toBe('true');
    expect(json(n('blob'), Buffer.from([0xca, 0xfe]))).toBe('"0xcafe"');
    expect(json(n('timestamp'), 1704164645678)).toBe('"2024-01-02 03:04:05.678Z"');
    expect(json(n('date'), 19724)).toBe('"2024-01-02"');
    expect(json(n('time'), 1n)).toBe('"00:00:00.000000001"');
    expect(json(n('duration'), { months: 1, days: 0, nanoseconds: 0n })).toBe('"1mo"');
    expect(json(n('inet'), '::1')).toBe('"0:0:0:0:0:0:0:1"');
    expect(json(n('uuid'), '550e8400-e29b-41d4-a716-446655440000')).toBe('"550e8400-e29b-41d4-a716-446655440000"');
    expect(json(map(n('int'), n('text')), [[1, 'a'], [2, 'b']])).toBe('{"1": "a", "2": "b"}');
    expect(json(map(n('uuid'), n('int')), [['550e8400-e29b-41d4-a716-446655440000', 1]])).toBe('{"550e8400-e29b-41d4-a716-446655440000": 1}');
    expect(json(map(list(n('text'), true), n('int')), [[['a'], 1]])).toBe('{"[\\"a\\"]": 1}');
    expect(json(set(n('int')), [1, 2])).toBe('[1, 2]');
    expect(json(tuple(n('int'), n('text')), [1, null])).toBe('[1, null]');
    expect(json(udt({ a: n('int'), Bc: n('int') }), [1, 2])).toBe('{"a": 1, "\\"Bc\\"": 2}');
  });

  it('reads numbers and strings where Cassandra does', () => {
    const int = codecFor(n('int'));
    expect(int.fromJson(5)).toEqual(hex('00000005'));
    expect(int.fromJson('5')).toEqual(hex('00000005'));
    expect(invalid(() => int.fromJson(2 ** 31))).toBe('Expected an int value, but got a Long: 2147483648');
    expect(invalid(() => int.fromJson(1.5))).toBe('Expected an int value, but got a Double: 1.5');
    expect(invalid(() => int.fromJson(true))).toBe('Expected an int value, but got a Boolean: true');
    expect(codecFor(n('varint')).fromJson(parseJsonExact('123456789012345678901234567890'))).toEqual(codecFor(n('varint')).serialize(123456789012345678901234567890n));
    expect(codecFor(n('decimal')).fromJson(parseJsonExact('1.50'))).toEqual(codecFor(n('decimal')).serialize({ unscaled: 150n, scale: 2 }));
    expect(codecFor(n('bigint')).fromJson(parseJsonExact('9223372036854775807'))).toEqual(hex('7fffffffffffffff'));
    expect(codecFor(n('timestamp')).fromJson(0)).toEqual(hex('0000000000000000'));
    expect(codecFor(n('timestamp')).fromJson('1970-01-01 00:00:00.001Z')).toEqual(hex('0000000000000001'));
    expect(codecFor(n('boolean')).fromJson('TRUE')).toEqual(hex('01'));
    expect(codecFor(n('float')).fromJson('NaN').readFloatBE(0)).toBeNaN();
    expect(invalid(() => codecFor(n('text')).fromJson(1))).toBe('Expected a UTF-8 string, but got a Integer: 1');
    expect(invalid(() => codecFor(n('blob')).fromJson('cafe'))).toBe("Value 'cafe' is not a valid blob representation: String representation of blob is missing 0x prefix: cafe");
    expect(codecFor(map(n('int'), n('text'))).fromJson({ 2: 'b', 1: 'a' })).toEqual(codecFor(map(n('int'), n('text'))).serialize([[1, 'a'], [2, 'b']]));
    expect(codecFor(list(n('int'))).fromJson('[1, 2]')).toEqual(codecFor(list(n('int'))).serialize([1, 2]));
    expect(invalid(() => codecFor(list(n('int'))).fromJson([1, null]))).toBe('Invalid null element in list');
    expect(invalid(() => codecFor(map(n('int'), n('int'))).fromJson({ 1: null }))).toBe('Invalid null value in map');
    expect(invalid(() => codecFor(tuple(n('int'), n('int'))).fromJson([1]))).toBe('Tuple is missing items (expected 2, got 1)');
    expect(invalid(() => codecFor(tuple(n('int'))).fromJson([1, 2]))).toBe('Tuple contains extra items (expected 1, got 2)');
    const address = udt({ street: n('text'), Zip: n('int') });
    expect(codecFor(address).fromJson({ STREET: 'x', '"Zip"': 1 })).toEqual(codecFor(address).serialize(['x', 1]));
    expect(invalid(() => codecFor(address).fromJson({ zip: 1 }))).toBe("Unknown field 'zip' in value of user defined type address");
    expect(invalid(() => codecFor(list(n('int'))).fromJson('[1,'))).toMatch(/^Could not decode JSON string/);
  });
});

describe('fromString (CQL literals, golden)', () => {
  const ms = (text: string): number => Number(codecFor(n('timestamp')).fromString(text).readBigInt64BE(0));
  it('reads timestamps in every form Cassandra accepts (UTC by default)', () => {
    const base = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
    expect(ms('2024-01-02')).toBe(Date.UTC(2024, 0, 2));
    expect(ms('2024-01-02Z')).toBe(Date.UTC(2024, 0, 2));
    expect(ms('2024-01-02+0100')).toBe(Date.UTC(2024, 0, 1, 23));
    expect(ms('2024-01-02 03:04')).toBe(Date.UTC(2024, 0, 2, 3, 4));
    expect(ms('2024-01-02T03:04')).toBe(Date.UTC(2024, 0, 2, 3, 4));
    expect(ms('2024-01-02 03:04:05')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(ms('2024-01-02 03:04:05Z')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(ms('2024-01-02 03:04:05.678')).toBe(base);
    expect(ms('2024-01-02T03:04:05.678Z')).toBe(base);
    expect(ms('2024-01-02T04:04:05.678+0100')).toBe(base);
    expect(ms('2024-01-02T04:04:05.678+01:00')).toBe(base);
    expect(ms('2024-01-02T04:04:05.678+01')).toBe(base);
    expect(ms('2024-01-02 02:04:05.678 -0100')).toBe(base);
    expect(ms('2024-01-02 03:04:05.678 UTC')).toBe(base);
    expect(ms('2024-01-02 04:04:05.678 Europe/Paris')).toBe(base);
    expect(ms('2024-07-02 05:04:05.678 Europe/Paris')).toBe(Date.UTC(2024, 6, 2, 3, 4, 5, 678));
    expect(ms('2024-01-02 03:04:05.678000+0000')).toBe(base);
    expect(ms('2024-01-02 03:04:05.6789')).toBe(base); // sub-millisecond digits are truncated
    expect(ms('2024-1-2 3:4:5')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(ms('1704164645678')).toBe(base);
    expect(ms('-1')).toBe(-1);
    expect(codecFor(n('timestamp')).fromString('now', { nowMs: 42 })).toEqual(hex('000000000000002a'));
    expect(invalid(() => codecFor(n('timestamp')).fromString('2024-13-01'))).toBe("Unable to parse a date/time from '2024-13-01'");
    expect(invalid(() => codecFor(n('timestamp')).fromString('2023-02-29 00:00'))).toBe("Unable to parse a date/time from '2023-02-29 00:00'");
    expect(invalid(() => codecFor(n('timestamp')).fromString('now'))).toBe("Unable to parse a date/time from 'now'");
    expect(invalid(() => codecFor(n('timestamp')).fromString('99999999999999999999'))).toBe("Unable to make long (for date) from: '99999999999999999999'");
  });

  it('reads dates, times and durations', () => {
    const date = codecFor(n('date'));
    expect(date.deserialize(date.fromString('2024-01-02'))).toBe(19724);
    expect(date.deserialize(date.fromString('1969-12-31'))).toBe(-1);
    expect(date.deserialize(date.fromString('2147483648'))).toBe(0);
    expect(date.deserialize(date.fromString('0'))).toBe(-(2 ** 31));
    expect(invalid(() => date.fromString('-1'))).toBe("Unable to make unsigned int (for date) from: '-1'");
    expect(invalid(() => date.fromString('2024-02-30'))).toBe("Unable to coerce '2024-02-30' to a formatted date (long)");
    const time = codecFor(n('time'));
    expect(time.deserialize(time.fromString('10:00:00.123456789'))).toBe(36_000_123_456_789n);
    expect(time.deserialize(time.fromString('10:00:00.1'))).toBe(36_000_100_000_000n);
    expect(time.deserialize(time.fromString('10:00:00'))).toBe(36_000_000_000_000n);
    expect(time.deserialize(time.fromString('42'))).toBe(42n);
    expect(invalid(() => time.fromString('24:00:00'))).toBe("(TimeType) Unable to coerce '24:00:00' to a formatted time (long)");
    const duration = codecFor(n('duration'));
    const d = (text: string): unknown => duration.deserialize(duration.fromString(text));
    expect(d('1h30m')).toEqual({ months: 0, days: 0, nanoseconds: 5_400_000_000_000n });
    expect(d('P1DT2H')).toEqual({ months: 0, days: 1, nanoseconds: 7_200_000_000_000n });
    expect(d('P2W')).toEqual({ months: 0, days: 14, nanoseconds: 0n });
    expect(d('P1Y2M')).toEqual({ months: 14, days: 0, nanoseconds: 0n });
    expect(d('P0001-02-03T04:05:06')).toEqual({ months: 14, days: 3, nanoseconds: 14_706_000_000_000n });
    expect(d('-2d10us')).toEqual({ months: 0, days: -2, nanoseconds: -10_000n });
    expect(d('1y2mo3w4d5h6m7s8ms9us10ns')).toEqual({ months: 14, days: 25, nanoseconds: 18_367_008_009_010n });
    expect(d('3µs')).toEqual({ months: 0, days: 0, nanoseconds: 3000n });
    expect(invalid(() => duration.fromString('1m1h'))).toBe('Invalid duration. The minutes should be after hours');
    expect(invalid(() => duration.fromString('1h1h'))).toBe('Invalid duration. The hours are specified multiple times');
    expect(invalid(() => duration.fromString('1x'))).toBe("Unable to convert '1x' to a duration");
    expect(invalid(() => duration.fromString('P1X'))).toBe("Unable to convert 'P1X' to a duration");
  });

  it('reads numbers, inets, uuids and blobs', () => {
    const dec = codecFor(n('decimal'));
    expect(dec.deserialize(dec.fromString('-0.001'))).toEqual({ unscaled: -1n, scale: 3 });
    expect(dec.deserialize(dec.fromString('1.5e10'))).toEqual({ unscaled: 15n, scale: -9 });
    expect(dec.deserialize(dec.fromString('.5'))).toEqual({ unscaled: 5n, scale: 1 });
    expect(invalid(() => dec.fromString('1.2.3'))).toBe("Unable to make BigDecimal from '1.2.3'");
    const varint = codecFor(n('varint'));
    expect(varint.deserialize(varint.fromString('-36893488147419103232'))).toBe(-(2n ** 65n));
    expect(varint.fromString('18446744073709551616')).toEqual(hex('010000000000000000'));
    expect(invalid(() => codecFor(n('int')).fromString('2147483648'))).toBe("Unable to make int from '2147483648'");
    expect(invalid(() => codecFor(n('smallint')).fromString('x'))).toBe("Unable to make short from 'x'");
    expect(codecFor(n('float')).fromString('1.5f')).toEqual(hex('3fc00000'));
    const inet = codecFor(n('inet'));
    expect(inet.fromString('::ffff:10.0.0.1')).toEqual(hex('0a000001'));
    expect(inet.fromString('fe80::1:2')).toEqual(hex('fe800000000000000000000000010002'));
    expect(inet.fromString('::')).toEqual(Buffer.alloc(16));
    expect(inet.deserialize(inet.fromString('2001:DB8:0:0:0:0:0:1'))).toBe('2001:db8::1');
    expect(invalid(() => inet.fromString('example.com'))).toBe("Unable to make inet address from 'example.com'");
    expect(invalid(() => inet.fromString('1::2::3'))).toBe("Unable to make inet address from '1::2::3'");
    expect(invalid(() => codecFor(n('timeuuid')).fromString('550e8400-e29b-41d4-a716-446655440000'))).toBe('TimeUUID supports only version 1 UUIDs');
    expect(invalid(() => codecFor(n('uuid')).fromString('550e8400'))).toBe("Unable to make UUID from '550e8400'");
    expect(codecFor(n('blob')).fromString('0xCAFE')).toEqual(hex('cafe'));
    expect(invalid(() => codecFor(n('blob')).fromString('cafe'))).toBe("cannot parse 'cafe' as hex bytes");
  });

  it('reads collection, tuple and UDT literals', () => {
    const m = codecFor(map(n('text'), list(n('int'), true)));
    expect(m.deserialize(m.fromString("{'b': [2], 'a': [1, 3]}"))).toEqual([['a', [1, 3]], ['b', [2]]]);
    const u = codecFor(udt({ street: n('text'), Zip: n('int') }));
    expect(u.deserialize(u.fromString("{street: 'x', \"Zip\": 5}"))).toEqual(['x', 5]);
    expect(u.deserialize(u.fromString('{Zip: 5}'))).toEqual([null, 5]);
    expect(codecFor(tuple(n('time'), n('int'))).deserialize(codecFor(tuple(n('time'), n('int'))).fromString('(10:00:00, null)'))).toEqual([36_000_000_000_000n, null]);
    expect(invalid(() => codecFor(list(n('int'))).fromString('[1, null]'))).toMatch(/null is not supported inside collections/);
    expect(invalid(() => codecFor(list(n('int'))).fromString('[1, 2'))).toMatch(/expected '\]'/);
    expect(invalid(() => codecFor(list(n('int'))).fromString('[1] x'))).toMatch(/unexpected text/);
  });
});
