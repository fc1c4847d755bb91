// The in-memory partition index of one SSTable (Cassandra's index summary, held in typed arrays):
// partition tokens as signed high / unsigned low 32-bit halves, sorted. Dense (interval 1) it also
// holds every partition's Data offset, so a point lookup is a binary search plus one Data read;
// sampled (every `interval`-th partition) it holds Index.db offsets and a lookup scans at most
// `interval` index entries. Invariants: tokens ascend (equal tokens only for colliding keys); a
// dense Data offset is stored as -(offset + 1) when the partition must be looked up in Index.db
// (it has a row index, or shares its token), and a dense index keeps the Index.db offset of every
// DENSE_INDEX_OFFSET_INTERVAL-th partition for that.
import { assert } from '../../lib/index.ts';

/** Dense indexes keep the Index.db offset of every this-many partitions (a power of two). */
export const DENSE_INDEX_OFFSET_INTERVAL = 16;
/** Sparsest sampling (Cassandra's max_index_interval default): a budget never forces it sparser. */
export const PARTITION_INDEX_INTERVAL_MAX = 2048;
/** Heap bytes of one dense entry: token halves (8) and Data offset (8), plus the sparse Index.db offsets. */
export const DENSE_ENTRY_BYTES = 16 + 8 / DENSE_INDEX_OFFSET_INTERVAL;
/** Heap bytes of one sample: token halves (8) and Index.db offset (8). */
export const SAMPLE_ENTRY_BYTES = 16;

/**
 * A lookup first reads a directory of the held entries by the top bits of the token (about this
 * many entries a bucket), then binary-searches its bucket: a few cache misses instead of one per
 * level of a binary search over the whole index (murmur3 tokens spread evenly; a skewed spread
 * only makes some buckets larger, never a lookup wrong).
 */
export const DIRECTORY_BUCKET_ENTRIES = 32;
/** Indexes holding fewer entries are searched without a directory. */
export const DIRECTORY_ENTRIES_MIN = 2 * DIRECTORY_BUCKET_ENTRIES;
/** At most 2^this buckets (a 4 MiB directory for 32M entries held). */
const DIRECTORY_BITS_MAX = 20;

/** Bits of the token's high half that pick a bucket for `held` entries (0: no directory). */
function directoryBits(held: number): number {
  if (held < DIRECTORY_ENTRIES_MIN) return 0;
  return Math.min(DIRECTORY_BITS_MAX, Math.floor(Math.log2(held / DIRECTORY_BUCKET_ENTRIES)));
}

/** Heap bytes of the directory of `held` entries. */
function directoryBytes(held: number): number {
  const bits = directoryBits(held);
  return bits === 0 ? 0 : ((1 << bits) + 1) * 4;
}

const NO_DIRECTORY = new Int32Array(0);

const halvesView = new DataView(new ArrayBuffer(8));

/** The token's signed high 32 bits, without BigInt arithmetic (which allocates). */
export function tokenHighOf(token: bigint): number {
  halvesView.setBigInt64(0, token);
  return halvesView.getInt32(0);
}

/** The token's unsigned low 32 bits, without BigInt arithmetic. */
export function tokenLowOf(token: bigint): number {
  halvesView.setBigInt64(0, token);
  return halvesView.getUint32(4);
}

/** The token whose signed high and unsigned low 32 bits these are. */
export function tokenOfHalves(high: number, low: number): bigint {
  halvesView.setInt32(0, high);
  halvesView.setUint32(4, low);
  return halvesView.getBigInt64(0);
}

/** Heap bytes of an index of `count` partitions at `interval` (1: dense). */
export function partitionIndexBytes(count: number, interval: number): number {
  if (interval === 1) return count * 16 + Math.ceil(count / DENSE_INDEX_OFFSET_INTERVAL) * 8 + directoryBytes(count);
  const held = Math.ceil(count / interval);
  return held * SAMPLE_ENTRY_BYTES + directoryBytes(held);
}

