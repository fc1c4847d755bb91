// The back half of SSTable writing: from the logical Data stream and one index entry per partition
// (both produced by SSTableWriter's encoder, in order) it writes Data and Index as compressed,
// checksummed chunk streams, fills the bloom filter, and on `finish` writes
// Filter, Statistics, CompressionInfo and the TOC, all under temp names and fsynced. It never
// looks at rows, so it runs the same in process and inside a flush worker (storage/flush/).
import { assert } from '../../lib/index.ts';
import type { Disk, WritableFile } from '../../io/index.ts';
import { ByteWriter } from '../codec/byte-writer.ts';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import { BloomFilter } from './bloom-filter.ts';
import { ChunkedFileWriter } from './chunked-file.ts';
import { serializeCompressionInfo } from './compression-info.ts';
import type { CompressionParams } from './compression.ts';
import { tokenOfHalves } from './partition-index.ts';
import {
  ALL_COMPONENTS, Component, SSTABLE_FORMAT_VERSION, SUMMARY_ENTRIES_TARGET, SUMMARY_INTERVAL_DEFAULT, SUMMARY_INTERVAL_MIN, tempFileName,
} from './sstable-format.ts';
import type { ComponentName } from './sstable-format.ts';
import type { DropTimeBins } from './sstable-histograms.ts';
import { serializeStatistics } from './sstable-statistics.ts';
import type { SSTableStatistics } from './sstable-statistics.ts';
import { TOC_CONTENTS } from './sstable-reader.ts';
import type { ChunkTable } from './chunked-file.ts';

/** An SSTable written under temp names, durable, not yet visible. */
export interface PreparedSSTable {
  readonly directory: string;
  readonly generation: number;
  readonly statistics: SSTableStatistics;
  readonly filter: BloomFilter;
  readonly dataTable: ChunkTable;
  readonly indexTable: ChunkTable;
  readonly compression: CompressionParams;
  /** Physical bytes of all components. */
  readonly sizeBytes: number;
}

/** One partition's index entry as the encoder hands it over (a reused object: copy what is kept). */
export interface IndexEntryFields {
  key: Buffer;
  /** The token's signed high and unsigned low 32 bits. */
  tokenHigh: number;
  tokenLow: number;
  /** Logical Data offset of the partition. */
  partitionStartBytes: number;
  dataLengthBytes: number;
  /** Offset of the row index from the partition start; 0: none. */
  rowIndexRelativeBytes: number;
  /** Offset of the first row from the partition start (meaningful with a row index). */
  rowsRelativeBytes: number;
}

/** What only the encoder knows (it sees rows), for the Statistics component. */
export interface EncodedStatistics {
  readonly partitionCount: number;
  readonly rowCount: number;
  readonly cellCount: number;
  readonly tombstoneCount: number;
  /** Infinity and -Infinity when nothing had a timestamp (Statistics then records 0 and 0). */
  readonly minTimestampMicros: number;
  readonly maxTimestampMicros: number;
  readonly maxLocalDeletionTimeSeconds: number;
  readonly dropTimes: DropTimeBins;
  readonly partitionSizeCounts: readonly number[];
  readonly maxPartitionBytes: number;
  readonly columns: readonly string[];
}

/** Where the encoder's output goes: this writer in process, or a batch sent to a flush worker. */
export interface SSTableSink {
  /** Physical Data bytes produced so far (an estimate where they are produced elsewhere). */
  readonly dataPhysicalBytes: number;
  writeData(bytes: Uint8Array): void;
  /** After the partition's last Data byte. */
  addEntry(entry: IndexEntryFields): void;
  /**
   * A whole partition whose Data bytes are `slab[start, start + length)` (a memtable's encoded
   * partition: key length and key first, as the Data format has them), written with its index
   * entry (`entry.key` unused: the key is read from the bytes) without the bytes passing through
   * this thread. Its timestamp bounds are deltas from the base its header ends with (at
   * `entry.rowsRelativeBytes - 8`): the sink adds them to the statistics' bounds, which the caller
   * leaves out. False, with nothing written, when the sink cannot take the slab this way (it is
   * not shared memory); the caller then writes the bytes and the entry itself. Optional: a sink
   * in the thread that writes the files has no use for it.
   */
  writeSlabPartition?(slab: Buffer, start: number, length: number, entry: IndexEntryFields, minTimestampDelta: number, maxTimestampDelta: number): boolean;
  /**
   * Data bytes `slab[start, start + length)` (a memtable's encoded row) next in the Data stream,
   * without them passing through this thread; false, with nothing written, when the slab is not
   * shared memory (the caller writes them). Optional, as writeSlabPartition.
   */
  writeSlabData?(slab: Buffer, start: number, length: number): boolean;
  /**
   * Every partition of a memtable whose partitions are all one encoded row, in the order of
   * `walk.ids`, as the first partitions of the SSTable: the sink reads their fields and bytes in
   * shared memory and counts their statistics itself (a flush worker walks them off the main
   * thread). Optional, as writeSlabPartition.
   */
  walkEncoded?(walk: EncodedWalk): void;
  /** Null (and nothing left on disk) when no entry was added. */
  finish(statistics: EncodedStatistics): Promise<PreparedSSTable | null>;
  /** Best effort: closes and removes the temp components. */
  abort(): void;
}

/**
 * A memtable's partitions, all one encoded row, for a flush worker to write itself: their fields
 * (memtable/partition-fields.ts) and slabs by number in shared memory, and their partition
 * numbers in (token, key) order.
 */
export interface EncodedWalk {
  readonly fields: Int32Array;
  readonly slabs: readonly SharedArrayBuffer[];
  readonly ids: Int32Array;
}

