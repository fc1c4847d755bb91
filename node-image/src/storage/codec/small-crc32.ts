// CRC-32 (IEEE 802.3, the polynomial and result of zlib's crc32) for short inputs computed in
// JavaScript: a native zlib call costs more than the arithmetic for a few dozen bytes, and the
// commit log checksums a 4-byte length per entry. Longer inputs go to zlib.
import { crc32 } from 'node:zlib';

/** Inputs up to this length are checksummed here; longer ones by zlib. */
export const SMALL_CRC32_BYTES_MAX = 64;

const TABLE: Int32Array = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** zlib.crc32(bytes.subarray(start, end)) >>> 0, without the native call for short ranges. */
export function crc32Of(bytes: Uint8Array, start: number, end: number): number {
  if (end - start > SMALL_CRC32_BYTES_MAX) return crc32(bytes.subarray(start, end)) >>> 0;
  let c = -1;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
