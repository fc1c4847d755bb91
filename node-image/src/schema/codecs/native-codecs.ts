// Per-type operations of the native (scalar) CQL types on serialized bytes: validation with
// Cassandra's messages, decoding to and encoding from JsValues, cqlsh display, JSON and string
// literals. Empty (zero-length) values are handled here too: each type says whether it allows them.
import { isAscii, isUtf8 } from 'node:buffer';
import { assert, assertNever, invalidRequest } from '../../lib/index.ts';
import type { NativeTypeName } from '../cql-type.ts';
import { parseUuid, uuidToString, uuidVersion, UUID_BYTES } from '../timeuuid.ts';
import { formatDecimal, parseDecimal } from './decimal-text.ts';
import { deserializeDuration, formatDuration, parseDuration, serializeDuration } from './duration.ts';
import { formatFloatForDisplay, formatFloatJava, parseFloatText } from './float-text.ts';
import { formatInet, formatInetJava, IPV4_BYTES, IPV6_BYTES, parseInet } from './inet.ts';
import { isDecimalValue, isDurationValue } from './js-value.ts';
import type { JsValue } from './js-value.ts';
import { isJsonNumeric, javaClassName, javaDisplay, jsonInteger, quoteJson } from './json-text.ts';
import {
  dateDaysToUnsigned, dateUnsignedToDays, formatDate, formatDateForDisplay, formatTime, formatTimestampForDisplay,
  formatTimestampJson, parseDate, parseTime, parseTimestamp, TIME_NANOS_PER_DAY,
} from './temporal.ts';
import { bigintToVarint, varintToBigint } from './varint.ts';

export interface FromStringOptions {
  /** Wall-clock ms used for the `now` timestamp literal; without it `now` is refused. */
  readonly nowMs?: number;
}

/** Operations of one native type. Methods other than validate receive valid, non-empty bytes. */
export interface NativeOps {
  readonly name: NativeTypeName;
  /** Error message for invalid bytes (including a refused empty value), undefined when valid. */
  validate(bytes: Buffer): string | undefined;
  decode(bytes: Buffer): JsValue;
  encode(value: JsValue): Buffer;
  /** cqlsh display text. */
  display(bytes: Buffer): string;
  /** Whether cqlsh quotes the display text inside collections, tuples and UDTs. */
  readonly quotedWhenNested: boolean;
  json(bytes: Buffer): string;
  fromJson(value: unknown): Buffer;
  fromString(text: string, options: FromStringOptions | undefined): Buffer;
  /** The JS value of the empty byte string: '' or an empty Buffer for text and blob types, else null. */
  readonly emptyValue: JsValue | null;
}

const EMPTY = Buffer.alloc(0);
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT16_MIN = -(2 ** 15);
const INT16_MAX = 2 ** 15 - 1;
const INT8_MIN = -(2 ** 7);
const INT8_MAX = 2 ** 7 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_LITERAL = /^[+-]?\d+$/;
const HEX_LITERAL = /^0[xX]((?:[0-9a-fA-F]{2})*)$/;

const hex = (bytes: Buffer): string => bytes.toString('hex');
const outOfRange = (value: unknown, type: string): never => {
  throw invalidRequest(`Value ${String(value)} is out of range for type ${type}`);
};
const badJsValue = (value: unknown, type: string): never => {
  assert(false, `codec ${type}: unexpected JS value ${typeof value === 'bigint' ? `${value}n` : JSON.stringify(value)}`);
};
const expected = (what: string, value: unknown): never => {
  throw invalidRequest(`Expected ${what}, but got a ${javaClassName(value)}: ${javaDisplay(value)}`);
};

function parseBoundedInteger(text: string, min: bigint, max: bigint): bigint | undefined {
  if (!INTEGER_LITERAL.test(text)) return undefined;
  const value = BigInt(text);
  return value < min || value > max ? undefined : value;
}

