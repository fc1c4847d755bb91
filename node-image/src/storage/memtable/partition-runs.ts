// The ordered view of a memtable's partitions, kept cheaply under writes: new partitions are
// appended to a small unsorted buffer; a full buffer is sorted into a run, and runs of equal size
// merge (the logarithmic method), so each partition is sorted once and then moved about
// log2(n / buffer) times by sequential merges. A random insert into a B+ tree of a million
// partitions cost about 1 us in cache misses; this costs a fraction of that. Readers (range
// reads, flushes) seal the buffer and walk a k-way merge of the runs through a min-heap (k is
// about log2(n / buffer) plus the small runs that reads between writes seal, at most log2(buffer)
// of them). A seek searches each run's doubles, not the probe.
// Each run keeps its tokens as doubles (Number(token): monotonic in the token, exact below 2^53)
// in a Float64Array, so comparisons rarely leave that array; only doubles that tie are compared
// exactly (token halves, then key bytes) through the partitions. Runs are never modified once
// built (a merge makes a new one), so a cursor keeps walking the runs it started on.
import { MinHeap, assert } from '../../lib/index.ts';

/** Partitions appended before the buffer is sorted into a run. */
export const PARTITION_RUNS_BUFFER = 512;

/** What the runs order: a partition's token (exact halves and approximation) and key bytes. */
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

/** Orders by the double first (no object access), exactly on ties. */
function compareKeys(a: TreeKey, b: TreeKey): number {
  const x = a.tokenApprox;
  const y = b.tokenApprox;
  if (x !== y) return x < y ? -1 : 1;
  return compareTreeKeys(a, b);
}

interface Run<V extends TreeKey> {
  readonly approx: Float64Array;
  readonly values: readonly V[];
}

export class PartitionRuns<V extends TreeKey> {
  private buffer: V[] = [];
  /** Sorted runs, largest first; sizes strictly decrease (equal neighbours merge). */
  private runs: Array<Run<V>> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds a value whose key is not here yet (the caller's hash index guarantees it). */
  insert(value: V): void {
    this.buffer.push(value);
    this.count++;
    if (this.buffer.length >= PARTITION_RUNS_BUFFER) this.seal();
  }

  /** Cursor on the first value (an empty cursor when there is none). */
  first(): PartitionCursor<V> {
    this.seal();
    return new PartitionCursor(this.runs, this.runs.map(() => 0));
  }

  /**
   * Cursor on the first value with probe(value) >= 0 (range reads: once per read). `startApprox`
   * is Number() of the probe's token: values whose double is below it sort before the probe and
   * values above it after (the double is monotonic in the token), so each run is searched on its
   * Float64Array and the probe only decides among values sharing that double.
   */
  seek(probe: (value: V) => number, startApprox: number): PartitionCursor<V> {
    this.seal();
    const positions = this.runs.map((run) => {
      const approx = run.approx;
      let lo = 0;
      let hi = approx.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (approx[mid]! < startApprox) lo = mid + 1;
        else hi = mid;
      }
      while (lo < approx.length && approx[lo] === startApprox && probe(run.values[lo]!) < 0) lo++;
      return lo;
    });
    return new PartitionCursor(this.runs, positions);
  }

  /** Merges every run into one (a memtable that takes no more writes, before its flush walks it). */
  collapse(): void {
    this.seal();
    while (this.runs.length > 1) {
      const last = this.runs.pop()!;
      this.runs.push(merge(this.runs.pop()!, last));
    }
  }

  /** Every value in order, as collapse() leaves them (one run; valid until the next insert). */
  collapsed(): readonly V[] {
    this.collapse();
    return this.runs.length === 0 ? [] : this.runs[0]!.values;
  }

  /** Sorts the buffer into a run and merges runs of equal or smaller size into it. */
  private seal(): void {
    if (this.buffer.length === 0) return;
    const sorted = sortByTokenAndKey(this.buffer);
    this.buffer = [];
    const approx = new Float64Array(sorted.length);
    for (let i = 0; i < sorted.length; i++) {
      approx[i] = sorted[i]!.tokenApprox;
      if (i > 0) assert(compareKeys(sorted[i - 1]!, sorted[i]!) < 0, 'memtable partition keys are unique');
    }
    let run: Run<V> = { approx, values: sorted };
    while (this.runs.length > 0 && this.runs[this.runs.length - 1]!.values.length <= run.values.length) {
      run = merge(this.runs.pop()!, run);
    }
    this.runs.push(run);
  }
}

// Scratch of sortByTokenAndKey (grown as needed; sorting is synchronous).
let sortKeys = new Uint32Array(2 * PARTITION_RUNS_BUFFER);
let sortOrder = new Int32Array(PARTITION_RUNS_BUFFER);
let sortSpare = new Int32Array(PARTITION_RUNS_BUFFER);
const sortCounts = new Int32Array(256);

