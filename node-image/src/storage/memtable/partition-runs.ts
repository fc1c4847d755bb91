// The ordered view of a memtable's partitions, kept cheaply under writes: new partitions are
// appended to a small unsorted buffer; a full buffer is sorted into a run, and runs of equal size
// merge (the logarithmic method), so each partition is sorted once and then moved about
// log2(n / buffer) times by sequential merges. A random insert into a B+ tree of a million
// partitions cost about 1 us in cache misses; this costs a fraction of that. Readers (range
// reads, flushes) seal the buffer and walk a k-way merge of the runs through a min-heap (k is
// about log2(n / buffer) plus the small runs that reads between writes seal, at most log2(buffer)
// of them). A seek searches each run's doubles, not the probe.
// Partitions are numbers (the memtable keeps their fields in columns: PartitionKeys reads them),
// so a run is two typed arrays and holds no object the garbage collector would trace or copy.
// Each run keeps its tokens as doubles (Number(token): monotonic in the token, exact below 2^53)
// in a Float64Array, so comparisons rarely leave that array; only doubles that tie are compared
// exactly (token halves, then key bytes). Runs are never modified once built (a merge makes a
// new one), so a cursor keeps walking the runs it started on.
import { MinHeap, assert } from '../../lib/index.ts';

/** Partitions appended before the buffer is sorted into a run. */
export const PARTITION_RUNS_BUFFER = 512;

/** What the runs and the token index read of partition `id`: its token's halves and its key. */
export interface PartitionKeys<V> {
  /** Signed high 32 bits of the token. */
  tokenHigh(id: number): number;
  /** Unsigned low 32 bits of the token. */
  tokenLow(id: number): number;
  /** Orders two partitions of one token by key bytes. */
  compareKeys(a: number, b: number): number;
  /** Whether the partition's key is `key` (no allocation). */
  keyEquals(id: number, key: Buffer): boolean;
  /** The partition as cursors give it. */
  valueOf(id: number): V;
}

/** Number(token) of partition `id`: exact, as the product of the high half and 2^32 plus the low half rounds once. */
export function tokenApproxOf(keys: PartitionKeys<unknown>, id: number): number {
  return keys.tokenHigh(id) * 4294967296 + keys.tokenLow(id);
}

/** (token, key) order of two partitions. */
export function comparePartitions(keys: PartitionKeys<unknown>, a: number, b: number): number {
  const ha = keys.tokenHigh(a);
  const hb = keys.tokenHigh(b);
  if (ha !== hb) return ha < hb ? -1 : 1;
  const la = keys.tokenLow(a);
  const lb = keys.tokenLow(b);
  if (la !== lb) return la < lb ? -1 : 1;
  return keys.compareKeys(a, b);
}

interface Run {
  readonly approx: Float64Array;
  readonly ids: Int32Array;
}

const NO_IDS = new Int32Array(0);

export class PartitionRuns<V> {
  private readonly keys: PartitionKeys<V>;
  private buffer = new Int32Array(PARTITION_RUNS_BUFFER);
  private buffered = 0;
  /** Sorted runs, largest first; sizes strictly decrease (equal neighbours merge). */
  private runs: Run[] = [];
  private count = 0;

  constructor(keys: PartitionKeys<V>) {
    this.keys = keys;
  }

  get size(): number {
    return this.count;
  }

  /** Adds a partition whose key is not here yet (the caller's hash index guarantees it). */
  insert(id: number): void {
    this.buffer[this.buffered++] = id;
    this.count++;
    if (this.buffered >= PARTITION_RUNS_BUFFER) this.seal();
  }

  /** Cursor on the first partition (an empty cursor when there is none). */
  first(): PartitionCursor<V> {
    this.seal();
    return new PartitionCursor(this.keys, this.runs, this.runs.map(() => 0));
  }

