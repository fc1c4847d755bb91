// Writes one SSTable from partitions streamed in (token, key) order, rows streamed in clustering
// order. This class encodes (partition and row bytes of the logical Data stream, a row index
// after each large partition, statistics) and hands the bytes and one index entry per partition
// to a sink: by default an SSTableComponentWriter in this thread (chunking, compression, CRCs,
// Index, summary, Filter, Statistics, CompressionInfo, TOC, under temp names, fsynced by
// `finish`), or a flush worker's batches (storage/flush/). `publishSSTables` renames the data
// components into place and syncs the directory, then renames the TOCs and syncs again, so an
// SSTable is visible whole or not at all. Flushes and compactions both write through this class.
import { assert } from '../../lib/index.ts';
import type { Disk } from '../../io/index.ts';
import { ByteWriter } from '../codec/byte-writer.ts';
import { ColumnDictionary } from '../codec/column-dictionary.ts';
import { encodedBase, encodedKeyView } from '../memtable/encoded-rows.ts';
import type { EncodedPartition, EncodedRowView, EncodedTree } from '../memtable/encoded-rows.ts';
import type { PartitionContents } from '../codec/partition-codec.ts';
import { PartitionEncoder, TIMESTAMP_DELTA_MAX, rowTimestamp } from '../codec/partition-codec.ts';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import { NO_DELETION_TIME } from '../model.ts';
import type { Clustering, DeletionTime, RangeTombstone, Row } from '../model.ts';
import type { TableLayout } from '../table-layout.ts';
import type { ChunkCache } from './chunk-cache.ts';
import type { CompressionParams } from './compression.ts';
import { tokenHighOf, tokenLowOf } from './partition-index.ts';
import { writeRowIndex } from './row-index.ts';
import type { RowIndexBlock } from './row-index.ts';
import { SSTableComponentWriter } from './sstable-component-writer.ts';
import type { ComponentWriterOptions, EncodedStatistics, EncodedWalk, IndexEntryFields, PreparedSSTable, SSTableSink } from './sstable-component-writer.ts';
import { ALL_COMPONENTS, Component, DATA_COMPONENTS, PARTITION_KEY_LENGTH_MAX, ROW_INDEX_BLOCK_BYTES, componentFileName, tempFileName } from './sstable-format.ts';
import type { ComponentName } from './sstable-format.ts';
import type { CopiedPartitionStats } from '../compaction/partition-copy.ts';
import { DropTimeHistogramBuilder, PARTITION_SIZE_BUCKETS, partitionSizeBucket } from './sstable-histograms.ts';
import { SSTableReader } from './sstable-reader.ts';
import type { SSTableKeyCache } from './sstable-reader.ts';

/** Bytes of Data written between two yields to the event loop during a flush. */
export const FLUSH_YIELD_EVERY_BYTES = 256 * 1024;
/**
 * Encoded bytes gathered before they go to the sink inside a large partition (a partition's bytes
 * go at its end otherwise: one sink call per small partition instead of one per piece).
 */
const SCRATCH_SPILL_BYTES = 64 * 1024;

export interface SSTablePartitionInput extends PartitionContents {
  readonly key: Buffer;
  readonly token: bigint;
  /** The token's signed high and unsigned low 32 bits, when known (memtables keep them). */
  readonly tokenHigh?: number;
  readonly tokenLow?: number;
  /**
   * The whole partition already encoded (a memtable's encoded row): copied as it is when the
   * writer continues its dictionary (`SSTableWriterOptions.columns`) and writes timestamp deltas.
   */
  readonly encoded?: EncodedPartition | null;
  /**
   * Rows partly encoded (a memtable's many-row partition): the encoded ones are copied as they are
   * under the same conditions, with the header written with their base.
   */
  readonly encodedTree?: EncodedTree | null;
}

export interface PartitionHeader {
  readonly partitionDeletion: DeletionTime | null;
  readonly staticRow: Row | null;
  readonly rangeTombstones: readonly RangeTombstone[];
}

export interface SSTableWriterOptions {
  readonly disk: Disk;
  readonly directory: string;
  readonly generation: number;
  readonly layout: TableLayout;
  readonly compression: CompressionParams;
  readonly partitionCountEstimate: number;
  readonly commitLogPosition: CommitLogPosition;
  /** Bounds of every timestamp that will be written (decides delta or absolute encoding). */
  readonly timestampRange: { readonly minMicros: number; readonly maxMicros: number };
  readonly level: number;
  readonly createdAtSeconds: number;
  /** The column dictionary to continue (a flushed memtable's: its encoded rows are then copied). */
  readonly columns?: ColumnDictionary;
}

