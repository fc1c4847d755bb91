// Randomness as an injected dependency. Real randomness in io/real; the simulator seeds a PRNG.

export interface Random {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform float in [0, 1). */
  nextFloat(): number;
  /** Fills `bytes` with random bytes. */
  fillBytes(bytes: Uint8Array): void;
}

/** Uniform integer in [0, bound). */
export function randomInt(random: Random, bound: number): number {
  return Math.floor(random.nextFloat() * bound);
}
