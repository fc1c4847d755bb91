// A table's in-memory write buffer: partitions ordered by (token, key bytes) and, inside each,
// rows ordered by the clustering comparator (partitions in sorted runs, rows in insert-only B+
// trees), with a hash index by token for point lookups. Applying an update
// merges it with what is there using the reconciliation rules; deletions are kept (reads and
// flushes apply them). Memory is tracked approximately but consistently: every byte counted in
// is counted out when the memtable is discarded.
import { assert } from '../../lib/index.ts';
import { BTreeMap } from '../btree-map.ts';
import { PartitionRuns } from './partition-runs.ts';
import type { TreeKey } from './partition-runs.ts';
import { TokenIndex } from './token-index.ts';
import type { TokenIndexed } from './token-index.ts';
import { tokenHighOf, tokenLowOf, tokenOfHalves } from '../sstable/partition-index.ts';
import { boundsEqual } from '../clustering-position.ts';
import { maxDeletion, supersedes } from '../deletion-time.ts';
import type { Cell, Clustering, DeletionTime, PartitionUpdate, RangeTombstone, Row } from '../model.ts';
import { assertCellsSorted, mergeRows } from '../reconcile.ts';
import type { SSTablePartitionInput } from '../sstable/sstable-writer.ts';
import type { TableLayout } from '../table-layout.ts';
import { rowTimestamp } from '../codec/partition-codec.ts';
import { ENCODED_KEY, EncodedRow, EncodedRows, encodedKeyAt } from './encoded-rows.ts';
import type { EncodedPartition, EncodedTree } from './encoded-rows.ts';

/** Approximate heap cost of a partition beyond its key bytes (objects, tree slots). */
export const PARTITION_OVERHEAD_BYTES = 200;
/** Approximate heap cost of a row beyond its clustering and cells. */
export const ROW_OVERHEAD_BYTES = 120;
/** Approximate heap cost of a cell beyond its value and path bytes. */
export const CELL_OVERHEAD_BYTES = 80;
/** Approximate heap cost of a range tombstone beyond its bound values. */
export const RANGE_TOMBSTONE_OVERHEAD_BYTES = 120;
/**
 * A value whose backing ArrayBuffer is this large (and mostly something else) is copied on apply,
 * so a memtable never pins whole network frames behind a few bytes of data.
 */
export const DETACH_BACKING_BYTES_MIN = 64 * 1024;
/** V8 keeps typed arrays up to this size on the heap (typed_array_max_size_in_heap). */
const ON_HEAP_TYPED_ARRAY_BYTES_MAX = 64;

export interface PartitionKey {
  readonly token: bigint;
  readonly key: Buffer;
}

export function comparePartitionKeys(a: PartitionKey, b: PartitionKey): number {
  if (a.token !== b.token) return a.token < b.token ? -1 : 1;
  return Buffer.compare(a.key, b.key);
}

/**
 * What a partition holds beyond one encoded row: its key, deletions, static row and rows as
 * objects. Most partitions of key-value tables never need one (MemtablePartition.objects).
 */
class PartitionObjects {
  readonly key: Buffer;
  partitionDeletion: DeletionTime | null = null;
  staticRow: Row | null = null;
  /** The single row, while the partition has at most one and no tree (and it is not encoded). */
  row: Row | null = null;
  tree: RowTree | null = null;
  /** Shared and empty (NO_RANGE_TOMBSTONES, never written to) until the first one arrives. */
  rangeTombstones: RangeTombstone[] = NO_RANGE_TOMBSTONES;

  constructor(key: Buffer) {
    this.key = key;
  }
}

/**
 * Partitions a flush walk reads ahead: the walk goes in token order over objects allocated in
 * write order, so each is a cache miss; loading the next ones together, a group at a time, lets
 * the processor wait for their misses in parallel instead of one after another.
 */
const FLUSH_TOUCH_AHEAD = 8;
/** Where touchAhead leaves what it read, so the loads are not dropped as unused. */
const TOUCHED = { sum: 0 };

