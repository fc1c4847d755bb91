// The ordered index of a memtable's partitions: an insert-only B+ tree keyed by (token, key
// bytes), specialised so that searching never leaves a node's memory. Each node keeps its keys'
// tokens as doubles (Number(token): monotonic in the token, exact below 2^53) in a Float64Array;
// only entries whose doubles tie are compared exactly (token halves, then key bytes) through
// their partitions. Generic trees dereference an object per comparison: with hundreds of
// thousands of partitions that cache miss dominated the write path.
import { assert } from '../../lib/index.ts';

/** Entries per node; a node splits in two when it would exceed this. */
export const PARTITION_TREE_NODE_CAPACITY = 64;

/** What the tree orders: a partition's token (exact halves and approximation) and key bytes. */
export interface TreeKey {
  readonly tokenApprox: number;
  readonly tokenHigh: number;
  readonly tokenLow: number;
  readonly key: Buffer;
}

export function compareTreeKeys(a: TreeKey, b: TreeKey): number {
  if (a.tokenHigh !== b.tokenHigh) return a.tokenHigh < b.tokenHigh ? -1 : 1;
  if (a.tokenLow !== b.tokenLow) return a.tokenLow < b.tokenLow ? -1 : 1;
  return Buffer.compare(a.key, b.key);
}

interface Leaf<V extends TreeKey> {
  readonly leaf: true;
  size: number;
  readonly approx: Float64Array;
  readonly values: V[];
  next: Leaf<V> | null;
  prev: Leaf<V> | null;
}

interface Branch<V extends TreeKey> {
  readonly leaf: false;
  /** Separators: separator i is the smallest key of children[i + 1]. */
  size: number;
  readonly approx: Float64Array;
  readonly separators: V[];
  readonly children: Array<Node<V>>;
}

type Node<V extends TreeKey> = Leaf<V> | Branch<V>;

function newLeaf<V extends TreeKey>(): Leaf<V> {
  return { leaf: true, size: 0, approx: new Float64Array(PARTITION_TREE_NODE_CAPACITY + 1), values: [], next: null, prev: null };
}

function newBranch<V extends TreeKey>(): Branch<V> {
  return { leaf: false, size: 0, approx: new Float64Array(PARTITION_TREE_NODE_CAPACITY + 1), separators: [], children: [] };
}

/** Sign of entry (approx[i], value) relative to `key`. */
function compareAt<V extends TreeKey>(approx: Float64Array, values: readonly V[], i: number, key: TreeKey): number {
  const a = approx[i]!;
  if (a !== key.tokenApprox) return a < key.tokenApprox ? -1 : 1;
  return compareTreeKeys(values[i]!, key);
}

export class PartitionTree<V extends TreeKey> {
  private root: Node<V> = newLeaf<V>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds a value whose key is not in the tree (the caller's hash index guarantees it). */
  insert(value: V): void {
    const split = this.insertInto(this.root, value);
    if (split !== null) {
      const branch = newBranch<V>();
      branch.children.push(this.root, split.right);
      branch.separators.push(split.separator);
      branch.approx[0] = split.separator.tokenApprox;
      branch.size = 1;
      this.root = branch;
    }
    this.count++;
  }

  first(): PartitionCursor<V> {
    let node = this.root;
    while (!node.leaf) node = node.children[0]!;
    return new PartitionCursor(node, 0);
  }

  last(): PartitionCursor<V> {
    let node = this.root;
    while (!node.leaf) node = node.children[node.size]!;
    return new PartitionCursor(node, node.size - 1);
  }

  /**
   * forward: cursor on the first value with probe(value) >= 0; backward: on the last with
   * probe(value) <= 0. Invalid when there is none. (Range reads: a few probes per read.)
   */
  seek(probe: (value: V) => number, forward: boolean): PartitionCursor<V> {
    let node = this.root;
    while (!node.leaf) {
      let lo = 0;
      let hi = node.size;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (probe(node.separators[mid]!) <= 0) lo = mid + 1;
        else hi = mid;
      }
      node = node.children[lo]!;
    }
    let lo = 0;
    let hi = node.size;
    if (forward) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (probe(node.values[mid]!) < 0) lo = mid + 1;
        else hi = mid;
      }
      const cursor = new PartitionCursor(node, lo);
      if (lo === node.size) cursor.moveToNextLeaf();
      return cursor;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (probe(node.values[mid]!) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const cursor = new PartitionCursor(node, lo - 1);
    if (lo === 0) cursor.moveToPreviousLeaf();
    return cursor;
  }