/** Shared shape of the fixed-width two's-complement integers (int, smallint, tinyint). */
function smallIntegerOps(options: {
  name: 'int' | 'smallint' | 'tinyint'; width: number; min: number; max: number; emptyAllowed: boolean;
  lengthMessage: (length: number) => string; javaName: string; jsonStrictInteger: boolean;
}): NativeOps {
  const { name, width, min, max } = options;
  const read = (bytes: Buffer): number => (width === 4 ? bytes.readInt32BE(0) : width === 2 ? bytes.readInt16BE(0) : bytes.readInt8(0));
  const write = (value: number): Buffer => {
    const out = Buffer.allocUnsafe(width);
    if (width === 4) out.writeInt32BE(value, 0);
    else if (width === 2) out.writeInt16BE(value, 0);
    else out.writeInt8(value, 0);
    return out;
  };
  const fromString = (text: string): Buffer => {
    if (text === '' && options.emptyAllowed) return EMPTY;
    const value = parseBoundedInteger(text, BigInt(min), BigInt(max));
    if (value === undefined) throw invalidRequest(`Unable to make ${options.javaName} from '${text}'`);
    return write(Number(value));
  };
  return {
    name,
    validate: (bytes) => (bytes.length === width || (bytes.length === 0 && options.emptyAllowed) ? undefined : options.lengthMessage(bytes.length)),
    decode: read,
    encode: (value) => {
      if (typeof value !== 'number' || !Number.isInteger(value)) return badJsValue(value, name);
      if (value < min || value > max) return outOfRange(value, name);
      return write(value);
    },
    display: (bytes) => String(read(bytes)),
    quotedWhenNested: false,
    json: (bytes) => String(read(bytes)),
    fromJson: (value) => {
      if (typeof value === 'string') return fromString(value);
      if (!isJsonNumeric(value)) return expected(`an ${name} value`, value);
      const integer = jsonInteger(value);
      if (options.jsonStrictInteger) {
        // Cassandra's int accepts only what Jackson decodes as Integer.
        if (integer === undefined || integer < BigInt(min) || integer > BigInt(max)) return expected(`an ${name} value`, value);
        return write(Number(integer));
      }
      return fromString(String(value));
    },
    fromString: (text) => fromString(text),
    emptyValue: null,
  };
}

function bigintOps(name: 'bigint' | 'counter'): NativeOps {
  const fromString = (text: string): Buffer => {
    if (text === '') return EMPTY;
    const value = parseBoundedInteger(text, INT64_MIN, INT64_MAX);
    if (value === undefined) throw invalidRequest(`Unable to make long from '${text}'`);
    return write(value);
  };
  const write = (value: bigint): Buffer => {
    const out = Buffer.allocUnsafe(8);
    out.writeBigInt64BE(value, 0);
    return out;
  };
  return {
    name,
    validate: (bytes) => (bytes.length === 8 || bytes.length === 0 ? undefined : `Expected 8 or 0 byte long (${bytes.length})`),
    decode: (bytes) => bytes.readBigInt64BE(0),
    encode: (value) => {
      if (typeof value !== 'bigint') return badJsValue(value, name);
      if (value < INT64_MIN || value > INT64_MAX) return outOfRange(value, name);
      return write(value);
    },
    display: (bytes) => bytes.readBigInt64BE(0).toString(),
    quotedWhenNested: false,
    json: (bytes) => bytes.readBigInt64BE(0).toString(),
    fromJson: (value) => {
      if (typeof value === 'string') return fromString(value);
      const integer = jsonInteger(value);
      if (integer === undefined || integer < INT64_MIN || integer > INT64_MAX) return expected('a bigint value', value);
      return write(integer);
    },
    fromString: (text) => fromString(text),
    emptyValue: null,
  };
}

const varintOps: NativeOps = {
  name: 'varint',
  validate: () => undefined,
  decode: (bytes) => varintToBigint(bytes),
  encode: (value) => (typeof value === 'bigint' ? bigintToVarint(value) : badJsValue(value, 'varint')),
  display: (bytes) => varintToBigint(bytes).toString(),
  quotedWhenNested: false,
  json: (bytes) => varintToBigint(bytes).toString(),
  fromJson: (value) => {
    if (typeof value === 'string') return varintOps.fromString(value, undefined);
    const integer = jsonInteger(value);
    if (integer === undefined) throw invalidRequest(`Value '${javaDisplay(value)}' is not a valid representation of a varint value`);
    return bigintToVarint(integer);
  },
  fromString: (text) => {
    if (text === '') return EMPTY;
    if (!INTEGER_LITERAL.test(text)) throw invalidRequest(`Unable to make int from '${text}'`);
    return bigintToVarint(BigInt(text));
  },
  emptyValue: null,
};

function encodeDecimal(unscaled: bigint, scale: number): Buffer {
  if (!Number.isInteger(scale) || scale < INT32_MIN || scale > INT32_MAX) return outOfRange(scale, 'decimal scale');
  const magnitude = bigintToVarint(unscaled);
  const out = Buffer.allocUnsafe(4 + magnitude.length);
  out.writeInt32BE(scale, 0);
  magnitude.copy(out, 4);
  return out;
}

