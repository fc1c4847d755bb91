// Writes one SSTable from partitions streamed in (token, key) order, rows streamed in clustering
// order: Data and Index as compressed, checksummed chunk streams (a row index after each large
// partition), the bloom Filter, Statistics, CompressionInfo, then the TOC. Everything is written
// under temp names and fsynced (`finish`); `publishSSTables` renames the data components into
// place and syncs the directory, then renames the TOCs and syncs again, so an SSTable is visible
// whole or not at all. Flushes and compactions both write through this class.
import { assert } from '../../lib/index.ts';
import type { Disk, WritableFile } from '../../io/index.ts';
import { ByteWriter } from '../codec/byte-writer.ts';
import type { ColumnNameWriter, PartitionContents } from '../codec/partition-codec.ts';
import { PartitionEncoder, TIMESTAMP_DELTA_MAX, rowTimestamp } from '../codec/partition-codec.ts';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import { NO_DELETION_TIME } from '../model.ts';
import type { Clustering, DeletionTime, RangeTombstone, Row } from '../model.ts';
import type { TableLayout } from '../table-layout.ts';
import { BloomFilter } from './bloom-filter.ts';
import type { ChunkCache } from './chunk-cache.ts';
import { ChunkedFileWriter } from './chunked-file.ts';
import type { ChunkTable } from './chunked-file.ts';
import { serializeCompressionInfo } from './compression-info.ts';
import type { CompressionParams } from './compression.ts';
import { writeRowIndex } from './row-index.ts';
import type { RowIndexBlock } from './row-index.ts';
import {
  ALL_COMPONENTS, Component, DATA_COMPONENTS, PARTITION_KEY_LENGTH_MAX, ROW_INDEX_BLOCK_BYTES, SSTABLE_FORMAT_VERSION, SUMMARY_ENTRIES_TARGET,
  SUMMARY_INTERVAL_DEFAULT, SUMMARY_INTERVAL_MIN,
  componentFileName, tempFileName,
} from './sstable-format.ts';
import type { ComponentName } from './sstable-format.ts';
import { DropTimeHistogramBuilder, PARTITION_SIZE_BUCKETS, partitionSizeBucket } from './sstable-histograms.ts';
import { serializeStatistics } from './sstable-statistics.ts';
import type { SSTableStatistics } from './sstable-statistics.ts';
import { SSTableReader, TOC_CONTENTS } from './sstable-reader.ts';
import type { SSTableKeyCache, SummaryEntry } from './sstable-reader.ts';

/** Bytes of Data written between two yields to the event loop during a flush. */
export const FLUSH_YIELD_EVERY_BYTES = 256 * 1024;

export interface SSTablePartitionInput extends PartitionContents {
  readonly key: Buffer;
  readonly token: bigint;
  /** The token's signed high and unsigned low 32 bits, when known (memtables keep them). */
  readonly tokenHigh?: number;
  readonly tokenLow?: number;
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
}

class DictionaryNames implements ColumnNameWriter {
  readonly names: string[] = [];
  private readonly indexes = new Map<string, number>();

  write(writer: ByteWriter, name: string): void {
    let i = this.indexes.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.indexes.set(name, i);
    }
    writer.varint(i);
  }
}

class StatsCollector {
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

/** An SSTable written under temp names, durable, not yet visible. */
export interface PreparedSSTable {
  readonly directory: string;
  readonly generation: number;
  readonly statistics: SSTableStatistics;
  readonly filter: BloomFilter;
  readonly summary: readonly SummaryEntry[];
  readonly dataTable: ChunkTable;
  readonly indexTable: ChunkTable;
  readonly compression: CompressionParams;
  /** Physical bytes of all components. */
  readonly sizeBytes: number;
}

export class SSTableWriter {
  readonly generation: number;
  private readonly options: SSTableWriterOptions;
  private readonly dataFile: WritableFile;
  private readonly indexFile: WritableFile;
  private readonly data: ChunkedFileWriter;
  private readonly index: ChunkedFileWriter;
  private readonly names = new DictionaryNames();
  private readonly encoder: PartitionEncoder;
  private readonly scratch = new ByteWriter(64 * 1024);
  private readonly indexScratch = new ByteWriter(1024);
  private readonly filter: BloomFilter;
  private readonly stats = new StatsCollector();
  private readonly interval: number;
  private readonly absoluteTimestamps: boolean;
  private readonly summary: SummaryEntry[] = [];
  private entries = 0;
  private minToken = 0n;
  private maxToken = 0n;
  private previousKey: Buffer | null = null;
  // The partition being written.
  private partitionKey: Buffer | null = null;
  private partitionToken = 0n;
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

