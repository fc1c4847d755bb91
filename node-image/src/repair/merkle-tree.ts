// A Merkle tree over one non-wrapping token range (spec 6.3-6.4): 2^depth leaves from a balanced
// binary subdivision of the range; each partition's 32-byte hash is XORed into the leaf covering
// its token, and inner nodes are the XOR of their children, so a tree can be folded to any smaller
// depth. Leaf i covers (left + ceil(i*w/2^d), left + ceil((i+1)*w/2^d)] where w is the range width.
// Invariants: depth <= MERKLE_DEPTH_MAX; leaves are exactly 2^depth x 32 bytes; two trees compare
// only when their range and depth are equal.
import { MAX_TOKEN, MIN_TOKEN, token, tokenRange } from '../cluster/index.ts';
import type { Token, TokenRange } from '../cluster/index.ts';
import { assert } from '../lib/index.ts';

export const MERKLE_HASH_BYTES = 32;
/** 2^16 leaves x 32 bytes = 2 MiB per tree (Cassandra's default cap is 2^20 within a memory budget). */
export const MERKLE_DEPTH_MAX = 16;

export class MerkleTree {
  readonly range: TokenRange;
  readonly depth: number;
  /** 2^depth hashes of MERKLE_HASH_BYTES, concatenated. */
  readonly leaves: Buffer;
  /** Partitions hashed into the tree. */
  partitions = 0;
  private readonly left: bigint;
  private readonly width: bigint;

  constructor(range: TokenRange, depth: number, leaves?: Buffer) {
    assert(Number.isInteger(depth) && depth >= 0 && depth <= MERKLE_DEPTH_MAX, `merkle depth ${depth}`);
    const right = range.right === MIN_TOKEN ? MAX_TOKEN : range.right;
    assert(range.left < right, 'merkle trees cover non-wrapping ranges');
    this.range = range;
    this.depth = depth;
    this.left = range.left;
    this.width = right - range.left;
    const bytes = (1 << depth) * MERKLE_HASH_BYTES;
    if (leaves !== undefined) assert(leaves.length === bytes, 'merkle leaves size');
    this.leaves = leaves ?? Buffer.alloc(bytes);
  }

  leafIndex(t: bigint): number {
    const offset = t - this.left - 1n;
    assert(offset >= 0n && offset < this.width, 'token outside the tree range');
    return Number((offset << BigInt(this.depth)) / this.width);
  }

  /** XORs a partition hash into its leaf. */
  add(t: bigint, hash: Uint8Array): void {
    assert(hash.length === MERKLE_HASH_BYTES, 'hash size');
    const base = this.leafIndex(t) * MERKLE_HASH_BYTES;
    for (let i = 0; i < MERKLE_HASH_BYTES; i++) this.leaves[base + i]! ^= hash[i]!;
    this.partitions++;
  }

  /** The token range of leaf i. */
  leafRange(i: number): TokenRange {
    const n = 1n << BigInt(this.depth);
    const lo = this.left + ceilDiv(BigInt(i) * this.width, n);
    const hi = this.left + ceilDiv(BigInt(i + 1) * this.width, n);
    return tokenRange(token(lo), token(hi) as Token);
  }

  /** The same tree at a smaller depth (siblings XORed). */
  fold(depth: number): MerkleTree {
    assert(depth <= this.depth, 'fold to a smaller depth');
    let leaves = this.leaves;
    for (let d = this.depth; d > depth; d--) {
      const half = Buffer.alloc(leaves.length / 2);
      for (let i = 0; i < half.length; i += MERKLE_HASH_BYTES) {
        const a = i * 2;
        for (let k = 0; k < MERKLE_HASH_BYTES; k++) half[i + k] = leaves[a + k]! ^ leaves[a + MERKLE_HASH_BYTES + k]!;
      }
      leaves = half;
    }
    const tree = new MerkleTree(this.range, depth, depth === this.depth ? Buffer.from(leaves) : leaves);
    tree.partitions = this.partitions;
    return tree;
  }

  /** Ranges (leaves merged when adjacent) whose hashes differ from `other`'s. */
  difference(other: MerkleTree): TokenRange[] {
    assert(other.depth === this.depth && other.range.left === this.range.left && other.range.right === this.range.right, 'incomparable trees');
    const out: TokenRange[] = [];
    const leafCount = 1 << this.depth;
    let runStart = -1;
    for (let i = 0; i <= leafCount; i++) {
      const differs = i < leafCount && !this.leaves.subarray(i * MERKLE_HASH_BYTES, (i + 1) * MERKLE_HASH_BYTES)
        .equals(other.leaves.subarray(i * MERKLE_HASH_BYTES, (i + 1) * MERKLE_HASH_BYTES));
      if (differs && runStart < 0) runStart = i;
      if (!differs && runStart >= 0) {
        out.push(tokenRange(this.leafRange(runStart).left, this.leafRange(i - 1).right));
        runStart = -1;
      }
    }
    return out;
  }

  /** Differing leaves (for reporting). */
  differingLeaves(other: MerkleTree): number {
    let n = 0;
    for (let i = 0; i < 1 << this.depth; i++) {
      if (!this.leaves.subarray(i * MERKLE_HASH_BYTES, (i + 1) * MERKLE_HASH_BYTES).equals(other.leaves.subarray(i * MERKLE_HASH_BYTES, (i + 1) * MERKLE_HASH_BYTES))) n++;
    }
    return n;
  }
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** Depth for an estimated partition count: about one partition per leaf, capped. */
export function depthFor(partitions: number): number {
  if (partitions <= 1) return 0;
  return Math.min(MERKLE_DEPTH_MAX, Math.ceil(Math.log2(partitions)));
}
