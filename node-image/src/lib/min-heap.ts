// A binary min-heap over an array, ordered by a strict `before(a, b)` given at construction. Items
// that compare equal pop in no fixed order, so time queues order by (time, unique sequence): see
// `timeThenSeq`, which makes the pop order total and a seeded run reproducible. No bound of its own:
// each owner bounds what it pushes.

export class MinHeap<T> {
  private readonly items: T[] = [];
  private readonly before: (a: T, b: T) => boolean;

  constructor(before: (a: T, b: T) => boolean) {
    this.before = before;
  }

  get size(): number {
    return this.items.length;
  }

  /** The smallest item, left in place. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent]!;
      if (!this.before(item, p)) break;
      a[i] = p;
      i = parent;
    }
    a[i] = item;
  }

  /** Removes and returns the smallest item. */
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0) {
      a[0] = last!;
      this.siftDown(0);
    }
    return top;
  }

  /**
   * The smallest item's ordering key grew (a merge cursor advanced it): restores the order with
   * one sift, where pop and push would take two.
   */
  updateTop(): void {
    if (this.items.length > 1) this.siftDown(0);
  }

  /** Keeps only the items `keep` accepts (e.g. drops lazily cancelled entries), in O(n). */
  retain(keep: (item: T) => boolean): void {
    const a = this.items;
    let n = 0;
    for (let i = 0; i < a.length; i++) if (keep(a[i]!)) a[n++] = a[i]!;
    a.length = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  clear(): void {
    this.items.length = 0;
  }

  /** Every item, in heap (not sorted) order. */
  [Symbol.iterator](): Iterator<T> {
    return this.items[Symbol.iterator]();
  }

  private siftDown(start: number): void {
    const a = this.items;
    const n = a.length;
    const item = a[start]!;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.before(a[r]!, a[l]!) ? r : l;
      if (!this.before(a[m]!, item)) break;
      a[i] = a[m]!;
      i = m;
    }
    a[i] = item;
  }
}

/** Items scheduled at a time, with a creation sequence that breaks ties (unique per queue). */
export interface TimedItem {
  readonly atMs: number;
  readonly seq: number;
}

/** (atMs, seq) order: earlier first, then created first. */
export function timeThenSeq(x: TimedItem, y: TimedItem): boolean {
  return x.atMs < y.atMs || (x.atMs === y.atMs && x.seq < y.seq);
}
