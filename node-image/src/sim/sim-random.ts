// The simulation's randomness: one seeded stream (sfc32, the cluster layer's SeededRandom) per
// component, each forked from the run's root stream in a fixed order, so a seed fixes everything.
import { SeededRandom } from '../cluster/index.ts';
import type { Random } from '../io/index.ts';
import { assert } from '../lib/index.ts';

export class SimRandom implements Random {
  private readonly source: SeededRandom;

  constructor(seed: number) {
    this.source = new SeededRandom(seed);
  }

  nextUint32(): number {
    return this.source.nextUint32();
  }

  nextFloat(): number {
    return this.source.nextFloat();
  }

  fillBytes(bytes: Uint8Array): void {
    this.source.fillBytes(bytes);
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.source.nextFloat();
  }

  /** Uniform integer in [0, bound). */
  int(bound: number): number {
    assert(bound > 0 && Number.isInteger(bound), `sim random: bad bound ${bound}`);
    return Math.floor(this.source.nextFloat() * bound);
  }

  /** Uniform float in [min, max). */
  between(min: number, max: number): number {
    return min + this.source.nextFloat() * (max - min);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.source.nextFloat() < p;
  }

  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'sim random: pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** An independent stream derived from this one. */
  fork(): SimRandom {
    return new SimRandom(this.source.nextUint32());
  }
}