/** The statistics of what an SSTable writer wrote (EncodedStatistics once it finishes). */
export class StatsCollector {
  partitionCount = 0;
  rowCount = 0;
  cellCount = 0;
  tombstoneCount = 0;
  minTimestampMicros = Infinity;
  maxTimestampMicros = -Infinity;
  maxLocalDeletionTimeSeconds = 0;
  maxPartitionBytes = 0;
  readonly partitionSizeCounts: number[] = new Array<number>(PARTITION_SIZE_BUCKETS).fill(0);
  readonly dropTimes = new DropTimeHistogramBuilder();

  private timestamp(t: number): void {
    if (t < this.minTimestampMicros) this.minTimestampMicros = t;
    if (t > this.maxTimestampMicros) this.maxTimestampMicros = t;
  }

  private deletion(d: DeletionTime): void {
    this.tombstoneCount++;
    this.cellCount++;
    this.timestamp(d.markedForDeleteAtMicros);
    this.dropTime(d.localDeletionTimeSeconds);
  }

  private dropTime(ldt: number): void {
    if (ldt > this.maxLocalDeletionTimeSeconds) this.maxLocalDeletionTimeSeconds = ldt;
    if (ldt !== NO_DELETION_TIME) this.dropTimes.add(ldt);
  }

  header(h: PartitionHeader): void {
    this.partitionCount++;
    if (h.partitionDeletion !== null) this.deletion(h.partitionDeletion);
    for (const rt of h.rangeTombstones) this.deletion(rt.deletion);
    if (h.staticRow !== null) this.rowContents(h.staticRow);
  }

  partitionSize(bytes: number): void {
    this.partitionSizeCounts[partitionSizeBucket(bytes)]!++;
    if (bytes > this.maxPartitionBytes) this.maxPartitionBytes = bytes;
  }

  row(r: Row): void {
    this.rowCount++;
    this.rowContents(r);
  }

  /** An encoded row of a many-row partition whose rows' base is `base` (EncodedRows.encodeRow). */
  encodedRow(e: EncodedRowView, base: number): void {
    this.rowCount++;
    this.cellCount += e.cellCount;
    this.timestamp(base + e.minTimestampDelta);
    this.timestamp(base + e.maxTimestampDelta);
    this.encodedDropTimes(e.cellCount, e.dropTimeSeconds, e.expiringCount);
  }

  /** A partition of one row encoded beforehand (EncodedRows.encode: no deletion or tombstone in it). */
  encodedPartition(e: EncodedPartition): void {
    const base = encodedBase(e);
    this.timestamp(base + e.minTimestampDelta);
    this.timestamp(base + e.maxTimestampDelta);
    this.encodedPartitionUntimed(e);
  }

  /** encodedPartition but its timestamp bounds, which the sink counts (they need the base, in the partition's bytes). */
  encodedPartitionUntimed(e: Pick<EncodedPartition, 'cellCount' | 'dropTimeSeconds' | 'expiringCount'>): void {
    this.partitionCount++;
    this.rowCount++;
    this.cellCount += e.cellCount;
    this.encodedDropTimes(e.cellCount, e.dropTimeSeconds, e.expiringCount);
  }

  /** A partition copied as bytes from another SSTable (compaction: partition-copy.ts). */
  copiedPartition(c: CopiedPartitionStats): void {
    this.partitionCount++;
    this.rowCount += c.rows;
    this.cellCount += c.cells;
    if (c.cells > 0) {
      this.timestamp(c.minTimestampMicros);
      this.timestamp(c.maxTimestampMicros);
    }
    const drops = c.dropTimes;
    for (let i = 0; i < drops.length; i++) this.dropTime(drops[i]!);
    if (c.permanent > 0 && NO_DELETION_TIME > this.maxLocalDeletionTimeSeconds) this.maxLocalDeletionTimeSeconds = NO_DELETION_TIME;
  }