/** A partition index's data fields (what crosses a worker boundary: structured clone drops the class). */
export interface PartitionIndexFields {
  readonly count: number;
  readonly interval: number;
  readonly high: Int32Array;
  readonly low: Uint32Array;
  readonly dataOffsets: Float64Array | null;
  readonly indexOffsets: Float64Array;
  readonly dataEndBytes: number;
}

export class PartitionIndex implements PartitionIndexFields {
  /** Partitions of the SSTable. */
  readonly count: number;
  /** 1: dense; else every interval-th partition is sampled (a power of two). */
  readonly interval: number;
  /** Tokens of the entries held (every partition when dense). */
  readonly high: Int32Array;
  readonly low: Uint32Array;
  /** Dense only: Data offset per partition, -(offset + 1) when Index.db must be consulted. */
  readonly dataOffsets: Float64Array | null;
  /** Index.db offset of entries 0, s, 2s... (s = DENSE_INDEX_OFFSET_INTERVAL when dense, else `interval`). */
  readonly indexOffsets: Float64Array;
  /** Logical Data length (end of the last partition). */
  readonly dataEndBytes: number;
  /**
   * directory[b]: the first held entry whose token's high half, as unsigned, has top bits >= b
   * (directory[buckets] = entries held); built at the first lookup (NO_DIRECTORY: too few entries).
   */
  private directory: Int32Array | null = null;
  private directoryShift = 0;

  constructor(fields: PartitionIndexFields) {
    this.count = fields.count;
    this.interval = fields.interval;
    this.high = fields.high;
    this.low = fields.low;
    this.dataOffsets = fields.dataOffsets;
    this.indexOffsets = fields.indexOffsets;
    this.dataEndBytes = fields.dataEndBytes;
    assert((fields.dataOffsets !== null) === (fields.interval === 1), 'dense index has Data offsets');
    assert(fields.high.length === fields.low.length && fields.high.length === Math.ceil(fields.count / fields.interval), 'index entry count');
  }

  /** An index from its fields, e.g. one built by a writer in a worker thread (structured clone drops the class). */
  static fromFields(fields: PartitionIndexFields): PartitionIndex {
    return fields instanceof PartitionIndex ? fields : new PartitionIndex(fields);
  }

  get dense(): boolean {
    return this.interval === 1;
  }

  get sizeBytes(): number {
    return this.high.byteLength + this.low.byteLength + (this.dataOffsets?.byteLength ?? 0) + this.indexOffsets.byteLength + directoryBytes(this.high.length);
  }