const decodeDecimal = (bytes: Buffer): { unscaled: bigint; scale: number } => ({ unscaled: varintToBigint(bytes.subarray(4)), scale: bytes.readInt32BE(0) });

const decimalOps: NativeOps = {
  name: 'decimal',
  validate: (bytes) => (bytes.length === 0 || bytes.length >= 4 ? undefined : `Expected 0 or at least 4 bytes (${bytes.length})`),
  decode: decodeDecimal,
  encode: (value) => (isDecimalValue(value) ? encodeDecimal(value.unscaled, value.scale) : badJsValue(value, 'decimal')),
  display: (bytes) => formatDecimal(decodeDecimal(bytes)),
  quotedWhenNested: false,
  json: (bytes) => formatDecimal(decodeDecimal(bytes)),
  fromJson: (value) => {
    if (value === '') return EMPTY;
    if (typeof value === 'string' || isJsonNumeric(value)) {
      const parsed = parseDecimal(String(value));
      if (parsed !== undefined) return encodeDecimal(parsed.unscaled, parsed.scale);
    }
    throw invalidRequest(`Value '${javaDisplay(value)}' is not a valid representation of a decimal value`);
  },
  fromString: (text) => {
    if (text === '') return EMPTY;
    const parsed = parseDecimal(text);
    if (parsed === undefined) throw invalidRequest(`Unable to make BigDecimal from '${text}'`);
    return encodeDecimal(parsed.unscaled, parsed.scale);
  },
  emptyValue: null,
};

function floatingOps(name: 'float' | 'double'): NativeOps {
  const float32 = name === 'float';
  const width = float32 ? 4 : 8;
  const read = (bytes: Buffer): number => (float32 ? bytes.readFloatBE(0) : bytes.readDoubleBE(0));
  const write = (value: number): Buffer => {
    const out = Buffer.allocUnsafe(width);
    if (float32) out.writeFloatBE(value, 0);
    else out.writeDoubleBE(value, 0);
    return out;
  };
  const fromString = (text: string): Buffer => {
    if (text === '') return EMPTY;
    const value = parseFloatText(text);
    if (value === undefined) throw invalidRequest(`Unable to make ${name} from '${text}'`);
    return write(value);
  };
  return {
    name,
    validate: (bytes) => (bytes.length === width || bytes.length === 0 ? undefined : `Expected ${width} or 0 byte value for a ${name} (${bytes.length})`),
    decode: read,
    encode: (value) => (typeof value === 'number' ? write(value) : badJsValue(value, name)),
    display: (bytes) => formatFloatForDisplay(read(bytes), float32),
    quotedWhenNested: false,
    json: (bytes) => {
      const value = read(bytes);
      // JSON has no NaN or Infinity: Cassandra writes null for them.
      return Number.isFinite(value) ? formatFloatJava(value, float32) : 'null';
    },
    fromJson: (value) => {
      if (typeof value === 'string') return fromString(value);
      if (!isJsonNumeric(value)) return expected(`a ${name} value`, value);
      return write(Number(String(value)));
    },
    fromString: (text) => fromString(text),
    emptyValue: null,
  };
}

const booleanOps: NativeOps = {
  name: 'boolean',
  validate: (bytes) => (bytes.length <= 1 ? undefined : `Expected 1 or 0 byte value (${bytes.length})`),
  decode: (bytes) => bytes[0] !== 0,
  encode: (value) => (typeof value === 'boolean' ? Buffer.from([value ? 1 : 0]) : badJsValue(value, 'boolean')),
  display: (bytes) => (bytes[0] !== 0 ? 'True' : 'False'),
  quotedWhenNested: false,
  json: (bytes) => (bytes[0] !== 0 ? 'true' : 'false'),
  fromJson: (value) => {
    if (typeof value === 'boolean') return Buffer.from([value ? 1 : 0]);
    if (typeof value === 'string') return booleanOps.fromString(value, undefined);
    return expected('a boolean value', value);
  },
  fromString: (text) => {
    if (text === '') return EMPTY;
    const lower = text.toLowerCase();
    if (lower === 'true') return Buffer.from([1]);
    if (lower === 'false') return Buffer.from([0]);
    throw invalidRequest(`Unable to make boolean from '${text}'`);
  },
  emptyValue: null,
};

