// The seeded PRNG for simulations and tests that must replay from a seed: sfc32, its four words
// seeded through splitmix32 and warmed up 12 rounds. Implements io's Random. The sequence for a
// seed is fixed (gossip golden traces and seeded tests depend on it). Not for anything secret.
import type { Random } from '../io/index.ts';
import { assert } from './assert.ts';

/** Rounds discarded after seeding so nearby seeds give unrelated streams. */
const WARM_UP_ROUNDS = 12;
const UINT32_RANGE = 4_294_967_296;

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class SeededRandom implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    const next = splitmix32(seed);
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < WARM_UP_ROUNDS; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform float in [0, 1) (32 bits of precision). */
  nextFloat(): number {
    return this.nextUint32() / UINT32_RANGE;
  }

  /** Little-endian words of the stream; a partial last word uses its low bytes. */
  fillBytes(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i += 4) {
      const v = this.nextUint32();
      for (let j = 0; j < 4 && i + j < bytes.length; j++) bytes[i + j] = (v >>> (8 * j)) & 0xff;
    }
  }

  /** Uniform integer in [0, bound). */
  int(bound: number): number {
    assert(bound > 0 && Number.isInteger(bound), `seeded random: bad bound ${bound}`);
    return Math.floor(this.nextFloat() * bound);
  }

  /** Uniform float in [min, max). */
  between(min: number, max: number): number {
    return min + this.nextFloat() * (max - min);
  }

  /** True with probability `p` (never for p <= 0; draws nothing then). */
  chance(p: number): boolean {
    return p > 0 && this.nextFloat() < p;
  }

  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'seeded random: pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** An independent stream for a sub-component, seeded from this one's next word. */
  fork(): SeededRandom {
    return new SeededRandom(this.nextUint32());
  }
}
