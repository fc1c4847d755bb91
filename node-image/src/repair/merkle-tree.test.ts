import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_TOKEN, rangeContains, token, tokenRange } from '../cluster/index.ts';
import { MerkleTree } from './merkle-tree.ts';

const h = (s: string): Buffer => createHash('sha256').update(s).digest();

describe('MerkleTree', () => {
  const range = tokenRange(token(-1000n), token(1000n));

  it('leaf ranges tile the range and contain the tokens mapped to them', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 8 }), fc.bigInt({ min: -999n, max: 1000n }), (depth, t) => {
      const tree = new MerkleTree(range, depth);
      const i = tree.leafIndex(t);
      expect(rangeContains(tree.leafRange(i), token(t))).toBe(true);
      expect(tree.leafRange(0).left).toBe(-1000n);
      expect(tree.leafRange((1 << depth) - 1).right).toBe(1000n);
    }));
  });

  it('identical content gives equal trees; one changed partition gives one differing range holding it', () => {
    const a = new MerkleTree(range, 6);
    const b = new MerkleTree(range, 6);
    for (let t = -990; t <= 990; t += 17) {
      a.add(BigInt(t), h(`p${t}`));
      b.add(BigInt(t), h(t === 30 ? 'changed' : `p${t}`));
    }
    const diff = a.difference(b);
    expect(diff).toHaveLength(1);
    expect(rangeContains(diff[0]!, token(30n))).toBe(true);
    expect(a.fold(3).difference(b.fold(3))).toHaveLength(1);
    expect(a.fold(0).difference(a.fold(0))).toEqual([]);
  });

  it('folding equals building at the smaller depth', () => {
    const deep = new MerkleTree(range, 7);
    const shallow = new MerkleTree(range, 4);
    for (let t = -999; t <= 1000; t += 7) {
      deep.add(BigInt(t), h(String(t)));
      shallow.add(BigInt(t), h(String(t)));
    }
    expect(deep.fold(4).leaves.equals(shallow.leaves)).toBe(true);
  });

  it('covers a range ending at the ring end', () => {
    const tree = new MerkleTree(tokenRange(token(0n), MIN_TOKEN), 3);
    tree.add(2n ** 63n - 1n, h('max'));
    expect(tree.partitions).toBe(1);
  });
});
