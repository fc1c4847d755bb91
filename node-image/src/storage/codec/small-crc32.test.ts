import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32Of } from './small-crc32.ts';

describe('crc32Of', () => {
  it('equals zlib crc32 for every length and offset, on both sides of the JavaScript limit', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(10), (bytes, skip) => {
      const start = Math.min(skip, bytes.length);
      expect(crc32Of(bytes, start, bytes.length)).toBe(crc32(bytes.subarray(start)) >>> 0);
    }), { numRuns: 500 });
  });
});
