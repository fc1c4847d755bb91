// Read-only statistics for nodetool: tables (tablestats), compactions (compactionstats) and
// streams (netstats). Counters are totals since the node started.
import { z } from 'zod';
import { AddressSchema, BytesSchema, CqlNameSchema, LIST_ITEMS_MAX } from './common.ts';

/** GET /tables/stats[?keyspace=&table=] */
export const TableStatsSchema = z.object({
  tables: z.array(z.object({
    keyspace: CqlNameSchema,
    table: CqlNameSchema,
    sstableCount: z.number().int().nonnegative(),
    liveBytes: BytesSchema,
    totalBytes: BytesSchema,
    memtableBytes: BytesSchema,
    memtableCells: z.number().int().nonnegative(),
    estimatedPartitions: z.number().int().nonnegative(),
    readCount: z.number().int().nonnegative(),
    writeCount: z.number().int().nonnegative(),
    readLatencyMsP50: z.number().nonnegative().nullable(),
    readLatencyMsP99: z.number().nonnegative().nullable(),
    writeLatencyMsP50: z.number().nonnegative().nullable(),
    writeLatencyMsP99: z.number().nonnegative().nullable(),
    tombstonesScannedP99: z.number().nonnegative().nullable(),
    // Added with compaction (optional: older nodes and fakes omit them).
    tombstonesScannedP50: z.number().nonnegative().nullable().optional(),
    sstablesPerLevel: z.array(z.number().int().nonnegative()).max(64).optional(),
    sstablesPerReadP99: z.number().nonnegative().nullable().optional(),
    bloomFilterFalsePositives: z.number().int().nonnegative().optional(),
    bloomFilterFalseRatio: z.number().nonnegative().optional(),
    partitionSizeBytesP50: z.number().nonnegative().nullable().optional(),
    partitionSizeBytesP99: z.number().nonnegative().nullable().optional(),
    partitionSizeBytesMax: z.number().nonnegative().nullable().optional(),
    compressionRatio: z.number().nonnegative().optional(),
    droppableTombstoneRatio: z.number().nonnegative().optional(),
    pendingCompactions: z.number().int().nonnegative().optional(),
  })).max(LIST_ITEMS_MAX),
});
export type TableStats = z.infer<typeof TableStatsSchema>;

/** GET /compactions */
export const CompactionsSchema = z.object({
  pendingTasks: z.number().int().nonnegative(),
  completedTasks: z.number().int().nonnegative(),
  active: z.array(z.object({
    id: z.string().max(128),
    keyspace: CqlNameSchema,
    table: CqlNameSchema,
    kind: z.enum(['COMPACTION', 'CLEANUP', 'VALIDATION', 'ANTICOMPACTION', 'FLUSH', 'UPGRADE']),
    completedBytes: BytesSchema,
    totalBytes: BytesSchema,
    /** Why it runs (e.g. "size-tiered bucket of 4", "L1 -> L2"); optional, added with compaction. */
    reason: z.string().max(256).optional(),
  })).max(LIST_ITEMS_MAX),
  /** compaction_throughput now, MiB/s (0: unthrottled); optional, added with compaction. */
  throughputMbPerSecond: z.number().nonnegative().optional(),
  concurrentCompactors: z.number().int().positive().optional(),
});
export type Compactions = z.infer<typeof CompactionsSchema>;

/** GET and PUT /compaction/throughput (nodetool getcompactionthroughput / setcompactionthroughput). */
export const CompactionThroughputSchema = z.object({
  /** MiB per second; 0 means unthrottled. */
  mbPerSecond: z.number().nonnegative().max(1024 * 1024),
});
export type CompactionThroughput = z.infer<typeof CompactionThroughputSchema>;

/** GET /streams */
export const StreamsSchema = z.object({
  sessions: z.array(z.object({
    planId: z.string().max(128),
    /** BOOTSTRAP, DECOMMISSION, REBUILD, REPAIR, REMOVENODE, REPLACE. */
    operation: z.string().max(64),
    peer: AddressSchema,
    direction: z.enum(['SENDING', 'RECEIVING']),
    filesDone: z.number().int().nonnegative(),
    filesTotal: z.number().int().nonnegative(),
    bytesDone: BytesSchema,
    bytesTotal: BytesSchema,
  })).max(LIST_ITEMS_MAX),
});
export type Streams = z.infer<typeof StreamsSchema>;
