import fc from 'fast-check';
import { compressSync } from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import { lz4DecompressInto } from './lz4-block.ts';

/** Inputs LZ4 finds matches in: runs, repeats at short and long distances, random stretches. */
const compressible = fc.array(fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 300 }),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 5000 })).map(([b, n]) => new Uint8Array(n).fill(b)),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 400 })).map(([unit, n]) => {
    const out = new Uint8Array(unit.length * n);
    for (let i = 0; i < n; i++) out.set(unit, i * unit.length);
    return out;
  }),
), { maxLength: 12 }).map((parts) => {
  const all = Buffer.concat(parts.map((p) => Buffer.from(p)));
  // Repeat an earlier stretch far back (offsets up to 64 KiB).
  return all.length > 100 ? Buffer.concat([all, all.subarray(0, Math.min(all.length, 2000))]) : all;
});

describe('lz4 block decompression into a caller buffer', () => {
  it('gives back what lz4-napi compressed, literal runs and matches of every length included', () => {
    fc.assert(fc.property(compressible, (input) => {
      const stored = compressSync(input);
      const target = Buffer.alloc(input.length + 16, 0xee);
      expect(lz4DecompressInto(stored, target, input.length)).toBe(input.length);
      expect(target.subarray(0, input.length).equals(input)).toBe(true);
      // Nothing written past the output.
      expect(target.subarray(input.length).every((b) => b === 0xee)).toBe(true);
    }), { numRuns: 400 });
  });

  it('decodes 16 KiB chunks of db_bench-like rows (half random, half repeated)', () => {
    const chunk = Buffer.alloc(16384);
    let a = 7;
    for (let i = 0; i < chunk.length; i++) {
      a = (a * 1103515245 + 12345) >>> 0;
      chunk[i] = i % 116 < 16 ? 0x30 + (i % 10) : i % 116 < 66 ? a >>> 24 : 0x61 + ((i / 116) % 26);
    }
    const stored = compressSync(chunk);
    expect(stored.length).toBeLessThan(chunk.length);
    const target = Buffer.allocUnsafe(16384);
    lz4DecompressInto(stored, target, 16384);
    expect(target.equals(chunk)).toBe(true);
  });

  it('refuses a wrong length prefix, truncated or altered blocks, and never writes past the output', () => {
    const input = Buffer.from('abcdefgh'.repeat(200) + 'the end of it all, plainly written out');
    const stored = compressSync(input);
    expect(() => lz4DecompressInto(stored, Buffer.alloc(input.length), input.length - 1)).toThrow(/expected/);
    expect(() => lz4DecompressInto(stored.subarray(0, 3), Buffer.alloc(input.length), input.length)).toThrow(/prefix/);
    fc.assert(fc.property(fc.integer({ min: 4, max: stored.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.boolean(), (at, byte, truncate) => {
      const bad = Buffer.from(truncate ? stored.subarray(0, at) : stored);
      if (!truncate) bad[at] = byte;
      const target = Buffer.alloc(input.length + 64, 0xee);
      try {
        lz4DecompressInto(bad, target, input.length);
      } catch (error) {
        expect((error as Error).message).toMatch(/lz4/);
      }
      // Whatever the bytes, the decoder stays inside the output it was given.
      expect(target.subarray(input.length).every((b) => b === 0xee)).toBe(true);
    }), { numRuns: 500 });
  });
});
