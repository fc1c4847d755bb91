// A table's in-memory write buffer: partitions ordered by (token, key) and, inside each,
// rows ordered by the clustering comparator (partitions in sorted runs, rows in insert-only B+
// trees), with a hash index by token for point lookups. Applying an update
// merges it with what is there using the reconciliation rules; deletions are kept (reads and
// flushes apply them). Memory is tracked approximately but consistently: every byte counted in
// is counted out when the memtable is discarded.
// Partitions are numbers whose fields live in columns (PartitionTable): every one stays alive
// until the flush, and an object per partition was copied by the young-generation collector and
// then traced in the old one (a tenth of a write's cost). Callers get MemtablePartition views.
import { assert } from '../../lib/index.ts';
import { BTreeMap } from '../btree-map.ts';
import { PartitionRuns, tokenApproxOf } from './partition-runs.ts';
import type { PartitionKeys } from './partition-runs.ts';
import { TokenIndex } from './token-index.ts';
import { tokenHighOf, tokenLowOf, tokenOfHalves } from '../sstable/partition-index.ts';
import { boundsEqual } from '../clustering-position.ts';
import { maxDeletion, supersedes } from '../deletion-time.ts';
import type { Cell, Clustering, DeletionTime, PartitionUpdate, RangeTombstone, Row } from '../model.ts';
import { assertCellsSorted, mergeRows } from '../reconcile.ts';
import type { SSTablePartitionInput, SSTablePartitionSource, SSTableWriter } from '../sstable/sstable-writer.ts';
import type { TableLayout } from '../table-layout.ts';
import type { ByteWriter } from '../codec/byte-writer.ts';
import { rowTimestamp } from '../codec/partition-codec.ts';
import { ENCODED_KEY, EncodedRow, EncodedRows, encodedKeyAt, encodedKeyView } from './encoded-rows.ts';
import type { EncodedPartition, EncodedPartitionTarget, EncodedRowTarget, EncodedRowView, EncodedTree } from './encoded-rows.ts';
import { CELLS, CODEC_SET, DROP_TIME, EXPIRING, FLAGS, HIGH, LENGTH, LOW, MAX_DELTA, MIN_DELTA, NO_SLAB, ROWS_AT, SLAB, START, STRIDE } from './partition-fields.ts';
import { RowRun } from './row-run.ts';
import type { RowsCursor } from './row-run.ts';

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
 * objects. Most partitions of key-value tables never need one.
 */
class PartitionObjects {
  readonly key: Buffer;
  partitionDeletion: DeletionTime | null = null;
  staticRow: Row | null = null;
  /** The single row, while the partition has at most one and no tree (and it is not encoded). */
  row: Row | null = null;
  /** Many rows: a run while they arrive in clustering order (or its reverse) and encode, else a tree. */
  tree: RowTree | RowRun | null = null;
  /** Shared and empty (NO_RANGE_TOMBSTONES, never written to) until the first one arrives. */
  rangeTombstones: RangeTombstone[] = NO_RANGE_TOMBSTONES;

  constructor(key: Buffer) {
    this.key = key;
  }
}

const INITIAL_PARTITIONS = 256;
/** A presized table holds up to this many partitions before it grows (48 MiB of columns). */
const MAX_PRESIZED_PARTITIONS = 1 << 20;
/** Partitions a flush walk reads ahead (their fields are scattered in token order). */
const FLUSH_TOUCH_AHEAD = 8;
/** Where touchAhead leaves what it read, so the loads are not dropped as unused. */
const TOUCHED = { sum: 0 };

/**
 * A memtable's partitions as columns, by number (in insert order): the fields of partition `id`
 * are STRIDE int32s in one typed array, and its objects (when it needs any) at `objects[id]`. A
 * memtable of a million one-row partitions thus holds no object per partition.
 */
