// Real randomness from the OS CSPRNG.
import { randomFillSync } from 'node:crypto';
import type { Random } from '../random.ts';

const pool = new Uint32Array(256);
let poolIndex = pool.length;

function nextUint32(): number {
  if (poolIndex >= pool.length) {
    randomFillSync(pool);
    poolIndex = 0;
  }
  return pool[poolIndex++]!;
}

export const realRandom: Random = {
  nextUint32,
  nextFloat: () => nextUint32() / 4294967296,
  fillBytes: (bytes) => {
    randomFillSync(bytes);
  },
};
