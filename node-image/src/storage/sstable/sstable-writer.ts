// Writes one SSTable from partitions in (token, key) order: Data and Index as checksummed chunk
// streams, the bloom Filter, Statistics, then the TOC. Everything is written under temp names
// and fsynced; the data components are renamed into place and the directory synced, then the
// TOC is renamed last and the directory synced again, so an SSTable is visible whole or not at all.
import { assert } from '../../lib/index.ts';
import type { Disk } from '../../io/index.ts';
import { ByteWriter } from '../codec/byte-writer.ts';
import type { ColumnNameWriter, PartitionContents } from '../codec/partition-codec.ts';
import { PartitionEncoder } from '../codec/partition-codec.ts';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import { NO_DELETION_TIME } from '../model.ts';
import type { Row } from '../model.ts';
import type { TableLayout } from '../table-layout.ts';
import { BloomFilter } from './bloom-filter.ts';
import type { ChunkCache } from './chunk-cache.ts';
import { ChunkedFileWriter } from './chunked-file.ts';
import {
  CHUNK_LENGTH_BYTES, Component, DATA_COMPONENTS, PARTITION_KEY_LENGTH_MAX, SSTABLE_FORMAT_VERSION, SUMMARY_INTERVAL_DEFAULT,
  componentFileName, tempFileName,
} from './sstable-format.ts';
import type { ComponentName } from './sstable-format.ts';
import { serializeStatistics } from './sstable-statistics.ts';
import type { SSTableStatistics } from './sstable-statistics.ts';
import { SSTableReader } from './sstable-reader.ts';
import type { SummaryEntry } from './sstable-reader.ts';

/** Bytes of Data written between two yields to the event loop. */
export const FLUSH_YIELD_EVERY_BYTES = 1024 * 1024;

export interface SSTablePartitionInput extends PartitionContents {
  readonly key: Buffer;
  readonly token: bigint;
}

export interface SSTableWriteOptions {
  readonly disk: Disk;
  readonly directory: string;
  readonly generation: number;
  readonly layout: TableLayout;
  /** Partitions in strictly increasing (token, key) order. */
  readonly partitions: Iterable<SSTablePartitionInput>;
  readonly partitionCountEstimate: number;
  readonly commitLogPosition: CommitLogPosition;
  /** Lets other work run during long flushes; called every FLUSH_YIELD_EVERY_BYTES. */
  readonly yieldToEventLoop: () => Promise<void>;
  /** The shard's chunk cache for the returned reader (null: a small private one). */
  readonly chunkCache?: ChunkCache | null;
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
  tombstoneCount = 0;
  minTimestampMicros = Infinity;
  maxTimestampMicros = -Infinity;
  maxLocalDeletionTimeSeconds = 0;

  timestamp(t: number): void {
    if (t < this.minTimestampMicros) this.minTimestampMicros = t;
    if (t > this.maxTimestampMicros) this.maxTimestampMicros = t;
  }

  deletionTime(ldt: number): void {
    if (ldt !== NO_DELETION_TIME && ldt > this.maxLocalDeletionTimeSeconds) this.maxLocalDeletionTimeSeconds = ldt;
  }

  partition(p: PartitionContents): void {
    this.partitionCount++;
    if (p.partitionDeletion !== null) {
      this.tombstoneCount++;
      this.timestamp(p.partitionDeletion.markedForDeleteAtMicros);
      this.deletionTime(p.partitionDeletion.localDeletionTimeSeconds);
    }
    for (const rt of p.rangeTombstones) {
      this.tombstoneCount++;
      this.timestamp(rt.deletion.markedForDeleteAtMicros);
      this.deletionTime(rt.deletion.localDeletionTimeSeconds);
    }
    if (p.staticRow !== null) this.row(p.staticRow);
    for (const r of p.rows) this.row(r);
    this.rowCount += p.rows.length;
  }

  private row(r: Row): void {
    if (r.liveness !== null) {
      this.timestamp(r.liveness.timestampMicros);
      if (r.liveness.ttlSeconds > 0) this.deletionTime(r.liveness.localExpirationTimeSeconds);
    }
    if (r.deletion !== null) {
      this.tombstoneCount++;
      this.timestamp(r.deletion.markedForDeleteAtMicros);
      this.deletionTime(r.deletion.localDeletionTimeSeconds);
    }
    for (const cd of r.complexDeletions) {
      this.tombstoneCount++;
      this.timestamp(cd.deletion.markedForDeleteAtMicros);
      this.deletionTime(cd.deletion.localDeletionTimeSeconds);
    }
    for (const c of r.cells) {
      this.timestamp(c.timestampMicros);
      if (c.tombstone) this.tombstoneCount++;
      this.deletionTime(c.localDeletionTimeSeconds);
    }
  }
}