export class PartitionTable implements PartitionKeys<MemtablePartition> {
  count = 0;
  /** Partitions that are one encoded row each (SLAB set). */
  encodedCount = 0;
  /** Over shared memory: a flush worker may walk them (encodedWalk). */
  private fields: Int32Array;
  private objects: Array<PartitionObjects | null>;
  /** Slabs by number (a partition's SLAB field). */
  private readonly slabs: Buffer[] = [];
  private readonly slabNumbers = new Map<Buffer, number>();
  private lastSlab: Buffer | null = null;
  private lastSlabNumber = NO_SLAB;
  /** The memtable's codec (what CODEC_SET stands for). */
  readonly codec: EncodedRows;

  /**
   * `expectedPartitions` sizes the columns up front (up to MAX_PRESIZED_PARTITIONS; they double
   * past that as needed): a memtable grown from 256 partitions to a million copied its columns
   * twelve times (163 ms in a bench profile of 3M writes).
   */
  constructor(codec: EncodedRows, expectedPartitions = 0) {
    this.codec = codec;
    let capacity = INITIAL_PARTITIONS;
    while (capacity < expectedPartitions && capacity < MAX_PRESIZED_PARTITIONS) capacity *= 2;
    this.fields = sharedFields(capacity * STRIDE);
    this.objects = new Array<PartitionObjects | null>(capacity).fill(null);
  }

  /** A new partition of the token with these halves (its key comes from objectsWith() or an encoding). */
  add(tokenHigh: number, tokenLow: number): number {
    const id = this.count;
    if ((id + 1) * STRIDE > this.fields.length) this.grow();
    const at = id * STRIDE;
    const f = this.fields;
    f[at + HIGH] = tokenHigh;
    f[at + LOW] = tokenLow | 0;
    f[at + SLAB] = NO_SLAB;
    this.count = id + 1;
    return id;
  }

  private grow(): void {
    const fields = sharedFields(this.fields.length * 2);
    fields.set(this.fields);
    this.fields = fields;
    const objects = new Array<PartitionObjects | null>(this.objects.length * 2).fill(null);
    for (let i = 0; i < this.count; i++) objects[i] = this.objects[i]!;
    this.objects = objects;
  }

  tokenHigh(id: number): number {
    return this.fields[id * STRIDE + HIGH]!;
  }

  tokenLow(id: number): number {
    return this.fields[id * STRIDE + LOW]! >>> 0;
  }

  compareKeys(a: number, b: number): number {
    return Buffer.compare(this.keyOf(a), this.keyOf(b));
  }

  keyEquals(id: number, key: Buffer): boolean {
    const objects = this.objects[id]!;
    if (objects !== null) {
      const own = objects.key;
      return own === key || sameBytes(own, key);
    }
    const slab = this.slabOf(id)!;
    const at = encodedKeyAt(slab, this.fields[id * STRIDE + START]!);
    const length = ENCODED_KEY.length;
    if (length !== key.length) return false;
    for (let i = 0; i < length; i++) if (slab[at + i] !== key[i]) return false;
    return true;
  }

  valueOf(id: number): MemtablePartition {
    return new MemtablePartition(this, id);
  }

  /** The key: its objects' or a view of its encoding in the slab (the slab lives as long as the memtable). */
  keyOf(id: number): Buffer {
    const objects = this.objects[id]!;
    return objects !== null ? objects.key : this.slabKey(id);
  }

  private slabKey(id: number): Buffer {
    return encodedKeyView(this.slabOf(id)!, this.fields[id * STRIDE + START]!);
  }

  objectsOf(id: number): PartitionObjects | null {
    return this.objects[id]!;
  }

  /** The partition's objects, made (holding `key`) if it has none. */
  objectsWith(id: number, key: Buffer): PartitionObjects {
    let objects = this.objects[id]!;
    if (objects === null) objects = this.objects[id] = new PartitionObjects(key);
    return objects;
  }

  /** Its objects, made with the key read from its encoding when it is encoded. */
  own(id: number): PartitionObjects {
    return this.objects[id] ?? this.objectsWith(id, this.slabKey(id));
  }

  dropObjects(id: number): void {
    this.objects[id] = null;
  }

  field(id: number, field: number): number {
    return this.fields[id * STRIDE + field]!;
  }

  setField(id: number, field: number, value: number): void {
    this.fields[id * STRIDE + field] = value;
  }

