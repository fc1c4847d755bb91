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
  readonly sstableBytes: number;
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
