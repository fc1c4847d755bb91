// Calendar arithmetic and text forms of timestamp, date and time values (proleptic Gregorian
// calendar, UTC unless the text names an offset or zone). Parsing follows the literal forms
// Cassandra 4.x accepts; printing follows cqlsh (display) and Cassandra's JSON formatter.

const MS_PER_DAY = 86_400_000;
const MS_PER_DAY_BIG = 86_400_000n;
const NS_PER_DAY = 86_400_000_000_000n;
const DAYS_PER_ERA = 146_097;
const YEARS_PER_ERA = 400;
/** Civil days from 0000-03-01 to 1970-01-01 (Hinnant's days_from_civil offset). */
const EPOCH_SHIFT_DAYS = 719_468;
/** Python's datetime (and so cqlsh) only prints years 1..9999 as dates. */
const DISPLAY_YEAR_MIN = 1;
const DISPLAY_YEAR_MAX = 9999;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;
const DATE_EPOCH_UNSIGNED = 2 ** 31;
/** Bound on the zone-formatter memo (zone names seen in literals). */
const ZONE_CACHE_ENTRIES_MAX = 64;
const MINUTES_PER_HOUR = 60;
const SECONDS_PER_MINUTE = 60;
const HOURS_PER_DAY = 24;

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / YEARS_PER_ERA);
  const yearOfEra = y - era * YEARS_PER_ERA;
  const monthFromMarch = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * DAYS_PER_ERA + dayOfEra - EPOCH_SHIFT_DAYS;
}

/** Proleptic Gregorian date of a day count since 1970-01-01. */
export function civilFromDays(days: number): CivilDate {
  const z = days + EPOCH_SHIFT_DAYS;
  const era = Math.floor(z / DAYS_PER_ERA);
  const dayOfEra = z - era * DAYS_PER_ERA;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  return { year: yearOfEra + era * YEARS_PER_ERA + (month <= 2 ? 1 : 0), month, day };
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

function formatYear(year: number): string {
  return year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
}

interface SplitTimestamp {
  readonly date: CivilDate;
  readonly msOfDay: number;
}

function splitTimestamp(ms: bigint): SplitTimestamp {
  let days = ms / MS_PER_DAY_BIG;
  let msOfDay = ms % MS_PER_DAY_BIG;
  if (msOfDay < 0n) {
    msOfDay += MS_PER_DAY_BIG;
    days -= 1n;
  }
  return { date: civilFromDays(Number(days)), msOfDay: Number(msOfDay) };
}

function formatClock(msOfDay: number): { hms: string; ms: number } {
  const totalSeconds = Math.floor(msOfDay / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor(totalSeconds / 60) % 60;
  const seconds = totalSeconds % 60;
  return { hms: `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}`, ms: msOfDay % 1000 };
}

/** cqlsh display: `2024-01-02 03:04:05.678000+0000`; outside years 1..9999 the milliseconds number. */
export function formatTimestampForDisplay(ms: bigint): string {
  const { date, msOfDay } = splitTimestamp(ms);
  if (date.year < DISPLAY_YEAR_MIN || date.year > DISPLAY_YEAR_MAX) return ms.toString();
  const clock = formatClock(msOfDay);
  return `${formatYear(date.year)}-${pad(date.month, 2)}-${pad(date.day, 2)} ${clock.hms}.${pad(clock.ms, 3)}000+0000`;
}

/** Cassandra's JSON form (`yyyy-MM-dd HH:mm:ss.SSSX` in UTC): `2024-01-02 03:04:05.678Z`. */
export function formatTimestampJson(ms: bigint): string {
  const { date, msOfDay } = splitTimestamp(ms);
  const clock = formatClock(msOfDay);
  return `${formatYear(date.year)}-${pad(date.month, 2)}-${pad(date.day, 2)} ${clock.hms}.${pad(clock.ms, 3)}Z`;
}

const RAW_INTEGER = /^-?\d+$/;
const DATE_TIME_PATTERN = /^(\d{1,9})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?(.*)$/;
const DATE_ONLY_PATTERN = /^(\d{4,9})-(\d{2})-(\d{2})(.*)$/;
const OFFSET_PATTERN = /^ ?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)$/;
const ZONE_NAME_PATTERN = /^ ([A-Za-z][A-Za-z0-9_+\-/]*)$/;
const UTC_ZONE_NAMES: ReadonlySet<string> = new Set(['UTC', 'GMT', 'UT', 'Z', 'ETC/UTC', 'ETC/GMT']);

export type TemporalParse<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

interface LocalDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly msOfDay: number;
}

