// Murmur3 tokens and token ranges. A token is a signed 64-bit bigint; a range is (left, right]:
// left exclusive, right inclusive, wrapping around the ring when left >= right, and the full ring
// when left == right. MIN (Long.MIN_VALUE) is the ring's sentinel: no key hashes to it (murmur3
// maps it to MAX), so set algebra here treats ranges as subsets of (MIN, MAX] and a range ending at
// MIN means "to the end of the ring", as Cassandra's Range.unwrap/normalize do.
import { assert, TOKEN_MAX, TOKEN_MIN } from '../lib/index.ts';

declare const tokenBrand: unique symbol;
/** A Murmur3Partitioner token in [MIN, MAX]. */
export type Token = bigint & { readonly [tokenBrand]: true };

export const MIN_TOKEN = TOKEN_MIN as Token;
export const MAX_TOKEN = TOKEN_MAX as Token;
/** Number of distinct token values, 2^64: the width of the full ring. */
export const RING_WIDTH = 1n << 64n;

/** Brands a bigint as a token; asserts it is a signed 64-bit value (a programmer error otherwise). */
export function token(value: bigint | number): Token {
  const v = typeof value === 'number' ? BigInt(value) : value;
  assert(v >= TOKEN_MIN && v <= TOKEN_MAX, `token out of 64-bit range: ${v}`);
  return v as Token;
}

/**
 * Parses a decimal token as Java's Long.parseLong does (optional sign, ASCII digits, no spaces).
 * Returns null for anything Java would reject, so callers can build Cassandra's own message.
 */
export function parseToken(text: string): Token | null {
  if (!/^[+-]?\d+$/.test(text)) return null;
  const v = BigInt(text);
  return v >= TOKEN_MIN && v <= TOKEN_MAX ? (v as Token) : null;
}

export function compareTokens(a: Token, b: Token): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Murmur3Partitioner's normalisation of a random or hashed long: MIN is reserved, so it becomes MAX. */
export function normalizeRandomToken(value: bigint): Token {
  const v = BigInt.asIntN(64, value);
  return (v === TOKEN_MIN ? TOKEN_MAX : v) as Token;
}

export interface TokenRange {
  readonly left: Token;
  readonly right: Token;
}

export function tokenRange(left: Token, right: Token): TokenRange {
  return { left, right };
}

/** The whole ring, (MIN, MIN]. */
export const FULL_RING: TokenRange = { left: MIN_TOKEN, right: MIN_TOKEN };

/** Cassandra's Range.isWrapAround: left >= right (the full ring counts as wrapping). */
export function isWrapAround(r: TokenRange): boolean {
  return r.left >= r.right;
}

export function isFullRing(r: TokenRange): boolean {
  return r.left === r.right;
}

export function rangeEquals(a: TokenRange, b: TokenRange): boolean {
  return a.left === b.left && a.right === b.right;
}

/** Whether `t` lies in (left, right], with wrap-around. */
export function rangeContains(r: TokenRange, t: Token): boolean {
  if (r.left < r.right) return t > r.left && t <= r.right;
  return t > r.left || t <= r.right;
}

/** Number of tokens in the range: (right - left) mod 2^64, where the full ring has 2^64. */
export function rangeWidth(r: TokenRange): bigint {
  const w = BigInt.asUintN(64, r.right - r.left);
  return w === 0n ? RING_WIDTH : w;
}

/** Fraction of the ring the range covers, in (0, 1] (Murmur3Partitioner's Token.size). */
export function rangeSize(r: TokenRange): number {
  return Number(rangeWidth(r)) / Number(RING_WIDTH);
}

/**
 * Murmur3Partitioner.midpoint: the token halfway from left to right going clockwise, computed
 * without overflow, wrapping past MAX back to MIN. Identical results to Cassandra's BigInteger code.
 */
export function midpoint(left: Token, right: Token): Token {
  if (left < right) return ((left + right) >> 1n) as Token;
  let m = (TOKEN_MAX - TOKEN_MIN + left + right) >> 1n;
  if (m > TOKEN_MAX) m = TOKEN_MIN + (m - TOKEN_MAX);
  return m as Token;
}

/**
 * Splits a range into `parts` contiguous sub-ranges of (nearly) equal width, clockwise from left.
 * Boundaries are left + floor(width * i / parts), wrapped into the signed range.
 */
export function splitRange(r: TokenRange, parts: number): TokenRange[] {
  assert(Number.isInteger(parts) && parts >= 1, `parts must be a positive integer: ${parts}`);
  const width = rangeWidth(r);
  assert(width >= BigInt(parts), `range ${formatRange(r)} is too narrow to split in ${parts}`);
  const out: TokenRange[] = [];
  let previous = r.left;
  for (let i = 1; i <= parts; i++) {
    const boundary = i === parts ? r.right : (BigInt.asIntN(64, r.left + (width * BigInt(i)) / BigInt(parts)) as Token);
    out.push({ left: previous, right: boundary });
    previous = boundary;
  }
  return out;
}