  /** First held entry whose token is at or after (high, low); `high.length` when none. */
  lowerBound(high: number, low: number): number {
    const highs = this.high;
    const lows = this.low;
    const directory = this.directory ?? this.buildDirectory();
    let lo = 0;
    let hi = highs.length;
    if (directory !== NO_DIRECTORY) {
      // Entries of earlier buckets have smaller high halves, of later ones larger: the answer is
      // in the bucket or just past it.
      const b = (high ^ 0x80000000) >>> this.directoryShift;
      lo = directory[b]!;
      hi = directory[b + 1]!;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const h = highs[mid]!;
      if (h < high || (h === high && lows[mid]! < low)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private buildDirectory(): Int32Array {
    const highs = this.high;
    const n = highs.length;
    const bits = directoryBits(n);
    if (bits === 0) return (this.directory = NO_DIRECTORY);
    const shift = 32 - bits;
    const buckets = 1 << bits;
    const directory = new Int32Array(buckets + 1);
    let i = 0;
    for (let b = 0; b < buckets; b++) {
      while (i < n && (highs[i]! ^ 0x80000000) >>> shift < b) i++;
      directory[b] = i;
    }
    directory[buckets] = n;
    this.directoryShift = shift;
    return (this.directory = directory);
  }

  /**
   * Dense: the partition number with exactly this token, or -1 (no partition has it: the lookup is
   * answered without I/O). Sampled: always -1 (use scanStartFor).
   */
  exact(high: number, low: number): number {
    const i = this.lowerBound(high, low);
    if (i >= this.high.length || this.high[i] !== high || this.low[i] !== low) return -1;
    return i;
  }

  /** Dense: is partition `i` read straight from Data (no row index, unique token)? */
  isDirect(i: number): boolean {
    return this.dataOffsets![i]! >= 0;
  }

  /** Dense: Data offset of partition `i`. */
  dataOffsetOf(i: number): number {
    const v = this.dataOffsets![i]!;
    return v >= 0 ? v : -v - 1;
  }

  /** Dense: Data length of partition `i` (partitions are contiguous in Data). */
  dataLengthOf(i: number): number {
    const end = i + 1 < this.count ? this.dataOffsetOf(i + 1) : this.dataEndBytes;
    return end - this.dataOffsetOf(i);
  }

  /**
   * An Index.db offset from which a scan reaches every partition whose token is at or after
   * (high, low), and at most `scanEntriesMax` entries before the first such partition.
   */
  scanStartFor(high: number, low: number): number {
    if (this.count === 0) return 0;
    const i = this.lowerBound(high, low);
    if (this.dense) return this.indexOffsets[Math.floor(Math.max(0, i - 1) / DENSE_INDEX_OFFSET_INTERVAL)]!;
    return this.indexOffsets[Math.max(0, i - 1)]!;
  }

  /** Entries a scan from scanStartFor passes before the target at most (plus colliding tokens). */
  get scanEntriesMax(): number {
    return this.dense ? DENSE_INDEX_OFFSET_INTERVAL : this.interval;
  }
}

/**
 * Collects a partition index from index entries in (token, key) order: dense (`interval` 1, the
 * default; `finish` may still sample it), or sampled as it goes (never holding the dense arrays).
 * `capacity` is the expected partition count (arrays grow past it). The writer can feed one while
 * it writes Index.db and hand the result to the reader.
 */
export class PartitionIndexBuilder {
  private readonly step: number;
  private high: Int32Array;
  private low: Uint32Array;
  /** Dense only. */
  private dataOffsets: Float64Array | null;
  private indexOffsets: Float64Array;
  private n = 0;
  private lastEndBytes = 0;

  constructor(capacity: number, interval = 1) {
    assert(interval === 1 || (interval >= DENSE_INDEX_OFFSET_INTERVAL && (interval & (interval - 1)) === 0), 'partition index interval');
    this.step = interval;
    const c = Math.max(DENSE_INDEX_OFFSET_INTERVAL, Math.ceil(capacity / interval));
    this.high = new Int32Array(c);
    this.low = new Uint32Array(c);
    this.dataOffsets = interval === 1 ? new Float64Array(c) : null;
    this.indexOffsets = new Float64Array(interval === 1 ? Math.ceil(c / DENSE_INDEX_OFFSET_INTERVAL) : c);
  }

  /** Adds the next partition; `direct` false when its lookup must go through Index.db (it has a row index). */
  add(high: number, low: number, entry: { dataOffsetBytes: number; dataLengthBytes: number; indexOffsetBytes: number; direct: boolean }): void {
    const i = this.n;
    const offsets = this.dataOffsets;
    if (offsets === null) {
      if (i % this.step === 0) {
        const j = i / this.step;
        if (j === this.high.length) this.grow();
        this.high[j] = high;
        this.low[j] = low;
        this.indexOffsets[j] = entry.indexOffsetBytes;
      }
      this.n++;
      return;
    }
    if (i === this.high.length) this.grow();
    if (i % DENSE_INDEX_OFFSET_INTERVAL === 0) this.indexOffsets[i / DENSE_INDEX_OFFSET_INTERVAL] = entry.indexOffsetBytes;
    const dense = this.dataOffsets!;
    const previous = i - 1;
    // A token equal to the previous one: both go through Index.db (the key decides). A gap before
    // this partition (never written so): the previous one's length is not derivable, Index.db too.
    const collides = previous >= 0 && this.high[previous] === high && this.low[previous] === low;
    if (previous >= 0 && (collides || this.lastEndBytes !== entry.dataOffsetBytes)) {
      const p = dense[previous]!;
      if (p >= 0) dense[previous] = -p - 1;
    }
    dense[i] = entry.direct && !collides ? entry.dataOffsetBytes : -entry.dataOffsetBytes - 1;
    this.high[i] = high;
    this.low[i] = low;
    this.lastEndBytes = entry.dataOffsetBytes + entry.dataLengthBytes;
    this.n++;
  }

  get count(): number {
    return this.n;
  }

  /**
   * The index; `dataEndBytes` is the logical Data length. A dense builder samples at `interval`
   * when asked; a sampled one returns its own interval.
   */
  finish(dataEndBytes: number, interval = 1): PartitionIndex {
    const n = this.n;
    const fit = <T extends Int32Array | Uint32Array | Float64Array>(a: T, length: number): T => (a.length === length ? a : (a.slice(0, length) as T));
    const dense = this.dataOffsets;
    if (dense === null) {
      const held = Math.ceil(n / this.step);
      return new PartitionIndex({
        count: n, interval: this.step, high: fit(this.high, held), low: fit(this.low, held), dataOffsets: null, indexOffsets: fit(this.indexOffsets, held), dataEndBytes,
      });
    }
    const last = n - 1;
    if (last >= 0 && this.lastEndBytes !== dataEndBytes) {
      const p = dense[last]!;
      if (p >= 0) dense[last] = -p - 1;
    }
    const index = new PartitionIndex({
      count: n, interval: 1, high: fit(this.high, n), low: fit(this.low, n), dataOffsets: fit(dense, n),
      indexOffsets: fit(this.indexOffsets, Math.ceil(n / DENSE_INDEX_OFFSET_INTERVAL)), dataEndBytes,
    });
    return interval === 1 ? index : downsample(index, interval);
  }

  private grow(): void {
    const c = this.high.length * 2;
    const grown = <T extends Int32Array | Uint32Array | Float64Array>(a: T, length: number, make: (n: number) => T): T => {
      const b = make(length);
      b.set(a);
      return b;
    };
    this.high = grown(this.high, c, (k) => new Int32Array(k));
    this.low = grown(this.low, c, (k) => new Uint32Array(k));
    if (this.dataOffsets !== null) {
      this.dataOffsets = grown(this.dataOffsets, c, (k) => new Float64Array(k));
      this.indexOffsets = grown(this.indexOffsets, Math.ceil(c / DENSE_INDEX_OFFSET_INTERVAL), (k) => new Float64Array(k));
    } else {
      this.indexOffsets = grown(this.indexOffsets, c, (k) => new Float64Array(k));
    }
  }
}

/** A dense index sampled at `interval` (a power of two, at least DENSE_INDEX_OFFSET_INTERVAL): no I/O. */
export function downsample(dense: PartitionIndex, interval: number): PartitionIndex {
  assert(dense.dense, 'downsample a dense index');
  assert(interval >= DENSE_INDEX_OFFSET_INTERVAL && (interval & (interval - 1)) === 0, 'partition index interval');
  const held = Math.ceil(dense.count / interval);
  const high = new Int32Array(held);
  const low = new Uint32Array(held);
  const indexOffsets = new Float64Array(held);
  const step = interval / DENSE_INDEX_OFFSET_INTERVAL;
  for (let j = 0; j < held; j++) {
    high[j] = dense.high[j * interval]!;
    low[j] = dense.low[j * interval]!;
    indexOffsets[j] = dense.indexOffsets[j * step]!;
  }
  return new PartitionIndex({ count: dense.count, interval, high, low, dataOffsets: null, indexOffsets, dataEndBytes: dense.dataEndBytes });
}