  slabOf(id: number): Buffer | null {
    const n = this.fields[id * STRIDE + SLAB]!;
    return n === NO_SLAB ? null : this.slabs[n]!;
  }

  /** Forgets the partition's encoding (its bytes stay in their slab) and the codec with it. */
  dropEncoding(id: number): void {
    if (this.fields[id * STRIDE + SLAB] !== NO_SLAB) this.encodedCount--;
    this.fields[id * STRIDE + SLAB] = NO_SLAB;
    this.fields[id * STRIDE + FLAGS] &= ~CODEC_SET;
  }

  private slabNumber(slab: Buffer): number {
    if (slab === this.lastSlab) return this.lastSlabNumber;
    let n = this.slabNumbers.get(slab);
    if (n === undefined) {
      n = this.slabs.length;
      this.slabs.push(slab);
      this.slabNumbers.set(slab, n);
    }
    this.lastSlab = slab;
    this.lastSlabNumber = n;
    return n;
  }

  /** Copies an encoding (EncodedRows.encode's target) into partition `id`'s fields. */
  setEncoded(id: number, e: EncodedPartitionTarget): void {
    const f = this.fields;
    const at = id * STRIDE;
    if (f[at + SLAB] === NO_SLAB) this.encodedCount++;
    f[at + SLAB] = this.slabNumber(e.slab!);
    f[at + START] = e.start;
    f[at + LENGTH] = e.length;
    f[at + ROWS_AT] = e.rowsAt;
    f[at + CELLS] = e.cellCount;
    f[at + MIN_DELTA] = e.minTimestampDelta;
    f[at + MAX_DELTA] = e.maxTimestampDelta;
    f[at + DROP_TIME] = e.dropTimeSeconds;
    f[at + EXPIRING] = e.expiringCount;
    f[at + FLAGS] |= CODEC_SET;
  }

  /**
   * Puts the encoding of partition `id` into `e` (its codec is this table's already); false when
   * the partition is not one encoded row.
   */
  encodingOf(id: number, e: FlushEncoding): boolean {
    const f = this.fields;
    const at = id * STRIDE;
    const n = f[at + SLAB]!;
    if (n === NO_SLAB) return false;
    e.slab = this.slabs[n]!;
    e.start = f[at + START]!;
    e.length = f[at + LENGTH]!;
    e.rowsAt = f[at + ROWS_AT]!;
    e.cellCount = f[at + CELLS]!;
    e.minTimestampDelta = f[at + MIN_DELTA]!;
    e.maxTimestampDelta = f[at + MAX_DELTA]!;
    e.dropTimeSeconds = f[at + DROP_TIME]!;
    e.expiringCount = f[at + EXPIRING]!;
    return true;
  }

  /**
   * What a flush worker needs to walk this table itself when every partition is one encoded row:
   * the fields and the slabs by number, all in shared memory; null otherwise.
   */
  encodedWalk(): { readonly fields: Int32Array; readonly slabs: readonly SharedArrayBuffer[] } | null {
    if (this.count === 0 || this.encodedCount !== this.count) return null;
    const slabs: SharedArrayBuffer[] = [];
    for (const slab of this.slabs) {
      if (!(slab.buffer instanceof SharedArrayBuffer) || slab.byteOffset !== 0) return null;
      slabs.push(slab.buffer);
    }
    return { fields: this.fields, slabs };
  }

  /** Reads the fields of partitions `ids[from..]` a few at a time ahead of a walk (their cache misses overlap). */
  touchAhead(ids: Int32Array, from: number): void {
    const end = Math.min(ids.length, from + FLUSH_TOUCH_AHEAD);
    const f = this.fields;
    let sum = 0;
    for (let i = from; i < end; i++) sum += f[ids[i]! * STRIDE]!;
    TOUCHED.sum = sum;
  }
}

/** An EncodedPartition a flush fills from a table's fields for one partition after another. */
type FlushEncoding = { -readonly [K in keyof EncodedPartition]: EncodedPartition[K] };