function textOps(name: 'text' | 'ascii'): NativeOps {
  const ascii = name === 'ascii';
  const validate = (bytes: Buffer): string | undefined => {
    if (ascii) {
      if (isAscii(bytes)) return undefined;
      const bad = bytes.find((b) => b > 0x7f)!;
      return `Invalid byte for ascii: ${(bad << 24) >> 24}`;
    }
    return isUtf8(bytes) ? undefined : "String didn't validate.";
  };
  const encodeText = (text: string): Buffer => {
    if (ascii) {
      for (let i = 0; i < text.length; i++) {
        if (text.charCodeAt(i) > 0x7f) throw invalidRequest(`Invalid ASCII character in string literal: ${text}`);
      }
      return Buffer.from(text, 'latin1');
    }
    return Buffer.from(text, 'utf8');
  };
  const decodeText = (bytes: Buffer): string => {
    if (!ascii && !isUtf8(bytes)) throw invalidRequest(`Invalid UTF-8 bytes ${hex(bytes)}`);
    return bytes.toString(ascii ? 'latin1' : 'utf8');
  };
  return {
    name,
    validate,
    decode: decodeText,
    encode: (value) => (typeof value === 'string' ? encodeText(value) : badJsValue(value, name)),
    display: decodeText,
    quotedWhenNested: true,
    json: (bytes) => quoteJson(decodeText(bytes)),
    fromJson: (value) => (typeof value === 'string' ? encodeText(value) : expected(ascii ? 'an ascii string' : 'a UTF-8 string', value)),
    fromString: (text) => encodeText(text),
    emptyValue: '',
  };
}

const blobOps: NativeOps = {
  name: 'blob',
  validate: () => undefined,
  decode: (bytes) => Buffer.from(bytes),
  encode: (value) => (Buffer.isBuffer(value) ? value : badJsValue(value, 'blob')),
  display: (bytes) => `0x${hex(bytes)}`,
  quotedWhenNested: false,
  json: (bytes) => `"0x${hex(bytes)}"`,
  fromJson: (value) => {
    if (typeof value !== 'string') throw invalidRequest(`Value '${javaDisplay(value)}' is not a valid blob representation: ${javaClassName(value)} is not a string`);
    if (!value.startsWith('0x')) {
      throw invalidRequest(`Value '${value}' is not a valid blob representation: String representation of blob is missing 0x prefix: ${value}`);
    }
    const match = HEX_LITERAL.exec(value);
    if (match === null) throw invalidRequest(`Value '${value}' is not a valid blob representation: cannot parse '${value.slice(2)}' as hex bytes`);
    return Buffer.from(match[1]!, 'hex');
  },
  fromString: (text) => {
    if (text === '') return EMPTY;
    const match = HEX_LITERAL.exec(text);
    if (match === null) throw invalidRequest(`cannot parse '${text}' as hex bytes`);
    return Buffer.from(match[1]!, 'hex');
  },
  emptyValue: Buffer.alloc(0),
};

function uuidOps(name: 'uuid' | 'timeuuid'): NativeOps {
  const time = name === 'timeuuid';
  const fromString = (text: string): Buffer => {
    if (text === '') return EMPTY;
    const bytes = parseUuid(text);
    if (bytes === undefined) throw invalidRequest(time ? `Unknown timeuuid representation: ${text}` : `Unable to make UUID from '${text}'`);
    if (time && uuidVersion(bytes) !== 1) throw invalidRequest('TimeUUID supports only version 1 UUIDs');
    return bytes;
  };
  return {
    name,
    validate: (bytes) => {
      if (bytes.length === 0) return undefined;
      if (bytes.length !== UUID_BYTES) return `${time ? 'TimeUUID' : 'UUID'} should be 16 or 0 bytes (${bytes.length})`;
      return time && uuidVersion(bytes) !== 1 ? 'Invalid version for TimeUUID type.' : undefined;
    },
    decode: (bytes) => uuidToString(bytes),
    encode: (value) => {
      if (typeof value !== 'string') return badJsValue(value, name);
      if (value === '') throw invalidRequest(time ? 'Unknown timeuuid representation: ' : "Unable to make UUID from ''");
      return fromString(value);
    },
    display: (bytes) => uuidToString(bytes),
    quotedWhenNested: false,
    json: (bytes) => `"${uuidToString(bytes)}"`,
    fromJson: (value) => (typeof value === 'string' ? fromString(value) : expected(`a string representation of a ${name}`, value)),
    fromString: (text) => fromString(text),
    emptyValue: null,
  };
}

