import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenMetadata, endpointAddress, hostId, token } from '../cluster/index.ts';
import { TOKEN_MAX, TOKEN_MIN } from '../lib/index.ts';
import { splitAtRingTokens } from './range-split.ts';

function ringOf(tokens: readonly number[]): TokenMetadata {
  const a = endpointAddress('127.0.0.1:7000');
  return TokenMetadata.empty()
    .withEndpoint({ address: a, hostId: hostId('00000000-0000-0000-0000-000000000001'), dc: 'dc1', rack: 'r1' })
    .withNormalTokens(a, tokens.map(token));
}

/** Which piece (index) holds token t with key k, or -1; checks that at most one does. */
function holder(pieces: ReturnType<typeof splitAtRingTokens>, t: bigint, k: Buffer): number {
  const after = (p: { token: bigint; key: Buffer | null }, incl: boolean): boolean => {
    if (t !== p.token) return t > p.token;
    if (p.key === null) return incl;
    const c = Buffer.compare(k, p.key);
    return c > 0 || (c === 0 && incl);
  };
  const before = (p: { token: bigint; key: Buffer | null }, incl: boolean): boolean => {
    if (t !== p.token) return t < p.token;
    if (p.key === null) return incl;
    const c = Buffer.compare(k, p.key);
    return c < 0 || (c === 0 && incl);
  };
  let found = -1;
  pieces.forEach((p, i) => {
    if (after(p.start, p.startInclusive) && before(p.end, p.endInclusive)) {
      expect(found).toBe(-1);
      found = i;
    }
  });
  return found;
}

describe('splitAtRingTokens', () => {
  it('splits the whole ring into one piece per ring range plus the wrap-around', () => {
    const ring = ringOf([-100, 0, 100]);
    const pieces = splitAtRingTokens({ start: { token: TOKEN_MIN, key: null }, startInclusive: true, end: { token: TOKEN_MAX, key: null }, endInclusive: true }, ring);
    expect(pieces.map((p) => [p.start.token, p.end.token, p.ringToken])).toEqual([
      [TOKEN_MIN, -100n, -100n], [-100n, 0n, 0n], [0n, 100n, 100n], [100n, TOKEN_MAX, -100n],
    ]);
  });

  it('starting after all keys of a ring token begins in the next range', () => {
    const ring = ringOf([-100, 0, 100]);
    const pieces = splitAtRingTokens({ start: { token: 0n, key: null }, startInclusive: false, end: { token: 50n, key: null }, endInclusive: true }, ring);
    expect(pieces).toHaveLength(1);
    expect(pieces[0]!.ringToken).toBe(100n);
  });

  it('pieces cover every position of the range exactly once, each inside one ring range', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: -60, max: 60 }), fc.integer({ min: 0, max: 60 }), fc.boolean(), fc.boolean(),
      fc.option(fc.uint8Array({ minLength: 1, maxLength: 1 }), { nil: null }),
      fc.array(fc.tuple(fc.integer({ min: -70, max: 70 }), fc.uint8Array({ minLength: 1, maxLength: 1 })), { maxLength: 40 }),
      (tokens, s, width, startInclusive, endInclusive, startKey, probes) => {
        const ring = ringOf(tokens);
        const sorted = [...tokens].sort((a, b) => a - b).map(BigInt);
        const range = {
          start: { token: BigInt(s), key: startKey === null ? null : Buffer.from(startKey) }, startInclusive,
          end: { token: BigInt(s + width), key: null }, endInclusive,
        };
        const pieces = splitAtRingTokens(range, ring);
        expect(pieces.length).toBeLessThanOrEqual(tokens.length + 1);
        for (const [pt, pk] of probes) {
          const t = BigInt(pt);
          const k = Buffer.from(pk);
          const inRange = holder([{ ...range, ringToken: 0n }], t, k) === 0;
          const i = holder(pieces, t, k);
          expect(i >= 0).toBe(inRange);
          if (i >= 0) {
            // The ring range of t ends at the first ring token >= t (or wraps to the first one).
            const owner = sorted.find((x) => x >= t) ?? sorted[0]!;
            expect(pieces[i]!.ringToken).toBe(owner);
          }
        }
      },
    ), { numRuns: 500 });
  });
});