export interface ComponentWriterOptions {
  readonly disk: Disk;
  readonly directory: string;
  readonly generation: number;
  readonly tableId: string;
  readonly compression: CompressionParams;
  readonly partitionCountEstimate: number;
  readonly bloomFilterFpChance: number;
  readonly maxIndexInterval: number;
  readonly commitLogPosition: CommitLogPosition;
  readonly level: number;
  readonly createdAtSeconds: number;
}

export class SSTableComponentWriter implements SSTableSink {
  private readonly options: ComponentWriterOptions;
  private readonly dataFile: WritableFile;
  private readonly indexFile: WritableFile;
  private readonly data: ChunkedFileWriter;
  private readonly index: ChunkedFileWriter;
  private readonly indexScratch = new ByteWriter(1024);
  private readonly filter: BloomFilter;
  /** The Statistics' indexInterval (kept in the format; readers size their own partition index). */
  private readonly interval: number;
  private entries = 0;
  // The first and last entries' token halves (the BigInt tokens are made once, at finish).
  private minTokenHigh = 0;
  private minTokenLow = 0;
  private maxTokenHigh = 0;
  private maxTokenLow = 0;
  private state: 'open' | 'finished' | 'aborted' = 'open';

  constructor(options: ComponentWriterOptions) {
    this.options = options;
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
    this.filter = BloomFilter.create(options.partitionCountEstimate, options.bloomFilterFpChance);
    this.interval = summaryInterval(options.partitionCountEstimate, options.maxIndexInterval);
  }

  get dataLogicalBytes(): number {
    return this.data.logicalLengthBytes;
  }

  get dataPhysicalBytes(): number {
    return this.data.physicalLengthBytes;
  }

  writeData(bytes: Uint8Array): void {
    this.data.write(bytes);
  }

  /** writeData(source.subarray(start, end)) without the view (ChunkedFileWriter.writeFrom). */
  writeDataFrom(source: Buffer, start: number, end: number): void {
    this.data.writeFrom(source, start, end);
  }

  addEntry(e: IndexEntryFields): void {
    assert(e.partitionStartBytes + e.dataLengthBytes <= this.data.logicalLengthBytes, 'index entry after its Data');
    const w = this.indexScratch;
    w.reset();
    w.varBytes(e.key);
    w.i64Halves(e.tokenHigh, e.tokenLow);
    w.varint(e.partitionStartBytes);
    w.varint(e.dataLengthBytes);
    w.varint(e.rowIndexRelativeBytes);
    if (e.rowIndexRelativeBytes !== 0) w.varint(e.rowsRelativeBytes);
    // An entry that fits in a chunk never straddles two: zero bytes pad to the next chunk (a key
    // is never empty, so a zero length byte cannot start an entry). Readers parse entries in
    // place, and scrub can resume at the chunk after a corrupt one.
    const chunkLength = this.options.compression.chunkLengthBytes;
    const room = chunkLength - (this.index.logicalLengthBytes % chunkLength);
    if (w.length > room && w.length <= chunkLength) this.index.write(zeros(room));
    this.index.writeFrom(w.buffer, 0, w.length);
    if (this.entries === 0) {
      this.minTokenHigh = e.tokenHigh;
      this.minTokenLow = e.tokenLow;
    }
    this.entries++;
    this.filter.addHalves(e.tokenHigh, e.tokenLow);
    this.maxTokenHigh = e.tokenHigh;
    this.maxTokenLow = e.tokenLow;
  }

  async finish(encoded: EncodedStatistics): Promise<PreparedSSTable | null> {
    assert(this.state === 'open', 'finish once');
    const { disk, directory, generation } = this.options;
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
      const statistics: SSTableStatistics = {
        formatVersion: SSTABLE_FORMAT_VERSION,
        tableId: this.options.tableId,
        generation,
        partitionCount: encoded.partitionCount,
        rowCount: encoded.rowCount,
        cellCount: encoded.cellCount,
        tombstoneCount: encoded.tombstoneCount,
        minTimestampMicros: Number.isFinite(encoded.minTimestampMicros) ? encoded.minTimestampMicros : 0,
        maxTimestampMicros: Number.isFinite(encoded.maxTimestampMicros) ? encoded.maxTimestampMicros : 0,
        minToken: tokenOfHalves(this.minTokenHigh, this.minTokenLow),
        maxToken: tokenOfHalves(this.maxTokenHigh, this.maxTokenLow),
        maxLocalDeletionTimeSeconds: encoded.maxLocalDeletionTimeSeconds,
        dropTimes: encoded.dropTimes,
        partitionSizeCounts: encoded.partitionSizeCounts,
        maxPartitionBytes: encoded.maxPartitionBytes,
        level: this.options.level,
        createdAtSeconds: this.options.createdAtSeconds,
        commitLogPosition: this.options.commitLogPosition,
        columns: encoded.columns,
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
        directory, generation, statistics, filter: this.filter, dataTable, indexTable, compression: this.options.compression, sizeBytes,
      };
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  abort(): void {
    if (this.state === 'aborted') return;
    this.state = 'aborted';
    const { disk, directory, generation } = this.options;
    try {
      this.dataFile.close();
      this.indexFile.close();
    } catch {
      // Already closed or the disk is gone: the removal below (or the next open) cleans up.
    }
    removeTempComponents(disk, directory, generation);
  }
}

/** Removes an unpublished SSTable's temp components (best effort: open removes leftovers). */
export function removeTempComponents(disk: Disk, directory: string, generation: number): void {
  try {
    for (const c of ALL_COMPONENTS) disk.remove(`${directory}/${tempFileName(generation, c)}`);
  } catch {
    // The disk is gone or the process view is stale: the temp files are removed on the next open.
  }
}

/**
 * The sampling interval recorded as the Statistics' indexInterval (what readers sampled at before
 * the partition index; kept so the component stays the same): dense enough that a
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