const inetOps: NativeOps = {
  name: 'inet',
  validate: (bytes) => (bytes.length === 0 || bytes.length === IPV4_BYTES || bytes.length === IPV6_BYTES ? undefined : `Expected 4 or 16 byte inetaddress; got ${hex(bytes)}`),
  decode: (bytes) => formatInet(bytes),
  encode: (value) => {
    if (typeof value !== 'string') return badJsValue(value, 'inet');
    const bytes = parseInet(value);
    if (bytes === undefined) throw invalidRequest(`Unable to make inet address from '${value}'`);
    return bytes;
  },
  display: (bytes) => formatInet(bytes),
  quotedWhenNested: true,
  json: (bytes) => `"${formatInetJava(bytes)}"`,
  fromJson: (value) => (typeof value === 'string' ? inetOps.fromString(value, undefined) : expected('a string representation of an inet value', value)),
  fromString: (text) => {
    if (text === '') return EMPTY;
    const bytes = parseInet(text);
    if (bytes === undefined) throw invalidRequest(`Unable to make inet address from '${text}'`);
    return bytes;
  },
  emptyValue: null,
};

function writeInt64(value: bigint): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeBigInt64BE(value, 0);
  return out;
}

const timestampOps: NativeOps = {
  name: 'timestamp',
  validate: (bytes) => (bytes.length === 8 || bytes.length === 0 ? undefined : `Expected 8 or 0 byte long for date (${bytes.length})`),
  decode: (bytes) => Number(bytes.readBigInt64BE(0)),
  encode: (value) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) return badJsValue(value, 'timestamp');
    if (!Number.isSafeInteger(value)) return outOfRange(value, 'timestamp');
    return writeInt64(BigInt(value));
  },
  display: (bytes) => formatTimestampForDisplay(bytes.readBigInt64BE(0)),
  quotedWhenNested: true,
  json: (bytes) => `"${formatTimestampJson(bytes.readBigInt64BE(0))}"`,
  fromJson: (value) => {
    if (typeof value === 'string') return timestampOps.fromString(value, undefined);
    const integer = jsonInteger(value);
    if (integer === undefined || integer < INT64_MIN || integer > INT64_MAX) {
      return expected('a long or a datestring representation of a timestamp value', value);
    }
    return writeInt64(integer);
  },
  fromString: (text, options) => {
    if (text === '') return EMPTY;
    const parsed = parseTimestamp(text, options?.nowMs);
    if (!parsed.ok) throw invalidRequest(parsed.message);
    return writeInt64(parsed.value);
  },
  emptyValue: null,
};

function encodeDate(days: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(dateDaysToUnsigned(days), 0);
  return out;
}

const readDays = (bytes: Buffer): number => dateUnsignedToDays(bytes.readUInt32BE(0));

const dateOps: NativeOps = {
  name: 'date',
  validate: (bytes) => (bytes.length === 4 ? undefined : `Expected 4 byte long for date (${bytes.length})`),
  decode: readDays,
  encode: (value) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) return badJsValue(value, 'date');
    if (value < INT32_MIN || value > INT32_MAX) return outOfRange(value, 'date');
    return encodeDate(value);
  },
  display: (bytes) => formatDateForDisplay(readDays(bytes)),
  quotedWhenNested: false,
  json: (bytes) => `"${formatDate(readDays(bytes))}"`,
  fromJson: (value) => (typeof value === 'string' ? dateOps.fromString(value, undefined) : expected('a string representation of a date value', value)),
  fromString: (text) => {
    const parsed = parseDate(text);
    if (!parsed.ok) throw invalidRequest(parsed.message);
    return encodeDate(parsed.value);
  },
  emptyValue: null,
};

const timeOps: NativeOps = {
  name: 'time',
  validate: (bytes) => {
    if (bytes.length !== 8) return `Expected 8 byte long for time (${bytes.length})`;
    const ns = bytes.readBigInt64BE(0);
    return ns < 0n || ns >= TIME_NANOS_PER_DAY ? `Time value ${ns} is out of range (0 to 86399999999999 ns)` : undefined;
  },
  decode: (bytes) => bytes.readBigInt64BE(0),
  encode: (value) => {
    if (typeof value !== 'bigint') return badJsValue(value, 'time');
    if (value < 0n || value >= TIME_NANOS_PER_DAY) return outOfRange(value, 'time');
    return writeInt64(value);
  },
  display: (bytes) => formatTime(bytes.readBigInt64BE(0)),
  quotedWhenNested: false,
  json: (bytes) => `"${formatTime(bytes.readBigInt64BE(0))}"`,
  fromJson: (value) => {
    if (typeof value === 'string') return timeOps.fromString(value, undefined);
    const integer = jsonInteger(value);
    if (integer === undefined) return expected('a string representation of a time value', value);
    return timeOps.fromString(integer.toString(), undefined);
  },
  fromString: (text) => {
    const parsed = parseTime(text);
    if (!parsed.ok) throw invalidRequest(parsed.message);
    return writeInt64(parsed.value);
  },
  emptyValue: null,
};

