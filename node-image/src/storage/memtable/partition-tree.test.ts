import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PartitionTree, compareTreeKeys } from './partition-tree.ts';
import type { TreeKey } from './partition-tree.ts';

function keyOf(token: bigint, key: Buffer): TreeKey {
  return { tokenApprox: Number(token), tokenHigh: Number(BigInt.asIntN(32, token >> 32n)), tokenLow: Number(BigInt.asUintN(32, token)), key };
}

describe('PartitionTree', () => {
  it('iterates in (token, key) order, both ways, and seeks, whatever the insertion order (property)', () => {
    // Tokens close together and far apart: doubles tie for neighbours above 2^53.
    const token = fc.oneof(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.bigInt({ min: (1n << 60n), max: (1n << 60n) + 40n }), fc.constantFrom(0n, -1n, 1n));
    fc.assert(fc.property(fc.uniqueArray(fc.tuple(token, fc.uint8Array({ minLength: 1, maxLength: 3 })), { maxLength: 600, selector: ([t, k]) => `${t}/${Buffer.from(k).toString('hex')}` }), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (entries, probeToken) => {
      const tree = new PartitionTree<TreeKey & { token: bigint }>();
      const values = entries.map(([t, k]) => ({ ...keyOf(t, Buffer.from(k)), token: t }));
      for (const v of values) tree.insert(v);
      const sorted = [...values].sort(compareTreeKeys);
      const forward: unknown[] = [];
      for (const c = tree.first(); c.valid; c.next()) forward.push(c.value);
      expect(forward).toEqual(sorted);
      const backward: unknown[] = [];
      for (const c = tree.last(); c.valid; c.prev()) backward.push(c.value);
      expect(backward).toEqual([...sorted].reverse());
      expect(tree.size).toBe(values.length);
      const probe = (v: { token: bigint }): number => (v.token < probeToken ? -1 : v.token > probeToken ? 1 : 0);
      const expectedForward = sorted.find((v) => v.token >= probeToken);
      const cf = tree.seek(probe, true);
      expect(cf.valid ? cf.value : undefined).toBe(expectedForward);
      const expectedBackward = [...sorted].reverse().find((v) => v.token <= probeToken);
      const cb = tree.seek(probe, false);
      expect(cb.valid ? cb.value : undefined).toBe(expectedBackward);
    }), { numRuns: 200 });
  });
});
