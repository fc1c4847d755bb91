// The storage engine's public contract: one engine per shard, holding an LSM tree (commit log,
// memtables, SSTables) per table of the shard's token sub-ranges. The coordinator is its only
// caller on the request path; management operations (flush, compact) call it too.
import type { SchemaSnapshot } from '../schema/index.ts';
import type { Mutation, ReadCommand, ReadResult } from './model.ts';

export type CommitLogSyncMode = 'periodic' | 'batch' | 'group';

export interface StorageConfig {
  readonly dataDirectory: string;
  readonly commitLogDirectory: string;
  readonly commitLogSync: CommitLogSyncMode;
  /** periodic: fsync interval. */
  readonly commitLogSyncPeriodMs: number;
  /** group: at most one fsync per window. */
  readonly commitLogSyncGroupWindowMs: number;
  readonly commitLogSegmentSizeBytes: number;
  /** Flush the tables dirty in the oldest segment beyond this total. */
  readonly commitLogTotalSpaceBytes: number;
  /** Largest mutation accepted (Cassandra: half a segment). */
  readonly mutationSizeMaxBytes: number;
  /** Flush a memtable when it holds this many bytes. */
  readonly memtableFlushThresholdBytes: number;
  /** Total memtable bytes (live + flushing) beyond which writes are refused with Overloaded. */
  readonly memtableSpaceMaxBytes: number;
}

export interface TableStats {
  readonly tableId: string;
  readonly memtableBytes: number;
  readonly memtablePartitions: number;
  readonly sstableCount: number;
  /** On-disk bytes of every component of every SSTable. */
  readonly sstableBytes: number;
  // Added with compaction; optional so other producers of TableStats (test fakes) stay valid.
  /** Rows (approximate: versions merged in place are counted once) in the live memtable. */
  readonly memtableRows?: number;
  /** SSTables per level (index 0 is L0; one entry unless the table is or was leveled). */
  readonly sstablesPerLevel?: readonly number[];
  /** Partitions summed over SSTables (an overestimate when they overlap) plus the live memtable's. */
  readonly estimatedPartitions?: number;
  /** Logical over physical Data bytes (1 when uncompressed). */
  readonly compressionRatio?: number;
  readonly readCount?: number;
  readonly writeCount?: number;
  /** Local (storage) latencies; null until measured. */
  readonly readLatencyMicrosP50?: number | null;
  readonly readLatencyMicrosP99?: number | null;
  readonly writeLatencyMicrosP50?: number | null;
  readonly writeLatencyMicrosP99?: number | null;
  readonly tombstonesPerReadP50?: number | null;
  readonly tombstonesPerReadP99?: number | null;
  readonly sstablesPerReadP50?: number | null;
  readonly sstablesPerReadP99?: number | null;
  readonly bloomFilterFalsePositives?: number;
  /** False positives over positive answers of the bloom filters (0 when none). */
  readonly bloomFilterFalseRatio?: number;
  readonly partitionSizeBytesP50?: number | null;
  readonly partitionSizeBytesP99?: number | null;
  readonly partitionSizeBytesMax?: number | null;
  /** Estimated droppable tombstones over cells, at the current gc_grace. */
  readonly droppableTombstoneRatio?: number;
  readonly pendingCompactions?: number;
}

export interface StorageEngine {
  /** Makes tables known (comparators, directories). Called at open and after every schema change. */
  setSchema(schema: SchemaSnapshot): void;
  /**
   * Appends to the commit log and applies to the memtables, in that order. Resolves when the
   * write is durable per the sync mode (periodic: once handed to the OS; batch/group: after fsync).
   * Rejects with CqlError(Overloaded) when memtable space is exhausted, Invalid when too large.
   */
  apply(mutation: Mutation): Promise<void>;
  /**
   * apply() for each mutation, in order, with one promise for all: every mutation is validated
   * before any is appended (an invalid one rejects the call and nothing is written), and the call
   * is admitted against memtable space as a whole. Not atomic beyond that: a later failure (a
   * mutation too large for the commit log, a failed disk) leaves the earlier ones applied, as
   * separate apply() calls would. What an unlogged batch of several partitions is applied with.
   */
  applyAll(mutations: readonly Mutation[]): Promise<void>;
  /**
   * Applies a mutation, resolving its counter deltas into totals at commit-log append (after every
   * earlier write of the partition under batch/group sync). Resolves once the write is durable per
   * the sync mode and readable, with the mutation as logged: each delta cell replaced by its new
   * total, cells a counter tombstone shadows left out. The counter leader replicates that.
   */
  applyCounter(mutation: Mutation): Promise<Mutation>;
  /** Reads merged data from memtables and SSTables (see ReadPartition for what is kept). */
  read(command: ReadCommand): ReadResult;
  /** Flushes the memtables of the given tables (all when omitted) to SSTables. */
  flush(tableIds?: readonly string[]): Promise<void>;
  /** Discards all data of a table written at or before `truncatedAtMicros`. */
  truncate(tableId: string): Promise<void>;
  /** Removes a dropped table's data. */
  dropTable(tableId: string): Promise<void>;
  tableStats(tableId: string): TableStats | null;
  /** Flushes nothing; syncs the commit log and closes files. Safe to call twice. */
  close(): Promise<void>;
}
