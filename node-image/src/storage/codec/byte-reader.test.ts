import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, DecodeError, bigInt64At } from './byte-reader.ts';

describe('ByteReader', () => {
  it('bigInt64At and i64 read the big-endian signed 64-bit integer Buffer.readBigInt64BE reads, at any offset', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 8, maxLength: 40 }), fc.nat(), (bytes, n) => {
      const buffer = Buffer.from(bytes);
      const at = n % (buffer.length - 7);
      expect(bigInt64At(buffer, at)).toBe(buffer.readBigInt64BE(at));
      const r = new ByteReader(buffer, at);
      expect(r.i64()).toBe(buffer.readBigInt64BE(at));
      expect(r.offset).toBe(at + 8);
    }));
    // The extremes, whose sign a wrong byte order or width would flip.
    for (const v of [-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n, 1n]) {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(v);
      expect(bigInt64At(b, 0)).toBe(v);
    }
  });

  it('i64 past the end throws DecodeError and does not move', () => {
    const r = new ByteReader(Buffer.alloc(7));
    expect(() => r.i64()).toThrow(DecodeError);
    expect(r.offset).toBe(0);
  });
});
