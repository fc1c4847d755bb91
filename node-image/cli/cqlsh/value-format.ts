// Formats one CQL value (as decoded by the npm cassandra-driver) the way Apache cqlsh prints it
// (pylib/cqlshlib/formatting.py): text bare at top level and quoted inside collections, control
// characters escaped, timestamps in UTC with microseconds, blobs as 0x.., booleans True/False,
// floats with 5 significant digits after cqlsh's precision rule, decimals as Python prints them.
import cassandra from 'cassandra-driver';
import { formatInet } from '../../src/schema/index.ts';
import { displayWidth } from './display-width.ts';

/** A column or element type as the driver describes it (result metadata and schema metadata). */
export interface CqlColumnType {
  readonly code: number;
  readonly info?: unknown;
  readonly options?: { readonly frozen?: boolean };
}

export interface UdtInfo {
  readonly keyspace: string;
  readonly name: string;
  readonly fields: ReadonlyArray<{ readonly name: string; readonly type: CqlColumnType }>;
}

/** Native protocol v4 type codes (the driver's `types.dataTypes`). */
export const TYPE_CODE = {
  custom: 0x00, ascii: 0x01, bigint: 0x02, blob: 0x03, boolean: 0x04, counter: 0x05, decimal: 0x06,
  double: 0x07, float: 0x08, int: 0x09, text: 0x0a, timestamp: 0x0b, uuid: 0x0c, varchar: 0x0d,
  varint: 0x0e, timeuuid: 0x0f, inet: 0x10, date: 0x11, time: 0x12, smallint: 0x13, tinyint: 0x14,
  duration: 0x15, list: 0x20, map: 0x21, set: 0x22, udt: 0x30, tuple: 0x31,
} as const;

/** A formatted cell: its text and the number of terminal columns it occupies. */
export interface FormattedValue {
  readonly text: string;
  readonly width: number;
}

export interface ValueFormatOptions {
  /** Significant digits for float (cqlsh DEFAULT_FLOAT_PRECISION). */
  readonly floatPrecision: number;
  /** Significant digits for double (cqlsh DEFAULT_DOUBLE_PRECISION). */
  readonly doublePrecision: number;
  readonly nullText: string;
}

export const DEFAULT_VALUE_FORMAT: ValueFormatOptions = { floatPrecision: 5, doublePrecision: 5, nullText: 'null' };

const MILLIS_PER_DAY = 86_400_000;
/** Years cqlsh can print as dates (Python datetime's MINYEAR..MAXYEAR); outside it prints numbers. */
const YEAR_MIN = 1;
const YEAR_MAX = 9999;
const NANOS_PER_MICRO = 1000n;
const NANOS_PER_MILLI = 1000n * NANOS_PER_MICRO;
const NANOS_PER_SECOND = 1000n * NANOS_PER_MILLI;
const NANOS_PER_MINUTE = 60n * NANOS_PER_SECOND;
const NANOS_PER_HOUR = 60n * NANOS_PER_MINUTE;
const MONTHS_PER_YEAR = 12n;

export function formatCell(value: unknown, type: CqlColumnType | undefined, options: ValueFormatOptions = DEFAULT_VALUE_FORMAT): FormattedValue {
  const text = formatValue(value, type, options, false);
  return { text, width: displayWidth(text) };
}

/** The text cqlsh prints for `value`; `quote` is true inside collections, tuples and UDTs. */
export function formatValue(value: unknown, type: CqlColumnType | undefined, options: ValueFormatOptions, quote: boolean): string {
  if (value === null || value === undefined) return options.nullText;
  if (type === undefined) return formatDefault(value);
  switch (type.code) {
    case TYPE_CODE.ascii:
    case TYPE_CODE.text:
    case TYPE_CODE.varchar:
      return formatText(String(value), quote);
    case TYPE_CODE.bigint:
    case TYPE_CODE.counter:
    case TYPE_CODE.varint:
    case TYPE_CODE.int:
    case TYPE_CODE.smallint:
    case TYPE_CODE.tinyint:
      return String(value);
    case TYPE_CODE.float:
      return formatFloatingPoint(Number(value), options.floatPrecision);
    case TYPE_CODE.double:
      return formatFloatingPoint(Number(value), options.doublePrecision);
    case TYPE_CODE.decimal:
      return formatDecimalValue(value);
    case TYPE_CODE.boolean:
      return value === true ? 'True' : 'False';
    case TYPE_CODE.blob:
      return formatBlob(value);
    case TYPE_CODE.uuid:
    case TYPE_CODE.timeuuid:
      return String(value);
    case TYPE_CODE.inet:
      return maybeQuote(formatInetValue(value), quote);
    case TYPE_CODE.timestamp:
      return maybeQuote(formatTimestamp(value), quote);
    case TYPE_CODE.date:
      return formatDate(value);
    case TYPE_CODE.time:
      return formatTime(value);
    case TYPE_CODE.duration:
      return formatDurationValue(value);
    case TYPE_CODE.list:
      return `[${formatElements(iterate(value), type.info as CqlColumnType, options)}]`;
    case TYPE_CODE.set:
      return `{${formatElements(iterate(value), type.info as CqlColumnType, options)}}`;
    case TYPE_CODE.map:
      return formatMap(value, type.info as readonly [CqlColumnType, CqlColumnType], options);
    case TYPE_CODE.tuple:
      return formatTuple(value, type.info as readonly CqlColumnType[], options);
    case TYPE_CODE.udt:
      return formatUdt(value, type.info as UdtInfo, options);
    default:
      return formatDefault(value);
  }
}