function touchAhead(values: readonly MemtablePartition[], from: number): void {
  const end = Math.min(values.length, from + FLUSH_TOUCH_AHEAD);
  let sum = 0;
  // A field at each end of the object: it spans two cache lines.
  for (let i = from; i < end; i++) {
    const p = values[i]!;
    sum += p.tokenHigh + p.expiringCount;
  }
  TOUCHED.sum = sum;
}

/**
 * A memtable partition. Every one stays alive until the flush, so each of its objects is copied
 * by the young-generation collector and then kept in the old one: a plain one-row partition is
 * therefore this one object and its bytes in a slab (key and token included: the SSTable Data
 * format starts a partition with them), without a key Buffer, a BigInt token or row objects.
 * `key` and `token` are made on demand from there.
 */
export class MemtablePartition implements PartitionKey, TreeKey, TokenIndexed<MemtablePartition>, SSTablePartitionInput, EncodedTree {
  /** Signed high 32 bits of the token, compared as numbers (no BigInt on hot paths). */
  readonly tokenHigh: number;
  /**
   * The low 32 bits as a signed integer: small integers stay unboxed in the object, while a
   * double (the token's approximation, an unsigned low half above 2^31) would cost a heap number
   * per partition, which the collector copies. tokenLow and tokenApprox are computed from these.
   */
  private readonly lowBits: number;
  /** The key, deletions, static row and rows as objects; null while the partition is one encoded row. */
  private objects: PartitionObjects | null = null;
  // The whole partition as SSTable Data bytes (encoded-rows.ts) while `slab` is set: one plain
  // row, nothing else. The fields of an EncodedPartition, kept here rather than in an object of
  // their own. `codec` is also set while the tree holds encoded rows.
  codec: EncodedRows | null = null;
  slab: Buffer | null = null;
  start = 0;
  length = 0;
  rowsAt = 0;
  cellCount = 0;
  minTimestampDelta = 0;
  maxTimestampDelta = 0;
  dropTimeSeconds = 0;
  expiringCount = 0;
  /** Another partition in the same token-index slot (same double of the token): the lookup chain. */
  sameSlot: MemtablePartition | null = null;

  /** A partition of `token` whose key is set by objectsWith() or by an encoding (encodeOnlyRow). */
  constructor(tokenHigh: number, tokenLow: number) {
    this.tokenHigh = tokenHigh;
    this.lowBits = tokenLow | 0;
  }

  /** A partition holding `key` as objects (tests; the memtable encodes first and falls back to this). */
  static of(token: bigint, key: Buffer): MemtablePartition {
    const p = new MemtablePartition(tokenHighOf(token), tokenLowOf(token));
    p.objectsWith(key);
    return p;
  }

  /** The partition's objects, made (holding `key`) if it has none. */
  objectsWith(key: Buffer): PartitionObjects {
    if (this.objects === null) this.objects = new PartitionObjects(key);
    return this.objects;
  }

  /** Its objects, made with the key read from its encoding when it is encoded. */
  private get own(): PartitionObjects {
    return this.objects ?? this.objectsWith(this.slabKey());
  }

  /** The key bytes in the slab (a view: the slab lives as long as the memtable). */
  private slabKey(): Buffer {
    const at = encodedKeyAt(this.slab!, this.start);
    return this.slab!.subarray(at, at + ENCODED_KEY.length);
  }

  get key(): Buffer {
    return this.objects !== null ? this.objects.key : this.slabKey();
  }

  /** The exact token (a new BigInt on each call: reads and flushes, not the write path). */
  get token(): bigint {
    return tokenOfHalves(this.tokenHigh, this.lowBits >>> 0);
  }

  /** Whether the partition's key is `key` (no allocation). */
  keyEquals(key: Buffer): boolean {
    if (this.objects !== null) {
      const own = this.objects.key;
      return own === key || own.equals(key);
    }
    const slab = this.slab!;
    const at = encodedKeyAt(slab, this.start);
    const length = ENCODED_KEY.length;
    if (length !== key.length) return false;
    for (let i = 0; i < length; i++) if (slab[at + i] !== key[i]) return false;
    return true;
  }

