// A proposal with its measurement, for lib/murmur3.ts (not ours to edit): Cassandra's Murmur3
// token computed on 32-bit halves with Math.imul instead of BigInt arithmetic, building one BigInt
// at the end. It first checks itself against lib's murmur3Token on random keys (0-80 bytes, every
// tail length, sign-extended tail bytes), then times both. JSON lines; CPU ns per token.
// Run: npx node bench/murmur3-token-proposal.ts   (BENCH_KEYS, default 200000)
import { murmur3Token } from '../node-image/src/lib/index.ts';
import { emitJsonLine } from './lib/index.ts';

const TOKEN_MIN = -(1n << 63n);
const TOKEN_MAX = (1n << 63n) - 1n;

/** A 64-bit value as two uint32 halves; one scratch pair per operation keeps the loop allocation-free. */
let hi = 0;
let lo = 0;

/** (aHi:aLo * bHi:bLo) mod 2^64 into hi/lo, with 16-bit limbs so every partial product is exact. */
function mul64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const a48 = aHi >>> 16, a32 = aHi & 0xffff, a16 = aLo >>> 16, a00 = aLo & 0xffff;
  const b48 = bHi >>> 16, b32 = bHi & 0xffff, b16 = bLo >>> 16, b00 = bLo & 0xffff;
  let c00 = a00 * b00;
  let c16 = c00 >>> 16;
  c00 &= 0xffff;
  c16 += a16 * b00;
  let c32 = c16 >>> 16;
  c16 &= 0xffff;
  c16 += a00 * b16;
  c32 += c16 >>> 16;
  c16 &= 0xffff;
  c32 += a32 * b00;
  let c48 = c32 >>> 16;
  c32 &= 0xffff;
  c32 += a16 * b16;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c32 += a00 * b32;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c48 += a48 * b00 + a32 * b16 + a16 * b32 + a00 * b48;
  c48 &= 0xffff;
  hi = ((c48 << 16) | c32) >>> 0;
  lo = ((c16 << 16) | c00) >>> 0;
}

function rotl64(xHi: number, xLo: number, r: number): void {
  if (r >= 32) {
    const t = xHi;
    xHi = xLo;
    xLo = t;
    r -= 32;
  }
  if (r === 0) {
    hi = xHi >>> 0;
    lo = xLo >>> 0;
    return;
  }
  hi = ((xHi << r) | (xLo >>> (32 - r))) >>> 0;
  lo = ((xLo << r) | (xHi >>> (32 - r))) >>> 0;
}

function add64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const sumLo = aLo + bLo;
  lo = sumLo >>> 0;
  hi = (aHi + bHi + (sumLo > 0xffffffff ? 1 : 0)) >>> 0;
}

const C1_HI = 0x87c37b91, C1_LO = 0x114253d5;
const C2_HI = 0x4cf5ad43, C2_LO = 0x2745937f;

function fmix64(kHi: number, kLo: number): void {
  // k ^= k >>> 33
  kLo = (kLo ^ (kHi >>> 1)) >>> 0;
  mul64(kHi, kLo, 0xff51afd7, 0xed558ccd);
  kHi = hi;
  kLo = (lo ^ (hi >>> 1)) >>> 0;
  mul64(kHi, kLo, 0xc4ceb9fe, 0x1a85ec53);
  kHi = hi;
  kLo = (lo ^ (hi >>> 1)) >>> 0;
  hi = kHi;
  lo = kLo;
}

function readLo(key: Uint8Array, at: number): number {
  return (key[at]! | (key[at + 1]! << 8) | (key[at + 2]! << 16) | (key[at + 3]! << 24)) >>> 0;
}

