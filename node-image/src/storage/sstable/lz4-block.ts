// LZ4 block decompression into a buffer the caller owns (docs/formats/sstable.md, "Compression":
// a chunk is its uncompressed length as 4 bytes little-endian, then one LZ4 block). lz4-napi
// returns a new native buffer per chunk: a chunk cache keeps such buffers, and on this machine
// keeping them cost about 31 us per chunk (external memory the collector must account for, fresh
// pages faulted in) against 3.4 us when they are dropped at once. Decoding here, into buffers the
// chunk cache recycles, takes about 3.8 us per 4 KiB chunk and allocates nothing.
//
// The block format: sequences of a token byte (high nibble: literal length, low nibble: match
// length - 4; 15 means more length bytes follow, each added, until one below 255), the literals,
// then a two-byte little-endian offset back into the output and the match. The last sequence has
// literals only.

/** Literal runs and non-overlapping matches longer than this are copied natively, shorter ones byte by byte. */
const NATIVE_COPY_MIN = 24;

/**
 * Decodes the prefixed block `stored` into `target[0, length)`; returns `length`. Throws when the
 * prefix is not `length` or the block is malformed (a length, literal run or match past either
 * end, an offset of 0 or before the output's start, a block that decodes to another length);
 * nothing is written past `length`.
 */
export function lz4DecompressInto(stored: Uint8Array, target: Uint8Array, length: number): number {
  if (stored.length < 4) throw new Error(`lz4 chunk of ${stored.length} bytes has no length prefix`);
  const prefixed = (stored[0]! | (stored[1]! << 8) | (stored[2]! << 16) | (stored[3]! << 24)) >>> 0;
  if (prefixed !== length) throw new Error(`lz4 chunk says ${prefixed} bytes, expected ${length}`);
  if (target.length < length) throw new Error(`lz4 target of ${target.length} bytes for ${length}`);
  const end = stored.length;
  let s = 4;
  let d = 0;
  while (s < end) {
    const token = stored[s++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b = 255;
      while (b === 255) {
        if (s >= end) throw new Error('lz4 literal length runs past the chunk');
        b = stored[s++]!;
        literals += b;
      }
    }
    if (s + literals > end || d + literals > length) throw new Error('lz4 literals run past the chunk or the output');
    if (literals > NATIVE_COPY_MIN) {
      target.set(stored.subarray(s, s + literals), d);
      s += literals;
      d += literals;
    } else {
      for (let i = 0; i < literals; i++) target[d++] = stored[s++]!;
    }
    if (s === end) break;
    if (s + 2 > end) throw new Error('lz4 match offset runs past the chunk');
    const offset = stored[s]! | (stored[s + 1]! << 8);
    s += 2;
    let match = token & 15;
    if (match === 15) {
      let b = 255;
      while (b === 255) {
        if (s >= end) throw new Error('lz4 match length runs past the chunk');
        b = stored[s++]!;
        match += b;
      }
    }
    match += 4;
    if (offset === 0 || offset > d) throw new Error(`lz4 match offset ${offset} at output ${d}`);
    if (d + match > length) throw new Error('lz4 match runs past the output');
    let from = d - offset;
    if (offset >= match && match > NATIVE_COPY_MIN) {
      target.copyWithin(d, from, from + match);
      d += match;
    } else {
      // Overlapping (offset < match) repeats what it has just written: byte by byte.
      for (let i = 0; i < match; i++) target[d++] = target[from++]!;
    }
  }
  if (d !== length) throw new Error(`lz4 chunk decoded to ${d} bytes, expected ${length}`);
  return d;
}