  /** Unsigned low 32 bits of the token. */
  get tokenLow(): number {
    return this.lowBits >>> 0;
  }

  /** Number(token): exact, as the product of the high half and 2^32 plus the low half rounds once. */
  get tokenApprox(): number {
    return this.tokenHigh * 4294967296 + (this.lowBits >>> 0);
  }

  get partitionDeletion(): DeletionTime | null {
    return this.objects !== null ? this.objects.partitionDeletion : null;
  }

  set partitionDeletion(value: DeletionTime | null) {
    this.own.partitionDeletion = value;
  }

  get staticRow(): Row | null {
    return this.objects !== null ? this.objects.staticRow : null;
  }

  set staticRow(value: Row | null) {
    this.own.staticRow = value;
  }

  /** Rows by clustering; a row is encoded (EncodedRow, deltas from the tree's `base`) or objects. */
  get tree(): RowTree | null {
    return this.objects !== null ? this.objects.tree : null;
  }

  set tree(value: RowTree | null) {
    this.own.tree = value;
  }

  get rangeTombstones(): RangeTombstone[] {
    return this.objects !== null ? this.objects.rangeTombstones : NO_RANGE_TOMBSTONES;
  }

  set rangeTombstones(value: RangeTombstone[]) {
    this.own.rangeTombstones = value;
  }

  /** The timestamp base of the tree's encoded rows (EncodedTree). */
  get base(): number {
    return this.tree!.base;
  }

  get rowCount(): number {
    const tree = this.tree;
    if (tree !== null) return tree.size;
    return this.slab !== null || (this.objects !== null && this.objects.row !== null) ? 1 : 0;
  }

  /** The partition's bytes when its row is encoded (SSTablePartitionInput: a flush copies them). */
  get encoded(): EncodedPartition | null {
    return this.slab !== null ? (this as EncodedPartition) : null;
  }

  /** The tree when some of its rows are encoded (SSTablePartitionInput: a flush copies those). */
  get encodedTree(): EncodedTree | null {
    return this.tree !== null && this.codec !== null ? this : null;
  }

  forEachRow(visit: (value: Row | EncodedRow) => void): void {
    for (const r = this.tree!.first(); r.valid; r.next()) visit(r.value);
  }

  /** A tree value as a row (decoded when it is encoded). */
  rowOf(value: Row | EncodedRow): Row {
    return value instanceof EncodedRow ? this.codec!.decodeRow(value, this.tree!.base) : value;
  }

  /** The single row (decoded when it is encoded: a new object on each call), or null. */
  get onlyRow(): Row | null {
    if (this.slab !== null) return this.codec!.decode(this as EncodedPartition);
    return this.objects !== null ? this.objects.row : null;
  }

  /** Makes `row` (or nothing) the single row as objects; an encoding is dropped (its key kept first). */
  set onlyRow(row: Row | null) {
    this.own.row = row;
    this.slab = null;
    this.codec = null;
  }

  /**
   * Makes `row` the partition's encoded single row when the partition holds nothing else (no tree,
   * partition deletion, static row or range tombstone) and the row qualifies (EncodedRows.encode);
   * false, with nothing changed, otherwise. `sizeBytes` is its rowSizeBytes; `key` the partition's.
   */
  encodeOnlyRow(codec: EncodedRows, row: Row, sizeBytes: number, key: Buffer): boolean {
    const objects = this.objects;
    if (objects !== null && (objects.tree !== null || objects.partitionDeletion !== null || objects.staticRow !== null || objects.rangeTombstones.length > 0)) return false;
    if (!codec.encode(this, key, this.tokenHigh, this.tokenLow, row, sizeBytes)) return false;
    // The key is in the slab now: the objects (if any) held nothing else.
    this.objects = null;
    return true;
  }

