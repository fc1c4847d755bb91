// Duration values: the literal forms Cassandra accepts (`1h30m`, `P1DT2H`, `P2W`,
// `P0001-02-03T04:05:06`, optionally negated with a leading `-`), the display form Cassandra and
// cqlsh print (`1y2mo3d4h5m6s7ms8us9ns`), and the serialized form: three zigzag vints.
import type { DurationValue } from './js-value.ts';

const NANOS_PER_MICRO = 1000n;
const NANOS_PER_MILLI = 1000n * NANOS_PER_MICRO;
const NANOS_PER_SECOND = 1000n * NANOS_PER_MILLI;
const NANOS_PER_MINUTE = 60n * NANOS_PER_SECOND;
const NANOS_PER_HOUR = 60n * NANOS_PER_MINUTE;
const DAYS_PER_WEEK = 7n;
const MONTHS_PER_YEAR = 12n;
const INT32_MAX = 2n ** 31n - 1n;
const INT64_MAX = 2n ** 63n - 1n;
/** A vint is at most 9 bytes (a length byte of 0xff and 8 value bytes). */
export const VINT_SIZE_MAX = 9;

export type DurationParse = { readonly ok: true; readonly value: DurationValue } | { readonly ok: false; readonly message: string };

const UNIT_NAMES = ['', 'years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds', 'milliseconds', 'microseconds', 'nanoseconds'] as const;

/** Accumulates units in their required order, with Cassandra's overflow and ordering checks. */
class DurationBuilder {
  months = 0n;
  days = 0n;
  nanoseconds = 0n;
  private unitIndex = 0;
  error: string | undefined;

  add(unitIndex: number, count: bigint): void {
    if (this.error !== undefined) return;
    if (unitIndex === this.unitIndex) {
      this.error = `Invalid duration. The ${UNIT_NAMES[unitIndex]} are specified multiple times`;
      return;
    }
    if (unitIndex < this.unitIndex) {
      this.error = `Invalid duration. The ${UNIT_NAMES[this.unitIndex]} should be after ${UNIT_NAMES[unitIndex]}`;
      return;
    }
    this.unitIndex = unitIndex;
    switch (unitIndex) {
      case 1: this.addMonths(count, MONTHS_PER_YEAR); break;
      case 2: this.addMonths(count, 1n); break;
      case 3: this.addDays(count, DAYS_PER_WEEK); break;
      case 4: this.addDays(count, 1n); break;
      case 5: this.addNanos(count, NANOS_PER_HOUR); break;
      case 6: this.addNanos(count, NANOS_PER_MINUTE); break;
      case 7: this.addNanos(count, NANOS_PER_SECOND); break;
      case 8: this.addNanos(count, NANOS_PER_MILLI); break;
      case 9: this.addNanos(count, NANOS_PER_MICRO); break;
      default: this.addNanos(count, 1n); break;
    }
  }

  private addMonths(count: bigint, perUnit: bigint): void {
    if (count > (INT32_MAX - this.months) / perUnit) this.error = `Invalid duration. The total number of months must be less or equal to ${INT32_MAX}`;
    else this.months += count * perUnit;
  }

  private addDays(count: bigint, perUnit: bigint): void {
    if (count > (INT32_MAX - this.days) / perUnit) this.error = `Invalid duration. The total number of days must be less or equal to ${INT32_MAX}`;
    else this.days += count * perUnit;
  }

  private addNanos(count: bigint, perUnit: bigint): void {
    if (count > (INT64_MAX - this.nanoseconds) / perUnit) this.error = `Invalid duration. The total number of nanoseconds must be less or equal to ${INT32_MAX}`;
    else this.nanoseconds += count * perUnit;
  }
}