  /** Adds statistics counted elsewhere (a flush's encoder's, to those its worker counted). */
  absorb(s: EncodedStatistics): void {
    this.partitionCount += s.partitionCount;
    this.rowCount += s.rowCount;
    this.cellCount += s.cellCount;
    this.tombstoneCount += s.tombstoneCount;
    // (Infinity and -Infinity when nothing had a timestamp: each bound on its own.)
    if (s.minTimestampMicros < this.minTimestampMicros) this.minTimestampMicros = s.minTimestampMicros;
    if (s.maxTimestampMicros > this.maxTimestampMicros) this.maxTimestampMicros = s.maxTimestampMicros;
    if (s.maxLocalDeletionTimeSeconds > this.maxLocalDeletionTimeSeconds) this.maxLocalDeletionTimeSeconds = s.maxLocalDeletionTimeSeconds;
    this.dropTimes.addAll(s.dropTimes);
    for (let i = 0; i < s.partitionSizeCounts.length; i++) this.partitionSizeCounts[i]! += s.partitionSizeCounts[i]!;
    if (s.maxPartitionBytes > this.maxPartitionBytes) this.maxPartitionBytes = s.maxPartitionBytes;
  }

  encoded(columns: readonly string[]): EncodedStatistics {
    return {
      partitionCount: this.partitionCount,
      rowCount: this.rowCount,
      cellCount: this.cellCount,
      tombstoneCount: this.tombstoneCount,
      minTimestampMicros: this.minTimestampMicros,
      maxTimestampMicros: this.maxTimestampMicros,
      maxLocalDeletionTimeSeconds: this.maxLocalDeletionTimeSeconds,
      dropTimes: this.dropTimes.build(),
      partitionSizeCounts: this.partitionSizeCounts,
      maxPartitionBytes: this.maxPartitionBytes,
      columns,
    };
  }

  /** `expiring` of `cells` expire at `dropTime`; the rest are live without expiry (NO_DELETION_TIME, as dropTime takes it). */
  private encodedDropTimes(cells: number, dropTime: number, expiring: number): void {
    if (expiring > 0) {
      if (dropTime > this.maxLocalDeletionTimeSeconds) this.maxLocalDeletionTimeSeconds = dropTime;
      this.dropTimes.add(dropTime, expiring);
    }
    if (cells > expiring && NO_DELETION_TIME > this.maxLocalDeletionTimeSeconds) this.maxLocalDeletionTimeSeconds = NO_DELETION_TIME;
  }

  private rowContents(r: Row): void {
    if (r.liveness !== null) {
      this.cellCount++;
      this.timestamp(r.liveness.timestampMicros);
      this.dropTime(r.liveness.ttlSeconds > 0 ? r.liveness.localExpirationTimeSeconds : NO_DELETION_TIME);
    }
    if (r.deletion !== null) this.deletion(r.deletion);
    for (const cd of r.complexDeletions) this.deletion(cd.deletion);
    const cells = r.cells;
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]!;
      this.cellCount++;
      this.timestamp(c.timestampMicros);
      if (c.tombstone) this.tombstoneCount++;
      this.dropTime(c.localDeletionTimeSeconds);
    }
  }
}

export class SSTableWriter {
  readonly generation: number;
  private readonly options: SSTableWriterOptions;
  private readonly sink: SSTableSink;
  private readonly names: ColumnDictionary;
  private readonly encoder: PartitionEncoder;
  private readonly scratch = new ByteWriter(64 * 1024);
  private readonly entry: IndexEntryFields = {
    key: Buffer.alloc(0), tokenHigh: 0, tokenLow: 0, partitionStartBytes: 0, dataLengthBytes: 0, rowIndexRelativeBytes: 0, rowsRelativeBytes: 0,
  };
  private readonly stats = new StatsCollector();
  private readonly absoluteTimestamps: boolean;
  /** Logical Data bytes handed to the sink; `scratch` holds the ones encoded since. */
  private spilledLength = 0;
  private entries = 0;
  /**
   * The last partition's key; null when it went by slab (writeSlabPartition): previousInput has
   * it, or when that was null (writeEncoded), its bytes at previousSlabStart of previousSlab.
   */
  private previousKey: Buffer | null = null;
  private previousInput: SSTablePartitionInput | null = null;
  private previousSlab: Buffer | null = null;
  private previousSlabStart = 0;
  // The partition being written.
  private partitionKey: Buffer | null = null;
  private partitionTokenHigh = 0;
  private partitionTokenLow = 0;
  private partitionStart = 0;
  private pendingHeader: PartitionHeader | null = null;
  private rowsStart = 0;
  private lastClustering: Clustering | null = null;
  private blockStart = 0;
  private blockFirst: Clustering | null = null;
  private readonly blocks: RowIndexBlock[] = [];
  private state: 'open' | 'finished' | 'aborted' = 'open';
  /**
   * Rows come from a memtable's tree, in its comparator's order by construction: the order check
   * (a comparison reading two cold clusterings per row) is skipped for them.
   */
  private rowsFromTree = false;
  /** The base of the encoded tree being written (NaN: none), its header's base instead of the partition's first timestamp. */
  private treeBase = Number.NaN;
  private readonly addTreeRow = (row: Row): void => this.addRow(row);
  private readonly addTreeEncodedRow = (e: EncodedRowView): void => this.addEncodedRow(e);