  /** Encodes the single row kept as objects, when encodeOnlyRow can (a partition that stayed plain after a change). */
  tryEncode(codec: EncodedRows): void {
    const objects = this.objects;
    if (objects !== null && objects.row !== null) this.encodeOnlyRow(codec, objects.row, rowSizeBytes(objects.row), objects.key);
  }

  /** The rows in clustering order (SSTablePartitionInput: a flush writes the partition as it is). */
  get rows(): readonly Row[] {
    return this.rowsInOrder();
  }

  /** Rows in clustering order (a copy for a tree; flush and tests). */
  rowsInOrder(): readonly Row[] {
    const tree = this.tree;
    if (tree === null) {
      const only = this.onlyRow;
      return only === null ? NO_ROWS : [only];
    }
    const rows: Row[] = [];
    for (const r = tree.first(); r.valid; r.next()) rows.push(this.rowOf(r.value));
    return rows;
  }
}

/** A partition's rows by clustering, with the timestamp base of those encoded (NaN until the first is). */
class RowTree extends BTreeMap<Clustering, Row | EncodedRow> {
  base = Number.NaN;
}

const NO_ROWS: readonly Row[] = Object.freeze([]);
const NO_RANGE_TOMBSTONES: RangeTombstone[] = [];
// Not frozen (readonly by type): frozen arrays have another elements kind, and the encoder's and
// merger's loops over clusterings would turn polymorphic.
const NO_VALUES: Clustering = [];
const NO_COMPLEX_DELETIONS: Row['complexDeletions'] = [];

/** Where a memtable reads its table's current layout (ALTER TABLE may add columns). */
export interface LayoutSource {
  readonly layout: TableLayout;
}

export class Memtable {
  /** Ordered by (token, key): flushes and range reads. */
  readonly partitions = new PartitionRuns<MemtablePartition>();
  /** The same partitions by token: point lookups. */
  private readonly byToken: TokenIndex<MemtablePartition>;
  private partitionTotal = 0;
  private readonly layoutSource: LayoutSource;
  private bytes = 0;
  private rowCount = 0;
  /** Bounds of every timestamp applied (flush encoding; purge overlap checks). */
  minTimestampMicros = Infinity;
  maxTimestampMicros = -Infinity;
  private lastMerged: Row | null = null;
  /** Encoded one-row partitions: their column dictionary (which the flush's SSTable continues) and slabs. */
  readonly encodedRows = new EncodedRows();
  /** The tree value the last tree merge stored, and the partition it merges in. */
  private lastMergedValue: Row | EncodedRow | null = null;
  private merging: MemtablePartition | null = null;
  /** Merges a row into the version in the tree (one function for the memtable's life). */
  private readonly mergeRow = (existing: Row | EncodedRow, incoming: Row | EncodedRow): Row | EncodedRow => {
    const p = this.merging!;
    // An incoming row encoded for nothing leaves its bytes in the slab: counted.
    if (incoming instanceof EncodedRow) this.bytes += incoming.length;
    const merged = mergeRows(this.layout, p.rowOf(existing), p.rowOf(incoming));
    const value = this.treeValue(p, merged);
    this.lastMergedValue = value;
    return value;
  };

  private readonly encodeRows: boolean;

  /**
   * `expectedPartitions` sizes the token index up front (it grows past that as needed).
   * `encodeRows: false` keeps every row as objects (tests compare both forms).
   */
  constructor(layoutSource: LayoutSource, expectedPartitions = 0, options: { readonly encodeRows?: boolean } = {}) {
    this.layoutSource = layoutSource;
    this.byToken = new TokenIndex<MemtablePartition>(expectedPartitions);
    this.encodeRows = options.encodeRows ?? true;
  }

