import { describe, expect, it } from 'vitest';
import { nodeRuntimeFlags, v8PoolSize } from './runtime-flags.ts';

describe('node runtime flags', () => {
  it('give V8 one background thread per core beyond the first, one to four', () => {
    expect([1, 2, 3, 4, 5, 8, 64].map(v8PoolSize)).toEqual([1, 1, 2, 3, 4, 4, 4]);
    expect(v8PoolSize(0)).toBe(1);
    expect(nodeRuntimeFlags(2)).toEqual(['--v8-pool-size=1']);
  });
});