  constructor(options: SSTableWriterOptions) {
    this.options = options;
    this.generation = options.generation;
    const { disk, directory, generation } = options;
    disk.mkdirp(directory);
    this.dataFile = disk.openWrite(`${directory}/${tempFileName(generation, Component.Data)}`, { truncate: true });
    try {
      this.indexFile = disk.openWrite(`${directory}/${tempFileName(generation, Component.Index)}`, { truncate: true });
    } catch (error) {
      this.dataFile.close();
      throw error;
    }
    const chunking = { chunkLengthBytes: options.compression.chunkLengthBytes, compressor: options.compression.compressor };
    this.data = new ChunkedFileWriter(this.dataFile, chunking);
    this.index = new ChunkedFileWriter(this.indexFile, chunking);
    this.encoder = new PartitionEncoder(this.names);
    this.filter = BloomFilter.create(options.partitionCountEstimate, options.layout.metadata.options.bloomFilterFpChance);
    this.interval = summaryInterval(options.partitionCountEstimate, options.layout.metadata.options.maxIndexInterval);
    const range = options.timestampRange;
    this.absoluteTimestamps = !(range.maxMicros - range.minMicros < TIMESTAMP_DELTA_MAX);
  }

  /** Logical Data bytes written so far. */
  get dataLengthBytes(): number {
    return this.data.logicalLengthBytes;
  }

  /** Physical (compressed) Data bytes written so far: what an output size limit compares against. */
  get dataPhysicalBytes(): number {
    return this.data.physicalLengthBytes;
  }

  get partitionCount(): number {
    return this.entries;
  }

  get inPartition(): boolean {
    return this.partitionKey !== null;
  }

  /** `high`/`low`: the token's 32-bit halves when the caller has them (spares BigInt work). */
  beginPartition(key: Buffer, token: bigint, header: PartitionHeader, high?: number, low?: number): void {
    assert(this.state === 'open' && this.partitionKey === null, 'beginPartition after endPartition');
    assert(key.length > 0 && key.length <= PARTITION_KEY_LENGTH_MAX, 'partition key length');
    const h = high ?? Number(BigInt.asIntN(32, token >> 32n));
    const l = low ?? Number(BigInt.asUintN(32, token));
    if (this.previousKey !== null) {
      const ph = this.partitionTokenHigh;
      const pl = this.partitionTokenLow;
      const order = h !== ph ? (h > ph ? 1 : -1) : l !== pl ? (l > pl ? 1 : -1) : Buffer.compare(key, this.previousKey);
      assert(order > 0, 'SSTable partitions must be written in strictly increasing (token, key) order');
    } else {
      this.minToken = token;
    }
    this.partitionKey = key;
    this.partitionToken = token;
    this.partitionTokenHigh = h;
    this.partitionTokenLow = l;
    this.partitionStart = this.data.logicalLengthBytes;
    this.pendingHeader = header;
    this.lastClustering = null;
    this.blocks.length = 0;
    this.blockFirst = null;
    this.stats.header(header);
  }

  addRow(row: Row): void {
    assert(this.partitionKey !== null, 'addRow inside a partition');
    const layout = this.options.layout;
    if (this.lastClustering !== null) {
      assert(layout.compareClusterings(this.lastClustering, row.clustering) < 0, 'SSTable rows must be in strictly increasing clustering order');
    }
    if (this.pendingHeader !== null) this.writeHeader(row);
    if (this.blockFirst === null) {
      this.blockFirst = row.clustering;
      this.blockStart = this.data.logicalLengthBytes;
    }
    const scratch = this.scratch;
    scratch.reset();
    this.encoder.writeFramedRow(scratch, row);
    this.data.write(scratch.view());
    this.lastClustering = row.clustering;
    this.stats.row(row);
    if (this.data.logicalLengthBytes - this.blockStart >= ROW_INDEX_BLOCK_BYTES) this.closeBlock();
  }