/** Memo of zone formatters, bounded (insertion order eviction). Pure: the formatters hold no clock. */
const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(zone: string): Intl.DateTimeFormat | undefined {
  const cached = zoneFormatters.get(zone);
  if (cached !== undefined) return cached;
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short',
    });
  } catch {
    return undefined;
  }
  if (zoneFormatters.size >= ZONE_CACHE_ENTRIES_MAX) zoneFormatters.delete(zoneFormatters.keys().next().value!);
  zoneFormatters.set(zone, formatter);
  return formatter;
}

/** Offset of `zone` from UTC at the instant `utcMs`, in ms. */
function zoneOffsetMs(formatter: Intl.DateTimeFormat, utcMs: number): number {
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(utcMs)) parts[part.type] = part.value;
  let year = Number(parts['year']);
  if (parts['era'] === 'BC' || parts['era'] === 'B') year = 1 - year;
  const localMs = daysFromCivil(year, Number(parts['month']), Number(parts['day'])) * MS_PER_DAY +
    ((Number(parts['hour']) * MINUTES_PER_HOUR + Number(parts['minute'])) * SECONDS_PER_MINUTE + Number(parts['second'])) * 1000;
  return localMs - (utcMs - (((utcMs % 1000) + 1000) % 1000));
}

function localToUtcMs(local: LocalDateTime, zoneText: string): number | undefined {
  const localMs = daysFromCivil(local.year, local.month, local.day) * MS_PER_DAY + local.msOfDay;
  if (zoneText === '') return localMs;
  const offset = OFFSET_PATTERN.exec(zoneText);
  if (offset !== null) {
    if (offset[1] === 'Z') return localMs;
    const hours = Number(offset[3]);
    const minutes = offset[4] === undefined ? 0 : Number(offset[4]);
    if (hours > 18 || minutes >= MINUTES_PER_HOUR) return undefined;
    const offsetMs = (hours * MINUTES_PER_HOUR + minutes) * SECONDS_PER_MINUTE * 1000;
    return offset[2] === '-' ? localMs + offsetMs : localMs - offsetMs;
  }
  const named = ZONE_NAME_PATTERN.exec(zoneText);
  if (named === null) return undefined;
  const zone = named[1]!;
  if (UTC_ZONE_NAMES.has(zone.toUpperCase())) return localMs;
  const formatter = zoneFormatter(zone);
  if (formatter === undefined) return undefined;
  // Two passes settle on the offset in effect at the resulting instant (DST transitions).
  let utc = localMs - zoneOffsetMs(formatter, localMs);
  utc = localMs - zoneOffsetMs(formatter, utc);
  return utc;
}

