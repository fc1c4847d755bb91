import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PreparedCache } from './prepared-cache.ts';

const idOf = (n: number): Buffer => createHash('md5').update(String(n)).digest();
const entry = (n: number, tag = 0): { id: Buffer; n: number; tag: number } => ({ id: idOf(n), n, tag });

describe('PreparedCache', () => {
  it('finds entries by id bytes (not identity), replaces by id, and stays bounded', () => {
    const cache = new PreparedCache<ReturnType<typeof entry>>(3);
    cache.set(entry(1));
    cache.set(entry(2));
    expect(cache.get(Buffer.from(idOf(1)))?.n).toBe(1);
    cache.set(entry(1, 9));
    expect(cache.size).toBe(2);
    expect(cache.get(idOf(1))?.tag).toBe(9);
    cache.set(entry(3));
    cache.set(entry(4));
    expect(cache.size).toBe(3);
    expect(cache.get(idOf(99))).toBeUndefined();
  });

  it('gives a recently used entry a second chance over an unused one', () => {
    const cache = new PreparedCache<ReturnType<typeof entry>>(2);
    cache.set(entry(1));
    cache.set(entry(2));
    cache.get(idOf(1));
    cache.set(entry(3));
    expect(cache.get(idOf(1))).toBeDefined();
    expect(cache.get(idOf(2))).toBeUndefined();
    expect(cache.get(idOf(3))).toBeDefined();
  });

  it('handles ids shorter than 4 bytes and shared prefixes', () => {
    const cache = new PreparedCache<{ id: Buffer }>(8);
    const a = { id: Buffer.from([1, 2, 3, 4, 5]) };
    const b = { id: Buffer.from([1, 2, 3, 4, 6]) };
    const c = { id: Buffer.from([7]) };
    cache.set(a);
    cache.set(b);
    cache.set(c);
    expect(cache.get(Buffer.from([1, 2, 3, 4, 5]))).toBe(a);
    expect(cache.get(Buffer.from([1, 2, 3, 4, 6]))).toBe(b);
    expect(cache.get(Buffer.from([7]))).toBe(c);
    expect(cache.get(Buffer.from([1, 2, 3, 4]))).toBeUndefined();
  });

  it('never holds more than its capacity and always holds the newest entry', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 20 })), { maxLength: 200 }), (capacity, ops) => {
      const cache = new PreparedCache<ReturnType<typeof entry>>(capacity);
      for (const [isSet, n] of ops) {
        if (isSet) {
          cache.set(entry(n));
          expect(cache.get(idOf(n))?.n).toBe(n);
        } else {
          const got = cache.get(idOf(n));
          if (got !== undefined) expect(got.n).toBe(n);
        }
        expect(cache.size).toBeLessThanOrEqual(capacity);
      }
    }));
  });
});
