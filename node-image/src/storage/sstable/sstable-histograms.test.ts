import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PARTITION_SIZE_BUCKETS, partitionSizeBucket } from './sstable-histograms.ts';

describe('partitionSizeBucket', () => {
  it('is ceil(log2(size)) capped at the last bucket, 0 for sizes up to one byte', () => {
    const expected = (n: number): number => (n <= 1 ? 0 : Math.min(PARTITION_SIZE_BUCKETS - 1, Math.ceil(Math.log2(n))));
    fc.assert(fc.property(fc.oneof(fc.nat({ max: 70_000 }), fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), (n) => {
      expect(partitionSizeBucket(n)).toBe(expected(n));
    }));
    // Powers of two and their neighbours, where a bit-length off by one would show.
    for (let k = 0; k < 53; k++) {
      for (const n of [2 ** k - 1, 2 ** k, 2 ** k + 1]) expect(partitionSizeBucket(n), String(n)).toBe(expected(n));
    }
  });
});
