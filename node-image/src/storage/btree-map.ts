// An insert-only B+ tree map: O(log n) get/set and in-order cursors in both directions (leaves
// are linked). Memtables never delete (a truncate drops the whole memtable), so there is no
// removal. Keys are ordered by the comparator given at construction; cursors seek with a probe
// so callers can position them on bounds that are not keys (slice starts, token positions).
import { assert } from '../lib/index.ts';

/** Entries per node; a node splits in two when it would exceed this. */
export const BTREE_NODE_CAPACITY = 32;
/** After this many inserts in a row inside the tree, edges are checked on one insert in 16 only. */
const EDGE_MISSES_BEFORE_SAMPLING = 4;

interface Leaf<K, V> {
  readonly leaf: true;
  keys: K[];
  values: V[];
  next: Leaf<K, V> | null;
  prev: Leaf<K, V> | null;
}

interface Branch<K, V> {
  readonly leaf: false;
  /** keys[i] is the smallest key of children[i + 1]. */
  keys: K[];
  children: Array<Node<K, V>>;
}

type Node<K, V> = Leaf<K, V> | Branch<K, V>;

interface Split<K, V> {
  readonly separator: K;
  readonly right: Node<K, V>;
}

/**
 * Sign of a key relative to a target position: negative when the key sorts before it, 0 when it
 * is the target, positive after.
 */
export type KeyProbe<K> = (key: K) => number;

export class BTreeMap<K, V> {
  private root: Node<K, V>;
  private count = 0;
  /** The value replaced by the last insert (undefined if it added a key). */
  private previous: V | undefined = undefined;
  /** During upsert: combines the existing value with the new one. */
  private merge: ((existing: V, incoming: V) => V) | null = null;
  private readonly compare: (a: K, b: K) => number;
  /** The leftmost leaf: the first leaf ever (a split keeps the left half in place). */
  private readonly firstLeaf: Leaf<K, V>;
  /** The rightmost leaf. */
  private lastLeaf: Leaf<K, V>;
  /** Inserts in a row that went inside the tree, not before its first or after its last key. */
  private edgeMisses = 0;

  constructor(compare: (a: K, b: K) => number) {
    this.compare = compare;
    this.root = this.firstLeaf = this.lastLeaf = newLeaf();
  }

  get size(): number {
    return this.count;
  }

  get(key: K): V | undefined {
    let node = this.root;
    while (!node.leaf) node = node.children[upperBound(node.keys, key, this.compare)]!;
    const i = lowerBound(node.keys, key, this.compare);
    return i < node.keys.length && this.compare(node.keys[i]!, key) === 0 ? node.values[i] : undefined;
  }

  /**
   * One descent: stores `value`, or `merge(existing, value)` when the key is present. Returns the
   * previous value (undefined when the key was added). `merge` should be a long-lived function.
   */
  upsert(key: K, value: V, merge: (existing: V, incoming: V) => V): V | undefined {
    this.merge = merge;
    try {
      return this.set(key, value);
    } finally {
      this.merge = null;
    }
  }

  /** Inserts or replaces; returns the previous value. */
  set(key: K, value: V): V | undefined {
    this.previous = undefined;
    const edge = this.edgeOf(key);
    if (edge !== 0) {
      // A new first or last key goes straight into the edge leaf while it has room: no separator
      // names the first leaf's first key or follows the last leaf's last, so no branch changes,
      // and the descent (a cold node or two per level in a tree among many) is skipped.
      const leaf = edge < 0 ? this.firstLeaf : this.lastLeaf;
      if (leaf.keys.length < BTREE_NODE_CAPACITY) {
        if (edge < 0) {
          // unshift moves the elements in one native step (a loop of stores cost a write barrier each).
          leaf.keys.unshift(key);
          leaf.values.unshift(value);
        } else {
          leaf.keys.push(key);
          leaf.values.push(value);
        }
        this.count++;
        return undefined;
      }
    }
    const split = this.insert(this.root, key, value, edge);
    if (split !== null) {
      const branch: Branch<K, V> = { leaf: false, keys: [split.separator], children: [this.root, split.right] };
      this.root = branch;
    }
    const previous = this.previous;
    this.previous = undefined;
    return previous;
  }

  /** Cursor on the first entry (invalid when empty). */
  first(): BTreeCursor<K, V> {
    let node = this.root;
    while (!node.leaf) node = node.children[0]!;
    return new BTreeCursor(node, 0);
  }

  /** Cursor on the last entry (invalid when empty). */
  last(): BTreeCursor<K, V> {
    let node = this.root;
    while (!node.leaf) node = node.children[node.children.length - 1]!;
    return new BTreeCursor(node, node.keys.length - 1);
  }