/**
 * `values` in (token, key) order, as a new array: a stable LSD radix sort on the token's halves
 * (eight passes of a byte), then key bytes among equal tokens. About twenty times cheaper than a
 * comparison sort of the objects for a buffer of 512.
 */
export function sortByTokenAndKey<V extends TreeKey>(values: readonly V[]): V[] {
  const n = values.length;
  if (sortOrder.length < n) {
    sortKeys = new Uint32Array(2 * n);
    sortOrder = new Int32Array(n);
    sortSpare = new Int32Array(n);
  }
  const keys = sortKeys;
  let order = sortOrder;
  let spare = sortSpare;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    keys[2 * i] = v.tokenLow >>> 0;
    keys[2 * i + 1] = (v.tokenHigh ^ 0x80000000) >>> 0; // signed high half as an unsigned, same order
    order[i] = i;
  }
  const counts = sortCounts;
  for (let pass = 0; pass < 8; pass++) {
    const word = pass >> 2;
    const shift = (pass & 3) * 8;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[2 * order[i]! + word]! >>> shift) & 0xff]!++;
    let sum = 0;
    for (let d = 0; d < 256; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const at = order[i]!;
      spare[counts[(keys[2 * at + word]! >>> shift) & 0xff]!++] = at;
    }
    const t = order;
    order = spare;
    spare = t;
  }
  const sorted = new Array<V>(n);
  for (let i = 0; i < n; i++) sorted[i] = values[order[i]!]!;
  // Equal tokens (rare): ordered by key bytes, by insertion among them. Tokens are in order now,
  // so compareTreeKeys is positive only between equal tokens.
  for (let i = 1; i < n; i++) {
    const v = sorted[i]!;
    if (compareTreeKeys(sorted[i - 1]!, v) <= 0) continue;
    let j = i - 1;
    while (j >= 0 && compareTreeKeys(sorted[j]!, v) > 0) {
      sorted[j + 1] = sorted[j]!;
      j--;
    }
    sorted[j + 1] = v;
  }
  return sorted;
}

function merge<V extends TreeKey>(a: Run<V>, b: Run<V>): Run<V> {
  const n = a.values.length;
  const m = b.values.length;
  const approx = new Float64Array(n + m);
  const values = new Array<V>(n + m);
  const aa = a.approx;
  const ba = b.approx;
  const av = a.values;
  const bv = b.values;
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < n && j < m) {
    const x = aa[i]!;
    const y = ba[j]!;
    const c = x < y ? -1 : x > y ? 1 : compareTreeKeys(av[i]!, bv[j]!);
    assert(c !== 0, 'memtable partition keys are unique');
    if (c < 0) {
      approx[k] = x;
      values[k++] = av[i++]!;
    } else {
      approx[k] = y;
      values[k++] = bv[j++]!;
    }
  }
  while (i < n) {
    approx[k] = aa[i]!;
    values[k++] = av[i++]!;
  }
  while (j < m) {
    approx[k] = ba[j]!;
    values[k++] = bv[j++]!;
  }
  return { approx, values };
}

/**
 * A forward position in the merge of the runs it was opened on: a min-heap of the runs by their
 * head, so a step costs about log2(k) comparisons of doubles.
 */
export class PartitionCursor<V extends TreeKey> {
  private readonly runs: ReadonlyArray<Run<V>>;
  private readonly positions: number[];
  /** Indexes of the runs with entries left, by head. */
  private readonly heap = new MinHeap<number>((a, b) => this.before(a, b));

  constructor(runs: ReadonlyArray<Run<V>>, positions: number[]) {
    this.runs = runs.slice();
    this.positions = positions;
    for (let r = 0; r < this.runs.length; r++) {
      if (positions[r]! < this.runs[r]!.values.length) this.heap.push(r);
    }
  }

  get valid(): boolean {
    return this.heap.size > 0;
  }

  get value(): V {
    const r = this.heap.peek();
    assert(r !== undefined, 'cursor is not on an entry');
    return this.runs[r]!.values[this.positions[r]!]!;
  }

  next(): void {
    const r = this.heap.peek();
    if (r === undefined) return;
    if (++this.positions[r]! >= this.runs[r]!.values.length) this.heap.pop();
    else this.heap.updateTop();
  }

  /** Whether run a's head sorts before run b's. */
  private before(a: number, b: number): boolean {
    const ra = this.runs[a]!;
    const rb = this.runs[b]!;
    const pa = this.positions[a]!;
    const pb = this.positions[b]!;
    const x = ra.approx[pa]!;
    const y = rb.approx[pb]!;
    if (x !== y) return x < y;
    return compareTreeKeys(ra.values[pa]!, rb.values[pb]!) < 0;
  }
}
