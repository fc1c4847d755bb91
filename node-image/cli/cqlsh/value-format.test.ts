// Value formatting against what Apache cqlsh prints for each type (formatting.py behaviour).
import cassandra from 'cassandra-driver';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_VALUE_FORMAT, formatCell, formatDaysSinceEpoch, formatDecimal, formatDuration, formatFloatingPoint, formatG,
  formatInetBytes, formatNanosOfDay, formatText, formatTimestamp, formatValue, TYPE_CODE,
} from './value-format.ts';
import type { CqlColumnType } from './value-format.ts';

const { types } = cassandra;
const t = (code: number, info?: unknown): CqlColumnType => ({ code, info });
const fmt = (value: unknown, type: CqlColumnType): string => formatValue(value, type, DEFAULT_VALUE_FORMAT, false);

describe('scalars', () => {
  it('prints text bare, null as null, booleans as Python does', () => {
    expect(fmt('hello', t(TYPE_CODE.text))).toBe('hello');
    expect(fmt("it's", t(TYPE_CODE.varchar))).toBe("it's");
    expect(fmt(null, t(TYPE_CODE.int))).toBe('null');
    expect(fmt(undefined, t(TYPE_CODE.text))).toBe('null');
    expect(fmt(true, t(TYPE_CODE.boolean))).toBe('True');
    expect(fmt(false, t(TYPE_CODE.boolean))).toBe('False');
  });

  it('prints integers of every width', () => {
    expect(fmt(-42, t(TYPE_CODE.int))).toBe('-42');
    expect(fmt(types.Long.fromString('-9223372036854775808'), t(TYPE_CODE.bigint))).toBe('-9223372036854775808');
    expect(fmt(types.Long.fromNumber(7), t(TYPE_CODE.counter))).toBe('7');
    expect(fmt(types.Integer.fromString('123456789012345678901234567890'), t(TYPE_CODE.varint))).toBe('123456789012345678901234567890');
    expect(fmt(-128, t(TYPE_CODE.tinyint))).toBe('-128');
    expect(fmt(32767, t(TYPE_CODE.smallint))).toBe('32767');
  });

  it('prints blobs as 0x hex, uuids lower case', () => {
    expect(fmt(Buffer.from([0xca, 0xfe, 0x00]), t(TYPE_CODE.blob))).toBe('0xcafe00');
    expect(fmt(Buffer.alloc(0), t(TYPE_CODE.blob))).toBe('0x');
    expect(fmt(types.Uuid.fromString('123E4567-E89B-12D3-A456-426614174000'), t(TYPE_CODE.uuid))).toBe('123e4567-e89b-12d3-a456-426614174000');
  });

  it('prints timestamps in UTC with microseconds and +0000', () => {
    expect(fmt(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), t(TYPE_CODE.timestamp))).toBe('2024-01-02 03:04:05.678000+0000');
    expect(formatTimestamp(new Date(0))).toBe('1970-01-01 00:00:00.000000+0000');
    expect(formatTimestamp(new Date(-1))).toBe('1969-12-31 23:59:59.999000+0000');
    // Outside Python's datetime range cqlsh prints milliseconds since the epoch.
    expect(formatTimestamp(new Date(253402300800000))).toBe('253402300800000');
  });

  it('prints dates and times as cqlsh', () => {
    expect(fmt(types.LocalDate.fromString('2024-01-02'), t(TYPE_CODE.date))).toBe('2024-01-02');
    expect(formatDaysSinceEpoch(0)).toBe('1970-01-01');
    expect(formatDaysSinceEpoch(-719162)).toBe('1-01-01');
    expect(formatDaysSinceEpoch(2_932_897)).toBe('2932897');
    expect(fmt(types.LocalTime.fromString('03:04:05.678'), t(TYPE_CODE.time))).toBe('03:04:05.678000000');
    expect(formatNanosOfDay(86_399_999_999_999n)).toBe('23:59:59.999999999');
  });

  it('prints durations as cqlsh duration_as_str', () => {
    expect(formatDuration(14n, 3n, 4n * 3_600_000_000_000n + 5n * 60_000_000_000n + 6_007_008_009n)).toBe('1y2mo3d4h5m6s7ms8us9ns');
    expect(formatDuration(0n, 0n, 0n)).toBe('');
    expect(formatDuration(-1n, 0n, 0n)).toBe('-1mo');
    expect(fmt(new types.Duration(12, 1, types.Long.fromNumber(1000)), t(TYPE_CODE.duration))).toBe('1y1d1us');
  });

  it('prints inet addresses as inet_ntop does', () => {
    expect(formatInetBytes(Buffer.from([127, 0, 0, 1]))).toBe('127.0.0.1');
    expect(formatInetBytes(Buffer.from('00000000000000000000000000000001', 'hex'))).toBe('::1');
    expect(formatInetBytes(Buffer.from('20010db8000000000001000000000001', 'hex'))).toBe('2001:db8::1:0:0:1');
    expect(formatInetBytes(Buffer.from('20010db8000100000000000000000000', 'hex'))).toBe('2001:db8:1::');
    expect(formatInetBytes(Buffer.from('00000000000000000000ffff0a000001', 'hex'))).toBe('::ffff:10.0.0.1');
    expect(formatInetBytes(Buffer.from('20010db8000100020003000400050006', 'hex'))).toBe('2001:db8:1:2:3:4:5:6');
    expect(fmt(types.InetAddress.fromString('10.1.2.3'), t(TYPE_CODE.inet))).toBe('10.1.2.3');
  });
});