function validCivil(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/**
 * Parses a timestamp literal: an integer (ms since the epoch), `now` (when `nowMs` is given), or
 * `yyyy-mm-dd[(T| )hh:mm[:ss[.fff]]][offset]` with offset `Z`, `+hh`, `+hhmm`, `+hh:mm` (optionally
 * after a space) or a space and a zone name (`UTC`, `Europe/Paris`). No offset means UTC.
 */
export function parseTimestamp(text: string, nowMs?: number): TemporalParse<bigint> {
  if (text.toLowerCase() === 'now' && nowMs !== undefined) return { ok: true, value: BigInt(Math.floor(nowMs)) };
  if (RAW_INTEGER.test(text)) {
    const value = BigInt(text);
    if (value < INT64_MIN || value > INT64_MAX) return { ok: false, message: `Unable to make long (for date) from: '${text}'` };
    return { ok: true, value };
  }
  const failure = { ok: false, message: `Unable to parse a date/time from '${text}'` } as const;
  let local: LocalDateTime;
  let zoneText: string;
  const dateTime = DATE_TIME_PATTERN.exec(text);
  if (dateTime !== null) {
    const [, y, mo, d, h, mi, s, fraction, zone] = dateTime;
    const hours = Number(h);
    const minutes = Number(mi);
    const seconds = s === undefined ? 0 : Number(s);
    if (hours >= HOURS_PER_DAY || minutes >= MINUTES_PER_HOUR || seconds >= SECONDS_PER_MINUTE) return failure;
    // Cassandra keeps milliseconds: further fraction digits are truncated.
    const millis = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
    local = { year: Number(y), month: Number(mo), day: Number(d), msOfDay: ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis };
    zoneText = zone!;
  } else {
    const dateOnly = DATE_ONLY_PATTERN.exec(text);
    if (dateOnly === null) return failure;
    local = { year: Number(dateOnly[1]), month: Number(dateOnly[2]), day: Number(dateOnly[3]), msOfDay: 0 };
    zoneText = dateOnly[4]!;
  }
  if (!validCivil(local.year, local.month, local.day)) return failure;
  const utc = localToUtcMs(local, zoneText);
  if (utc === undefined || !Number.isSafeInteger(utc)) return failure;
  return { ok: true, value: BigInt(utc) };
}

/** Serialized date (uint32, epoch at 2^31) from signed days since the epoch. */
export function dateDaysToUnsigned(days: number): number {
  return days + DATE_EPOCH_UNSIGNED;
}

export function dateUnsignedToDays(unsigned: number): number {
  return unsigned - DATE_EPOCH_UNSIGNED;
}

/** `yyyy-mm-dd`. */
export function formatDate(days: number): string {
  const date = civilFromDays(days);
  return `${formatYear(date.year)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/** cqlsh shows dates outside years 1..9999 as their day count. */
export function formatDateForDisplay(days: number): string {
  const date = civilFromDays(days);
  if (date.year < DISPLAY_YEAR_MIN || date.year > DISPLAY_YEAR_MAX) return String(days);
  return formatDate(days);
}

const DATE_PATTERN = /^([+-]?\d{1,9})-(\d{1,2})-(\d{1,2})$/;

/** Parses a date literal: `yyyy-mm-dd`, or an unsigned day number with the epoch at 2^31. Returns signed days. */
export function parseDate(text: string): TemporalParse<number> {
  if (RAW_INTEGER.test(text)) {
    const raw = Number(text);
    if (!Number.isSafeInteger(raw) || raw < 0 || raw > UINT32_MAX) {
      return { ok: false, message: `Unable to make unsigned int (for date) from: '${text}'` };
    }
    return { ok: true, value: dateUnsignedToDays(raw) };
  }
  const match = DATE_PATTERN.exec(text);
  if (match === null) return { ok: false, message: `Unable to coerce '${text}' to a formatted date (long)` };
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (!validCivil(year, month, day)) return { ok: false, message: `Unable to coerce '${text}' to a formatted date (long)` };
  const days = daysFromCivil(year, month, day);
  if (days < INT32_MIN) return { ok: false, message: `Input date ${text} is less than min supported date ${formatDate(INT32_MIN)}` };
  if (days > INT32_MAX) return { ok: false, message: `Input date ${text} is greater than max supported date ${formatDate(INT32_MAX)}` };
  return { ok: true, value: days };
}

/** `hh:mm:ss.nnnnnnnnn` of nanoseconds since midnight (0 <= ns < 24h). */
export function formatTime(ns: bigint): string {
  const nanos = Number(ns % 1_000_000_000n);
  const totalSeconds = Number(ns / 1_000_000_000n);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor(totalSeconds / 60) % 60;
  const seconds = totalSeconds % 60;
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(nanos, 9)}`;
}

const TIME_PATTERN = /^(\d+):(\d+):(\d+)(?:\.(\d{1,9}))?$/;

/** Parses a time literal: `hh:mm:ss[.fffffffff]` or a nanosecond count in [0, 24h). */
export function parseTime(text: string): TemporalParse<bigint> {
  const trimmed = text.trim();
  if (RAW_INTEGER.test(trimmed)) {
    const value = BigInt(trimmed);
    if (value < 0n || value >= NS_PER_DAY) return { ok: false, message: `Unable to make long (for time) from: '${text}'` };
    return { ok: true, value };
  }
  const failure = { ok: false, message: `(TimeType) Unable to coerce '${text}' to a formatted time (long)` } as const;
  const match = TIME_PATTERN.exec(trimmed);
  if (match === null) return failure;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  const seconds = Number(match[3]);
  if (hours >= HOURS_PER_DAY || minutes >= MINUTES_PER_HOUR || seconds >= SECONDS_PER_MINUTE) return failure;
  const nanos = match[4] === undefined ? 0n : BigInt(match[4].padEnd(9, '0'));
  return { ok: true, value: (BigInt((hours * 60 + minutes) * 60 + seconds) * 1_000_000_000n) + nanos };
}

export const TIME_NANOS_PER_DAY = NS_PER_DAY;
