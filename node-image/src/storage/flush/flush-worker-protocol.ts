// Messages between the main thread's flush sinks (flush-worker-pool.ts) and a flush worker thread
// (flush-worker.ts). A flush is a job: 'begin', then 'batch'es of the logical Data stream with the
// index entries of the partitions that ended in them (Data before entries, so every entry's bytes
// precede it), or one 'walk' of a memtable whose partitions are all one encoded row, then
// 'finish' with the encoder's statistics, or 'abort'. Byte arrays are transferred;
// each batch's Data buffer comes back with its acknowledgement for reuse. Pieces of the Data stream
// (and keys) may instead be places in a memtable's slabs of shared memory, each slab sent once per
// job; the memtable is frozen while it flushes, so the bytes do not change under the worker.
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import type { EncodedStatistics } from '../sstable/sstable-component-writer.ts';
import type { WirePrepared } from '../compaction/compaction-worker-protocol.ts';

/**
 * Numbers per index entry in a batch's `entries`: tokenHigh, tokenLow, start, length,
 * rowIndexRelative, rowsRelative, key source, key place, min and max timestamp deltas. Key source
 * INLINE: the key is in `keys`; otherwise a slab id, the partition's bytes start at the key place
 * with the key (varint length, bytes), and its timestamp bounds (not counted in the 'finish'
 * statistics) are the deltas from the base its header ends with, 8 bytes before its rows.
 */
export const ENTRY_FIELDS = 10;
/** A segment or key source meaning the batch's own bytes (`data`, `keys`), not a slab. */
export const INLINE = -1;

export interface FlushBegin {
  readonly type: 'begin';
  readonly jobId: number;
  readonly directory: string;
  readonly generation: number;
  readonly tableId: string;
  /** The table's `compression` option, from which the worker builds the same compressor. */
  readonly compressionOptions: Readonly<Record<string, string>>;
  readonly partitionCountEstimate: number;
  readonly bloomFilterFpChance: number;
  readonly maxIndexInterval: number;
  readonly commitLogPosition: CommitLogPosition;
  readonly level: number;
  readonly createdAtSeconds: number;
}

export interface FlushBatch {
  readonly type: 'batch';
  readonly jobId: number;
  /** Slabs first referred to in this batch: their ids follow the job's earlier ones (0, 1, ...). */
  readonly slabs: readonly SharedArrayBuffer[];
  /** Bytes of the inline segments. */
  readonly data: Uint8Array;
  /**
   * The batch's logical Data bytes, continuing the previous batch's, as `segmentCount` triples:
   * source (INLINE: `data`; else a slab id), start, length.
   */
  readonly segmentCount: number;
  readonly segments: Int32Array;
  readonly entryCount: number;
  /** ENTRY_FIELDS numbers per entry. */
  readonly entries: Float64Array;
  /** Keys concatenated; entry i's key is keys[keyOffsets[i], keyOffsets[i+1]). */
  readonly keys: Uint8Array;
  readonly keyOffsets: Uint32Array;
}

/**
 * Every partition of a memtable whose partitions are all one encoded row, written by the worker
 * from the memtable's fields and slabs in shared memory (memtable/partition-fields.ts), in `ids`
 * order, as the job's first and only partitions; the worker counts their statistics and adds the
 * 'finish' statistics to them.
 */
export interface FlushWalk {
  readonly type: 'walk';
  readonly jobId: number;
  readonly fields: SharedArrayBuffer;
  readonly slabs: readonly SharedArrayBuffer[];
  readonly ids: Int32Array;
}

export type ToFlushWorker =
  | FlushBegin
  | FlushBatch
  | FlushWalk
  | { readonly type: 'finish'; readonly jobId: number; readonly statistics: EncodedStatistics }
  | { readonly type: 'abort'; readonly jobId: number };

export type FromFlushWorker =
  /** A batch is written; `data` is its buffer back (whole ArrayBuffer) for reuse. */
  | { readonly type: 'batch-done'; readonly jobId: number; readonly data: Uint8Array; readonly physicalBytes: number }
  /** Components fsynced under temp names; null: no partition was written (nothing left on disk). */
  | { readonly type: 'done'; readonly jobId: number; readonly prepared: WirePrepared | null }
  /** The job failed in the worker; its temp components are removed. */
  | { readonly type: 'failed'; readonly jobId: number; readonly message: string }
  /** Answer to 'abort': nothing of the job is left on disk. */
  | { readonly type: 'aborted'; readonly jobId: number };