describe('floating point', () => {
  it('follows cqlsh precision rule (5 significant digits past the integer part)', () => {
    expect(formatFloatingPoint(3.14159265, 5)).toBe('3.14159');
    expect(formatFloatingPoint(1.1, 5)).toBe('1.1');
    expect(formatFloatingPoint(Math.fround(1.1), 5)).toBe('1.1');
    expect(formatFloatingPoint(123.456, 5)).toBe('123.456');
    expect(formatFloatingPoint(12345.678, 5)).toBe('12345.678');
    expect(formatFloatingPoint(123456.7, 5)).toBe('1.2346e+05');
    expect(formatFloatingPoint(1e10, 5)).toBe('1e+10');
    expect(formatFloatingPoint(0.001234, 5)).toBe('0.001234');
    // int(log10) truncates towards zero: exponent -4 leaves 2 digits here, as cqlsh prints.
    expect(formatFloatingPoint(0.00001234, 5)).toBe('1.2e-05');
    expect(formatFloatingPoint(0.000001234, 5)).toBe('1.234e-06');
    expect(formatFloatingPoint(0, 5)).toBe('0');
    expect(formatFloatingPoint(-2.5, 5)).toBe('-2.5');
    expect(formatFloatingPoint(Number.NaN, 5)).toBe('NaN');
    expect(formatFloatingPoint(Number.POSITIVE_INFINITY, 5)).toBe('Infinity');
    expect(formatFloatingPoint(Number.NEGATIVE_INFINITY, 5)).toBe('-Infinity');
  });

  it('formatG matches Python %g', () => {
    expect(formatG(100000, 6)).toBe('100000');
    expect(formatG(1000000, 6)).toBe('1e+06');
    expect(formatG(0.0001, 3)).toBe('0.0001');
    expect(formatG(0.00001, 3)).toBe('1e-05');
    expect(formatG(1.5e300, 5)).toBe('1.5e+300');
    expect(formatG(-0.5, 1)).toBe('-0.5');
  });

  it('never prints trailing zeros or a trailing point (property)', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
      const s = formatFloatingPoint(v, 5);
      const mantissa = s.split('e')[0]!;
      expect(mantissa.includes('.') ? /[0.]$/.test(mantissa) : false).toBe(false);
      expect(Number(s)).not.toBeNaN();
    }));
  });
});