  endPartition(): void {
    const key = this.partitionKey;
    assert(key !== null, 'endPartition inside a partition');
    if (this.pendingHeader !== null) this.writeHeader(null);
    if (this.blockFirst !== null) this.closeBlock();
    const scratch = this.scratch;
    scratch.reset();
    this.encoder.writeEndOfRows(scratch);
    let rowIndexRelative = 0;
    if (this.blocks.length > 1) {
      rowIndexRelative = this.data.logicalLengthBytes + scratch.length - this.partitionStart;
      writeRowIndex(scratch, this.blocks);
    }
    this.data.write(scratch.view());
    const dataLength = this.data.logicalLengthBytes - this.partitionStart;

    const w = this.indexScratch;
    w.reset();
    w.varBytes(key);
    w.i64Halves(this.partitionTokenHigh, this.partitionTokenLow);
    w.varint(this.partitionStart);
    w.varint(dataLength);
    w.varint(rowIndexRelative);
    if (rowIndexRelative !== 0) w.varint(this.rowsStart - this.partitionStart);
    // An entry that fits in a chunk never straddles two: zero bytes pad to the next chunk (a key
    // is never empty, so a zero length byte cannot start an entry). Readers parse entries in
    // place, and scrub can resume at the chunk after a corrupt one.
    const chunkLength = this.options.compression.chunkLengthBytes;
    const room = chunkLength - (this.index.logicalLengthBytes % chunkLength);
    if (w.length > room && w.length <= chunkLength) this.index.write(zeros(room));
    const indexOffset = this.index.logicalLengthBytes;
    if (this.entries % this.interval === 0) this.summary.push({ token: this.partitionToken, key: Buffer.from(key), indexOffsetBytes: indexOffset });
    this.index.write(w.view());
    this.entries++;
    this.filter.addHalves(this.partitionTokenHigh, this.partitionTokenLow);
    this.stats.partitionSize(dataLength);
    this.maxToken = this.partitionToken;
    this.previousKey = key;
    this.partitionKey = null;
  }

  /** Writes a whole partition (flush). */
  writePartition(partition: SSTablePartitionInput): void {
    this.beginPartition(partition.key, partition.token, partition, partition.tokenHigh, partition.tokenLow);
    for (const row of partition.rows) this.addRow(row);
    this.endPartition();
  }

