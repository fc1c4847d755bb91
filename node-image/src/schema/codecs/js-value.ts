// The JS representation of CQL values, fixed for every layer (codecs are the only producers):
// numbers for 32-bit-or-smaller numerics and float/double, bigint for 64-bit and arbitrary integers,
// plain records for decimal and duration, arrays for collections, tuples and UDTs.

/** decimal: value = unscaled * 10^-scale (scale is a signed 32-bit integer). */
export interface DecimalValue {
  readonly unscaled: bigint;
  readonly scale: number;
}

/** duration: months and days are signed int32, nanoseconds a signed int64; all share one sign. */
export interface DurationValue {
  readonly months: number;
  readonly days: number;
  readonly nanoseconds: bigint;
}

/**
 * A CQL value as JS data:
 * - int, smallint, tinyint, float, double: number
 * - bigint, counter, varint: bigint; time: bigint (ns since midnight)
 * - decimal: DecimalValue; duration: DurationValue
 * - boolean: boolean; ascii, text: string; blob (and custom types): Buffer
 * - uuid, timeuuid: lowercase 8-4-4-4-12 string; inet: dotted IPv4 or RFC 5952 IPv6 string
 * - timestamp: number (ms since the epoch); date: number (signed days since the epoch)
 * - list, set: element arrays (sets sorted by the element comparator once serialized)
 * - map: array of [key, value] pairs (sorted by the key comparator once serialized)
 * - tuple, UDT: arrays by position; `null` for a null component, UDTs may be shorter than the type
 */
export type JsValue =
  | number
  | bigint
  | boolean
  | string
  | Buffer
  | DecimalValue
  | DurationValue
  | ReadonlyArray<JsValue | null>;

export function isDecimalValue(value: unknown): value is DecimalValue {
  return typeof value === 'object' && value !== null && typeof (value as DecimalValue).unscaled === 'bigint' &&
    typeof (value as DecimalValue).scale === 'number';
}

export function isDurationValue(value: unknown): value is DurationValue {
  return typeof value === 'object' && value !== null && typeof (value as DurationValue).months === 'number' &&
    typeof (value as DurationValue).days === 'number' && typeof (value as DurationValue).nanoseconds === 'bigint';
}