/**
 * A flush's walk of a memtable (Memtable.flushSource): its partitions in (token, key) order, a
 * one-row encoded partition handed over as its fields (SSTableWriter.writeEncoded, no view made),
 * any other as a MemtablePartition view.
 */
class MemtableFlushSource implements SSTablePartitionSource {
  private readonly table: PartitionTable;
  private readonly ids: Int32Array;
  private readonly encoding: FlushEncoding;
  private next = 0;

  constructor(table: PartitionTable, ids: Int32Array) {
    this.table = table;
    this.ids = ids;
    this.encoding = {
      codec: table.codec, slab: EMPTY_SLAB, start: 0, length: 0, rowsAt: 0, cellCount: 0, minTimestampDelta: 0, maxTimestampDelta: 0, dropTimeSeconds: 0, expiringCount: 0,
    };
  }

  writeSome(writer: SSTableWriter, bytes: number): boolean {
    const table = this.table;
    const ids = this.ids;
    if (this.next === 0 && ids.length > 0) {
      // Every partition one encoded row: the flush worker walks them itself (off the event loop).
      const walk = table.encodedWalk();
      if (walk !== null && writer.writeEncodedWalk({ fields: walk.fields, slabs: walk.slabs, ids }, table.codec.columns)) {
        this.next = ids.length;
        return false;
      }
    }
    const encoding = this.encoding;
    const until = writer.dataLengthBytes + bytes;
    let i = this.next;
    while (i < ids.length && writer.dataLengthBytes < until) {
      if ((i & (FLUSH_TOUCH_AHEAD - 1)) === 0) table.touchAhead(ids, i + FLUSH_TOUCH_AHEAD);
      const id = ids[i++]!;
      if (table.encodingOf(id, encoding) && writer.writeEncoded(encoding, table.tokenHigh(id), table.tokenLow(id))) continue;
      writer.writePartition(table.valueOf(id));
    }
    this.next = i;
    return i < ids.length;
  }
}

const EMPTY_SLAB = Buffer.alloc(0);

/** Zeroed int32s over shared memory. */
function sharedFields(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT));
}

/** Keys up to this long are compared in a loop: Buffer.equals is a native call of about 60 ns. */
const SHORT_KEY_BYTES = 32;

function sameBytes(a: Buffer, b: Buffer): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  if (n > SHORT_KEY_BYTES) return a.equals(b);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** encodeUpdate's encoding (in the commit log's buffer) until applyLogged copies it; its rowSizeBytes. */
const LOGGED: EncodedPartitionTarget = {
  codec: null, slab: null, start: 0, length: 0, rowsAt: 0, cellCount: 0, minTimestampDelta: 0, maxTimestampDelta: 0, dropTimeSeconds: 0, expiringCount: 0,
};
const LOGGED_SIZE = { bytes: 0 };

/** Where an encoding lands before the table copies it (no allocation per write). */
const ENCODE_TARGET: EncodedPartitionTarget = {
  codec: null, slab: null, start: 0, length: 0, rowsAt: 0, cellCount: 0, minTimestampDelta: 0, maxTimestampDelta: 0, dropTimeSeconds: 0, expiringCount: 0,
};

/**
 * A memtable partition: a view of partition `id` of its table (made on demand, for reads and
 * flushes; the table holds the state, so two views of one partition agree). `key` and `token` are
 * made on demand from the table: an encoded partition keeps its key in its slab only.
 */
export class MemtablePartition implements PartitionKey, SSTablePartitionInput, EncodedTree {
  private readonly table: PartitionTable;
  readonly id: number;

  constructor(table: PartitionTable, id: number) {
    this.table = table;
    this.id = id;
  }

  /** A partition holding `key` as objects, in a table of its own (tests). */
  static of(token: bigint, key: Buffer): MemtablePartition {
    const table = new PartitionTable(new EncodedRows());
    const id = table.add(tokenHighOf(token), tokenLowOf(token));
    table.objectsWith(id, key);
    return table.valueOf(id);
  }

  private get objects(): PartitionObjects | null {
    return this.table.objectsOf(this.id);
  }

  private get own(): PartitionObjects {
    return this.table.own(this.id);
  }

