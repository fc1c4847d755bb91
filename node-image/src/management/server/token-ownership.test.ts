import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortTokens, tokenOwnership } from './token-ownership.ts';

const MIN = -(1n << 63n);
const MAX = (1n << 63n) - 1n;

describe('tokenOwnership', () => {
  it('gives a single node the whole ring', () => {
    expect(tokenOwnership([{ token: 5n, address: 'a' }]).get('a')).toBe(1);
    expect(tokenOwnership([{ token: 5n, address: 'a' }, { token: -7n, address: 'a' }]).get('a')).toBe(1);
    expect(tokenOwnership([]).size).toBe(0);
  });

  it('splits the ring at the tokens, each token owning the range ending at it', () => {
    const o = tokenOwnership([{ token: 0n, address: 'a' }, { token: MIN, address: 'b' }]);
    expect(o.get('a')).toBeCloseTo(0.5, 12);
    expect(o.get('b')).toBeCloseTo(0.5, 12);
    const q = tokenOwnership([{ token: -(1n << 62n), address: 'a' }, { token: 0n, address: 'b' }, { token: 1n << 62n, address: 'c' }, { token: MIN, address: 'd' }]);
    for (const k of ['a', 'b', 'c', 'd']) expect(q.get(k)).toBeCloseTo(0.25, 12);
  });

  it('sums to one over any token set (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ token: fc.bigInt({ min: MIN, max: MAX }), address: fc.constantFrom('a', 'b', 'c', 'd') }), { minLength: 1, maxLength: 64 }),
      (tokens) => {
        let sum = 0;
        for (const v of tokenOwnership(tokens).values()) sum += v;
        expect(sum).toBeCloseTo(1, 9);
      },
    ));
  });

  it('sorts tokens in signed order', () => {
    expect(sortTokens([{ token: 3n, address: 'a' }, { token: MIN, address: 'b' }, { token: -1n, address: 'c' }]).map((t) => t.address)).toEqual(['b', 'c', 'a']);
  });
});
