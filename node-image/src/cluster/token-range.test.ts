import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FULL_RING, MAX_TOKEN, MIN_TOKEN, type Token, type TokenRange, formatRange, intersectRanges, isWrapAround,
  midpoint, normalizeRanges, parseToken, rangeContains, rangeContainsRange, rangeSize, rangeWidth, rangesIntersect,
  splitRange, subtractRange, subtractRanges, token, tokenRange, unwrapRange,
} from './token-range.ts';

const t = (v: bigint | number): Token => token(v);
const r = (l: bigint | number, rt: bigint | number): TokenRange => tokenRange(t(l), t(rt));
const fmt = (rs: TokenRange[]): string[] => rs.map(formatRange);

describe('rangeContains', () => {
  it('(left, right] excludes left, includes right', () => {
    expect(rangeContains(r(10, 20), t(10))).toBe(false);
    expect(rangeContains(r(10, 20), t(11))).toBe(true);
    expect(rangeContains(r(10, 20), t(20))).toBe(true);
    expect(rangeContains(r(10, 20), t(21))).toBe(false);
  });
  it('wraps when left >= right', () => {
    expect(isWrapAround(r(20, 10))).toBe(true);
    expect(rangeContains(r(20, 10), t(25))).toBe(true);
    expect(rangeContains(r(20, 10), MIN_TOKEN)).toBe(true);
    expect(rangeContains(r(20, 10), t(5))).toBe(true);
    expect(rangeContains(r(20, 10), t(15))).toBe(false);
    expect(rangeContains(r(20, 10), t(20))).toBe(false);
  });
  it('left == right is the whole ring', () => {
    for (const x of [MIN_TOKEN, t(-1), t(0), t(7), MAX_TOKEN]) expect(rangeContains(r(7, 7), x)).toBe(true);
    expect(rangeContains(FULL_RING, MIN_TOKEN)).toBe(true);
  });
  it('(x, MIN] runs to the end of the ring', () => {
    expect(rangeContains(tokenRange(t(5), MIN_TOKEN), MAX_TOKEN)).toBe(true);
    expect(rangeContains(tokenRange(t(5), MIN_TOKEN), t(0))).toBe(false);
  });
});

describe('midpoint (Murmur3Partitioner)', () => {
  it('matches the BigInteger formula, including wrap-around', () => {
    expect(midpoint(t(0), t(10))).toBe(5n);
    expect(midpoint(t(-10), t(-3))).toBe(-7n); // floor, as BigInteger.shiftRight
    expect(midpoint(MIN_TOKEN, MAX_TOKEN)).toBe(-1n);
    // Wrapping: Cassandra measures the ring as max - min (2^64 - 1), one short of its true width,
    // so from MAX-9 to MIN+10 (20 tokens clockwise) it lands on MAX rather than MIN. Kept as is.
    expect(midpoint(t(MAX_TOKEN - 9n), t(MIN_TOKEN + 10n))).toBe(MAX_TOKEN);
    expect(midpoint(t(MAX_TOKEN - 9n), t(MIN_TOKEN + 12n))).toBe(MIN_TOKEN + 1n);
    // Full ring from 0: half way round.
    expect(midpoint(t(0), t(0))).toBe(MAX_TOKEN);
  });
  it('always lies inside the (left, right] range it bisects', () => {
    fc.assert(fc.property(fc.bigInt(MIN_TOKEN, MAX_TOKEN), fc.bigInt(MIN_TOKEN, MAX_TOKEN), (a, b) => {
      const range = r(a, b);
      fc.pre(rangeWidth(range) >= 2n);
      const m = midpoint(range.left, range.right);
      expect(rangeContains(range, m)).toBe(true);
      const left = rangeWidth(tokenRange(range.left, m));
      const right = rangeWidth(range) - left;
      const gap = left > right ? left - right : right - left;
      expect(gap <= 2n).toBe(true); // the wrapping formula is off by one (see above)
    }));
  });
});

describe('splitRange', () => {
  it('covers the range exactly with contiguous pieces', () => {
    fc.assert(fc.property(fc.bigInt(MIN_TOKEN, MAX_TOKEN), fc.bigInt(MIN_TOKEN, MAX_TOKEN), fc.integer({ min: 1, max: 9 }), (a, b, n) => {
      const range = r(a, b);
      fc.pre(rangeWidth(range) >= BigInt(n));
      const pieces = splitRange(range, n);
      expect(pieces).toHaveLength(n);
      expect(pieces[0]!.left).toBe(range.left);
      expect(pieces[n - 1]!.right).toBe(range.right);
      let total = 0n;
      for (let i = 0; i < n; i++) {
        if (i > 0) expect(pieces[i]!.left).toBe(pieces[i - 1]!.right);
        total += rangeWidth(pieces[i]!) === 1n << 64n && n > 1 ? 0n : rangeWidth(pieces[i]!);
      }
      expect(total).toBe(rangeWidth(range));
    }));
  });
  it('splits the full ring in equal quarters', () => {
    expect(fmt(splitRange(FULL_RING, 4))).toEqual([
      `(${MIN_TOKEN},-4611686018427387904]`, '(-4611686018427387904,0]', '(0,4611686018427387904]', `(4611686018427387904,${MIN_TOKEN}]`,
    ]);
  });
});