  /**
   * Cursor on the first partition with probe(value) >= 0 (range reads: once per read).
   * `startApprox` is Number() of the probe's token: partitions whose double is below it sort
   * before the probe and those above it after (the double is monotonic in the token), so each run
   * is searched on its Float64Array and the probe only decides among partitions sharing that double.
   */
  seek(probe: (value: V) => number, startApprox: number): PartitionCursor<V> {
    this.seal();
    const keys = this.keys;
    const positions = this.runs.map((run) => {
      const approx = run.approx;
      let lo = 0;
      let hi = approx.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (approx[mid]! < startApprox) lo = mid + 1;
        else hi = mid;
      }
      while (lo < approx.length && approx[lo] === startApprox && probe(keys.valueOf(run.ids[lo]!)) < 0) lo++;
      return lo;
    });
    return new PartitionCursor(keys, this.runs, positions);
  }

  /** Merges every run into one (a memtable that takes no more writes, before its flush walks it). */
  collapse(): void {
    this.seal();
    while (this.runs.length > 1) {
      const last = this.runs.pop()!;
      this.runs.push(merge(this.keys, this.runs.pop()!, last));
    }
  }

  /** Every partition in order, as collapse() leaves them (one run; valid until the next insert). */
  collapsed(): Int32Array {
    this.collapse();
    return this.runs.length === 0 ? NO_IDS : this.runs[0]!.ids;
  }

  /** Sorts the buffer into a run and merges runs of equal or smaller size into it. */
  private seal(): void {
    const n = this.buffered;
    if (n === 0) return;
    const keys = this.keys;
    const ids = sortByTokenAndKey(keys, this.buffer, n);
    this.buffered = 0;
    const approx = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      approx[i] = tokenApproxOf(keys, ids[i]!);
      if (i > 0) assert(approx[i - 1]! < approx[i]! || comparePartitions(keys, ids[i - 1]!, ids[i]!) < 0, 'memtable partition keys are unique');
    }
    let run: Run = { approx, ids };
    while (this.runs.length > 0 && this.runs[this.runs.length - 1]!.ids.length <= run.ids.length) {
      run = merge(keys, this.runs.pop()!, run);
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
 * The first `n` partitions of `ids` in (token, key) order, as a new array: a stable LSD radix
 * sort on the token's halves (eight passes of a byte), then key bytes among equal tokens. About
 * twenty times cheaper than a comparison sort for a buffer of 512.
 */
export function sortByTokenAndKey(keys: PartitionKeys<unknown>, ids: Int32Array, n: number): Int32Array {
  if (sortOrder.length < n) {
    sortKeys = new Uint32Array(2 * n);
    sortOrder = new Int32Array(n);
    sortSpare = new Int32Array(n);
  }
  const halves = sortKeys;
  let order = sortOrder;
  let spare = sortSpare;
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    halves[2 * i] = keys.tokenLow(id);
    halves[2 * i + 1] = (keys.tokenHigh(id) ^ 0x80000000) >>> 0; // signed high half as an unsigned, same order
    order[i] = i;
  }
  const counts = sortCounts;
  for (let pass = 0; pass < 8; pass++) {
    const word = pass >> 2;
    const shift = (pass & 3) * 8;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(halves[2 * order[i]! + word]! >>> shift) & 0xff]!++;
    let sum = 0;
    for (let d = 0; d < 256; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const at = order[i]!;
      spare[counts[(halves[2 * at + word]! >>> shift) & 0xff]!++] = at;
    }
    const t = order;
    order = spare;
    spare = t;
  }
  const sorted = new Int32Array(n);
  for (let i = 0; i < n; i++) sorted[i] = ids[order[i]!]!;
  // Equal tokens (rare): ordered by key bytes, by insertion among them. Tokens are in order now,
  // so comparePartitions is positive only between equal tokens.
  for (let i = 1; i < n; i++) {
    const v = sorted[i]!;
    if (comparePartitions(keys, sorted[i - 1]!, v) <= 0) continue;
    let j = i - 1;
    while (j >= 0 && comparePartitions(keys, sorted[j]!, v) > 0) {
      sorted[j + 1] = sorted[j]!;
      j--;
    }
    sorted[j + 1] = v;
  }
  return sorted;
}

function merge(keys: PartitionKeys<unknown>, a: Run, b: Run): Run {
  const n = a.ids.length;
  const m = b.ids.length;
  const approx = new Float64Array(n + m);
  const ids = new Int32Array(n + m);
  const aa = a.approx;
  const ba = b.approx;
  const ai = a.ids;
  const bi = b.ids;
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < n && j < m) {
    const x = aa[i]!;
    const y = ba[j]!;
    const c = x < y ? -1 : x > y ? 1 : comparePartitions(keys, ai[i]!, bi[j]!);
    assert(c !== 0, 'memtable partition keys are unique');
    if (c < 0) {
      approx[k] = x;
      ids[k++] = ai[i++]!;
    } else {
      approx[k] = y;
      ids[k++] = bi[j++]!;
    }
  }
  if (i < n) {
    approx.set(aa.subarray(i), k);
    ids.set(ai.subarray(i), k);
  } else if (j < m) {
    approx.set(ba.subarray(j), k);
    ids.set(bi.subarray(j), k);
  }
  return { approx, ids };
}

/**
 * A forward position in the merge of the runs it was opened on: a min-heap of the runs by their
 * head, so a step costs about log2(k) comparisons of doubles.
 */
export class PartitionCursor<V> {
  private readonly keys: PartitionKeys<V>;
  private readonly runs: readonly Run[];
  private readonly positions: number[];
  /** Indexes of the runs with entries left, by head. */
  private readonly heap = new MinHeap<number>((a, b) => this.before(a, b));
  /** The value at the current position, once asked for (a cursor's value is asked for repeatedly). */
  private current: V | null = null;

  constructor(keys: PartitionKeys<V>, runs: readonly Run[], positions: number[]) {
    this.keys = keys;
    this.runs = runs.slice();
    this.positions = positions;
    for (let r = 0; r < this.runs.length; r++) {
      if (positions[r]! < this.runs[r]!.ids.length) this.heap.push(r);
    }
  }

  get valid(): boolean {
    return this.heap.size > 0;
  }

  /** The partition number at the cursor. */
  get id(): number {
    const r = this.heap.peek();
    assert(r !== undefined, 'cursor is not on an entry');
    return this.runs[r]!.ids[this.positions[r]!]!;
  }

  get value(): V {
    if (this.current === null) this.current = this.keys.valueOf(this.id);
    return this.current;
  }

  next(): void {
    const r = this.heap.peek();
    if (r === undefined) return;
    this.current = null;
    if (++this.positions[r]! >= this.runs[r]!.ids.length) this.heap.pop();
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
    return comparePartitions(this.keys, ra.ids[pa]!, rb.ids[pb]!) < 0;
  }
}