  get layout(): TableLayout {
    return this.layoutSource.layout;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  get partitionCount(): number {
    return this.partitionTotal;
  }

  get rowsApproximate(): number {
    return this.rowCount;
  }

  get isEmpty(): boolean {
    return this.partitionTotal === 0;
  }

  get(key: PartitionKey): MemtablePartition | undefined {
    return this.byToken.get(key.token, key.key);
  }

  /**
   * Partitions in (token, key) order with their rows in clustering order, for a flush (the
   * memtable takes no more writes: its runs are merged into one first).
   */
  *contents(): Generator<SSTablePartitionInput> {
    const values = this.partitions.collapsed();
    for (let i = 0; i < values.length; i++) {
      if ((i & (FLUSH_TOUCH_AHEAD - 1)) === 0) touchAhead(values, i + FLUSH_TOUCH_AHEAD);
      yield values[i]!;
    }
  }

  /**
   * Merges an update into the memtable; returns the change in tracked bytes. The update must be
   * well formed (`assertWellFormedUpdate`): the engine checks before the commit-log append, so a
   * malformed update can never reach the log and then fail on every replay.
   */
  apply(update: PartitionUpdate): number {
    const layout = this.layout;
    const before = this.bytes;
    this.trackTimestamps(update);
    let partition = this.get(update);
    if (partition !== undefined && partition.slab !== null) {
      // Any change to an encoded partition goes through objects (and is encoded again below when
      // it stays plain). The old bytes stay in their slab until the memtable is discarded: counted
      // from now on (a live encoded row is counted as the row objects it replaces).
      this.bytes += partition.length;
      const decoded = partition.onlyRow;
      partition.onlyRow = decoded;
    }
    const rows = update.rows;
    const plain = this.encodeRows && rows.length === 1 && update.partitionDeletion === null && update.staticRow === null && update.rangeTombstones.length === 0;
    if (partition === undefined) {
      partition = new MemtablePartition(tokenHighOf(update.token), tokenLowOf(update.token));
      this.bytes += PARTITION_OVERHEAD_BYTES + update.key.length;
      // The common write, one row into a new partition: encoded straight from the update (the
      // encoding copies its key and values, so nothing needs detaching).
      const encoded = plain && this.encodeNew(partition, update);
      if (!encoded) partition.objectsWith(detach(update.key));
      this.byToken.add(partition);
      this.partitions.insert(partition);
      this.partitionTotal++;
      if (encoded) return this.bytes - before;
    } else if (plain && partition.rowCount === 0 && this.encodeNew(partition, update)) {
      return this.bytes - before;
    }
    if (update.partitionDeletion !== null) partition.partitionDeletion = maxDeletion(partition.partitionDeletion, update.partitionDeletion);
    if (update.staticRow !== null) {
      const incoming = detachRow(update.staticRow);
      const existing = partition.staticRow;
      if (existing === null) {
        partition.staticRow = incoming;
        this.bytes += rowSizeBytes(incoming);
      } else {
        const merged = mergeRows(layout, existing, incoming);
        partition.staticRow = merged;
        this.bytes += rowSizeBytes(merged) - rowSizeBytes(existing);
      }
    }
    for (let i = 0; i < rows.length; i++) {
      const raw = rows[i]!;
      let existing: Row | undefined;
      const only = partition.onlyRow;
      if (partition.tree === null && (only === null || layout.compareClusterings(only.clustering, raw.clustering) === 0)) {
        // The single-row form: no tree until a second clustering arrives.
        const incoming = detachRow(raw);
        if (only === null) {
          partition.onlyRow = incoming;
          existing = undefined;
        } else {
          existing = only;
          this.lastMerged = mergeRows(layout, only, incoming);
          partition.onlyRow = this.lastMerged;
        }
        if (existing === undefined) {
          this.bytes += rowSizeBytes(incoming);
          this.rowCount++;
        } else {
          this.bytes += rowSizeBytes(this.lastMerged!) - rowSizeBytes(existing);
          this.lastMerged = null;
        }
        continue;
      }
      if (partition.tree === null) {
        partition.tree = new RowTree(layout.compareClusterings);
        partition.tree.set(only!.clustering, only!);
        partition.onlyRow = null;
      }
      const value = this.treeValue(partition, raw);
      this.merging = partition;
      const replaced = partition.tree.upsert(value.clustering, value, this.mergeRow);
      this.merging = null;
      if (replaced === undefined) {
        this.bytes += valueSizeBytes(value);
        this.rowCount++;
      } else {
        // The replaced version's bytes stay in their slab until the memtable is discarded.
        this.bytes += valueSizeBytes(this.lastMergedValue!) - valueSizeBytes(replaced) + (replaced instanceof EncodedRow ? replaced.length : 0);
        this.lastMergedValue = null;
      }
    }
    for (const rt of update.rangeTombstones) this.addRangeTombstone(partition, rt);
    if (this.encodeRows && rows.length > 0) partition.tryEncode(this.encodedRows);
    return this.bytes - before;
  }

  /** Encodes the update's single row as the partition's (which has no row); false when it must stay objects. */
  private encodeNew(partition: MemtablePartition, update: PartitionUpdate): boolean {
    const row = update.rows[0]!;
    const size = rowSizeBytes(row);
    if (!partition.encodeOnlyRow(this.encodedRows, row, size, update.key)) return false;
    this.bytes += size;
    this.rowCount++;
    return true;
  }

  /**
   * What the tree keeps of a row: encoded with deltas from the partition's base (set by its first
   * encoded row) when it qualifies (EncodedRows.encodeRow), else the row with its buffers detached.
   */
  private treeValue(partition: MemtablePartition, row: Row): Row | EncodedRow {
    if (this.encodeRows) {
      const tree = partition.tree!;
      if (Number.isNaN(tree.base)) tree.base = rowTimestamp(row) ?? Number.NaN;
      if (!Number.isNaN(tree.base)) {
        const encoded = this.encodedRows.encodeRow(row, detachValues(row.clustering), tree.base, rowSizeBytes(row));
        if (encoded !== null) {
          partition.codec = this.encodedRows;
          return encoded;
        }
      }
    }
    return detachRow(row);
  }

  /** Widens the timestamp bounds by every timestamp of the update (no allocation: hot path). */
  private trackTimestamps(update: PartitionUpdate): void {
    let min = this.minTimestampMicros;
    let max = this.maxTimestampMicros;
    let t: number;
    if (update.partitionDeletion !== null) {
      t = update.partitionDeletion.markedForDeleteAtMicros;
      if (t < min) min = t;
      if (t > max) max = t;
    }
    for (const rt of update.rangeTombstones) {
      t = rt.deletion.markedForDeleteAtMicros;
      if (t < min) min = t;
      if (t > max) max = t;
    }
    const rows = update.rows;
    for (let r = -1; r < rows.length; r++) {
      const row = r < 0 ? update.staticRow : rows[r]!;
      if (row === null) continue;
      if (row.liveness !== null) {
        t = row.liveness.timestampMicros;
        if (t < min) min = t;
        if (t > max) max = t;
      }
      if (row.deletion !== null) {
        t = row.deletion.markedForDeleteAtMicros;
        if (t < min) min = t;
        if (t > max) max = t;
      }
      for (const cd of row.complexDeletions) {
        t = cd.deletion.markedForDeleteAtMicros;
        if (t < min) min = t;
        if (t > max) max = t;
      }
      const cells = row.cells;
      for (let i = 0; i < cells.length; i++) {
        t = cells[i]!.timestampMicros;
        if (t < min) min = t;
        if (t > max) max = t;
      }
    }
    this.minTimestampMicros = min;
    this.maxTimestampMicros = max;
  }

  private addRangeTombstone(partition: MemtablePartition, rt: RangeTombstone): void {
    let list = partition.rangeTombstones;
    if (list === NO_RANGE_TOMBSTONES) list = partition.rangeTombstones = [];
    for (let i = 0; i < list.length; i++) {
      const existing = list[i]!;
      if (boundsEqual(existing.start, rt.start) && boundsEqual(existing.end, rt.end)) {
        if (supersedes(rt.deletion, existing.deletion)) list[i] = { start: existing.start, end: existing.end, deletion: rt.deletion };
        return;
      }
    }
    const copy: RangeTombstone = {
      start: { values: rt.start.values.map(detach), inclusive: rt.start.inclusive },
      end: { values: rt.end.values.map(detach), inclusive: rt.end.inclusive },
      deletion: rt.deletion,
    };
    list.push(copy);
    this.bytes += RANGE_TOMBSTONE_OVERHEAD_BYTES + boundBytes(copy.start.values) + boundBytes(copy.end.values);
  }
}

export function rowSizeBytes(row: Row): number {
  let n = ROW_OVERHEAD_BYTES;
  for (const v of row.clustering) n += v.length;
  const cells = row.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    n += CELL_OVERHEAD_BYTES + c.value.length + (c.path === null ? 0 : c.path.length);
  }
  n += row.complexDeletions.length * CELL_OVERHEAD_BYTES;
  return n;
}

