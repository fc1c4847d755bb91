// Messages between the compaction manager and a compaction worker thread (compaction-worker.ts),
// and the wire form of what crosses: everything structured-clonable, big byte arrays transferred.
// One task per worker at a time; the worker reports progress after each slice and waits for
// 'continue' (the throttle is paid on the main thread) or 'cancel'.
import type { TableMetadata } from '../../schema/index.ts';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import { BloomFilter } from '../sstable/bloom-filter.ts';
import type { ChunkTable } from '../sstable/chunked-file.ts';
import type { CompressionParams } from '../sstable/compression.ts';
import { PartitionIndex } from '../sstable/partition-index.ts';
import type { PartitionIndexFields } from '../sstable/partition-index.ts';
import type { SSTableStatistics } from '../sstable/sstable-statistics.ts';
import type { PreparedSSTable } from '../sstable/sstable-writer.ts';
import type { IndexedPreparedSSTable } from './output-partition-index.ts';

/** A bloom filter as bytes (bits transferred). */
export interface WireFilter {
  readonly hashCount: number;
  readonly bitCount: number;
  readonly bits: Uint8Array;
}

/**
 * What the worker cannot see of the table, snapshotted at task start (maxPurgeableTimestamp):
 * the non-input SSTables that may hold a partition of the inputs, and the memtables' floor.
 */
export interface PurgeSnapshot {
  /** Smallest timestamp of the table's memtables (live and flushing) at task start; Infinity if empty. */
  readonly memtableFloorMicros: number;
  readonly others: ReadonlyArray<{
    readonly minToken: bigint;
    readonly maxToken: bigint;
    readonly minTimestampMicros: number;
    /** Null: treated as holding every key of its token range (the snapshot's byte budget ran out). */
    readonly filter: WireFilter | null;
  }>;
}

export interface WorkerTask {
  readonly type: 'task';
  readonly directory: string;
  readonly metadata: TableMetadata;
  readonly inputs: readonly number[];
  readonly level: number;
  readonly maxOutputBytes: number;
  readonly commitLogPosition: CommitLogPosition;
  readonly timestampRange: { readonly minMicros: number; readonly maxMicros: number };
  readonly partitionsPerOutputEstimate: number;
  readonly createdAtSeconds: number;
  readonly nowSeconds: number;
  readonly gcBeforeSeconds: number;
  /** cleanup: ring ranges (left, right] kept; null keeps everything. */
  readonly keep: ReadonlyArray<{ readonly left: bigint; readonly right: bigint }> | null;
  readonly purge: PurgeSnapshot;
  /** Generations for the outputs; more are asked for when they run out. */
  readonly generations: readonly number[];
}

export type ToWorker =
  | WorkerTask
  | { readonly type: 'continue' }
  | { readonly type: 'cancel' }
  | { readonly type: 'generations'; readonly generations: readonly number[] };

export interface WorkerCounters {
  readonly partitionsIn: number;
  readonly partitionsOut: number;
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly bytesRead: number;
}


export interface WirePrepared {
  readonly generation: number;
  readonly statistics: SSTableStatistics;
  readonly filter: WireFilter;
  readonly dataTable: ChunkTable;
  readonly indexTable: ChunkTable;
  readonly sizeBytes: number;
  /** Built by the worker from the output's Index.db, so the main thread's reader needs no scan. */
  readonly partitionIndex: PartitionIndexFields | null;
}

export type FromWorker =
  | { readonly type: 'progress'; readonly bytesRead: number; readonly writtenBytes: number }
  | { readonly type: 'need-generations'; readonly count: number }
  | { readonly type: 'done'; readonly prepared: readonly WirePrepared[]; readonly counters: WorkerCounters }
  | { readonly type: 'cancelled' }
  | { readonly type: 'failed'; readonly message: string; readonly corruption: { readonly path: string; readonly offsetBytes: number; readonly reason: string } | null };

/**
 * Wire form of a prepared SSTable and the buffers to transfer with it (the sender gives up its
 * partition index arrays, when it built one: indexPreparedOutputs).
 */
export function toWirePrepared(p: PreparedSSTable | IndexedPreparedSSTable, transfer: ArrayBuffer[]): WirePrepared {
  const bits = new Uint8Array(p.filter.bits);
  transfer.push(bits.buffer);
  const index = 'partitionIndex' in p ? p.partitionIndex : null;
  let partitionIndex: PartitionIndexFields | null = null;
  if (index !== null) {
    partitionIndex = {
      count: index.count, interval: index.interval, high: index.high, low: index.low, dataOffsets: index.dataOffsets, indexOffsets: index.indexOffsets,
      dataEndBytes: index.dataEndBytes,
    };
    // Each array owns its buffer (the builder fits them by copying), so each is transferred once.
    for (const a of [index.high, index.low, index.dataOffsets, index.indexOffsets]) {
      if (a !== null && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer && !transfer.includes(a.buffer)) transfer.push(a.buffer);
    }
  }
  return {
    generation: p.generation, statistics: p.statistics, filter: { hashCount: p.filter.hashCount, bitCount: p.filter.bitCount, bits },
    dataTable: p.dataTable, indexTable: p.indexTable, sizeBytes: p.sizeBytes, partitionIndex,
  };
}

export function fromWirePrepared(w: WirePrepared, directory: string, compression: CompressionParams): IndexedPreparedSSTable {
  return {
    directory, generation: w.generation, statistics: w.statistics, filter: filterFromWire(w.filter),
    dataTable: w.dataTable, indexTable: w.indexTable, compression, sizeBytes: w.sizeBytes,
    partitionIndex: w.partitionIndex === null ? null : PartitionIndex.fromFields(w.partitionIndex),
  };
}

export function filterFromWire(w: WireFilter): BloomFilter {
  return new BloomFilter(w.hashCount, w.bitCount, w.bits);
}