/** Cassandra's Murmur3Partitioner token (h1 of x64_128, seed 0, sign-extended tail bytes). */
export function murmur3TokenFast(key: Uint8Array): bigint {
  const length = key.length;
  if (length === 0) return TOKEN_MIN;
  const nblocks = length >> 4;
  let h1Hi = 0, h1Lo = 0, h2Hi = 0, h2Lo = 0;
  for (let i = 0; i < nblocks; i++) {
    const at = i * 16;
    mul64(readLo(key, at + 4), readLo(key, at), C1_HI, C1_LO);
    rotl64(hi, lo, 31);
    mul64(hi, lo, C2_HI, C2_LO);
    h1Hi = (h1Hi ^ hi) >>> 0;
    h1Lo = (h1Lo ^ lo) >>> 0;
    rotl64(h1Hi, h1Lo, 27);
    add64(hi, lo, h2Hi, h2Lo);
    mul64(hi, lo, 0, 5);
    add64(hi, lo, 0, 0x52dce729);
    h1Hi = hi;
    h1Lo = lo;
    mul64(readLo(key, at + 12), readLo(key, at + 8), C2_HI, C2_LO);
    rotl64(hi, lo, 33);
    mul64(hi, lo, C1_HI, C1_LO);
    h2Hi = (h2Hi ^ hi) >>> 0;
    h2Lo = (h2Lo ^ lo) >>> 0;
    rotl64(h2Hi, h2Lo, 31);
    add64(hi, lo, h1Hi, h1Lo);
    mul64(hi, lo, 0, 5);
    add64(hi, lo, 0, 0x38495ab5);
    h2Hi = hi;
    h2Lo = lo;
  }
  const tail = nblocks * 16;
  const rem = length & 15;
  // Tail bytes are sign-extended (Java's (long) cast of a byte) before shifting into place.
  let k1Hi = 0, k1Lo = 0, k2Hi = 0, k2Lo = 0;
  for (let i = rem - 1; i >= 8; i--) {
    const b = key[tail + i]!;
    const shift = (i - 8) * 8;
    const ext = b >= 0x80 ? 0xffffffff : 0;
    if (shift < 32) {
      k2Lo ^= ((b | (ext << 8)) << shift) >>> 0;
      k2Hi ^= shift === 0 ? ext : ((ext << shift) | ((b | (ext << 8)) >>> (32 - shift))) >>> 0;
    } else {
      k2Hi ^= ((b | (ext << 8)) << (shift - 32)) >>> 0;
    }
  }
  if (rem > 8) {
    mul64(k2Hi >>> 0, k2Lo >>> 0, C2_HI, C2_LO);
    rotl64(hi, lo, 33);
    mul64(hi, lo, C1_HI, C1_LO);
    h2Hi = (h2Hi ^ hi) >>> 0;
    h2Lo = (h2Lo ^ lo) >>> 0;
  }
  for (let i = Math.min(rem, 8) - 1; i >= 0; i--) {
    const b = key[tail + i]!;
    const shift = i * 8;
    const ext = b >= 0x80 ? 0xffffffff : 0;
    if (shift < 32) {
      k1Lo ^= ((b | (ext << 8)) << shift) >>> 0;
      k1Hi ^= shift === 0 ? ext : ((ext << shift) | ((b | (ext << 8)) >>> (32 - shift))) >>> 0;
    } else {
      k1Hi ^= ((b | (ext << 8)) << (shift - 32)) >>> 0;
    }
  }
  if (rem > 0) {
    mul64(k1Hi >>> 0, k1Lo >>> 0, C1_HI, C1_LO);
    rotl64(hi, lo, 31);
    mul64(hi, lo, C2_HI, C2_LO);
    h1Hi = (h1Hi ^ hi) >>> 0;
    h1Lo = (h1Lo ^ lo) >>> 0;
  }
  // h ^= len (lengths fit 32 bits)
  h1Lo = (h1Lo ^ length) >>> 0;
  h2Lo = (h2Lo ^ length) >>> 0;
  add64(h1Hi, h1Lo, h2Hi, h2Lo);
  h1Hi = hi;
  h1Lo = lo;
  add64(h2Hi, h2Lo, h1Hi, h1Lo);
  h2Hi = hi;
  h2Lo = lo;
  fmix64(h1Hi, h1Lo);
  h1Hi = hi;
  h1Lo = lo;
  fmix64(h2Hi, h2Lo);
  h2Hi = hi;
  h2Lo = lo;
  add64(h1Hi, h1Lo, h2Hi, h2Lo);
  const token = (BigInt(hi | 0) << 32n) | BigInt(lo);
  return token === TOKEN_MIN ? TOKEN_MAX : token;
}

function keys(count: number, seed: number): Buffer[] {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  return Array.from({ length: count }, (_, n) => {
    const key = Buffer.allocUnsafe(n < 1000 ? n % 81 : 10);
    for (let i = 0; i < key.length; i++) key[i] = next() & 0xff;
    return key;
  });
}

const count = Number(process.env['BENCH_KEYS'] ?? 200_000);
const sample = keys(count, 42);
for (const key of sample) {
  const expected = murmur3Token(key);
  const got = murmur3TokenFast(key);
  if (got !== expected) throw new Error(`mismatch for ${key.toString('hex')}: ${got} != ${expected}`);
}
emitJsonLine({ type: 'check', keys: sample.length, equal: true });
for (const [name, fn] of [['lib-bigint', murmur3Token], ['proposal-int32', murmur3TokenFast]] as const) {
  let sink = 0n;
  for (let round = 0; round < 3; round++) {
    // CPU time, not wall time: the machine is shared.
    const start = process.cpuUsage();
    for (const key of sample) sink ^= fn(key);
    const used = process.cpuUsage(start);
    const ns = ((used.user + used.system) * 1000) / sample.length;
    if (round === 2) emitJsonLine({ type: 'result', impl: name, cpu_ns_per_token: Math.round(ns), sink: String(sink & 1n) });
  }
}