  /**
   * `sink`: where the encoded Data and index entries go (a flush worker's batches); by default an
   * SSTableComponentWriter on `options.disk` in this thread.
   */
  constructor(options: SSTableWriterOptions, sink?: SSTableSink) {
    this.options = options;
    this.generation = options.generation;
    this.sink = sink ?? new SSTableComponentWriter(componentWriterOptionsOf(options));
    this.names = options.columns ?? new ColumnDictionary();
    this.encoder = new PartitionEncoder(this.names);
    const range = options.timestampRange;
    this.absoluteTimestamps = !(range.maxMicros - range.minMicros < TIMESTAMP_DELTA_MAX);
  }

  /** Logical Data bytes written so far. */
  get dataLengthBytes(): number {
    return this.dataLength;
  }

  /** Logical Data bytes encoded so far (handed to the sink or still in `scratch`). */
  private get dataLength(): number {
    return this.spilledLength + this.scratch.length;
  }

  /** Physical (compressed) Data bytes written so far: what an output size limit compares against. */
  get dataPhysicalBytes(): number {
    return this.sink.dataPhysicalBytes;
  }

  get partitionCount(): number {
    return this.entries;
  }

  get inPartition(): boolean {
    return this.partitionKey !== null;
  }

  /** `high`/`low`: the token's 32-bit halves when the caller has them (spares BigInt work). */
  beginPartition(key: Buffer, token: bigint, header: PartitionHeader, high?: number, low?: number): void {
    this.beginPartitionOf(key, high ?? tokenHighOf(token), low ?? tokenLowOf(token), header);
  }

  /** beginPartition with the token as its signed high and unsigned low 32 bits. */
  private beginPartitionOf(key: Buffer, h: number, l: number, header: PartitionHeader): void {
    assert(this.state === 'open' && this.partitionKey === null, 'beginPartition after endPartition');
    assert(key.length > 0 && key.length <= PARTITION_KEY_LENGTH_MAX, 'partition key length');
    this.checkOrder(key, h, l);
    this.partitionKey = key;
    this.partitionTokenHigh = h;
    this.partitionTokenLow = l;
    this.partitionStart = this.dataLength;
    this.pendingHeader = header;
    this.lastClustering = null;
    this.blocks.length = 0;
    this.blockFirst = null;
    this.stats.header(header);
  }

  addRow(row: Row): void {
    this.beforeRow(row.clustering, row);
    this.encoder.writeFramedRow(this.scratch, row);
    this.stats.row(row);
    this.afterRow(row.clustering);
  }

  /**
   * A row encoded beforehand with deltas from the header's base (treeBase) in this SSTable's
   * dictionary. It comes from a memtable's tree or run, in order by construction, so only a
   * row-index block's first row needs its clustering (a run's view decodes it on demand).
   */
  private addEncodedRow(e: EncodedRowView): void {
    assert(this.partitionKey !== null && this.rowsFromTree, 'an encoded row inside a memtable partition');
    if (this.pendingHeader !== null) this.writeHeader(null);
    if (this.blockFirst === null) {
      this.blockFirst = e.clustering;
      this.blockStart = this.dataLength;
    }
    if (this.sink.writeSlabData !== undefined) {
      // A flush worker's sink takes the bytes as a place in shared memory: no copy here.
      this.spill();
      if (this.sink.writeSlabData(e.slab, e.start, e.length)) this.spilledLength += e.length;
      else this.scratch.copyFrom(e.slab, e.start, e.start + e.length);
    } else {
      this.scratch.copyFrom(e.slab, e.start, e.start + e.length);
    }
    this.stats.encodedRow(e, this.treeBase);
    // Tree rows skip the order check that would read its clustering.
    this.afterRow(null);
  }

