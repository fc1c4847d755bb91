import fc from 'fast-check';
import { compressSync as lz4CompressSync } from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import { MalformedBodyError } from './body-reader.ts';
import { compressorFor, lz4Compressor, snappyCompressor, snappyDeclaredLength } from './compression.ts';

const LIMIT = 1 << 20;

describe('frame body compression', () => {
  for (const compressor of [lz4Compressor, snappyCompressor]) {
    it(`${compressor.algorithm} round-trips any body`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 4000 }), fc.boolean(), (bytes, repetitive) => {
          const body = repetitive ? Buffer.from(bytes.map((b) => b & 3)) : Buffer.from(bytes);
          const compressed = compressor.compress(body);
          expect(compressor.decompress(Buffer.from(compressed), LIMIT)).toEqual(body);
        }),
        { numRuns: 300 },
      );
    });

    it(`${compressor.algorithm} refuses bodies that would inflate above the limit`, () => {
      const body = Buffer.alloc(100_000, 7);
      const compressed = compressor.compress(body);
      expect(compressed.length).toBeLessThan(body.length / 10);
      expect(() => compressor.decompress(Buffer.from(compressed), 50_000)).toThrow(MalformedBodyError);
    });

    it(`${compressor.algorithm} throws MalformedBodyError on garbage`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
          try {
            compressor.decompress(Buffer.from(bytes), LIMIT);
          } catch (error) {
            expect(error).toBeInstanceOf(MalformedBodyError);
          }
        }),
        { numRuns: 500 },
      );
    });
  }

  it('lz4 bodies carry a 4-byte big-endian length then the raw block', () => {
    const body = Buffer.from('abcabcabcabcabcabcabcabc');
    const compressed = lz4Compressor.compress(body);
    expect(compressed.readUInt32BE(0)).toBe(body.length);
    // Same block as lz4-napi's own output, whose prefix is little-endian.
    expect(compressed.subarray(4)).toEqual(lz4CompressSync(body).subarray(4));
  });

  it('lz4 refuses a prefix that does not match the block', () => {
    const compressed = lz4Compressor.compress(Buffer.from('hello hello hello hello'));
    compressed.writeUInt32BE(500, 0);
    expect(() => lz4Compressor.decompress(compressed, LIMIT)).toThrow(MalformedBodyError);
  });

  it('snappy declared length is the leading varint', () => {
    expect(snappyDeclaredLength(Buffer.from([0x00]))).toBe(0);
    expect(snappyDeclaredLength(Buffer.from([0x7f]))).toBe(127);
    expect(snappyDeclaredLength(Buffer.from([0x80, 0x01]))).toBe(128);
    expect(snappyDeclaredLength(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]))).toBe(2 ** 32 - 1);
    expect(snappyDeclaredLength(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(-1);
    expect(snappyDeclaredLength(Buffer.from([0x80]))).toBe(-1);
  });

  it('finds compressors by STARTUP name, case-insensitively', () => {
    expect(compressorFor('LZ4')).toBe(lz4Compressor);
    expect(compressorFor('snappy')).toBe(snappyCompressor);
    expect(compressorFor('zstd')).toBeNull();
  });
});