describe('decimal', () => {
  it('prints as Python str(Decimal)', () => {
    expect(formatDecimal(1250n, 2)).toBe('12.50');
    expect(formatDecimal(-1250n, 2)).toBe('-12.50');
    expect(formatDecimal(5n, 0)).toBe('5');
    expect(formatDecimal(1n, -3)).toBe('1E+3');
    expect(formatDecimal(123n, 9)).toBe('1.23E-7');
    expect(formatDecimal(123n, 8)).toBe('0.00000123');
    expect(formatDecimal(0n, 2)).toBe('0.00');
    expect(fmt(types.BigDecimal.fromString('3.1400'), t(TYPE_CODE.decimal))).toBe('3.1400');
    expect(fmt(types.BigDecimal.fromString('-0.5'), t(TYPE_CODE.decimal))).toBe('-0.5');
  });
});

describe('text escaping', () => {
  it('escapes backslashes and control characters; quotes only inside collections', () => {
    expect(formatText('a\\b', false)).toBe('a\\\\b');
    expect(formatText('line1\nline2\ttab\r', false)).toBe('line1\\nline2\\ttab\\r');
    expect(formatText('\u0001\u007f\u00a0\u00e9', false)).toBe('\\x01\\x7f\\xa0\u00e9');
    expect(formatText("it's", true)).toBe("'it''s'");
    expect(formatText('', true)).toBe("''");
  });
});

describe('collections', () => {
  const text = t(TYPE_CODE.text);
  const int = t(TYPE_CODE.int);
  it('quotes text inside lists, sets and maps', () => {
    expect(fmt(['a', "b'c"], t(TYPE_CODE.list, text))).toBe("['a', 'b''c']");
    expect(fmt([1, 2, 3], t(TYPE_CODE.set, int))).toBe('{1, 2, 3}');
    expect(fmt(new Map([['a', 1], ['b', 2]]), t(TYPE_CODE.map, [text, int]))).toBe("{'a': 1, 'b': 2}");
    expect(fmt({ a: 1 }, t(TYPE_CODE.map, [text, int]))).toBe("{'a': 1}");
    expect(fmt([], t(TYPE_CODE.list, int))).toBe('[]');
  });

  it('quotes timestamps and inets inside collections but not uuids, dates or booleans', () => {
    expect(fmt([new Date(0)], t(TYPE_CODE.list, t(TYPE_CODE.timestamp)))).toBe("['1970-01-01 00:00:00.000000+0000']");
    expect(fmt([types.InetAddress.fromString('::1')], t(TYPE_CODE.set, t(TYPE_CODE.inet)))).toBe("{'::1'}");
    expect(fmt([types.Uuid.fromString('00000000-0000-0000-0000-000000000001')], t(TYPE_CODE.list, t(TYPE_CODE.uuid))))
      .toBe('[00000000-0000-0000-0000-000000000001]');
    expect(fmt([true, false], t(TYPE_CODE.list, t(TYPE_CODE.boolean)))).toBe('[True, False]');
    expect(fmt([Buffer.from([1])], t(TYPE_CODE.list, t(TYPE_CODE.blob)))).toBe('[0x01]');
  });

  it('prints tuples in parentheses and UDTs with bare field names', () => {
    const tuple = types.Tuple.fromArray([1, 'x', null]);
    expect(fmt(tuple, t(TYPE_CODE.tuple, [int, text, text]))).toBe("(1, 'x', null)");
    const udt = { keyspace: 'ks', name: 'address', fields: [{ name: 'street', type: text }, { name: 'zip', type: int }] };
    expect(fmt({ street: 'Main St', zip: null }, t(TYPE_CODE.udt, udt))).toBe("{street: 'Main St', zip: null}");
  });

  it('nests', () => {
    const inner = t(TYPE_CODE.list, int);
    expect(fmt(new Map([['k', [1, 2]]]), t(TYPE_CODE.map, [text, inner]))).toBe("{'k': [1, 2]}");
  });
});

describe('formatCell', () => {
  it('measures display width (wide characters count two)', () => {
    expect(formatCell('abc', t(TYPE_CODE.text))).toEqual({ text: 'abc', width: 3 });
    expect(formatCell('日本', t(TYPE_CODE.text))).toEqual({ text: '日本', width: 4 });
    expect(formatCell('e\u0301', t(TYPE_CODE.text))).toEqual({ text: 'e\u0301', width: 1 });
  });
});