  /**
   * Seals and fsyncs every component under its temp name. Null (and nothing left on disk) when no
   * partition was written.
   */
  async finish(): Promise<PreparedSSTable | null> {
    assert(this.state === 'open' && this.partitionKey === null, 'finish outside a partition');
    const { disk, directory, generation, layout } = this.options;
    const tempPath = (c: ComponentName): string => `${directory}/${tempFileName(generation, c)}`;
    try {
      if (this.entries === 0) {
        this.abort();
        return null;
      }
      const dataTable = this.data.finish();
      const indexTable = this.index.finish();
      await this.dataFile.sync();
      await this.indexFile.sync();
      this.dataFile.close();
      this.indexFile.close();
      const stats = this.stats;
      const statistics: SSTableStatistics = {
        formatVersion: SSTABLE_FORMAT_VERSION,
        tableId: layout.tableId,
        generation,
        partitionCount: stats.partitionCount,
        rowCount: stats.rowCount,
        cellCount: stats.cellCount,
        tombstoneCount: stats.tombstoneCount,
        minTimestampMicros: Number.isFinite(stats.minTimestampMicros) ? stats.minTimestampMicros : 0,
        maxTimestampMicros: Number.isFinite(stats.maxTimestampMicros) ? stats.maxTimestampMicros : 0,
        minToken: this.minToken,
        maxToken: this.maxToken,
        maxLocalDeletionTimeSeconds: stats.maxLocalDeletionTimeSeconds,
        dropTimes: stats.dropTimes.build(),
        partitionSizeCounts: stats.partitionSizeCounts,
        maxPartitionBytes: stats.maxPartitionBytes,
        level: this.options.level,
        createdAtSeconds: this.options.createdAtSeconds,
        commitLogPosition: this.options.commitLogPosition,
        columns: this.names.names,
        indexInterval: this.interval,
      };
      const compressionInfo = serializeCompressionInfo({ compressor: this.options.compression.compressor, data: dataTable, index: indexTable });
      const filterBytes = this.filter.serialize();
      const statisticsBytes = serializeStatistics(statistics);
      const toc = TOC_CONTENTS;
      await writeSmallFile(disk, tempPath(Component.Filter), filterBytes);
      await writeSmallFile(disk, tempPath(Component.Statistics), statisticsBytes);
      await writeSmallFile(disk, tempPath(Component.CompressionInfo), compressionInfo);
      await writeSmallFile(disk, tempPath(Component.TOC), toc);
      this.state = 'finished';
      const sizeBytes = dataTable.offsets[dataTable.offsets.length - 1]! + indexTable.offsets[indexTable.offsets.length - 1]! +
        filterBytes.length + statisticsBytes.length + compressionInfo.length + toc.length;
      return {
        directory, generation, statistics, filter: this.filter, summary: this.summary, dataTable, indexTable, compression: this.options.compression, sizeBytes,
      };
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Closes the files and removes the temp components (best effort: open removes leftovers). */
  abort(): void {
    if (this.state === 'aborted') return;
    this.state = 'aborted';
    const { disk, directory, generation } = this.options;
    try {
      this.dataFile.close();
      this.indexFile.close();
      for (const c of ALL_COMPONENTS) disk.remove(`${directory}/${tempFileName(generation, c)}`);
    } catch {
      // The disk is gone or the process view is stale: the temp files are removed on the next open.
    }
  }

  private writeHeader(firstRow: Row | null): void {
    const header = this.pendingHeader!;
    this.pendingHeader = null;
    const scratch = this.scratch;
    scratch.reset();
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
    this.encoder.beginStreamedPartition(scratch, header, { baseTimestampMicros: base, absolute: this.absoluteTimestamps });
    this.data.write(scratch.view());
    this.rowsStart = this.data.logicalLengthBytes;
  }

  private closeBlock(): void {
    this.blocks.push({
      first: this.blockFirst!,
      offsetBytes: this.blockStart - this.partitionStart,
      lengthBytes: this.data.logicalLengthBytes - this.blockStart,
    });
    this.blockFirst = null;
  }
}

/** Paths of an SSTable's components under their final names. */
export function componentPaths(directory: string, generation: number): string[] {
  return ALL_COMPONENTS.map((c) => `${directory}/${componentFileName(generation, c)}`);
}

/**
 * Makes prepared SSTables visible: data components renamed and the directory synced, then the
 * TOCs renamed and the directory synced again. Returns readers on them.
 */
export function publishSSTables(options: {
  disk: Disk; prepared: readonly PreparedSSTable[]; chunkCache: ChunkCache | null; keyCache: SSTableKeyCache | null;
}): SSTableReader[] {
  const { disk, prepared } = options;
  if (prepared.length === 0) return [];
  const directory = prepared[0]!.directory;
  for (const p of prepared) {
    assert(p.directory === directory, 'SSTables published together share a directory');
    for (const c of DATA_COMPONENTS) disk.rename(`${directory}/${tempFileName(p.generation, c)}`, `${directory}/${componentFileName(p.generation, c)}`);
  }
  disk.syncDirectory(directory);
  for (const p of prepared) disk.rename(`${directory}/${tempFileName(p.generation, Component.TOC)}`, `${directory}/${componentFileName(p.generation, Component.TOC)}`);
  disk.syncDirectory(directory);
  return prepared.map((p) => SSTableReader.fromWritten({ disk, prepared: p, chunkCache: options.chunkCache, keyCache: options.keyCache }));
}

export interface FlushWriteOptions extends SSTableWriterOptions {
  readonly partitions: Iterable<SSTablePartitionInput>;
  /** Lets other work run during long flushes; called every FLUSH_YIELD_EVERY_BYTES. */
  readonly yieldToEventLoop: () => Promise<void>;
  readonly chunkCache?: ChunkCache | null;
  readonly keyCache?: SSTableKeyCache | null;
}

/** Writes an SSTable from whole partitions and publishes it; null when there was no partition. */
export async function writeSSTable(options: FlushWriteOptions): Promise<SSTableReader | null> {
  const writer = new SSTableWriter(options);
  let lastYieldAt = 0;
  try {
    for (const partition of options.partitions) {
      writer.writePartition(partition);
      if (writer.dataLengthBytes - lastYieldAt >= FLUSH_YIELD_EVERY_BYTES) {
        lastYieldAt = writer.dataLengthBytes;
        await options.yieldToEventLoop();
      }
    }
  } catch (error) {
    writer.abort();
    throw error;
  }
  const prepared = await writer.finish();
  if (prepared === null) return null;
  return publishSSTables({ disk: options.disk, prepared: [prepared], chunkCache: options.chunkCache ?? null, keyCache: options.keyCache ?? null })[0]!;
}

/**
 * Every how many index entries one is sampled into the in-memory summary: dense enough that a
 * lookup scans few entries (SUMMARY_INTERVAL_MIN) while the summary stays near
 * SUMMARY_ENTRIES_TARGET entries, never sparser than max_index_interval. (Cassandra samples at
 * min_index_interval, 128, and downsamples; our index scan is linear, so small SSTables sample
 * more densely.)
 */
export function summaryInterval(partitionCountEstimate: number, maxIndexInterval: number): number {
  let interval = SUMMARY_INTERVAL_MIN;
  while (interval < maxIndexInterval && partitionCountEstimate / interval > SUMMARY_ENTRIES_TARGET) interval *= 2;
  return Math.max(1, Math.min(interval, maxIndexInterval || SUMMARY_INTERVAL_DEFAULT));
}

let zeroBytes = Buffer.alloc(1024);
function zeros(n: number): Buffer {
  if (zeroBytes.length < n) zeroBytes = Buffer.alloc(n);
  return zeroBytes.subarray(0, n);
}

async function writeSmallFile(disk: Disk, path: string, bytes: Buffer): Promise<void> {
  const file = disk.openWrite(path, { truncate: true });
  try {
    file.append(bytes);
    await file.sync();
  } finally {
    file.close();
  }
}