// ---- set algebra over (MIN, MAX] ----------------------------------------------------------------
// A range becomes one or two closed intervals [a, b] of tokens, MIN excluded. Results are turned
// back into ranges: [a, MAX] as (a-1, MIN] (Cassandra's "to the end" form), [MIN+1, MAX] as the full
// ring (MIN, MIN].

type Interval = readonly [bigint, bigint];
const LOW = TOKEN_MIN + 1n;

function toIntervals(r: TokenRange): Interval[] {
  const { left: l, right: rt } = r;
  if (l === rt) return [[LOW, TOKEN_MAX]];
  if (l < rt) return [[l + 1n, rt]];
  const out: Interval[] = [];
  if (rt > TOKEN_MIN) out.push([LOW, rt]);
  if (l < TOKEN_MAX) out.push([l + 1n, TOKEN_MAX]);
  return out;
}

function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const out: Array<[bigint, bigint]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && a <= last[1] + 1n) {
      if (b > last[1]) last[1] = b;
    } else {
      out.push([a, b]);
    }
  }
  return out;
}

function intervalToRange([a, b]: Interval): TokenRange {
  return { left: (a - 1n) as Token, right: (b === TOKEN_MAX ? TOKEN_MIN : b) as Token };
}

/** Ranges for sorted disjoint intervals, re-joining a piece at the start with a piece at the end. */
function toRanges(intervals: Interval[], rewrap: boolean): TokenRange[] {
  const merged = mergeIntervals(intervals);
  if (rewrap && merged.length >= 2) {
    const first = merged[0]!;
    const last = merged[merged.length - 1]!;
    if (first[0] === LOW && last[1] === TOKEN_MAX) {
      const middle = merged.slice(1, -1).map(intervalToRange);
      return [...middle, { left: (last[0] - 1n) as Token, right: first[1] as Token }];
    }
  }
  return merged.map(intervalToRange);
}

function intersectIntervals(xs: Interval[], ys: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [a1, b1] of xs) {
    for (const [a2, b2] of ys) {
      const a = a1 > a2 ? a1 : a2;
      const b = b1 < b2 ? b1 : b2;
      if (a <= b) out.push([a, b]);
    }
  }
  return out;
}

function subtractIntervals(xs: Interval[], ys: Interval[]): Interval[] {
  let current: Interval[] = mergeIntervals(xs);
  for (const [c, d] of mergeIntervals(ys)) {
    const next: Interval[] = [];
    for (const [a, b] of current) {
      if (d < a || c > b) { next.push([a, b]); continue; }
      if (c > a) next.push([a, c - 1n]);
      if (d < b) next.push([d + 1n, b]);
    }
    current = next;
  }
  return current;
}

/** Tokens in both ranges, as ranges (a wrapping result stays one range). */
export function intersectRanges(a: TokenRange, b: TokenRange): TokenRange[] {
  return toRanges(intersectIntervals(toIntervals(a), toIntervals(b)), true);
}

export function rangesIntersect(a: TokenRange, b: TokenRange): boolean {
  return intersectIntervals(toIntervals(a), toIntervals(b)).length > 0;
}

/** `a` minus `b`, as ranges. */
export function subtractRange(a: TokenRange, b: TokenRange): TokenRange[] {
  return toRanges(subtractIntervals(toIntervals(a), toIntervals(b)), true);
}

/** `a` minus every range of `others`. */
export function subtractRanges(a: TokenRange, others: readonly TokenRange[]): TokenRange[] {
  return toRanges(subtractIntervals(toIntervals(a), others.flatMap(toIntervals)), true);
}

/** Whether every token of `inner` (MIN aside) is in `outer`. */
export function rangeContainsRange(outer: TokenRange, inner: TokenRange): boolean {
  return subtractIntervals(toIntervals(inner), toIntervals(outer)).length === 0;
}

/**
 * Cassandra's Range.unwrap: a truly wrapping range (left >= right, right != MIN) becomes
 * (left, MIN] and (MIN, right]; anything else is returned as is. Storage scans use the result.
 */
export function unwrapRange(r: TokenRange): TokenRange[] {
  if (r.left < r.right || r.right === MIN_TOKEN) return [r];
  return [{ left: r.left, right: MIN_TOKEN }, { left: MIN_TOKEN, right: r.right }];
}

/**
 * Cassandra's Range.normalize: unwrapped, sorted by left, overlapping and adjacent ranges merged.
 * Output ranges never wrap except the "(x, MIN]" end-of-ring form and the full ring (MIN, MIN].
 */
export function normalizeRanges(ranges: readonly TokenRange[]): TokenRange[] {
  return toRanges(ranges.flatMap(toIntervals), false);
}

export function formatRange(r: TokenRange): string {
  return `(${r.left},${r.right}]`;
}