function maybeQuote(text: string, quote: boolean): string {
  return quote ? `'${text}'` : text;
}

function iterate(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object' && Symbol.iterator in value) return [...(value as Iterable<unknown>)];
  return [value];
}

function formatElements(values: readonly unknown[], elementType: CqlColumnType | undefined, options: ValueFormatOptions): string {
  return values.map((v) => formatValue(v, elementType, options, true)).join(', ');
}

function formatMap(value: unknown, types: readonly [CqlColumnType, CqlColumnType] | undefined, options: ValueFormatOptions): string {
  const entries: Array<[unknown, unknown]> = value instanceof Map ? [...(value as Map<unknown, unknown>).entries()] : Object.entries(value as object);
  const [keyType, valueType] = types ?? [undefined, undefined];
  return `{${entries.map(([k, v]) => `${formatValue(k, keyType, options, true)}: ${formatValue(v, valueType, options, true)}`).join(', ')}}`;
}

function formatTuple(value: unknown, types: readonly CqlColumnType[] | undefined, options: ValueFormatOptions): string {
  const elements = value instanceof cassandra.types.Tuple ? value.elements : iterate(value);
  return `(${elements.map((v, i) => formatValue(v, types?.[i], options, true)).join(', ')})`;
}

function formatUdt(value: unknown, info: UdtInfo | undefined, options: ValueFormatOptions): string {
  const record = value as Record<string, unknown>;
  const fields = info?.fields ?? Object.keys(record).map((name) => ({ name, type: undefined }));
  return `{${fields.map((f) => `${formatText(f.name, false)}: ${formatValue(record[f.name], f.type, options, true)}`).join(', ')}}`;
}

/** Characters cqlsh shows as Python escapes (its regex [\x00-\x31\x7f-\xa0]; 0x20-0x31 print as themselves). */
function escapeControl(c: number): string | null {
  if (c < 0x20 || (c >= 0x7f && c <= 0xa0)) {
    if (c === 0x09) return '\\t';
    if (c === 0x0a) return '\\n';
    if (c === 0x0d) return '\\r';
    return `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return null;
}

export function formatText(text: string, quote: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x27 && quote) out += "''";
    else out += escapeControl(c) ?? text[i];
  }
  return quote ? `'${out}'` : out;
}

/** A value of a type cqlsh has no formatter for: str() with backslashes and control bytes escaped. */
function formatDefault(value: unknown): string {
  const text = Buffer.isBuffer(value) ? `0x${value.toString('hex')}` : String(value);
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c >= 0xa1 && c <= 0xff) out += `\\x${c.toString(16)}`;
    else out += escapeControl(c) ?? text[i];
  }
  return out;
}

function formatBlob(value: unknown): string {
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
  return formatDefault(value);
}

/** Python's `'%.*g' % (precision, value)`. */
export function formatG(value: number, precision: number): string {
  const p = Math.max(1, precision);
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const exponential = value.toExponential(p - 1);
  const e = Number(exponential.slice(exponential.indexOf('e') + 1));
  if (e < -4 || e >= p) {
    const mantissa = stripFractionZeros(exponential.slice(0, exponential.indexOf('e')));
    const sign = e < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return stripFractionZeros(value.toFixed(p - 1 - e));
}

function stripFractionZeros(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

/** cqlsh's format_floating_point_type: `precision` significant digits beyond the integer part. */
export function formatFloatingPoint(value: number, precision: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  let p = precision;
  if (Math.abs(value) > Number.EPSILON) {
    const exponent = Math.trunc(Math.log10(Math.abs(value)));
    if (exponent >= -4 && exponent < precision) p = precision + exponent + 1;
  }
  return formatG(value, p);
}

/** Python's str(Decimal) for unscaled * 10^-scale. */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const sign = unscaled < 0n ? '-' : '';
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString();
  const exp = -scale;
  const leftDigits = exp + digits.length;
  const dotPlace = exp <= 0 && leftDigits > -6 ? leftDigits : 1;
  let intPart: string;
  let fracPart: string;
  if (dotPlace <= 0) {
    intPart = '0';
    fracPart = `.${'0'.repeat(-dotPlace)}${digits}`;
  } else if (dotPlace >= digits.length) {
    intPart = digits + '0'.repeat(dotPlace - digits.length);
    fracPart = '';
  } else {
    intPart = digits.slice(0, dotPlace);
    fracPart = `.${digits.slice(dotPlace)}`;
  }
  const adjusted = leftDigits - dotPlace;
  const expPart = adjusted === 0 ? '' : `E${adjusted > 0 ? '+' : '-'}${Math.abs(adjusted)}`;
  return sign + intPart + fracPart + expPart;
}

function twosComplement(bytes: Buffer): bigint {
  if (bytes.length === 0) return 0n;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if ((bytes[0]! & 0x80) !== 0) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

function formatDecimalValue(value: unknown): string {
  if (value instanceof cassandra.types.BigDecimal) {
    const bytes = cassandra.types.BigDecimal.toBuffer(value);
    return formatDecimal(twosComplement(bytes.subarray(4)), bytes.readInt32BE(0));
  }
  return String(value);
}

function pad(n: number | bigint, width: number): string {
  return String(n).padStart(width, '0');
}

/** `2024-01-02 03:04:05.678000+0000`; outside years 1..9999, milliseconds since the epoch. */
export function formatTimestamp(value: unknown): string {
  const date = value instanceof Date ? value : new Date(Number(value));
  const ms = date.getTime();
  if (Number.isNaN(ms)) return String(value);
  const year = date.getUTCFullYear();
  if (year < YEAR_MIN || year > YEAR_MAX) return String(ms);
  return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)} `
    + `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.${pad(date.getUTCMilliseconds() * 1000, 6)}+0000`;
}

/** Days since the epoch -> `2024-01-02` as Python's Date prints it (the day count if out of range). */
export function formatDaysSinceEpoch(days: number): string {
  const date = new Date(days * MILLIS_PER_DAY);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < YEAR_MIN || year > YEAR_MAX) return String(days);
  return `${year}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
}

function formatDate(value: unknown): string {
  if (value instanceof cassandra.types.LocalDate) return formatDaysSinceEpoch(value.toBuffer().readUInt32BE(0) - 2 ** 31);
  return String(value);
}

/** Nanoseconds since midnight -> `03:04:05.678000000`. */
export function formatNanosOfDay(nanos: bigint): string {
  const hours = nanos / NANOS_PER_HOUR;
  const minutes = (nanos % NANOS_PER_HOUR) / NANOS_PER_MINUTE;
  const seconds = (nanos % NANOS_PER_MINUTE) / NANOS_PER_SECOND;
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(nanos % NANOS_PER_SECOND, 9)}`;
}

