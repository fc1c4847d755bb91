// Cassandra's Murmur3Partitioner hash: MurmurHash3 x64_128 with seed 0, where tail bytes are
// sign-extended (Java casts byte to long) before mixing. The token is h1 as a signed 64-bit
// integer, with Long.MIN_VALUE mapped to Long.MAX_VALUE; the empty key is Long.MIN_VALUE.
// 64-bit arithmetic is done on BigInt limited with asUintN; keys are short so this is cheap
// next to the work around it. Test vectors: ../shared/specs/cassandra-internals.md section 1.3.

const MASK64 = (1n << 64n) - 1n;
const C1 = 0x87c37b91114253d5n;
const C2 = 0x4cf5ad432745937fn;
export const TOKEN_MIN = -(1n << 63n);
export const TOKEN_MAX = (1n << 63n) - 1n;

function rotl64(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & MASK64;
}

function fmix64(k0: bigint): bigint {
  let k = k0;
  k ^= k >> 33n;
  k = (k * 0xff51afd7ed558ccdn) & MASK64;
  k ^= k >> 33n;
  k = (k * 0xc4ceb9fe1a85ec53n) & MASK64;
  k ^= k >> 33n;
  return k;
}

function readUint64LE(bytes: Uint8Array, offset: number): bigint {
  const lo = (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
  const hi = (bytes[offset + 4]! | (bytes[offset + 5]! << 8) | (bytes[offset + 6]! << 16) | (bytes[offset + 7]! << 24)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Sign-extended tail byte as Java's (long) cast of a byte gives it, masked to 64 bits. */
function tailByte(b: number): bigint {
  return b >= 0x80 ? (BigInt(b) | 0xffffffffffffff00n) & MASK64 : BigInt(b);
}

/** Cassandra's MurmurHash.hash3_x64_128(key, 0, len, seed) returning [h1, h2] as unsigned 64-bit. */
export function murmur3Hash128(key: Uint8Array, seed = 0n): [bigint, bigint] {
  const length = key.length;
  const nblocks = length >> 4;
  let h1 = seed & MASK64;
  let h2 = seed & MASK64;
  for (let i = 0; i < nblocks; i++) {
    let k1 = readUint64LE(key, i * 16);
    let k2 = readUint64LE(key, i * 16 + 8);
    k1 = (k1 * C1) & MASK64; k1 = rotl64(k1, 31n); k1 = (k1 * C2) & MASK64; h1 ^= k1;
    h1 = rotl64(h1, 27n); h1 = (h1 + h2) & MASK64; h1 = (h1 * 5n + 0x52dce729n) & MASK64;
    k2 = (k2 * C2) & MASK64; k2 = rotl64(k2, 33n); k2 = (k2 * C1) & MASK64; h2 ^= k2;
    h2 = rotl64(h2, 31n); h2 = (h2 + h1) & MASK64; h2 = (h2 * 5n + 0x38495ab5n) & MASK64;
  }
  const tail = nblocks * 16;
  let k1 = 0n;
  let k2 = 0n;
  const rem = length & 15;
  for (let i = rem - 1; i >= 8; i--) k2 ^= (tailByte(key[tail + i]!) << BigInt((i - 8) * 8)) & MASK64;
  if (rem > 8) {
    k2 = (k2 * C2) & MASK64; k2 = rotl64(k2, 33n); k2 = (k2 * C1) & MASK64; h2 ^= k2;
  }
  for (let i = Math.min(rem, 8) - 1; i >= 0; i--) k1 ^= (tailByte(key[tail + i]!) << BigInt(i * 8)) & MASK64;
  if (rem > 0) {
    k1 = (k1 * C1) & MASK64; k1 = rotl64(k1, 31n); k1 = (k1 * C2) & MASK64; h1 ^= k1;
  }
  const len = BigInt(length);
  h1 ^= len; h2 ^= len;
  h1 = (h1 + h2) & MASK64; h2 = (h2 + h1) & MASK64;
  h1 = fmix64(h1); h2 = fmix64(h2);
  h1 = (h1 + h2) & MASK64; h2 = (h2 + h1) & MASK64;
  return [h1, h2];
}

/** Murmur3Partitioner token of a serialized partition key, a signed 64-bit BigInt. */
export function murmur3Token(key: Uint8Array): bigint {
  if (key.length === 0) return TOKEN_MIN;
  const [h1] = murmur3Hash128(key);
  const token = BigInt.asIntN(64, h1);
  return token === TOKEN_MIN ? TOKEN_MAX : token;
}
