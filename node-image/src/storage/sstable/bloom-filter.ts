// A bloom filter over partition keys. The two base hashes are the halves of the key's Murmur3
// token (h1 of MurmurHash3 x64_128, already computed for every key), combined by double hashing
// (Kirsch-Mitzenmacher). An fp chance of 1 or more disables it (everything "may be present").
import { crc32 } from 'node:zlib';
import { assert } from '../../lib/index.ts';
import { StorageCorruptionError } from '../errors.ts';
import { tokenHighOf, tokenLowOf } from './partition-index.ts';
import { BLOOM_BITS_MAX, BLOOM_HASH_COUNT_MAX } from './sstable-format.ts';

/** Smallest filter, so tiny SSTables still get a useful one. */
export const BLOOM_BITS_MIN = 64;
/** Filter.db header: hash count (u32), bit count (u32). */
export const BLOOM_HEADER_BYTES = 8;

export class BloomFilter {
  readonly hashCount: number;
  readonly bitCount: number;
  readonly bits: Uint8Array;

  constructor(hashCount: number, bitCount: number, bits: Uint8Array) {
    assert(hashCount >= 0 && hashCount <= BLOOM_HASH_COUNT_MAX, 'bloom hash count');
    assert(bits.length === Math.ceil(bitCount / 8), 'bloom bits length');
    this.hashCount = hashCount;
    this.bitCount = bitCount;
    this.bits = bits;
  }

  /** Sized for `keys` keys at false-positive chance `fpChance`. */
  static create(keys: number, fpChance: number): BloomFilter {
    if (fpChance >= 1) return new BloomFilter(0, 0, new Uint8Array(0));
    const n = Math.max(1, keys);
    const p = Math.max(fpChance, 1e-9);
    const m = Math.min(BLOOM_BITS_MAX, Math.max(BLOOM_BITS_MIN, Math.ceil((-n * Math.log(p)) / (Math.LN2 * Math.LN2))));
    const k = Math.min(BLOOM_HASH_COUNT_MAX, Math.max(1, Math.round((m / n) * Math.LN2)));
    return new BloomFilter(k, m, new Uint8Array(Math.ceil(m / 8)));
  }

  add(token: bigint): void {
    this.addHalves(tokenHighOf(token), tokenLowOf(token));
  }

  /** add() with the token as its signed high and unsigned low 32 bits (no BigInt on hot paths). */
  addHalves(high: number, low: number): void {
    if (this.hashCount === 0) return;
    const h2 = (high | 1) >>> 0;
    for (let i = 0; i < this.hashCount; i++) {
      const bit = (low + i * h2) % this.bitCount;
      this.bits[bit >>> 3]! |= 1 << (bit & 7);
    }
  }

  mightContain(token: bigint): boolean {
    return this.mightContainHalves(tokenHighOf(token), tokenLowOf(token));
  }

  mightContainHalves(high: number, low: number): boolean {
    if (this.hashCount === 0) return true;
    // (low + i * h2) % m stepped incrementally: two divisions per lookup instead of one per probe.
    const m = this.bitCount;
    const bits = this.bits;
    const step = ((high | 1) >>> 0) % m;
    let bit = low % m;
    for (let i = 0; i < this.hashCount; i++) {
      if ((bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
      bit += step;
      if (bit >= m) bit -= m;
    }
    return true;
  }

  /** Filter.db: [u32 hashCount][u32 bitCount][bits][u32 crc32 of everything before]. */
  serialize(): Buffer {
    const out = Buffer.alloc(BLOOM_HEADER_BYTES + this.bits.length + 4);
    out.writeUInt32BE(this.hashCount, 0);
    out.writeUInt32BE(this.bitCount, 4);
    out.set(this.bits, BLOOM_HEADER_BYTES);
    out.writeUInt32BE(crc32(out.subarray(0, out.length - 4)) >>> 0, out.length - 4);
    return out;
  }

  static deserialize(bytes: Buffer, path: string): BloomFilter {
    if (bytes.length < BLOOM_HEADER_BYTES + 4) throw new StorageCorruptionError({ path, offsetBytes: 0, reason: 'filter too short' });
    const stored = bytes.readUInt32BE(bytes.length - 4);
    if ((crc32(bytes.subarray(0, bytes.length - 4)) >>> 0) !== stored) {
      throw new StorageCorruptionError({ path, offsetBytes: 0, reason: 'filter checksum mismatch' });
    }
    const hashCount = bytes.readUInt32BE(0);
    const bitCount = bytes.readUInt32BE(4);
    const bits = bytes.subarray(BLOOM_HEADER_BYTES, bytes.length - 4);
    if (hashCount > BLOOM_HASH_COUNT_MAX || bits.length !== Math.ceil(bitCount / 8) || (hashCount > 0 && bitCount === 0)) {
      throw new StorageCorruptionError({ path, offsetBytes: 0, reason: 'filter header inconsistent' });
    }
    return new BloomFilter(hashCount, bitCount, bits);
  }
}