function formatTime(value: unknown): string {
  if (value instanceof cassandra.types.LocalTime) return formatNanosOfDay(BigInt(value.getTotalNanoseconds().toString()));
  return String(value);
}

/** cqlsh's duration_as_str: `1y2mo3d4h5m6s7ms8us9ns`, a leading `-` when negative. */
export function formatDuration(months: bigint, days: bigint, nanoseconds: bigint): string {
  const abs = (v: bigint): bigint => (v < 0n ? -v : v);
  let out = months < 0n || days < 0n || nanoseconds < 0n ? '-' : '';
  const append = (dividend: bigint, divisor: bigint, unit: string): bigint => {
    if (dividend === 0n || dividend < divisor) return dividend;
    out += `${dividend / divisor}${unit}`;
    return dividend % divisor;
  };
  const monthsLeft = append(abs(months), MONTHS_PER_YEAR, 'y');
  append(monthsLeft, 1n, 'mo');
  append(abs(days), 1n, 'd');
  if (nanoseconds !== 0n) {
    let rest = append(abs(nanoseconds), NANOS_PER_HOUR, 'h');
    rest = append(rest, NANOS_PER_MINUTE, 'm');
    rest = append(rest, NANOS_PER_SECOND, 's');
    rest = append(rest, NANOS_PER_MILLI, 'ms');
    rest = append(rest, NANOS_PER_MICRO, 'us');
    append(rest, 1n, 'ns');
  }
  return out;
}

function formatDurationValue(value: unknown): string {
  if (value instanceof cassandra.types.Duration) {
    // The typings omit the fields the driver sets (months, days, nanoseconds as a Long).
    const d = value as unknown as { months: number; days: number; nanoseconds: { toString(): string } };
    return formatDuration(BigInt(d.months), BigInt(d.days), BigInt(d.nanoseconds.toString()));
  }
  return String(value);
}

/** IPv4 dotted; IPv6 as inet_ntop prints it (RFC 5952: lowercase, longest zero run compressed). */
export function formatInetBytes(bytes: Buffer): string {
  return bytes.length === 4 || bytes.length === 16 ? formatInet(bytes) : bytes.toString('hex');
}

function formatInetValue(value: unknown): string {
  if (value instanceof cassandra.types.InetAddress) return formatInetBytes((value as unknown as { buffer: Buffer }).buffer);
  return String(value);
}