  get key(): Buffer {
    return this.table.keyOf(this.id);
  }

  /** The exact token (a new BigInt on each call: reads and flushes, not the write path). */
  get token(): bigint {
    return tokenOfHalves(this.tokenHigh, this.tokenLow);
  }

  /** Signed high 32 bits of the token. */
  get tokenHigh(): number {
    return this.table.tokenHigh(this.id);
  }

  /** Unsigned low 32 bits of the token. */
  get tokenLow(): number {
    return this.table.tokenLow(this.id);
  }

  /** Number(token): exact, as the product of the high half and 2^32 plus the low half rounds once. */
  get tokenApprox(): number {
    return tokenApproxOf(this.table, this.id);
  }

  /** The memtable's codec while the partition is encoded or its tree holds encoded rows. */
  get codec(): EncodedRows | null {
    return (this.table.field(this.id, FLAGS) & CODEC_SET) !== 0 ? this.table.codec : null;
  }

  set codec(value: EncodedRows | null) {
    assert(value === null || value === this.table.codec, 'a memtable partition uses its memtable codec');
    const flags = this.table.field(this.id, FLAGS);
    this.table.setField(this.id, FLAGS, value === null ? flags & ~CODEC_SET : flags | CODEC_SET);
  }

  /** The slab of its encoding (EncodedPartition), or null when it is not encoded. */
  get slab(): Buffer | null {
    return this.table.slabOf(this.id);
  }

  get start(): number {
    return this.table.field(this.id, START);
  }

  get length(): number {
    return this.table.field(this.id, LENGTH);
  }

  get rowsAt(): number {
    return this.table.field(this.id, ROWS_AT);
  }

  get cellCount(): number {
    return this.table.field(this.id, CELLS);
  }

  get minTimestampDelta(): number {
    return this.table.field(this.id, MIN_DELTA);
  }

  get maxTimestampDelta(): number {
    return this.table.field(this.id, MAX_DELTA);
  }

  get dropTimeSeconds(): number {
    return this.table.field(this.id, DROP_TIME);
  }

  get expiringCount(): number {
    return this.table.field(this.id, EXPIRING);
  }

  /** Whether the partition is one encoded row. */
  get isEncoded(): boolean {
    return this.table.field(this.id, SLAB) !== NO_SLAB;
  }

  get partitionDeletion(): DeletionTime | null {
    const objects = this.objects;
    return objects !== null ? objects.partitionDeletion : null;
  }

  set partitionDeletion(value: DeletionTime | null) {
    this.own.partitionDeletion = value;
  }

  get staticRow(): Row | null {
    const objects = this.objects;
    return objects !== null ? objects.staticRow : null;
  }

  set staticRow(value: Row | null) {
    this.own.staticRow = value;
  }

  /**
   * Its rows when it has more than one: a run of encoded rows (RowRun) or a tree by clustering
   * whose rows are encoded (EncodedRow, deltas from the tree's `base`) or objects.
   */
  get tree(): RowTree | RowRun | null {
    const objects = this.objects;
    return objects !== null ? objects.tree : null;
  }

  set tree(value: RowTree | RowRun | null) {
    this.own.tree = value;
  }

  get rangeTombstones(): RangeTombstone[] {
    const objects = this.objects;
    return objects !== null ? objects.rangeTombstones : NO_RANGE_TOMBSTONES;
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
    if (this.isEncoded) return 1;
    const objects = this.objects;
    return objects !== null && objects.row !== null ? 1 : 0;
  }

  /** The partition's bytes when its row is encoded (SSTablePartitionInput: a flush copies them). */
  get encoded(): EncodedPartition | null {
    return this.isEncoded ? (this as EncodedPartition) : null;
  }

  /** The tree when some of its rows are encoded (SSTablePartitionInput: a flush copies those). */
  get encodedTree(): EncodedTree | null {
    return this.tree !== null && this.codec !== null ? this : null;
  }

  forEachRow(visit: (value: Row | EncodedRow) => void): void {
    const tree = this.tree!;
    if (tree instanceof RowRun) tree.forEachRow(visit);
    else for (const r = tree.first(); r.valid; r.next()) visit(r.value);
  }