/** Writes the SSTable and returns a reader on it; null when there was no partition to write. */
export async function writeSSTable(options: SSTableWriteOptions): Promise<SSTableReader | null> {
  const { disk, directory, generation, layout } = options;
  const tempPath = (c: ComponentName): string => `${directory}/${tempFileName(generation, c)}`;
  const finalPath = (c: ComponentName): string => `${directory}/${componentFileName(generation, c)}`;
  disk.mkdirp(directory);

  const dataFile = disk.openWrite(tempPath(Component.Data), { truncate: true });
  const indexFile = disk.openWrite(tempPath(Component.Index), { truncate: true });
  try {
    const data = new ChunkedFileWriter(dataFile, CHUNK_LENGTH_BYTES);
    const index = new ChunkedFileWriter(indexFile, CHUNK_LENGTH_BYTES);
    const names = new DictionaryNames();
    const encoder = new PartitionEncoder(names);
    const scratch = new ByteWriter(64 * 1024);
    const indexScratch = new ByteWriter(1024);
    const filter = BloomFilter.create(options.partitionCountEstimate, layout.metadata.options.bloomFilterFpChance);
    const stats = new StatsCollector();
    const interval = Math.max(1, layout.metadata.options.minIndexInterval || SUMMARY_INTERVAL_DEFAULT);
    const summary: SummaryEntry[] = [];
    let previous: SSTablePartitionInput | null = null;
    let minToken = 0n;
    let maxToken = 0n;
    let sinceYieldBytes = 0;
    let entries = 0;

    for (const partition of options.partitions) {
      assert(partition.key.length <= PARTITION_KEY_LENGTH_MAX, 'partition key length');
      if (previous !== null) {
        const order = partition.token === previous.token ? Buffer.compare(partition.key, previous.key) : partition.token > previous.token ? 1 : -1;
        assert(order > 0, 'SSTable partitions must be written in strictly increasing (token, key) order');
      } else {
        minToken = partition.token;
      }
      for (let i = 1; i < partition.rows.length; i++) {
        assert(layout.compareClusterings(partition.rows[i - 1]!.clustering, partition.rows[i]!.clustering) < 0, 'SSTable rows must be in strictly increasing clustering order');
      }
      maxToken = partition.token;
      previous = partition;

      scratch.reset();
      scratch.varBytes(partition.key);
      scratch.i64(partition.token);
      encoder.writePartition(scratch, partition);
      const dataOffset = data.logicalLengthBytes;
      data.write(scratch.view());

      const indexOffset = index.logicalLengthBytes;
      if (entries % interval === 0) summary.push({ token: partition.token, key: Buffer.from(partition.key), indexOffsetBytes: indexOffset });
      indexScratch.reset();
      indexScratch.varBytes(partition.key);
      indexScratch.i64(partition.token);
      indexScratch.varint(dataOffset);
      indexScratch.varint(scratch.length);
      index.write(indexScratch.view());
      entries++;

      filter.add(partition.token);
      stats.partition(partition);
      sinceYieldBytes += scratch.length;
      if (sinceYieldBytes >= FLUSH_YIELD_EVERY_BYTES) {
        sinceYieldBytes = 0;
        await options.yieldToEventLoop();
      }
    }
    if (entries === 0) {
      dataFile.close();
      indexFile.close();
      disk.remove(tempPath(Component.Data));
      disk.remove(tempPath(Component.Index));
      return null;
    }
    data.finish();
    index.finish();
    await dataFile.sync();
    await indexFile.sync();
    dataFile.close();
    indexFile.close();

    const statistics: SSTableStatistics = {
      formatVersion: SSTABLE_FORMAT_VERSION,
      tableId: layout.tableId,
      generation,
      partitionCount: stats.partitionCount,
      rowCount: stats.rowCount,
      tombstoneCount: stats.tombstoneCount,
      minTimestampMicros: Number.isFinite(stats.minTimestampMicros) ? stats.minTimestampMicros : 0,
      maxTimestampMicros: Number.isFinite(stats.maxTimestampMicros) ? stats.maxTimestampMicros : 0,
      minToken,
      maxToken,
      maxLocalDeletionTimeSeconds: stats.maxLocalDeletionTimeSeconds,
      commitLogPosition: options.commitLogPosition,
      columns: names.names,
      dataLengthBytes: data.logicalLengthBytes,
      indexLengthBytes: index.logicalLengthBytes,
      chunkLengthBytes: CHUNK_LENGTH_BYTES,
      indexInterval: interval,
    };
    await writeSmallFile(disk, tempPath(Component.Filter), filter.serialize());
    await writeSmallFile(disk, tempPath(Component.Statistics), serializeStatistics(statistics));
    const toc = `${[...DATA_COMPONENTS, Component.TOC].join('\n')}\n`;
    await writeSmallFile(disk, tempPath(Component.TOC), Buffer.from(toc, 'utf8'));

    for (const c of DATA_COMPONENTS) disk.rename(tempPath(c), finalPath(c));
    disk.syncDirectory(directory);
    disk.rename(tempPath(Component.TOC), finalPath(Component.TOC));
    disk.syncDirectory(directory);
    return SSTableReader.fromWritten({ disk, directory, generation, statistics, filter, summary, chunkCache: options.chunkCache ?? null });
  } catch (error) {
    try {
      dataFile.close();
      indexFile.close();
    } catch {
      // Already closed or the disk is gone: the temp files are removed on the next open.
    }
    throw error;
  }
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