const STANDARD_UNIT = /(\d+)(y|mo|w|d|h|s|ms|us|µs|ns|m)/iy;
const ISO_PATTERN = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const ISO_WEEK_PATTERN = /^P(\d+)W$/;
const ISO_ALTERNATIVE_PATTERN = /^P(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

const STANDARD_UNIT_INDEX: Readonly<Record<string, number>> = {
  y: 1, mo: 2, w: 3, d: 4, h: 5, m: 6, s: 7, ms: 8, us: 9, 'µs': 9, ns: 10,
};

/** Parses a duration literal. */
export function parseDuration(input: string): DurationParse {
  const negative = input.startsWith('-');
  const source = negative ? input.slice(1) : input;
  const failure: DurationParse = { ok: false, message: `Unable to convert '${source}' to a duration` };
  const builder = new DurationBuilder();
  const groups: Array<[number, string | undefined]> = [];
  if (source.startsWith('P')) {
    let match: RegExpExecArray | null;
    if (source.endsWith('W')) {
      match = ISO_WEEK_PATTERN.exec(source);
      if (match === null) return failure;
      groups.push([3, match[1]]);
    } else if (source.includes('-')) {
      match = ISO_ALTERNATIVE_PATTERN.exec(source);
      if (match === null) return failure;
      groups.push([1, match[1]], [2, match[2]], [4, match[3]], [5, match[4]], [6, match[5]], [7, match[6]]);
    } else {
      match = ISO_PATTERN.exec(source);
      if (match === null) return failure;
      groups.push([1, match[1]], [2, match[2]], [4, match[3]], [5, match[4]], [6, match[5]], [7, match[6]]);
    }
  } else {
    STANDARD_UNIT.lastIndex = 0;
    let end = 0;
    for (;;) {
      const match = STANDARD_UNIT.exec(source);
      if (match === null) break;
      groups.push([STANDARD_UNIT_INDEX[match[2]!.toLowerCase()]!, match[1]]);
      end = STANDARD_UNIT.lastIndex;
    }
    if (groups.length === 0 || end !== source.length) return failure;
  }
  for (const [unitIndex, digits] of groups) {
    if (digits !== undefined) builder.add(unitIndex, BigInt(digits));
  }
  if (builder.error !== undefined) return { ok: false, message: builder.error };
  const sign = negative ? -1n : 1n;
  return {
    ok: true,
    value: { months: Number(builder.months * sign), days: Number(builder.days * sign), nanoseconds: builder.nanoseconds * sign },
  };
}

function appendUnit(parts: string[], dividend: bigint, divisor: bigint, unit: string): bigint {
  if (dividend === 0n || dividend < divisor) return dividend;
  parts.push(`${dividend / divisor}${unit}`);
  return dividend % divisor;
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v);

/** Cassandra's Duration.toString (and cqlsh's display): `-1y2mo`, `3d`, `1h30m`; the zero duration prints as ''. */
export function formatDuration(value: DurationValue): string {
  const parts: string[] = [];
  if (value.months < 0 || value.days < 0 || value.nanoseconds < 0n) parts.push('-');
  const monthRemainder = appendUnit(parts, abs(BigInt(value.months)), MONTHS_PER_YEAR, 'y');
  appendUnit(parts, monthRemainder, 1n, 'mo');
  appendUnit(parts, abs(BigInt(value.days)), 1n, 'd');
  if (value.nanoseconds !== 0n) {
    let remainder = appendUnit(parts, abs(value.nanoseconds), NANOS_PER_HOUR, 'h');
    remainder = appendUnit(parts, remainder, NANOS_PER_MINUTE, 'm');
    remainder = appendUnit(parts, remainder, NANOS_PER_SECOND, 's');
    remainder = appendUnit(parts, remainder, NANOS_PER_MILLI, 'ms');
    remainder = appendUnit(parts, remainder, NANOS_PER_MICRO, 'us');
    appendUnit(parts, remainder, 1n, 'ns');
  }
  return parts.join('');
}

const zigzag = (v: bigint): bigint => (v >= 0n ? v << 1n : ((-v) << 1n) - 1n);
const unzigzag = (v: bigint): bigint => ((v & 1n) === 0n ? v >> 1n : -((v + 1n) >> 1n));

/** Cassandra's unsigned vint: the count of leading 1 bits of the first byte is the count of extra bytes. */
export function writeUnsignedVint(value: bigint, out: number[]): void {
  let size = 1;
  while (size < VINT_SIZE_MAX && value >= 1n << BigInt(7 * size)) size++;
  if (size === 1) {
    out.push(Number(value));
    return;
  }
  const bytes: number[] = [];
  let rest = value;
  for (let i = 0; i < size; i++) {
    bytes.push(Number(rest & 0xffn));
    rest >>= 8n;
  }
  bytes.reverse();
  const extraBytes = size - 1;
  bytes[0] = bytes[0]! | (~(0xff >> extraBytes) & 0xff);
  for (const b of bytes) out.push(b);
}

/** Reads an unsigned vint at `offset`; returns undefined when the bytes end early. */
export function readUnsignedVint(bytes: Buffer, offset: number): { value: bigint; next: number } | undefined {
  if (offset >= bytes.length) return undefined;
  const first = bytes[offset]!;
  if ((first & 0x80) === 0) return { value: BigInt(first), next: offset + 1 };
  let extraBytes = 0;
  while (extraBytes < 8 && (first & (0x80 >> extraBytes)) !== 0) extraBytes++;
  if (offset + 1 + extraBytes > bytes.length) return undefined;
  let value = BigInt(first & (0xff >> extraBytes));
  for (let i = 1; i <= extraBytes; i++) value = (value << 8n) | BigInt(bytes[offset + i]!);
  return { value, next: offset + 1 + extraBytes };
}

/** Serialized duration: vint(months), vint(days), vint(nanoseconds), each zigzag encoded. */
export function serializeDuration(value: DurationValue): Buffer {
  const out: number[] = [];
  writeUnsignedVint(zigzag(BigInt(value.months)), out);
  writeUnsignedVint(zigzag(BigInt(value.days)), out);
  writeUnsignedVint(zigzag(value.nanoseconds), out);
  return Buffer.from(out);
}

/** Decodes a serialized duration; returns an error message when malformed. */
export function deserializeDuration(bytes: Buffer): DurationValue | string {
  if (bytes.length < 3) return `Expected at least 3 bytes for a duration (${bytes.length})`;
  const months = readUnsignedVint(bytes, 0);
  const days = months === undefined ? undefined : readUnsignedVint(bytes, months.next);
  const nanos = days === undefined ? undefined : readUnsignedVint(bytes, days.next);
  if (months === undefined || days === undefined || nanos === undefined) return 'Not enough bytes to read a duration';
  if (nanos.next !== bytes.length) return 'Invalid remaining data after end of duration value';
  const m = unzigzag(months.value);
  const d = unzigzag(days.value);
  const n = unzigzag(nanos.value);
  if (m > INT32_MAX || m < -INT32_MAX - 1n) return `The duration months must be a 32 bits integer but was ${m}`;
  if (d > INT32_MAX || d < -INT32_MAX - 1n) return `The duration days must be a 32 bits integer but was ${d}`;
  if (n > INT64_MAX || n < -INT64_MAX - 1n) return `The duration nanoseconds must be a 64 bits integer but was ${n}`;
  if (!((m >= 0n && d >= 0n && n >= 0n) || (m <= 0n && d <= 0n && n <= 0n))) {
    return `The duration months, days and nanoseconds must be all of the same sign (${m}, ${d}, ${n})`;
  }
  return { months: Number(m), days: Number(d), nanoseconds: n };
}