  /**
   * forward: cursor on the first key with probe(key) >= 0; backward: on the last key with
   * probe(key) <= 0. Invalid when there is none.
   */
  seek(probe: KeyProbe<K>, forward: boolean): BTreeCursor<K, V> {
    let node = this.root;
    while (!node.leaf) {
      // The child that holds keys up to and including the target.
      let lo = 0;
      let hi = node.keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (probe(node.keys[mid]!) <= 0) lo = mid + 1;
        else hi = mid;
      }
      node = node.children[lo]!;
    }
    let lo = 0;
    let hi = node.keys.length;
    if (forward) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (probe(node.keys[mid]!) < 0) lo = mid + 1;
        else hi = mid;
      }
      const cursor = new BTreeCursor(node, lo);
      if (lo === node.keys.length) cursor.moveToNextLeaf();
      return cursor;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (probe(node.keys[mid]!) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const cursor = new BTreeCursor(node, lo - 1);
    if (lo === 0) cursor.moveToPreviousLeaf();
    return cursor;
  }

  /**
   * Where a new key goes: -1 before the first key, 1 after the last, 0 inside (or not checked).
   * Keys arriving in order (a time series: clustering by time) then descend without comparisons,
   * each of which reads a key from cold memory. Checked while inserts keep landing on an edge, and
   * on one insert in 16 otherwise, so random inserts pay little for it.
   */
  private edgeOf(key: K): -1 | 0 | 1 {
    if (this.count === 0 || (this.edgeMisses >= EDGE_MISSES_BEFORE_SAMPLING && (this.count & 15) !== 0)) return 0;
    if (this.compare(key, this.firstLeaf.keys[0]!) < 0) {
      this.edgeMisses = 0;
      return -1;
    }
    const last = this.lastLeaf.keys;
    if (this.compare(key, last[last.length - 1]!) > 0) {
      this.edgeMisses = 0;
      return 1;
    }
    this.edgeMisses++;
    return 0;
  }

  /** `edge`: edgeOf(key) (-1 or 1: no comparison on the way down, the key is not in the tree). */
  private insert(node: Node<K, V>, key: K, value: V, edge: -1 | 0 | 1): Split<K, V> | null {
    if (node.leaf) {
      const i = edge < 0 ? 0 : edge > 0 ? node.keys.length : lowerBound(node.keys, key, this.compare);
      if (edge === 0 && i < node.keys.length && this.compare(node.keys[i]!, key) === 0) {
        const existing = node.values[i]!;
        this.previous = existing;
        node.values[i] = this.merge === null ? value : this.merge(existing, value);
        return null;
      }
      insertAt(node.keys, i, key);
      insertAt(node.values, i, value);
      this.count++;
      if (node.keys.length <= BTREE_NODE_CAPACITY) return null;
      // A key past an edge leaves the full leaf whole and starts a leaf of its own: keys arriving
      // in order (a time series, either way) fill their leaves instead of leaving them half full.
      const half = edge > 0 ? node.keys.length - 1 : edge < 0 ? 1 : node.keys.length >>> 1;
      const right: Leaf<K, V> = { leaf: true, keys: node.keys.splice(half), values: node.values.splice(half), next: node.next, prev: node };
      if (node.next !== null) node.next.prev = right;
      else this.lastLeaf = right;
      node.next = right;
      return { separator: right.keys[0]!, right };
    }
    const c = edge < 0 ? 0 : edge > 0 ? node.children.length - 1 : upperBound(node.keys, key, this.compare);
    const split = this.insert(node.children[c]!, key, value, edge);
    if (split === null) return null;
    insertAt(node.keys, c, split.separator);
    insertAt(node.children, c + 1, split.right);
    if (node.children.length <= BTREE_NODE_CAPACITY) return null;
    const half = node.keys.length >>> 1;
    const separator = node.keys[half]!;
    const right: Branch<K, V> = { leaf: false, keys: node.keys.splice(half + 1), children: node.children.splice(half + 1) };
    node.keys.length = half;
    assert(node.children.length === node.keys.length + 1 && right.children.length === right.keys.length + 1, 'btree branch split');
    return { separator, right };
  }
}

/** A position in the tree; moves along the linked leaves. */
export class BTreeCursor<K, V> {
  private leaf: Leaf<K, V> | null;
  private index: number;

  constructor(leaf: Leaf<K, V>, index: number) {
    // Only the empty root leaf has no keys; seek() moves off either end of a leaf itself.
    this.leaf = leaf.keys.length === 0 ? null : leaf;
    this.index = index;
  }

  get valid(): boolean {
    return this.leaf !== null && this.index >= 0 && this.index < this.leaf.keys.length;
  }

  get key(): K {
    assert(this.valid, 'cursor is not on an entry');
    return this.leaf!.keys[this.index]!;
  }

  get value(): V {
    assert(this.valid, 'cursor is not on an entry');
    return this.leaf!.values[this.index]!;
  }

  next(): void {
    if (this.leaf === null) return;
    this.index++;
    if (this.index >= this.leaf.keys.length) this.moveToNextLeaf();
  }

  prev(): void {
    if (this.leaf === null) return;
    this.index--;
    if (this.index < 0) this.moveToPreviousLeaf();
  }

  /** @internal */
  moveToNextLeaf(): void {
    let leaf = this.leaf === null ? null : this.leaf.next;
    while (leaf !== null && leaf.keys.length === 0) leaf = leaf.next;
    this.leaf = leaf;
    this.index = 0;
  }

  /** @internal */
  moveToPreviousLeaf(): void {
    let leaf = this.leaf === null ? null : this.leaf.prev;
    while (leaf !== null && leaf.keys.length === 0) leaf = leaf.prev;
    this.leaf = leaf;
    this.index = leaf === null ? -1 : leaf.keys.length - 1;
  }
}

/** array.splice(i, 0, item) without the allocation of splice's result (hot in memtable inserts). */
function insertAt<T>(array: T[], i: number, item: T): void {
  let j = array.length;
  array.push(item);
  for (; j > i; j--) array[j] = array[j - 1]!;
  array[i] = item;
}

function newLeaf<K, V>(): Leaf<K, V> {
  return { leaf: true, keys: [], values: [], next: null, prev: null };
}

/** First index whose key is >= key. */
function lowerBound<K>(keys: readonly K[], key: K, compare: (a: K, b: K) => number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(keys[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose key is > key. */
function upperBound<K>(keys: readonly K[], key: K, compare: (a: K, b: K) => number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(keys[mid]!, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