describe('set algebra', () => {
  it('unwraps at MIN as Cassandra does', () => {
    expect(fmt(unwrapRange(r(10, -10)))).toEqual([`(10,${MIN_TOKEN}]`, `(${MIN_TOKEN},-10]`]);
    expect(fmt(unwrapRange(r(-10, 10)))).toEqual(['(-10,10]']);
    expect(fmt(unwrapRange(tokenRange(t(10), MIN_TOKEN)))).toEqual([`(10,${MIN_TOKEN}]`]);
  });
  it('normalizes: sorted, merged, unwrapped', () => {
    expect(fmt(normalizeRanges([r(50, 60), r(10, 20), r(20, 30), r(55, 70), r(100, -100)]))).toEqual([
      `(${MIN_TOKEN},-100]`, '(10,30]', '(50,70]', `(100,${MIN_TOKEN}]`,
    ]);
    expect(fmt(normalizeRanges([r(0, 10), r(10, 0)]))).toEqual([`(${MIN_TOKEN},${MIN_TOKEN}]`]);
  });
  it('intersects and subtracts, keeping a wrapping result whole', () => {
    expect(fmt(intersectRanges(r(10, -10), FULL_RING))).toEqual(['(10,-10]']);
    expect(fmt(intersectRanges(r(0, 100), r(50, 150)))).toEqual(['(50,100]']);
    expect(fmt(intersectRanges(r(0, 100), r(90, 10)))).toEqual(['(0,10]', '(90,100]']);
    expect(fmt(subtractRange(r(0, 100), r(20, 30)))).toEqual(['(0,20]', '(30,100]']);
    expect(fmt(subtractRange(r(100, 0), r(-10, 10)))).toEqual(['(100,-10]']);
    expect(subtractRange(r(0, 100), r(-5, 200))).toEqual([]);
    expect(fmt(subtractRanges(FULL_RING, [r(0, 10), r(20, 30)]))).toEqual(['(10,20]', '(30,0]']);
    expect(rangesIntersect(r(0, 10), r(10, 20))).toBe(false);
    expect(rangeContainsRange(r(100, 50), r(0, 10))).toBe(true);
    expect(rangeContainsRange(r(0, 50), r(40, 60))).toBe(false);
  });

  // Membership model: set operations must agree with rangeContains token by token. Probe tokens
  // are the interesting ones (endpoints and their neighbours) plus random values; MIN is the
  // sentinel no key maps to, so it is excluded.
  const tokenArb = fc.oneof(
    fc.bigInt(MIN_TOKEN, MAX_TOKEN),
    fc.constantFrom(MIN_TOKEN, MIN_TOKEN + 1n, -1n, 0n, 1n, MAX_TOKEN - 1n, MAX_TOKEN),
    fc.bigInt(-50n, 50n),
  ).map(t);
  const rangeArb = fc.tuple(tokenArb, tokenArb).map(([a, b]) => tokenRange(a, b));
  const probes = (ranges: TokenRange[], extra: Token[]): Token[] => {
    const out = new Set<bigint>(extra);
    for (const x of ranges) for (const e of [x.left, x.right]) for (const d of [-1n, 0n, 1n]) {
      const v = e + d;
      if (v > MIN_TOKEN && v <= MAX_TOKEN) out.add(v);
    }
    out.delete(MIN_TOKEN);
    return [...out].map(t);
  };
  const inAny = (rs: TokenRange[], x: Token): boolean => rs.some((y) => rangeContains(y, x));

  it('intersection, subtraction and normalization agree with membership', () => {
    fc.assert(fc.property(rangeArb, rangeArb, fc.array(tokenArb, { maxLength: 4 }), (a, b, extra) => {
      const inter = intersectRanges(a, b);
      const diff = subtractRange(a, b);
      const norm = normalizeRanges([a, b]);
      for (const x of probes([a, b], extra)) {
        expect(inAny(inter, x)).toBe(rangeContains(a, x) && rangeContains(b, x));
        expect(inAny(diff, x)).toBe(rangeContains(a, x) && !rangeContains(b, x));
        expect(inAny(norm, x)).toBe(rangeContains(a, x) || rangeContains(b, x));
      }
      // Normalized output is sorted and disjoint.
      for (let i = 1; i < norm.length; i++) expect(norm[i]!.left >= norm[i - 1]!.right).toBe(true);
      expect(rangesIntersect(a, b)).toBe(inter.length > 0);
    }));
  });
});

describe('sizes and parsing', () => {
  it('measures widths and ring fractions', () => {
    expect(rangeWidth(r(0, 10))).toBe(10n);
    expect(rangeWidth(r(10, 0))).toBe((1n << 64n) - 10n);
    expect(rangeWidth(FULL_RING)).toBe(1n << 64n);
    expect(rangeSize(FULL_RING)).toBe(1);
    expect(rangeSize(tokenRange(MIN_TOKEN, t(0)))).toBe(0.5);
  });
  it('parses tokens as Long.parseLong', () => {
    expect(parseToken('-9223372036854775808')).toBe(MIN_TOKEN);
    expect(parseToken('+42')).toBe(42n);
    expect(parseToken('9223372036854775808')).toBeNull();
    expect(parseToken(' 1')).toBeNull();
    expect(parseToken('1.0')).toBeNull();
    expect(parseToken('')).toBeNull();
  });
});
