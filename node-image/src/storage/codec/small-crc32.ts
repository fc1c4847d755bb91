// CRC-32 (IEEE 802.3, the polynomial and result of zlib's crc32) for short inputs computed in
// JavaScript, eight bytes a step (slicing-by-8 tables): for a commit-log entry of a few hundred
// bytes that is faster than zlib's native call, which also needs a subarray view (garbage on
// every write). Measured: 150 bytes in 117 ns against 189 ns through zlib; at 400 bytes zlib wins
// (240 against 321 ns). Longer inputs go to zlib.
import { crc32 } from 'node:zlib';

/** Inputs up to this length are checksummed here; longer ones by zlib. */
export const SMALL_CRC32_BYTES_MAX = 256;

/** TABLES[k * 256 + b]: the CRC of byte b followed by k zero bytes (TABLES[0..255]: the classic table). */
const TABLES: Int32Array = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const previous = t[(k - 1) * 256 + n]!;
      t[k * 256 + n] = (previous >>> 8) ^ t[previous & 0xff]!;
    }
  }
  return t;
})();

/** zlib.crc32(bytes.subarray(start, end)) >>> 0, without the native call for short ranges. */
export function crc32Of(bytes: Uint8Array, start: number, end: number): number {
  if (end - start > SMALL_CRC32_BYTES_MAX) return crc32(bytes.subarray(start, end)) >>> 0;
  const t = TABLES;
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    c = t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^ t[1280 + ((a >>> 16) & 0xff)]! ^ t[1024 + (a >>> 24)]!
      ^ t[768 + bytes[i + 4]!]! ^ t[512 + bytes[i + 5]!]! ^ t[256 + bytes[i + 6]!]! ^ t[bytes[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