  /** Checks a row's order, writes the header before the first (`firstRow` picks its base) and opens a block. */
  private beforeRow(clustering: Clustering, firstRow: Row | null): void {
    assert(this.partitionKey !== null, 'addRow inside a partition');
    if (this.lastClustering !== null && !this.rowsFromTree) {
      assert(this.options.layout.compareClusterings(this.lastClustering, clustering) < 0, 'SSTable rows must be in strictly increasing clustering order');
    }
    if (this.pendingHeader !== null) this.writeHeader(firstRow);
    if (this.blockFirst === null) {
      this.blockFirst = clustering;
      this.blockStart = this.dataLength;
    }
  }

  /** After a row's bytes: spills a full scratch and closes a full row-index block. */
  private afterRow(clustering: Clustering | null): void {
    if (this.scratch.length >= SCRATCH_SPILL_BYTES) this.spill();
    this.lastClustering = clustering;
    if (this.dataLength - this.blockStart >= ROW_INDEX_BLOCK_BYTES) this.closeBlock();
  }

  endPartition(): void {
    const key = this.partitionKey;
    assert(key !== null, 'endPartition inside a partition');
    if (this.pendingHeader !== null) this.writeHeader(null);
    if (this.blockFirst !== null) this.closeBlock();
    const scratch = this.scratch;
    this.encoder.writeEndOfRows(scratch);
    let rowIndexRelative = 0;
    if (this.blocks.length > 1) {
      rowIndexRelative = this.dataLength - this.partitionStart;
      writeRowIndex(scratch, this.blocks);
    }
    // The sink sees the partition's last Data byte before its entry.
    this.spill();
    this.addIndexEntry(key, this.partitionStart, this.dataLength - this.partitionStart, rowIndexRelative, this.rowsStart - this.partitionStart);
    this.partitionKey = null;
  }

  /** Writes a whole partition (flush). */
  writePartition(partition: SSTablePartitionInput): void {
    // Memtable partitions give their token's halves (their BigInt token is made on demand).
    const h = partition.tokenHigh ?? tokenHighOf(partition.token);
    const l = partition.tokenLow ?? tokenLowOf(partition.token);
    const encoded = partition.encoded;
    if (encoded != null && encoded.codec.columns === this.names && !this.absoluteTimestamps) {
      if (this.sink.writeSlabPartition === undefined || !this.writeSlabPartition(partition, encoded, h, l)) this.copyPartition(partition.key, encoded, h, l);
      return;
    }
    const tree = partition.encodedTree;
    if (tree != null && tree.codec!.columns === this.names && !this.absoluteTimestamps) {
      this.beginPartitionOf(partition.key, h, l, partition);
      this.treeBase = tree.base;
      this.rowsFromTree = true;
      try {
        tree.writeRows(this.addTreeRow, this.addTreeEncodedRow);
      } finally {
        this.rowsFromTree = false;
      }
      this.endPartition();
      this.treeBase = Number.NaN;
      return;
    }
    this.beginPartitionOf(partition.key, h, l, partition);
    for (const row of partition.rows) this.addRow(row);
    this.endPartition();
  }

