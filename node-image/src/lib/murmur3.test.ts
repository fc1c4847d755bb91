import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur3Hash128, murmur3Token, TOKEN_MAX, TOKEN_MIN } from './murmur3.ts';

// The oracle: the algorithm transcribed on BigInt (lib's implementation before it moved to uint32
// halves), checked against the same test vectors below.
const MASK64 = (1n << 64n) - 1n;
const C1 = 0x87c37b91114253d5n;
const C2 = 0x4cf5ad432745937fn;

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
function bigintHash128(key: Uint8Array, seed = 0n): [bigint, bigint] {
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
function bigintToken(key: Uint8Array): bigint {
  if (key.length === 0) return TOKEN_MIN;
  const [h1] = bigintHash128(key);
  const token = BigInt.asIntN(64, h1);
  return token === TOKEN_MIN ? TOKEN_MAX : token;
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('murmur3Token (Cassandra Murmur3Partitioner)', () => {
  const vectors: Array<[string, Buffer, string]> = [
    ['"123"', Buffer.from('123'), '-7468325962851647638'],
    ['00ff10fa99 x10', hex('00ff10fa99'.repeat(10)), '5837342703291459765'],
    ['fe x8', hex('fe'.repeat(8)), '-8927430733708461935'],
    ['10 x8', hex('10'.repeat(8)), '1446172840243228796'],
    ['"9223372036854775807"', Buffer.from('9223372036854775807'), '7162290910810015547'],
    ['0102..10', hex('0102030405060708090a0b0c0d0e0f10'), '-5563837382979743776'],
    ['00 x16', hex('00'.repeat(16)), '5457549051747178710'],
    ['ff x16', hex('ff'.repeat(16)), '-2824192546314762522'],
    ['fe x17', hex('fe'.repeat(17)), '-1672437813826982685'],
    ['fefefefe', hex('fefefefe'), '4566408979886474012'],
    ['int 0', hex('00000000'), '-3485513579396041028'],
    ['00017f7f', hex('00017f7f'), '6573459401642635627'],
    ['00ffffff', hex('00ffffff'), '123573637386978882'],
    ['ff010203', hex('ff010203'), '-2839127690952877842'],
    ['e2e7', hex('e2e7'), '-8582699461035929883'],
    ['e2e7e2e7e2e701', hex('e2e7e2e7e2e701'), '2222373981930033306'],
    ['int 1', hex('00000001'), '-4069959284402364209'],
    ['int 2', hex('00000002'), '-3248873570005575792'],
    ['int -1', hex('ffffffff'), '7297452126230313552'],
    ['int 128', hex('00000080'), '-9081975895656599623'],
    ['composite (10, "20")', hex('0004 0000000a 00 0002 3230 00'), '-9026262514124674157'],
    ['composite (1, "2")', hex('0004 00000001 00 0001 32 00'), '4093852821103061060'],
    ['composite ("key1", 1)', hex('0004 6b657931 00 0004 00000001 00'), '5686899211583822669'],
  ];
  for (const [name, key, token] of vectors) {
    it(`hashes ${name}`, () => {
      expect(murmur3Token(key).toString()).toBe(token);
    });
  }
  it('maps the empty key to the minimum token', () => {
    expect(murmur3Token(Buffer.alloc(0))).toBe(TOKEN_MIN);
  });
  it('never returns the minimum token for a non-empty key', () => {
    for (let i = 0; i < 2000; i++) {
      const t = murmur3Token(Buffer.from(`k${i}`));
      expect(t > TOKEN_MIN && t <= TOKEN_MAX).toBe(true);
    }
  });
});

describe('murmur3 on uint32 halves equals the BigInt transcription', () => {
  it('gives the same token for any key (every tail length, sign-extended tail bytes)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (key) => {
      expect(murmur3Token(key)).toBe(bigintToken(key));
    }), { numRuns: 20_000 });
  });

  it('gives the same [h1, h2] for any key and 64-bit seed', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }), (key, seed) => {
      expect(murmur3Hash128(key, seed)).toEqual(bigintHash128(key, seed));
    }), { numRuns: 5_000 });
  });

  it('the oracle passes the test vectors too', () => {
    expect(bigintToken(Buffer.from('123')).toString()).toBe('-7468325962851647638');
    expect(bigintToken(Buffer.from('fe'.repeat(17), 'hex')).toString()).toBe('-1672437813826982685');
  });
});
