import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur3Token } from '../../lib/index.ts';
import { BloomFilter } from './bloom-filter.ts';

const tokenOf = (i: number): bigint => murmur3Token(Buffer.from(`key-${i}`));

describe('BloomFilter', () => {
  it('never reports a false negative and keeps the false-positive rate near the target', () => {
    const n = 20000;
    for (const fp of [0.01, 0.1]) {
      const filter = BloomFilter.create(n, fp);
      for (let i = 0; i < n; i++) filter.add(tokenOf(i));
      for (let i = 0; i < n; i++) expect(filter.mightContain(tokenOf(i))).toBe(true);
      let positives = 0;
      const probes = 50000;
      for (let i = n; i < n + probes; i++) if (filter.mightContain(tokenOf(i))) positives++;
      expect(positives / probes).toBeLessThan(fp * 1.5);
    }
  });

  it('round-trips through Filter.db bytes and detects corruption', () => {
    const filter = BloomFilter.create(100, 0.01);
    for (let i = 0; i < 100; i++) filter.add(tokenOf(i));
    const bytes = filter.serialize();
    const back = BloomFilter.deserialize(bytes, 'Filter.db');
    for (let i = 0; i < 100; i++) expect(back.mightContain(tokenOf(i))).toBe(true);
    bytes[10] = bytes[10]! ^ 0xff;
    expect(() => BloomFilter.deserialize(bytes, 'Filter.db')).toThrow(/checksum/);
  });

  it('probes the same bits as the direct formula (low + i * h2) % m', () => {
    fc.assert(fc.property(
      fc.integer({ min: 64, max: 1 << 20 }), fc.integer({ min: 1, max: 16 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer(),
      (m, k, high, low, seed) => {
        const bits = new Uint8Array(Math.ceil(m / 8));
        let x = seed | 1;
        for (let i = 0; i < bits.length; i++) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          // About 7 bits of 8 set, so lookups often run through several probes.
          bits[i] = (x & 0xff) | ((x >>> 8) & 0xff);
        }
        const filter = new BloomFilter(k, m, bits);
        const h2 = (high | 1) >>> 0;
        let expected = true;
        for (let i = 0; i < k && expected; i++) {
          const bit = (low + i * h2) % m;
          if ((bits[bit >>> 3]! & (1 << (bit & 7))) === 0) expected = false;
        }
        expect(filter.mightContainHalves(high, low)).toBe(expected);
      },
    ), { numRuns: 2000 });
  });

  it('is disabled (always maybe) at fp chance 1', () => {
    const filter = BloomFilter.create(100, 1);
    expect(filter.mightContain(123n)).toBe(true);
    expect(BloomFilter.deserialize(filter.serialize(), 'f').mightContain(-5n)).toBe(true);
  });
});