function valueSizeBytes(value: Row | EncodedRow): number {
  return value instanceof EncodedRow ? value.sizeBytes : rowSizeBytes(value);
}

function boundBytes(values: readonly Buffer[]): number {
  let n = 0;
  for (const v of values) n += v.length;
  return n;
}

function needsDetach(value: Buffer): boolean {
  // Reading `.buffer` of a small on-heap typed array makes V8 move it off-heap (costly), and such
  // an array never shares a large backing store: skip those. A view at offset 0 of a big buffer
  // is the one case this misses.
  if (value.byteOffset === 0 && value.length <= ON_HEAP_TYPED_ARRAY_BYTES_MAX) return false;
  const backing = value.buffer.byteLength;
  return backing >= DETACH_BACKING_BYTES_MIN && value.length * 2 < backing;
}

function detach(value: Buffer): Buffer {
  return needsDetach(value) ? Buffer.from(value) : value;
}

/** The clustering itself unless one of its values is a small view of a large backing buffer. */
function detachValues(values: Clustering): Clustering {
  for (const v of values) if (needsDetach(v)) return values.map(detach);
  return values;
}

/**
 * The row itself unless one of its buffers is a small view of a large backing buffer (a network
 * frame, a memtable slab): then a copy that does not keep that buffer alive.
 */
