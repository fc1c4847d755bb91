// JSON helpers for Cassandra's JSON support: exact parsing (numbers keep their source text so
// bigint, varint and decimal values lose no precision), string quoting, and the Java class names
// Cassandra's error messages show for a decoded JSON value.
import { invalidRequest } from '../../lib/index.ts';

/** A JSON number literal exactly as written (`12345678901234567890`, `1.50`, `1e-7`). */
export class JsonNumber {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  toString(): string {
    return this.text;
  }
}

type Reviver = (key: string, value: unknown, context: { source?: string }) => unknown;

const keepNumberSource: Reviver = (_key, value, context) =>
  typeof value === 'number' && context?.source !== undefined ? new JsonNumber(context.source) : value;

/** JSON.parse, but every number becomes a JsonNumber. Invalid JSON is an Invalid request error. */
export function parseJsonExact(text: string): unknown {
  try {
    return JSON.parse(text, keepNumberSource as unknown as (this: unknown, key: string, value: unknown) => unknown);
  } catch (error) {
    throw invalidRequest(`Could not decode JSON string '${text}': ${(error as Error).message}`);
  }
}

/** A JSON string literal for `text`. */
export function quoteJson(text: string): string {
  return JSON.stringify(text);
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?\d+$/;

/** The Java class Jackson would decode `value` to: Integer, Long, BigInteger, Double, String, Boolean, ArrayList, LinkedHashMap. */
export function javaClassName(value: unknown): string {
  if (value instanceof JsonNumber || typeof value === 'number' || typeof value === 'bigint') {
    const text = String(value);
    if (!INTEGER_TEXT.test(text)) return 'Double';
    const n = BigInt(text);
    if (n >= BigInt(INT32_MIN) && n <= BigInt(INT32_MAX)) return 'Integer';
    return n >= INT64_MIN && n <= INT64_MAX ? 'Long' : 'BigInteger';
  }
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  if (Array.isArray(value)) return 'ArrayList';
  if (value === null) return 'null';
  return 'LinkedHashMap';
}

/** How Java would print `value` in an error message (JSON text is close enough for containers). */
export function javaDisplay(value: unknown): string {
  if (value instanceof JsonNumber || typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof JsonNumber ? Number(v.text) : typeof v === 'bigint' ? String(v) : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The integer written by a JSON number (or a JS number/bigint); undefined when it has a fraction or exponent. */
export function jsonInteger(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  if (value instanceof JsonNumber) return INTEGER_TEXT.test(value.text) ? BigInt(value.text) : undefined;
  return undefined;
}

/** True for the numeric shapes fromJson accepts: JS numbers, bigints and JsonNumbers. */
export function isJsonNumeric(value: unknown): value is number | bigint | JsonNumber {
  return typeof value === 'number' || typeof value === 'bigint' || value instanceof JsonNumber;
}
