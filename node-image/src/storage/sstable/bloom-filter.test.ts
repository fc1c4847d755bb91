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

  it('is disabled (always maybe) at fp chance 1', () => {
    const filter = BloomFilter.create(100, 1);
    expect(filter.mightContain(123n)).toBe(true);
    expect(BloomFilter.deserialize(filter.serialize(), 'f').mightContain(-5n)).toBe(true);
  });
});