export function detachRow(row: Row): Row {
  let dirty = false;
  for (const v of row.clustering) if (needsDetach(v)) dirty = true;
  for (const c of row.cells) if (needsDetach(c.value) || (c.path !== null && needsDetach(c.path))) dirty = true;
  if (!dirty) return row;
  return {
    // Empty lists are shared: a memtable keeps its rows, and every kept object costs the collector.
    clustering: row.clustering.length === 0 ? NO_VALUES : row.clustering.map(detach),
    liveness: row.liveness,
    deletion: row.deletion,
    cells: row.cells.map(detachCell),
    complexDeletions: row.complexDeletions.length === 0 ? NO_COMPLEX_DELETIONS : row.complexDeletions,
  };
}

function detachCell(cell: Cell): Cell {
  if (!needsDetach(cell.value) && (cell.path === null || !needsDetach(cell.path))) return cell;
  return {
    column: cell.column,
    path: cell.path === null ? null : detach(cell.path),
    value: detach(cell.value),
    timestampMicros: cell.timestampMicros,
    ttlSeconds: cell.ttlSeconds,
    localDeletionTimeSeconds: cell.localDeletionTimeSeconds,
    tombstone: cell.tombstone,
  };
}

/** Rows sorted and unique with full clusterings, an empty static clustering, cells sorted. */
export function assertWellFormedUpdate(layout: TableLayout, update: PartitionUpdate): void {
  if (update.staticRow !== null) {
    assert(update.staticRow.clustering.length === 0, 'the static row has no clustering');
    assertCellsSorted(layout, update.staticRow);
  }
  const rows = update.rows;
  const compare = layout.compareClusterings;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    assert(row.clustering.length === layout.clusteringSize, 'a row has a full clustering');
    if (i > 0) assert(compare(rows[i - 1]!.clustering, row.clustering) < 0, 'rows of an update are sorted and unique');
    assertCellsSorted(layout, row);
  }
}