const durationOps: NativeOps = {
  name: 'duration',
  validate: (bytes) => {
    const decoded = deserializeDuration(bytes);
    return typeof decoded === 'string' ? decoded : undefined;
  },
  decode: (bytes) => {
    const decoded = deserializeDuration(bytes);
    assert(typeof decoded !== 'string', decoded as string);
    return decoded;
  },
  encode: (value) => {
    if (!isDurationValue(value)) return badJsValue(value, 'duration');
    const { months, days, nanoseconds } = value;
    if (!Number.isInteger(months) || months < INT32_MIN || months > INT32_MAX) return outOfRange(months, 'duration months');
    if (!Number.isInteger(days) || days < INT32_MIN || days > INT32_MAX) return outOfRange(days, 'duration days');
    if (nanoseconds < INT64_MIN || nanoseconds > INT64_MAX) return outOfRange(nanoseconds, 'duration nanoseconds');
    if (!((months >= 0 && days >= 0 && nanoseconds >= 0n) || (months <= 0 && days <= 0 && nanoseconds <= 0n))) {
      throw invalidRequest(`The duration months, days and nanoseconds must be all of the same sign (${months}, ${days}, ${nanoseconds})`);
    }
    return serializeDuration(value);
  },
  display: (bytes) => formatDuration(durationOps.decode(bytes) as { months: number; days: number; nanoseconds: bigint }),
  quotedWhenNested: false,
  json: (bytes) => quoteJson(durationOps.display(bytes)),
  fromJson: (value) => (typeof value === 'string' ? durationOps.fromString(value, undefined) : expected('a string representation of a duration', value)),
  fromString: (text) => {
    const parsed = parseDuration(text);
    if (!parsed.ok) throw invalidRequest(parsed.message);
    return serializeDuration(parsed.value);
  },
  emptyValue: null,
};

const NATIVE_OPS: Readonly<Record<NativeTypeName, NativeOps>> = {
  ascii: textOps('ascii'),
  bigint: bigintOps('bigint'),
  blob: blobOps,
  boolean: booleanOps,
  counter: bigintOps('counter'),
  date: dateOps,
  decimal: decimalOps,
  double: floatingOps('double'),
  duration: durationOps,
  float: floatingOps('float'),
  inet: inetOps,
  int: smallIntegerOps({
    name: 'int', width: 4, min: INT32_MIN, max: INT32_MAX, emptyAllowed: true, javaName: 'int', jsonStrictInteger: true,
    lengthMessage: (n) => `Expected 4 or 0 byte int (${n})`,
  }),
  smallint: smallIntegerOps({
    name: 'smallint', width: 2, min: INT16_MIN, max: INT16_MAX, emptyAllowed: false, javaName: 'short', jsonStrictInteger: false,
    lengthMessage: (n) => `Expected 2 bytes for a smallint (${n})`,
  }),
  text: textOps('text'),
  time: timeOps,
  timestamp: timestampOps,
  timeuuid: uuidOps('timeuuid'),
  tinyint: smallIntegerOps({
    name: 'tinyint', width: 1, min: INT8_MIN, max: INT8_MAX, emptyAllowed: false, javaName: 'byte', jsonStrictInteger: false,
    lengthMessage: (n) => `Expected 1 byte for a tinyint (${n})`,
  }),
  uuid: uuidOps('uuid'),
  varint: varintOps,
};

export function nativeOps(name: NativeTypeName): NativeOps {
  const ops = NATIVE_OPS[name];
  if (ops === undefined) return assertNever(name as never, 'native type');
  return ops;
}

/** Custom (`'org.apache...'`) types: opaque bytes shown and written as hex blobs. */
export const customOps: Omit<NativeOps, 'name'> = {
  validate: () => undefined,
  decode: blobOps.decode,
  encode: blobOps.encode,
  display: blobOps.display,
  quotedWhenNested: false,
  json: blobOps.json,
  fromJson: blobOps.fromJson,
  fromString: blobOps.fromString,
  emptyValue: Buffer.alloc(0),
};