  /** EncodedTree: a flush's walk (a run's rows through one view, no object per row). */
  writeRows(row: (r: Row) => void, encoded: (e: EncodedRowView) => void): void {
    const tree = this.tree!;
    if (tree instanceof RowRun) tree.forEachView(encoded);
    else {
      for (const r = tree.first(); r.valid; r.next()) {
        const value = r.value;
        if (value instanceof EncodedRow) encoded(value);
        else row(value);
      }
    }
  }

  /** A tree value as a row (decoded when it is encoded). */
  rowOf(value: Row | EncodedRow): Row {
    return value instanceof EncodedRow ? this.codec!.decodeRow(value, this.tree!.base) : value;
  }

  /** The single row (decoded when it is encoded: a new object on each call), or null. */
  get onlyRow(): Row | null {
    if (this.isEncoded) return this.table.codec.decode(this as EncodedPartition);
    const objects = this.objects;
    return objects !== null ? objects.row : null;
  }

  /** Makes `row` (or nothing) the single row as objects; an encoding is dropped (its key kept first). */
  set onlyRow(row: Row | null) {
    this.own.row = row;
    this.table.dropEncoding(this.id);
  }

  /** Encodes the single row kept as objects, when encodeOnlyRow can (a partition that stayed plain after a change). */
  tryEncode(codec: EncodedRows): void {
    const objects = this.objects;
    if (objects !== null && objects.row !== null) encodeOnlyRow(this.table, this.id, codec, objects.row, rowSizeBytes(objects.row), objects.key);
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
    for (const r: RowsCursor = tree.first(); r.valid; r.next()) rows.push(this.rowOf(r.value));
    return rows;
  }
}

/**
 * Makes `row` partition `id`'s encoded single row when the partition holds nothing else (no tree,
 * partition deletion, static row or range tombstone) and the row qualifies (EncodedRows.encode);
 * false, with nothing changed, otherwise. `sizeBytes` is its rowSizeBytes; `key` the partition's.
 */
function encodeOnlyRow(table: PartitionTable, id: number, codec: EncodedRows, row: Row, sizeBytes: number, key: Buffer): boolean {
  assert(codec === table.codec, 'a memtable partition uses its memtable codec');
  const objects = table.objectsOf(id);
  if (objects !== null && (objects.tree !== null || objects.partitionDeletion !== null || objects.staticRow !== null || objects.rangeTombstones.length > 0)) return false;
  if (!codec.encode(ENCODE_TARGET, key, table.tokenHigh(id), table.tokenLow(id), row, sizeBytes)) return false;
  table.setEncoded(id, ENCODE_TARGET);
  ENCODE_TARGET.slab = null;
  ENCODE_TARGET.codec = null;
  // The key is in the slab now: the objects (if any) held nothing else.
  table.dropObjects(id);
  return true;
}

/** A partition's rows by clustering, with the timestamp base of those encoded (NaN until the first is). */
class RowTree extends BTreeMap<Clustering, Row | EncodedRow> {
  base = Number.NaN;
}

/** A run's rows in a tree (the run's encodings and base kept as they are). */
function treeOfRun(layout: TableLayout, run: RowRun): RowTree {
  const tree = new RowTree(layout.compareClusterings);
  tree.base = run.base;
  run.forEachRow((e) => tree.set(e.clustering, e));
  return tree;
}