  /**
   * Seals and fsyncs every component under its temp name. Null (and nothing left on disk) when no
   * partition was written.
   */
  async finish(): Promise<PreparedSSTable | null> {
    assert(this.state === 'open' && this.partitionKey === null, 'finish outside a partition');
    this.state = 'finished';
    try {
      return await this.sink.finish(this.stats.encoded(this.names.names));
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Closes the files and removes the temp components (best effort: open removes leftovers). */
  abort(): void {
    if (this.state === 'aborted') return;
    this.state = 'aborted';
    this.sink.abort();
  }

  private checkOrder(key: Buffer, h: number, l: number): void {
    if (this.entries === 0) return;
    const ph = this.partitionTokenHigh;
    const pl = this.partitionTokenLow;
    const order = h !== ph ? (h > ph ? 1 : -1) : l !== pl ? (l > pl ? 1 : -1) : Buffer.compare(key, this.previousPartitionKey());
    assert(order > 0, 'SSTable partitions must be written in strictly increasing (token, key) order');
  }

  private previousPartitionKey(): Buffer {
    if (this.previousKey !== null) return this.previousKey;
    if (this.previousInput !== null) return this.previousInput.key;
    return encodedKeyView(this.previousSlab!, this.previousSlabStart);
  }

  /**
   * A memtable's partitions, all one encoded row in `columns` (its dictionary), handed to the sink
   * to write and count itself (SSTableSink.walkEncoded) as the first and only partitions. False,
   * with nothing written, where writeEncoded would refuse them or the sink cannot walk.
   */
  writeEncodedWalk(walk: EncodedWalk, columns: ColumnDictionary): boolean {
    if (this.state !== 'open' || this.partitionKey !== null || this.entries > 0 || this.dataLength > 0) return false;
    if (columns !== this.names || this.absoluteTimestamps || this.sink.walkEncoded === undefined || walk.ids.length === 0) return false;
    this.sink.walkEncoded(walk);
    this.entries += walk.ids.length;
    return true;
  }

  /**
   * A memtable's one-row encoded partition given by its encoding alone (`e`, which holds the key
   * in its bytes; a flush reuses one object for every partition): handed to the sink as a place in
   * its slab as writePartition would, with no view of the partition. False when it must go through
   * writePartition instead (another dictionary, absolute timestamps, or a sink without slabs).
   */
  writeEncoded(e: EncodedPartition, h: number, l: number): boolean {
    if (e.codec.columns !== this.names || this.absoluteTimestamps || this.sink.writeSlabPartition === undefined) return false;
    return this.writeSlabPartition(null, e, h, l);
  }

  /**
   * An encoded memtable partition handed to the sink as a place in its slab (a flush worker reads
   * the bytes and the key from shared memory): false when the sink cannot take it so. The key is
   * made only for the order check of two partitions sharing a token.
   */
  private writeSlabPartition(partition: SSTablePartitionInput | null, encoded: EncodedPartition, h: number, l: number): boolean {
    assert(this.state === 'open' && this.partitionKey === null, 'a whole partition between partitions');
    if (this.entries > 0) {
      const ph = this.partitionTokenHigh;
      if (h === ph && l === this.partitionTokenLow) this.checkOrder(partition !== null ? partition.key : encodedKeyView(encoded.slab, encoded.start), h, l);
      else assert(h !== ph ? h > ph : l > this.partitionTokenLow, 'SSTable partitions must be written in strictly increasing (token, key) order');
    }
    this.spill();
    const start = this.dataLength;
    const length = encoded.length;
    const e = this.entry;
    e.tokenHigh = h;
    e.tokenLow = l;
    e.partitionStartBytes = start;
    e.dataLengthBytes = length;
    e.rowIndexRelativeBytes = 0;
    e.rowsRelativeBytes = encoded.rowsAt;
    if (!this.sink.writeSlabPartition!(encoded.slab, encoded.start, length, e, encoded.minTimestampDelta, encoded.maxTimestampDelta)) return false;
    this.spilledLength += length;
    this.partitionTokenHigh = h;
    this.partitionTokenLow = l;
    this.entries++;
    this.stats.partitionSize(length);
    this.previousKey = null;
    this.previousInput = partition;
    this.previousSlab = encoded.slab;
    this.previousSlabStart = encoded.start;
    this.stats.encodedPartitionUntimed(encoded);
    return true;
  }

  /** A partition encoded beforehand in this SSTable's format and dictionary: its bytes go as they are. */
  private copyPartition(key: Buffer, encoded: EncodedPartition, h: number, l: number): void {
    this.writeWholePartition(key, h, l, encoded.slab.subarray(encoded.start, encoded.start + encoded.length), 0, encoded.rowsAt);
    this.stats.encodedPartition(encoded);
  }

  /**
   * A whole partition of another SSTable of this table, as its Data bytes (key, token, body: the
   * cells' column indexes mean the same in this SSTable's dictionary), with its row-index offsets
   * and what a scan of it found (compaction: partition-copy.ts).
   */
  copyPartitionBytes(key: Buffer, token: bigint, bytes: Buffer, rowIndexRelative: number, rowsRelative: number, stats: CopiedPartitionStats): void {
    this.writeWholePartition(key, tokenHighOf(token), tokenLowOf(token), bytes, rowIndexRelative, rowsRelative);
    this.stats.copiedPartition(stats);
  }

  /** A whole partition's Data bytes, written as they are, and its index entry (the caller counts its statistics). */
  private writeWholePartition(key: Buffer, h: number, l: number, bytes: Uint8Array, rowIndexRelative: number, rowsRelative: number): void {
    assert(this.state === 'open' && this.partitionKey === null, 'a whole partition between partitions');
    this.checkOrder(key, h, l);
    this.spill();
    const start = this.dataLength;
    this.sink.writeData(bytes);
    this.spilledLength += bytes.length;
    this.partitionTokenHigh = h;
    this.partitionTokenLow = l;
    this.addIndexEntry(key, start, bytes.length, rowIndexRelative, rowsRelative);
  }

  /** The index entry of the partition just written (its token halves in partitionTokenHigh/Low). */
  private addIndexEntry(key: Buffer, start: number, length: number, rowIndexRelative: number, rowsRelative: number): void {
    const e = this.entry;
    e.key = key;
    e.tokenHigh = this.partitionTokenHigh;
    e.tokenLow = this.partitionTokenLow;
    e.partitionStartBytes = start;
    e.dataLengthBytes = length;
    e.rowIndexRelativeBytes = rowIndexRelative;
    e.rowsRelativeBytes = rowsRelative;
    this.sink.addEntry(e);
    this.entries++;
    this.stats.partitionSize(length);
    this.previousKey = key;
  }

  /** Hands the encoded bytes gathered in `scratch` to the sink. */
  private spill(): void {
    const scratch = this.scratch;
    if (scratch.length === 0) return;
    this.sink.writeData(scratch.view());
    this.spilledLength += scratch.length;
    scratch.reset();
  }

  private writeHeader(firstRow: Row | null): void {
    const header = this.pendingHeader!;
    this.pendingHeader = null;
    const scratch = this.scratch;
    scratch.varBytes(this.partitionKey!);
    scratch.i64Halves(this.partitionTokenHigh, this.partitionTokenLow);
    // The partition's first timestamp, as firstTimestamp() picks it: deltas from it are small
    // (one byte for a single write). Inlined: this runs once per partition written.
    let base = 0;
    const staticTimestamp = header.staticRow === null ? null : rowTimestamp(header.staticRow);
    const rowTime = firstRow === null ? null : rowTimestamp(firstRow);
    if (header.partitionDeletion !== null) base = header.partitionDeletion.markedForDeleteAtMicros;
    else if (staticTimestamp !== null) base = staticTimestamp;
    else if (rowTime !== null) base = rowTime;
    else if (header.rangeTombstones.length > 0) base = header.rangeTombstones[0]!.deletion.markedForDeleteAtMicros;
    if (!Number.isNaN(this.treeBase)) base = this.treeBase;
    this.encoder.beginStreamedPartition(scratch, header, { baseTimestampMicros: base, absolute: this.absoluteTimestamps });
    this.rowsStart = this.dataLength;
  }

  private closeBlock(): void {
    this.blocks.push({
      first: this.blockFirst!,
      offsetBytes: this.blockStart - this.partitionStart,
      lengthBytes: this.dataLength - this.blockStart,
    });
    this.blockFirst = null;
  }
}

/** What the component writer needs of a writer's options. */
export function componentWriterOptionsOf(options: SSTableWriterOptions): ComponentWriterOptions {
  const tableOptions = options.layout.metadata.options;
  return {
    disk: options.disk, directory: options.directory, generation: options.generation, tableId: options.layout.tableId, compression: options.compression,
    partitionCountEstimate: options.partitionCountEstimate, bloomFilterFpChance: tableOptions.bloomFilterFpChance, maxIndexInterval: tableOptions.maxIndexInterval,
    commitLogPosition: options.commitLogPosition, level: options.level, createdAtSeconds: options.createdAtSeconds,
  };
}

/** Paths of an SSTable's components under their final names. */
export function componentPaths(directory: string, generation: number): string[] {
  return ALL_COMPONENTS.map((c) => `${directory}/${componentFileName(generation, c)}`);
}

/**
 * Makes prepared SSTables visible: data components renamed and the directory synced, then the
 * TOCs renamed and the directory synced again. Returns readers on them.
 */
export function publishSSTables(options: PublishOptions): SSTableReader[] {
  const { disk, prepared } = options;
  if (prepared.length === 0) return [];
  const directory = publishedDirectory(prepared);
  renameFromTemp(disk, prepared, DATA_COMPONENTS);
  disk.syncDirectory(directory);
  renameFromTemp(disk, prepared, [Component.TOC]);
  disk.syncDirectory(directory);
  return openPublished(options);
}

/**
 * publishSSTables with the directory syncs off the event loop where the disk can (an fsync waits
 * for the device: milliseconds while compactions write). Same steps in the same order: data
 * components renamed, directory synced, TOCs renamed, directory synced.
 */
export async function publishSSTablesInBackground(options: PublishOptions): Promise<SSTableReader[]> {
  const { disk, prepared } = options;
  if (prepared.length === 0) return [];
  if (disk.syncDirectoryInBackground === undefined) return publishSSTables(options);
  const directory = publishedDirectory(prepared);
  renameFromTemp(disk, prepared, DATA_COMPONENTS);
  await disk.syncDirectoryInBackground(directory);
  renameFromTemp(disk, prepared, [Component.TOC]);
  await disk.syncDirectoryInBackground(directory);
  return openPublished(options);
}

interface PublishOptions {
  readonly disk: Disk;
  readonly prepared: readonly PreparedSSTable[];
  readonly chunkCache: ChunkCache | null;
  readonly keyCache: SSTableKeyCache | null;
}

/** The directory of SSTables published together (they must share it). */
function publishedDirectory(prepared: readonly PreparedSSTable[]): string {
  const directory = prepared[0]!.directory;
  for (const p of prepared) assert(p.directory === directory, 'SSTables published together share a directory');
  return directory;
}

/** Renames `components` of each prepared SSTable from their temp names to their final ones. */
function renameFromTemp(disk: Disk, prepared: readonly PreparedSSTable[], components: readonly ComponentName[]): void {
  for (const p of prepared) {
    for (const c of components) disk.rename(`${p.directory}/${tempFileName(p.generation, c)}`, `${p.directory}/${componentFileName(p.generation, c)}`);
  }
}

function openPublished(options: PublishOptions): SSTableReader[] {
  return options.prepared.map((p) => SSTableReader.fromWritten({ disk: options.disk, prepared: p, chunkCache: options.chunkCache, keyCache: options.keyCache }));
}

/**
 * Partitions that write themselves into a writer a stretch at a time (a memtable: its one-row
 * encoded partitions go by writeEncoded, with no object each), in (token, key) order.
 */
export interface SSTablePartitionSource {
  /** Writes the next partitions until the writer's Data has grown by `bytes` or none is left; false once none is left. */
  writeSome(writer: SSTableWriter, bytes: number): boolean;
}

export interface FlushWriteOptions extends SSTableWriterOptions {
  readonly partitions: Iterable<SSTablePartitionInput> | SSTablePartitionSource;
  /** Lets other work run during long flushes (and waits for a worker sink); called every FLUSH_YIELD_EVERY_BYTES. */
  readonly yieldToEventLoop: () => Promise<void>;
  /** Where the encoded bytes go (a flush worker); absent: written in this thread. */
  readonly sink?: SSTableSink;
  readonly chunkCache?: ChunkCache | null;
  readonly keyCache?: SSTableKeyCache | null;
}

/** Writes an SSTable from whole partitions and publishes it; null when there was no partition. */
export async function writeSSTable(options: FlushWriteOptions): Promise<SSTableReader | null> {
  const writer = new SSTableWriter(options, options.sink);
  let lastYieldAt = 0;
  try {
    const partitions = options.partitions;
    if ('writeSome' in partitions) {
      while (partitions.writeSome(writer, FLUSH_YIELD_EVERY_BYTES)) await options.yieldToEventLoop();
    } else {
      for (const partition of partitions) {
        writer.writePartition(partition);
        if (writer.dataLengthBytes - lastYieldAt >= FLUSH_YIELD_EVERY_BYTES) {
          lastYieldAt = writer.dataLengthBytes;
          await options.yieldToEventLoop();
        }
      }
    }
  } catch (error) {
    writer.abort();
    throw error;
  }
  const prepared = await writer.finish();
  if (prepared === null) return null;
  const readers = await publishSSTablesInBackground({ disk: options.disk, prepared: [prepared], chunkCache: options.chunkCache ?? null, keyCache: options.keyCache ?? null });
  return readers[0]!;
}

export { summaryInterval } from './sstable-component-writer.ts';
export type { PreparedSSTable } from './sstable-component-writer.ts';