  private insertInto(node: Node<V>, value: V): { separator: V; right: Node<V> } | null {
    if (node.leaf) {
      // First entry greater than the key.
      const approx = node.approx;
      const values = node.values;
      const size = node.size;
      const a = value.tokenApprox;
      let lo = 0;
      let hi = size;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const m = approx[mid]!;
        // Doubles decide unless they tie; ties compare exactly (token halves, key bytes).
        const c = m !== a ? (m < a ? -1 : 1) : compareTreeKeys(values[mid]!, value);
        assert(c !== 0, 'partition tree keys are unique');
        if (c < 0) lo = mid + 1;
        else hi = mid;
      }
      // Shift in place: Array.prototype.splice allocates a result array per call.
      for (let j = size; j > lo; j--) {
        approx[j] = approx[j - 1]!;
        values[j] = values[j - 1]!;
      }
      approx[lo] = a;
      values[lo] = value;
      node.size = size + 1;
      if (node.size <= PARTITION_TREE_NODE_CAPACITY) return null;
      const half = node.size >>> 1;
      const right = newLeaf<V>();
      right.approx.set(node.approx.subarray(half, node.size));
      right.size = node.size - half;
      right.values.push(...node.values.splice(half));
      node.size = half;
      right.next = node.next;
      right.prev = node;
      if (node.next !== null) node.next.prev = right;
      node.next = right;
      return { separator: right.values[0]!, right };
    }
    // The child holding keys up to the target: first separator greater than the key.
    let lo = 0;
    let hi = node.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareAt(node.approx, node.separators, mid, value) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const split = this.insertInto(node.children[lo]!, value);
    if (split === null) return null;
    node.approx.copyWithin(lo + 1, lo, node.size);
    node.approx[lo] = split.separator.tokenApprox;
    node.separators.splice(lo, 0, split.separator);
    node.children.splice(lo + 1, 0, split.right);
    node.size++;
    if (node.size < PARTITION_TREE_NODE_CAPACITY) return null;
    // Split: the middle separator moves up.
    const half = node.size >>> 1;
    const separator = node.separators[half]!;
    const right = newBranch<V>();
    right.approx.set(node.approx.subarray(half + 1, node.size));
    right.size = node.size - half - 1;
    right.separators.push(...node.separators.splice(half + 1));
    right.children.push(...node.children.splice(half + 1));
    node.separators.length = half;
    node.size = half;
    assert(node.children.length === node.size + 1 && right.children.length === right.size + 1, 'partition tree branch split');
    return { separator, right };
  }
}

/** A position in the tree; moves along the linked leaves. */
export class PartitionCursor<V extends TreeKey> {
  private leaf: Leaf<V> | null;
  private index: number;

  constructor(leaf: Leaf<V>, index: number) {
    this.leaf = leaf.size === 0 ? null : leaf;
    this.index = index;
  }

  get valid(): boolean {
    return this.leaf !== null && this.index >= 0 && this.index < this.leaf.size;
  }

  get value(): V {
    assert(this.valid, 'cursor is not on an entry');
    return this.leaf!.values[this.index]!;
  }

  next(): void {
    if (this.leaf === null) return;
    this.index++;
    if (this.index >= this.leaf.size) this.moveToNextLeaf();
  }

  prev(): void {
    if (this.leaf === null) return;
    this.index--;
    if (this.index < 0) this.moveToPreviousLeaf();
  }

  /** @internal */
  moveToNextLeaf(): void {
    let leaf = this.leaf === null ? null : this.leaf.next;
    while (leaf !== null && leaf.size === 0) leaf = leaf.next;
    this.leaf = leaf;
    this.index = 0;
  }

  /** @internal */
  moveToPreviousLeaf(): void {
    let leaf = this.leaf === null ? null : this.leaf.prev;
    while (leaf !== null && leaf.size === 0) leaf = leaf.prev;
    this.leaf = leaf;
    this.index = leaf === null ? -1 : leaf.size - 1;
  }
}