/** Where a row run's encodings land (no allocation per write). */
const RUN_TARGET: EncodedRowTarget = {
  slab: Buffer.alloc(0), slabNumber: 0, start: 0, length: 0, cellCount: 0, minTimestampDelta: 0, maxTimestampDelta: 0, dropTimeSeconds: 0, expiringCount: 0,
};

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
  /** Encoded one-row partitions: their column dictionary (which the flush's SSTable continues) and slabs. */
  readonly encodedRows = new EncodedRows();
  /** The partitions' fields, by number. */
  private readonly table: PartitionTable;
  /** Ordered by (token, key): flushes and range reads. */
  readonly partitions: PartitionRuns<MemtablePartition>;
  /** The same partitions by token: point lookups. */
  private readonly byToken: TokenIndex;
  private partitionTotal = 0;
  private readonly layoutSource: LayoutSource;
  private bytes = 0;
  private rowCount = 0;
  /** Bounds of every timestamp applied (flush encoding; purge overlap checks). */
  minTimestampMicros = Infinity;
  maxTimestampMicros = -Infinity;
  private lastMerged: Row | null = null;
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
   * `expectedPartitions` sizes the partition table and the token index up front (they grow past
   * that as needed). `encodeRows: false` keeps every row as objects (tests compare both forms).
   */
  constructor(layoutSource: LayoutSource, expectedPartitions = 0, options: { readonly encodeRows?: boolean } = {}) {
    this.layoutSource = layoutSource;
    this.table = new PartitionTable(this.encodedRows, expectedPartitions);
    this.partitions = new PartitionRuns<MemtablePartition>(this.table);
    this.byToken = new TokenIndex(this.table, expectedPartitions);
    this.encodeRows = options.encodeRows ?? true;
  }

  get layout(): TableLayout {
    return this.layoutSource.layout;
  }

  /** The column names its encoded rows' indexes stand for (the commit log's COLUMNS records). */
  get columnNames(): readonly string[] {
    return this.encodedRows.columns.names;
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
    const id = this.byToken.get(key.token, key.key);
    return id < 0 ? undefined : this.table.valueOf(id);
  }

  /**
   * Partitions in (token, key) order with their rows in clustering order, for a flush's writer
   * (the memtable takes no more writes: its runs are merged into one first); the one-row encoded
   * ones go without a view each.
   */
  flushSource(): SSTablePartitionSource {
    return new MemtableFlushSource(this.table, this.partitions.collapsed());
  }

  /**
   * Merges an update into the memtable; returns the change in tracked bytes. The update must be
   * well formed (`assertWellFormedUpdate`): the engine checks before the commit-log append, so a
   * malformed update can never reach the log and then fail on every replay.
   */
  apply(update: PartitionUpdate): number {
    return this.applyAt(update, this.byToken.get(update.token, update.key));
  }

  /**
   * Encodes `update` at the end of `writer` as apply() would keep it as a new partition (the commit
   * log writes it so, and applyLogged copies the bytes instead of encoding again); false, with
   * nothing written, when apply() would keep it otherwise than as one encoded row.
   */
  encodeUpdate(writer: ByteWriter, update: PartitionUpdate): boolean {
    if (!this.isPlain(update)) return false;
    const row = update.rows[0]!;
    const size = rowSizeBytes(row);
    if (!this.encodedRows.encodeTo(writer, LOGGED, update.key, tokenHighOf(update.token), tokenLowOf(update.token), row, size)) return false;
    LOGGED_SIZE.bytes = size;
    return true;
  }

  /**
   * apply() of the update encodeUpdate() just encoded (nothing written to its writer since): a new
   * partition takes a copy of those bytes; an existing one merges the update's objects.
   */
  applyLogged(update: PartitionUpdate): number {
    const id = this.byToken.get(update.token, update.key);
    assert(LOGGED.codec === this.encodedRows, 'applyLogged follows this memtable\'s encodeUpdate');
    const encoding = LOGGED;
    encoding.codec = null;
    if (id >= 0) return this.applyAt(update, id);
    const before = this.bytes;
    this.trackTimestamps(update);
    const place = this.encodedRows.copyIn(encoding.slab!, encoding.start, encoding.length);
    encoding.slab = place.slab;
    encoding.start = place.start;
    const table = this.table;
    const added = table.add(tokenHighOf(update.token), tokenLowOf(update.token));
    table.setEncoded(added, encoding);
    encoding.slab = null;
    this.bytes += PARTITION_OVERHEAD_BYTES + update.key.length + LOGGED_SIZE.bytes;
    this.rowCount++;
    this.indexNew(added);
    return this.bytes - before;
  }

  /** One row and nothing else, in a memtable that encodes rows: the write it keeps as one encoded row when it encodes. */
  private isPlain(update: PartitionUpdate): boolean {
    return this.encodeRows && update.rows.length === 1 && update.partitionDeletion === null && update.staticRow === null && update.rangeTombstones.length === 0;
  }

  /** A partition just added to the table joins the token index and the sorted runs. */
  private indexNew(id: number): void {
    this.byToken.add(id);
    this.partitions.insert(id);
    this.partitionTotal++;
  }

  private applyAt(update: PartitionUpdate, id: number): number {
    const layout = this.layout;
    const before = this.bytes;
    this.trackTimestamps(update);
    const table = this.table;
    let partition: MemtablePartition;
    const rows = update.rows;
    const plain = this.isPlain(update);
    if (id < 0) {
      const added = table.add(tokenHighOf(update.token), tokenLowOf(update.token));
      this.bytes += PARTITION_OVERHEAD_BYTES + update.key.length;
      // The common write, one row into a new partition: encoded straight from the update (the
      // encoding copies its key and values, so nothing needs detaching).
      const encoded = plain && this.encodeNew(added, update);
      if (!encoded) table.objectsWith(added, detach(update.key));
      this.indexNew(added);
      if (encoded) return this.bytes - before;
      partition = table.valueOf(added);
    } else {
      partition = table.valueOf(id);
      if (partition.isEncoded) {
        // Any change to an encoded partition goes through objects (and is encoded again below when
        // it stays plain). The old bytes stay in their slab until the memtable is discarded: counted
        // from now on (a live encoded row is counted as the row objects it replaces).
        this.bytes += partition.length;
        const decoded = partition.onlyRow;
        partition.onlyRow = decoded;
      }
      if (plain && partition.rowCount === 0 && this.encodeNew(id, update)) return this.bytes - before;
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
      if (partition.tree === null && !this.startRun(partition, only!)) {
        partition.tree = new RowTree(layout.compareClusterings);
        partition.tree.set(only!.clustering, only!);
        partition.onlyRow = null;
      }
      let tree = partition.tree!;
      if (tree instanceof RowRun) {
        if (this.appendToRun(tree, raw)) continue;
        // Out of order, an overwrite, or a row that stays objects: the rows go to a tree.
        tree = partition.tree = treeOfRun(layout, tree);
      }
      const value = this.treeValue(partition, raw);
      this.merging = partition;
      const replaced = tree.upsert(value.clustering, value, this.mergeRow);
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

  /** Encodes the update's single row as partition `id`'s (which has no row); false when it must stay objects. */
  private encodeNew(id: number, update: PartitionUpdate): boolean {
    const row = update.rows[0]!;
    const size = rowSizeBytes(row);
    if (!encodeOnlyRow(this.table, id, this.encodedRows, row, size, update.key)) return false;
    this.bytes += size;
    this.rowCount++;
    return true;
  }

  /**
   * Makes the partition's single row (`only`) the first of a row run, encoded with its timestamp
   * as the run's base; false (nothing changed) when it cannot be encoded.
   */
  private startRun(partition: MemtablePartition, only: Row): boolean {
    if (!this.encodeRows) return false;
    const base = rowTimestamp(only);
    if (base === null) return false;
    const size = rowSizeBytes(only);
    // Counted already (as the row objects or encoding it was): a live encoded row counts as its objects.
    if (!this.encodedRows.encodeRowTo(RUN_TARGET, only, base, size)) return false;
    partition.onlyRow = null;
    partition.tree = new RowRun(this.encodedRows, this.layout.compareClusterings, base, only.clustering, RUN_TARGET, size);
    partition.codec = this.encodedRows;
    return true;
  }

  /** Appends `row` to the run when it continues it and encodes; false (nothing changed) otherwise. */
  private appendToRun(run: RowRun, row: Row): boolean {
    if (!run.continuesWith(row.clustering)) return false;
    const size = rowSizeBytes(row);
    if (!this.encodedRows.encodeRowTo(RUN_TARGET, row, run.base, size)) return false;
    run.append(row.clustering, RUN_TARGET, size);
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
      const tree = partition.tree as RowTree;
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
