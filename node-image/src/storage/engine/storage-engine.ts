// The storage engine of one shard: a commit log shared by its tables and an LSM (memtable,
// flushing memtables, SSTables) per table, compacted in the background. Writes are validated,
// counter deltas resolved to totals and appended to the commit log synchronously; under periodic
// sync they reach the memtables at once, under batch/group sync only once their fsync completes
// (a read never sees a write a crash can erase, counters included: a counter write of a partition
// with unsynced writes waits for them, so totals are resolved in log order); the returned promise
// settles per the sync mode, after the memtable apply. Reads are synchronous merges.
// Opening replays the commit log from each table's flushed position. Memory is bounded: beyond a
// soft limit writes wait for flushes, beyond the hard limit (or after waiting too long) they get
// Overloaded. A corrupt SSTable met by a read or a compaction is quarantined and the read retried.
// With worker threads (real disk), a flush encodes on the event loop in slices and a flush worker
// compresses, checksums and writes (storage/flush/), and compactions run in worker threads; without
// (simulator), both run on the event loop in slices.
import { assert, invalidRequest, overloaded } from '../../lib/index.ts';
import type { Clock, Disk, Logger, TimerHandle, Timers, WorkerSpawner } from '../../io/index.ts';
import type { SchemaSnapshot, TableMetadata } from '../../schema/index.ts';
import { RowCache } from '../cache/row-cache.ts';
import { CommitLog } from '../commit-log/commit-log.ts';
import type { CommitLogStats } from '../commit-log/commit-log.ts';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import { comparePositions, maxPosition } from '../commit-log/commit-log-position.ts';
import { listSegments, readSegment } from '../commit-log/commit-log-replay.ts';
import {
  COMPACTION_THROUGHPUT_BYTES_PER_SECOND_DEFAULT, CONCURRENT_COMPACTORS_DEFAULT, CompactionManager,
} from '../compaction/compaction-manager.ts';
import type { CompactionOutcome, CompactionSettings, CompactionStats, OwnedRange } from '../compaction/compaction-manager.ts';
import { verifySSTable, scrubTable } from '../compaction/sstable-maintenance.ts';
import type { ScrubOutcome, VerifyOutcome } from '../compaction/sstable-maintenance.ts';
import { FULL_SLICE, sliceOfClustering } from '../clustering-position.ts';
import type { StorageConfig, StorageEngine, TableStats } from '../engine.ts';
import { StorageCorruptionError, StorageErrorCode, StorageUnavailableError } from '../errors.ts';
import { NO_DELETION_TIME } from '../model.ts';
import type { Cell, Mutation, PartitionUpdate, ReadCommand, ReadPartition, ReadResult, Row } from '../model.ts';
import { mergePartition } from '../read/partition-merger.ts';
import type { PartitionFilter } from '../read/partition-merger.ts';
import { ArrayPartitionSource } from '../read/partition-source.ts';
import { executeReadCounted, singlePartitionSources } from '../read/read-executor.ts';
import type { ReadOutcome } from '../read/read-executor.ts';
import { Memtable, assertWellFormedUpdate } from '../memtable/memtable.ts';
import type { PartitionSource } from '../read/partition-source.ts';
import { CHUNK_CACHE_BYTES_DEFAULT, ChunkCache } from '../sstable/chunk-cache.ts';
import type { PartitionIndexStats } from '../sstable/partition-index-budget.ts';
import { KEY_CACHE_BYTES_DEFAULT, KeyCache } from '../sstable/key-cache.ts';
import type { CacheStats } from '../sstable/key-cache.ts';
import { quarantineSSTable } from '../sstable/quarantine.ts';
import { PARTITION_KEY_LENGTH_MAX } from '../sstable/sstable-format.ts';
import { PARTITION_SIZE_BUCKETS, droppableBefore, sizeQuantile } from '../sstable/sstable-histograms.ts';
import type { IndexEntry, SSTableKeyCache, SSTableReader } from '../sstable/sstable-reader.ts';
import { FlushWorkerPool } from '../flush/flush-worker-pool.ts';
import type { WorkerFlushSink } from '../flush/flush-worker-pool.ts';
import { removeTempComponents } from '../sstable/sstable-component-writer.ts';
import { writeSSTable } from '../sstable/sstable-writer.ts';
import { tableLayoutOf } from '../table-layout.ts';
import type { TableLayout } from '../table-layout.ts';
import { readStorageState, writeStorageState } from './storage-state-file.ts';
import { TableStore } from './table-store.ts';
import { UnsyncedWrites } from './unsynced-writes.ts';

/**
 * Live (non-flushing) memtable bytes beyond this fraction of memtableSpaceMaxBytes flush the
 * largest memtable (Cassandra's memtable_cleanup_threshold, 1 / (flush writers + 1)).
 */
export const MEMTABLE_CLEANUP_FRACTION = 1 / 3;
/** Beyond this fraction of memtableSpaceMaxBytes, writes wait for flushes to free memory. */
export const WRITE_SLOWDOWN_FRACTION = 0.75;
/** A write waiting for memtable space longer than this is refused with Overloaded. */
export const WRITE_WAIT_MAX_MS_DEFAULT = 2000;
/** Writes waiting for memtable space; beyond, they are refused at once. */
export const WRITE_WAITERS_MAX = 8192;
/** How often tables with memtable_flush_period_in_ms are checked. */
export const MEMTABLE_FLUSH_PERIOD_CHECK_MS = 1000;
/** Byte length of a counter total. */
export const COUNTER_VALUE_BYTES = 8;
/** Cassandra's tombstone_warn_threshold and tombstone_failure_threshold. */
export const TOMBSTONE_WARN_THRESHOLD_DEFAULT = 1000;
export const TOMBSTONE_FAILURE_THRESHOLD_DEFAULT = 100_000;
/** A read that meets corrupt SSTables retries without them at most this many times. */
export const READ_CORRUPTION_RETRIES_MAX = 16;
/** Plan-and-wait rounds of settleCompactions (each round waits for the compactions it started). */
export const COMPACTION_SETTLE_ROUNDS_MAX = 1000;
/** Row cache: off by default (Cassandra's row_cache_size 0). */
export const ROW_CACHE_BYTES_DEFAULT = 0;
/** Counter writes waiting for earlier unsynced writes of their partition; beyond, Overloaded. */
export const COUNTER_WRITES_WAITING_MAX = 8192;

/** The write latency histogram samples one write in this many (a power of two). */
export const WRITE_LATENCY_SAMPLE_EVERY = 8;

export interface StorageEngineOptions {
  readonly disk: Disk;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly config: StorageConfig;
  readonly schema: SchemaSnapshot;
  /** Bound of the shard's cache of verified SSTable chunks (default CHUNK_CACHE_BYTES_DEFAULT). */
  readonly chunkCacheBytes?: number;
  /** Key cache bound (default KEY_CACHE_BYTES_DEFAULT; 0 disables it). */
  readonly keyCacheBytes?: number;
  /** Memory for the SSTables' in-memory partition indexes (index_summary_capacity); default 64 MiB. */
  readonly indexSummaryCapacityBytes?: number;
  /** Row cache bound (default 0: off); tables opt in with caching.rows_per_partition. */
  readonly rowCacheBytes?: number;
  readonly compaction?: Partial<CompactionSettings>;
  readonly tombstoneWarnThreshold?: number;
  readonly tombstoneFailureThreshold?: number;
  /** How long a write may wait for memtable space before Overloaded. */
  readonly writeWaitMaxMs?: number;
  /**
   * Worker threads (real disk only: they open the SSTable files by path): compactions run in
   * concurrent_compactors of them, and flushes compress and write in one more (the event loop
   * still encodes the memtable). Absent (simulator, unit tests): in-process slices.
   */
  readonly workers?: WorkerSpawner;
}

export interface CachesStats {
  readonly keyCache: CacheStats;
  readonly rowCache: CacheStats;
  readonly chunkCache: { readonly bytes: number; readonly chunks: number; readonly hits: number; readonly misses: number; readonly partitionIndex: PartitionIndexStats };
}

/** Counter writes for the coordinator's counter leader, which replicates the resulting totals. */
/** The engine plus observability and maintenance the contract does not need. */
export interface StorageEngineWithStats extends StorageEngine {
  commitLogStats(): CommitLogStats;
  /** Bytes in all memtables (live and flushing) of this shard. */
  memtableBytes(): number;
  compactionStats(): CompactionStats;
  cacheStats(): CachesStats;
  /** Major compaction of the given tables (all when omitted). */
  compact(tableIds?: readonly string[]): Promise<CompactionOutcome[]>;
  /** nodetool garbagecollect. */
  garbageCollect(tableIds?: readonly string[]): Promise<CompactionOutcome[]>;
  /** Checks every SSTable of the tables (checksums, structure); corrupt ones are quarantined. */
  verify(tableIds?: readonly string[]): Promise<VerifyOutcome[]>;
  /** Rewrites the tables' SSTables around corrupt blocks and salvages quarantined ones. */
  scrub(tableIds?: readonly string[]): Promise<ScrubOutcome[]>;
  /** compaction_throughput in bytes per second (0: unthrottled). */
  setCompactionThroughput(bytesPerSecond: number): void;
  /** Runs the compactions the planner wants now and waits for them (bounded rounds): a quiet state. */
  settleCompactions(): Promise<void>;
  /**
   * nodetool cleanup: drops the table's partitions whose token is in none of `keep` (ring ranges
   * (left, right], wrapping when left >= right), rewriting only the SSTables that hold some.
   */
  cleanupTable(tableId: string, keep: readonly OwnedRange[]): Promise<{ bytesBefore: number; bytesAfter: number }>;
}

export async function openStorageEngine(options: StorageEngineOptions): Promise<StorageEngineWithStats> {
  const engine = new LsmStorageEngine(options);
  await engine.open();
  return engine;
}

interface WriteWaiter {
  /** Applies the write and hands its promise to the waiting caller (may throw). */
  readonly start: () => void;
  readonly reject: (error: Error) => void;
  readonly enqueuedMs: number;
  timer: TimerHandle | null;
}

/** A counter write waiting for the unsynced writes of its partition (batch/group sync). */
interface CounterWrite {
  readonly mutation: Mutation;
  readonly stores: readonly TableStore[];
  readonly resolve: (resolved: Promise<Mutation>) => void;
  readonly reject: (error: Error) => void;
}

/** Writes to counter tables of one partition (keyspace + key) not yet synced, and those waiting. */
interface CounterPartition {
  unsynced: number;
  readonly waiting: CounterWrite[];
}


class LsmStorageEngine implements StorageEngineWithStats {
  private readonly disk: Disk;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly logger: Logger;
  private readonly config: StorageConfig;
  private schema: SchemaSnapshot;
  private readonly tables = new Map<string, TableStore>();
  private readonly droppedTableIds = new Set<string>();
  private readonly commitLog: CommitLog;
  private readonly chunkCache: ChunkCache;
  private readonly keyCache: SSTableKeyCache | null;
  private readonly rowCache: RowCache;
  private readonly compactions: CompactionManager;
  private readonly tombstoneWarn: number;
  private readonly tombstoneFail: number;
  private readonly writeWaitMaxMs: number;
  private truncations = new Map<string, CommitLogPosition>();
  private replayFloors = new Map<string, CommitLogPosition>();
  private segmentIdFloor = 0;
  /** Bytes of every memtable, live and flushing. */
  private totalMemtableBytes = 0;
  /** Bytes of memtables being flushed (part of totalMemtableBytes). */
  private flushingMemtableBytes = 0;
  private readonly waiters: WriteWaiter[] = [];
  /**
   * Batch and group sync: a write reaches the memtables only once the commit-log sync covering it
   * completes (Cassandra's write path waits for the sync before the memtable apply), so no read
   * sees a write that a crash can still erase. Periodic sync applies at once.
   */
  private readonly applyWhenDurable: boolean;
  private readonly unsynced: UnsyncedWrites;
  /**
   * Batch/group sync: partitions with unsynced writes to counter tables. A counter write with
   * deltas waits until its partition has none (its totals are resolved from the memtables, which
   * hold only synced writes), as Cassandra holds the counter lock across the commit-log wait.
   */
  private readonly counterPartitions = new Map<string, CounterPartition>();
  /** The logged (resolved) mutations counted in counterPartitions, until they settle. */
  private readonly counterWrites = new WeakSet<Mutation>();
  private counterWritesWaiting = 0;
  /** Scratch list of the one table a single-update mutation writes (applyNow never keeps it). */
  private readonly singleStore: TableStore[] = [];
  /** Writes applied (applyNow): every WRITE_LATENCY_SAMPLE_EVERY-th is timed. */
  private applyCount = 0;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private flushPeriodTimer: TimerHandle | null = null;
  /** Compresses and writes flushed SSTables off the event loop; null without worker threads. */
  private readonly flushWorkers: FlushWorkerPool | null;

  constructor(options: StorageEngineOptions) {
    this.disk = options.disk;
    this.clock = options.clock;
    this.timers = options.timers;
    this.logger = options.logger;
    this.config = options.config;
    this.schema = options.schema;
    this.chunkCache = new ChunkCache(options.chunkCacheBytes ?? CHUNK_CACHE_BYTES_DEFAULT, {
      ...(options.indexSummaryCapacityBytes === undefined ? {} : { indexSummaryCapacityBytes: options.indexSummaryCapacityBytes }),
    });
    // Partition indexes made denser when budget frees up are rebuilt a step per turn, not in the
    // turn that closed an SSTable (a compaction commit).
    this.chunkCache.indexBudget.setScheduler((run) => {
      this.timers.setImmediate(run);
    });
    const keyCacheBytes = options.keyCacheBytes ?? KEY_CACHE_BYTES_DEFAULT;
    this.keyCache = keyCacheBytes > 0 ? new KeyCache<IndexEntry>(keyCacheBytes) : null;
    this.rowCache = new RowCache(options.rowCacheBytes ?? ROW_CACHE_BYTES_DEFAULT);
    this.tombstoneWarn = options.tombstoneWarnThreshold ?? TOMBSTONE_WARN_THRESHOLD_DEFAULT;
    this.tombstoneFail = options.tombstoneFailureThreshold ?? TOMBSTONE_FAILURE_THRESHOLD_DEFAULT;
    this.writeWaitMaxMs = options.writeWaitMaxMs ?? WRITE_WAIT_MAX_MS_DEFAULT;
    this.flushWorkers = options.workers === undefined ? null : new FlushWorkerPool({ spawner: options.workers, logger: options.logger });
    const c = options.config;
    this.applyWhenDurable = c.commitLogSync !== 'periodic';
    this.unsynced = new UnsyncedWrites({
      settle: (mutation, position, durable) => this.settleUnsynced(mutation, position, durable),
      onError: (error) => this.failWrites(error),
    });
    assert(c.memtableFlushThresholdBytes > 0 && c.memtableSpaceMaxBytes >= c.memtableFlushThresholdBytes, 'memtable limits');
    assert(c.commitLogTotalSpaceBytes >= c.commitLogSegmentSizeBytes, 'commit log total space holds a segment');
    this.commitLog = new CommitLog({
      disk: options.disk,
      clock: options.clock,
      timers: options.timers,
      logger: options.logger,
      directory: c.commitLogDirectory,
      syncMode: c.commitLogSync,
      syncPeriodMs: c.commitLogSyncPeriodMs,
      groupWindowMs: c.commitLogSyncGroupWindowMs,
      segmentSizeBytes: c.commitLogSegmentSizeBytes,
      totalSpaceBytes: c.commitLogTotalSpaceBytes,
      mutationSizeMaxBytes: c.mutationSizeMaxBytes,
      onTotalSpaceExceeded: (tableIds) => {
        for (const id of tableIds) {
          const store = this.tables.get(id);
          if (store !== undefined) this.flushInBackground(store, 'commit log total space exceeded');
        }
      },
    });
    const engine = this;
    this.compactions = new CompactionManager({
      disk: options.disk,
      clock: options.clock,
      timers: options.timers,
      logger: options.logger,
      chunkCache: this.chunkCache,
      keyCache: this.keyCache,
      tables: () => engine.tables.values(),
      sstablesReplaced: (store, removed) => engine.retireCounters(store, removed),
      quarantine: (store, error) => engine.quarantine(store, error),
      raiseReplayFloor: (store, position) => engine.raiseReplayFloor(store, position),
      workers: options.workers ?? null,
    }, {
      concurrentCompactors: options.compaction?.concurrentCompactors ?? CONCURRENT_COMPACTORS_DEFAULT,
      throughputBytesPerSecond: options.compaction?.throughputBytesPerSecond ?? COMPACTION_THROUGHPUT_BYTES_PER_SECOND_DEFAULT,
    });
  }

  async open(): Promise<void> {
    const { disk, config } = this;
    disk.mkdirp(config.dataDirectory);
    disk.mkdirp(config.commitLogDirectory);
    const state = readStorageState(disk, config.dataDirectory);
    this.truncations = new Map(state.truncations);
    this.replayFloors = new Map(state.replayFloors);
    this.segmentIdFloor = state.segmentIdFloor;
    this.installSchema(this.schema);

    let maxSegmentId = state.segmentIdFloor;
    for (const p of this.truncations.values()) maxSegmentId = Math.max(maxSegmentId, p.segmentId);
    for (const p of this.replayFloors.values()) maxSegmentId = Math.max(maxSegmentId, p.segmentId);
    for (const store of this.tables.values()) maxSegmentId = Math.max(maxSegmentId, store.replayFrom.segmentId);
    await this.replay((id) => {
      maxSegmentId = Math.max(maxSegmentId, id);
    });
    const firstSegmentId = maxSegmentId + 1;
    this.commitLog.start(firstSegmentId);
    this.segmentIdFloor = firstSegmentId;
    this.pruneTruncations();
    this.persistState();
    const now = this.clock.monotonicMs();
    for (const store of this.tables.values()) store.memtableSinceMs = now;
    this.flushPeriodTimer = this.timers.setInterval(() => this.flushExpiredMemtables(), MEMTABLE_FLUSH_PERIOD_CHECK_MS);
    this.compactions.schedule();
  }

  /** Flushes memtables older than their table's memtable_flush_period_in_ms (0: never). */
  private flushExpiredMemtables(): void {
    const now = this.clock.monotonicMs();
    for (const store of this.tables.values()) {
      const periodMs = store.layout.metadata.options.memtableFlushPeriodMs;
      if (periodMs > 0 && !store.memtable.isEmpty && now - store.memtableSinceMs >= periodMs) {
        this.flushInBackground(store, 'memtable_flush_period_in_ms');
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // StorageEngine

  setSchema(schema: SchemaSnapshot): void {
    this.schema = schema;
    this.installSchema(schema);
    this.compactions.schedule();
  }

  apply(mutation: Mutation): Promise<void> {
    try {
      const stores = this.admit(mutation);
      if (stores === null) return Promise.resolve();
      if (writesCounterTable(stores)) return this.writeCounters(mutation, [...stores]).then(ignoreResult);
      if (this.mustWaitForSpace()) {
        const waiting = [...stores];
        return this.waitForSpace(() => this.applyNow(mutation, waiting));
      }
      return this.applyNow(mutation, stores);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  applyCounter(mutation: Mutation): Promise<Mutation> {
    try {
      const stores = this.admit(mutation);
      if (stores === null) return Promise.resolve(mutation);
      return this.writeCounters(mutation, [...stores]);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  read(command: ReadCommand): ReadResult {
    if (this.closing !== null) throw new StorageUnavailableError(StorageErrorCode.Closed, 'storage engine closed');
    const store = this.tables.get(command.tableId);
    if (store === undefined) throw invalidRequest(`unknown table ${command.tableId}`);
    const metrics = store.metrics;
    const start = this.clock.monotonicMs();
    for (let attempt = 0; ; attempt++) {
      let outcome: ReadOutcome;
      try {
        outcome = this.readOnce(store, command);
      } catch (error) {
        if (error instanceof StorageCorruptionError && attempt < READ_CORRUPTION_RETRIES_MAX && this.quarantine(store, error)) continue;
        throw error;
      }
      store.counters.reads++;
      metrics.readLatency.record(Math.max(1, (this.clock.monotonicMs() - start) * 1000));
      metrics.tombstonesPerRead.record(outcome.tombstones);
      if (command.partitions.kind === 'single') metrics.sstablesPerRead.record(outcome.sstablesRead);
      if (outcome.tombstones >= this.tombstoneWarn) {
        this.logger.warn({ table: `${store.layout.metadata.keyspace}.${store.layout.metadata.name}`, tombstones: outcome.tombstones, threshold: this.tombstoneWarn },
          'read went through many tombstones (tombstone_warn_threshold)');
      }
      return outcome.result;
    }
  }

  flush(tableIds?: readonly string[]): Promise<void> {
    const stores = this.storesOf(tableIds);
    return Promise.all(stores.map((s) => this.scheduleFlush(s))).then(() => undefined);
  }

  truncate(tableId: string): Promise<void> {
    const store = this.tables.get(tableId);
    if (store === undefined) return Promise.resolve();
    return this.compactions.holding(store, true, () => this.enqueue(store, () => {
      this.discardTableData(store);
    }));
  }

  dropTable(tableId: string): Promise<void> {
    const store = this.tables.get(tableId);
    this.droppedTableIds.add(tableId);
    if (store === undefined) return Promise.resolve();
    return this.compactions.holding(store, true, () => this.enqueue(store, () => {
      this.discardTableData(store);
      this.tables.delete(tableId);
      this.disk.removeTree(store.directory);
    }));
  }

  tableStats(tableId: string): TableStats | null {
    const store = this.tables.get(tableId);
    if (store === undefined) return null;
    const m = store.metrics;
    const perLevel: number[] = [0];
    const sizes = new Array<number>(PARTITION_SIZE_BUCKETS).fill(0);
    let partitions = store.memtable.partitionCount;
    let maxPartition: number | null = null;
    let logical = 0;
    let physical = 0;
    let filterPositives = m.filterPositivesRetired;
    let falsePositives = m.filterFalsePositivesRetired;
    let cells = 0;
    let droppable = 0;
    const gcBefore = Math.floor(this.clock.nowMs() / 1000) - store.layout.metadata.options.gcGraceSeconds;
    for (const s of store.sstables) {
      const st = s.statistics;
      while (perLevel.length <= st.level) perLevel.push(0);
      perLevel[st.level]!++;
      partitions += st.partitionCount;
      for (let i = 0; i < sizes.length; i++) sizes[i]! += st.partitionSizeCounts[i] ?? 0;
      maxPartition = Math.max(maxPartition ?? 0, st.maxPartitionBytes);
      logical += s.dataLogicalBytes;
      physical += s.dataPhysicalBytes;
      filterPositives += s.counters.filterPositives;
      falsePositives += s.counters.filterFalsePositives;
      cells += st.cellCount;
      droppable += droppableBefore(st.dropTimes, gcBefore);
    }
    const micros = (v: number | null): number | null => v;
    return {
      tableId,
      memtableBytes: store.memtableBytes(),
      memtablePartitions: store.memtable.partitionCount,
      memtableRows: store.memtable.rowsApproximate,
      sstableCount: store.sstables.length,
      sstableBytes: store.sstableBytes(),
      sstablesPerLevel: perLevel,
      estimatedPartitions: partitions,
      compressionRatio: physical === 0 ? 1 : logical / physical,
      readCount: store.counters.reads,
      writeCount: store.counters.writes,
      readLatencyMicrosP50: micros(m.readLatency.quantile(0.5)),
      readLatencyMicrosP99: micros(m.readLatency.quantile(0.99)),
      writeLatencyMicrosP50: micros(m.writeLatency.quantile(0.5)),
      writeLatencyMicrosP99: micros(m.writeLatency.quantile(0.99)),
      tombstonesPerReadP50: m.tombstonesPerRead.quantile(0.5),
      tombstonesPerReadP99: m.tombstonesPerRead.quantile(0.99),
      sstablesPerReadP50: m.sstablesPerRead.quantile(0.5),
      sstablesPerReadP99: m.sstablesPerRead.quantile(0.99),
      bloomFilterFalsePositives: falsePositives,
      bloomFilterFalseRatio: filterPositives === 0 ? 0 : falsePositives / filterPositives,
      partitionSizeBytesP50: sizeQuantile(sizes, 0.5),
      partitionSizeBytesP99: sizeQuantile(sizes, 0.99),
      partitionSizeBytesMax: maxPartition,
      droppableTombstoneRatio: cells === 0 ? 0 : droppable / cells,
      pendingCompactions: this.compactions.stats().pendingTasks,
    };
  }

  close(): Promise<void> {
    if (this.closing === null) this.closing = this.closeOnce();
    return this.closing;
  }

  commitLogStats(): CommitLogStats {
    return this.commitLog.stats();
  }

  memtableBytes(): number {
    return this.totalMemtableBytes;
  }

  compactionStats(): CompactionStats {
    return this.compactions.stats();
  }

  cacheStats(): CachesStats {
    const empty: CacheStats = { capacityBytes: 0, bytes: 0, entries: 0, hits: 0, requests: 0 };
    return { keyCache: this.keyCache?.stats() ?? empty, rowCache: this.rowCache.stats(), chunkCache: this.chunkCache.stats() };
  }

  async compact(tableIds?: readonly string[]): Promise<CompactionOutcome[]> {
    this.checkOpen();
    const out: CompactionOutcome[] = [];
    for (const store of this.storesOf(tableIds)) {
      await this.scheduleFlush(store);
      const outcome = await this.compactions.major(store);
      if (outcome !== null) out.push(outcome);
    }
    return out;
  }

  async garbageCollect(tableIds?: readonly string[]): Promise<CompactionOutcome[]> {
    this.checkOpen();
    const out: CompactionOutcome[] = [];
    for (const store of this.storesOf(tableIds)) out.push(await this.compactions.garbageCollect(store));
    return out;
  }

  async verify(tableIds?: readonly string[]): Promise<VerifyOutcome[]> {
    this.checkOpen();
    const out: VerifyOutcome[] = [];
    for (const store of this.storesOf(tableIds)) {
      for (const reader of [...store.sstables]) {
        const outcome = await verifySSTable({ disk: this.disk, reader, layout: store.layout, timers: this.timers, clock: this.clock });
        out.push(outcome);
        if (outcome.error !== null && store.sstables.includes(reader)) this.quarantine(store, outcome.error);
      }
    }
    return out;
  }

  async scrub(tableIds?: readonly string[]): Promise<ScrubOutcome[]> {
    this.checkOpen();
    const out: ScrubOutcome[] = [];
    for (const store of this.storesOf(tableIds)) {
      out.push(...await this.compactions.holding(store, false, () => scrubTable({
        store, disk: this.disk, clock: this.clock, timers: this.timers, logger: this.logger, chunkCache: this.chunkCache, keyCache: this.keyCache,
        onReplaced: (removed) => this.retireCounters(store, removed),
      })));
    }
    return out;
  }

  async cleanupTable(tableId: string, keep: readonly OwnedRange[]): Promise<{ bytesBefore: number; bytesAfter: number }> {
    this.checkOpen();
    const store = this.tables.get(tableId);
    if (store === undefined) return { bytesBefore: 0, bytesAfter: 0 };
    await this.scheduleFlush(store);
    return this.compactions.cleanup(store, keep);
  }

  settleCompactions(): Promise<void> {
    return this.compactions.settle(COMPACTION_SETTLE_ROUNDS_MAX);
  }

  setCompactionThroughput(bytesPerSecond: number): void {
    assert(Number.isFinite(bytesPerSecond) && bytesPerSecond >= 0, 'compaction throughput');
    this.compactions.setThroughput(bytesPerSecond);
  }

  private checkOpen(): void {
    if (this.closing !== null) throw new StorageUnavailableError(StorageErrorCode.Closed, 'storage engine closed');
  }

  private storesOf(tableIds: readonly string[] | undefined): TableStore[] {
    return tableIds === undefined ? [...this.tables.values()] : tableIds.map((id) => this.tables.get(id)).filter((s) => s !== undefined);
  }

  // -------------------------------------------------------------------------------------------
  // Read path

  private readOnce(store: TableStore, command: ReadCommand): ReadOutcome {
    const view = store.readView();
    const options = { tombstoneFailThreshold: this.tombstoneFail };
    const selector = command.partitions;
    if (selector.kind !== 'single' || !this.rowCache.enabled) return executeReadCounted(view, command, options);
    const rowsPerPartition = rowsPerPartitionOf(store.layout);
    if (rowsPerPartition === 0) return executeReadCounted(view, command, options);
    let cached = this.rowCache.get(store.tableId, selector.key);
    if (cached === undefined) {
      const sources: PartitionSource[] = [];
      const sstablesRead = singlePartitionSources(view, selector, sources);
      const head = mergePartition(selector.key, selector.token, sources, {
        layout: view.layout, nowSeconds: command.nowSeconds, reversed: false, slices: [FULL_SLICE], columns: null, includeStaticRow: true,
        resumeAfter: null, liveRowLimit: rowsPerPartition, tombstoneBudget: this.tombstoneFail,
      });
      cached = { partition: head.partition, complete: head.liveRows < rowsPerPartition };
      this.rowCache.put(store.tableId, selector.key, cached);
      const served = this.serveFromCache(store.layout, cached, command);
      if (served !== null) return { result: served, tombstones: head.tombstones, sstablesRead };
      return executeReadCounted(view, command, options);
    }
    const served = this.serveFromCache(store.layout, cached, command);
    return served !== null ? { result: served, tombstones: 0, sstablesRead: 0 } : executeReadCounted(view, command, options);
  }

  applyAll(mutations: readonly Mutation[]): Promise<void> {
    const n = mutations.length;
    if (n === 1) return this.apply(mutations[0]!);
    try {
      // Everything is validated first: an invalid mutation rejects the call before any is appended.
      const storesOf = new Array<readonly TableStore[] | null>(n);
      let counters = false;
      for (let i = 0; i < n; i++) {
        const stores = this.admit(mutations[i]!);
        // admit's list for a one-update mutation is scratch: kept as a copy.
        storesOf[i] = stores === null ? null : stores.length === 1 ? [stores[0]!] : stores;
        if (stores !== null && writesCounterTable(stores)) counters = true;
      }
      if (counters) return Promise.all(mutations.map((m) => this.apply(m))).then(ignoreResult);
      if (this.mustWaitForSpace()) {
        // The caller may reuse its list once this returns.
        const waiting = mutations.slice();
        return this.waitForSpace(() => this.applyAllNow(waiting, storesOf));
      }
      return this.applyAllNow(mutations, storesOf);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** applyNow for admitted mutations; one promise for their durability (they mostly share one commit-log batch). */
  private applyAllNow(mutations: readonly Mutation[], storesOf: ReadonlyArray<readonly TableStore[] | null>): Promise<void> {
    let last: Promise<void> | null = null;
    let earlier: Array<Promise<void>> | null = null;
    for (let i = 0; i < mutations.length; i++) {
      const stores = storesOf[i]!;
      if (stores === null) continue;
      const durable = this.applyNow(mutations[i]!, stores);
      if (durable !== last) {
        if (last !== null) (earlier ??= []).push(last);
        last = durable;
      }
    }
    if (last === null) return Promise.resolve();
    if (earlier === null) return last;
    earlier.push(last);
    return Promise.all(earlier).then(ignoreResult);
  }

  /** The read answered from a cached partition, or null when the cached head cannot answer it. */
  private serveFromCache(layout: TableLayout, cached: { partition: ReadPartition | null; complete: boolean }, command: ReadCommand): ReadResult | null {
    const selector = command.partitions;
    assert(selector.kind === 'single', 'row cache serves single-partition reads');
    if (cached.partition === null) return cached.complete ? { partitions: [] } : null;
    if (!cached.complete && command.clustering.reversed) return null;
    const p = cached.partition;
    const filter: PartitionFilter = {
      layout, nowSeconds: command.nowSeconds, reversed: command.clustering.reversed,
      slices: command.clustering.kind === 'slices' ? command.clustering.slices : command.clustering.clusterings.map(sliceOfClustering),
      columns: command.columns === 'all' ? null : new Set(command.columns), includeStaticRow: command.includeStaticRow,
      resumeAfter: command.resumeAfterClustering, liveRowLimit: Math.min(command.limits.perPartitionRows, command.limits.rows), tombstoneBudget: this.tombstoneFail,
    };
    if (command.limits.rows <= 0 || command.limits.partitions <= 0 || command.limits.perPartitionRows <= 0) return { partitions: [] };
    const merged = mergePartition(selector.key, selector.token, [new ArrayPartitionSource(layout, p)], filter);
    // A head answers only a forward read that filled its limit inside the head.
    if (!cached.complete && merged.liveRows < filter.liveRowLimit) return null;
    return merged.partition === null ? { partitions: [] } : { partitions: [merged.partition] };
  }

  // -------------------------------------------------------------------------------------------
  // Write path

  /**
   * Validates a write: the tables it writes, in update order (null when it has no update). A
   * single-update mutation gets a scratch list, valid until the next write.
   */
  private admit(mutation: Mutation): TableStore[] | null {
    this.checkWritable();
    if (mutation.key.length === 0) throw invalidRequest('Key may not be empty');
    if (mutation.key.length > PARTITION_KEY_LENGTH_MAX) {
      throw invalidRequest(`Key length of ${mutation.key.length} is longer than maximum of ${PARTITION_KEY_LENGTH_MAX}`);
    }
    const updates = mutation.updates;
    const n = updates.length;
    if (n === 0) return null;
    // The scratch list is written in place: emptying an array (length = 0) frees its backing store,
    // and the next push would allocate a new one on every write.
    const stores: TableStore[] = n === 1 ? this.singleStore : [];
    for (let i = 0; i < n; i++) {
      const update = updates[i]!;
      const store = this.tables.get(update.tableId);
      if (store === undefined) throw invalidRequest(`unknown table ${update.tableId}`);
      if (store.layout.metadata.keyspace !== mutation.keyspace) throw invalidRequest(`table ${update.tableId} is not in keyspace ${mutation.keyspace}`);
      assert(update.token === mutation.token && (update.key === mutation.key || update.key.equals(mutation.key)), 'updates of a mutation share its partition key');
      assertWellFormedUpdate(store.layout, update);
      stores[i] = store;
    }
    return stores;
  }

  private checkWritable(): void {
    if (this.closing !== null) throw new StorageUnavailableError(StorageErrorCode.Closed, 'storage engine closed');
    if (this.failure !== null) throw new StorageUnavailableError(StorageErrorCode.Failed, `storage failed: ${this.failure.message}`);
  }

  /** Throws Overloaded when memtable space is exhausted; true when the write must wait for space. */
  private mustWaitForSpace(): boolean {
    const max = this.config.memtableSpaceMaxBytes;
    if (this.totalMemtableBytes >= max) {
      throw overloaded(`memtable space exhausted (${this.totalMemtableBytes} of ${max} bytes); flushes are behind`);
    }
    return this.waiters.length > 0 || this.totalMemtableBytes >= max * WRITE_SLOWDOWN_FRACTION;
  }

  /**
   * Appends an already resolved mutation to the commit log and applies it to the memtables: at once
   * under periodic sync, once its sync completes under batch/group sync.
   */
  private applyNow(mutation: Mutation, stores: readonly TableStore[]): Promise<void> {
    // One write in WRITE_LATENCY_SAMPLE_EVERY is timed (the first included): reading the clock twice
    // cost a few percent of a write, and the histogram only answers quantiles.
    const timed = (this.applyCount++ & (WRITE_LATENCY_SAMPLE_EVERY - 1)) === 0;
    const start = timed ? this.clock.monotonicMs() : 0;
    const log = this.commitLog;
    if (this.applyWhenDurable) {
      const durable = log.appendDurable(mutation);
      this.unsynced.add(mutation, { segmentId: log.lastEntrySegmentId, offsetBytes: log.lastEntryOffsetBytes, durable });
      if (timed) this.recordWriteLatency(stores, start);
      return durable;
    }
    // Periodic: applied now, so a one-table write is logged in its memtable's encoding when the
    // memtable keeps it as one encoded row, and the memtable copies those bytes.
    const durable = log.appendDurable(mutation, stores.length === 1 ? stores[0]!.memtable : null);
    if (log.loggedInEncoding()) {
      this.applyToMemtable(stores[0]!, mutation.updates[0]!, true);
    } else {
      for (let i = 0; i < mutation.updates.length; i++) this.applyToMemtable(stores[i]!, mutation.updates[i]!, false);
    }
    this.maybeCleanupMemtables();
    if (timed) this.recordWriteLatency(stores, start);
    return durable;
  }

  private recordWriteLatency(stores: readonly TableStore[], startMs: number): void {
    const micros = Math.max(1, (this.clock.monotonicMs() - startMs) * 1000);
    for (let i = 0; i < stores.length; i++) stores[i]!.metrics.writeLatency.record(micros);
  }

  /** A write to some counter table (its own copy of `stores`): resolves with the logged mutation. */
  private writeCounters(mutation: Mutation, stores: readonly TableStore[]): Promise<Mutation> {
    if (this.mustWaitForSpace()) return this.waitForSpace(() => this.applyCountersNow(mutation, stores));
    return this.applyCountersNow(mutation, stores);
  }

  private applyCountersNow(mutation: Mutation, stores: readonly TableStore[]): Promise<Mutation> {
    if (!this.applyWhenDurable) {
      // Periodic: the memtables hold every earlier write, and this one is applied in this turn.
      const resolved = this.resolveCounters(mutation, stores);
      return this.applyNow(resolved, stores).then(() => resolved);
    }
    const key = counterPartitionKey(mutation);
    const partition = this.counterPartitions.get(key);
    if (partition !== undefined && hasCounterDeltas(mutation)) {
      // Earlier writes of the partition are not in the memtables yet: resolve after them.
      if (this.counterWritesWaiting >= COUNTER_WRITES_WAITING_MAX) {
        throw overloaded(`${this.counterWritesWaiting} counter writes already wait for the commit-log sync of their partition`);
      }
      this.counterWritesWaiting++;
      return new Promise<Mutation>((resolve, reject) => {
        partition.waiting.push({ mutation, stores, resolve, reject });
      });
    }
    return this.startCounterWrite(mutation, stores, key);
  }

  /** Batch/group sync: resolves, appends and counts an unsynced counter write of the partition. */
  private startCounterWrite(mutation: Mutation, stores: readonly TableStore[], key: string): Promise<Mutation> {
    const resolved = this.resolveCounters(mutation, stores);
    const durable = this.applyNow(resolved, stores);
    let partition = this.counterPartitions.get(key);
    if (partition === undefined) {
      partition = { unsynced: 0, waiting: [] };
      this.counterPartitions.set(key, partition);
    }
    partition.unsynced++;
    this.counterWrites.add(resolved);
    // unsynced.add registered the memtable apply first: the totals are readable when this resolves.
    return durable.then(() => resolved);
  }

  /** A counter write settled (applied or failed): once its partition has none unsynced, the next waiting one starts. */
  private counterWriteSettled(mutation: Mutation): void {
    const key = counterPartitionKey(mutation);
    const partition = this.counterPartitions.get(key);
    assert(partition !== undefined && partition.unsynced > 0, 'a settled counter write was counted');
    partition.unsynced--;
    while (partition.unsynced === 0 && partition.waiting.length > 0) {
      const next = partition.waiting.shift()!;
      this.counterWritesWaiting--;
      try {
        this.checkWritable();
        const max = this.config.memtableSpaceMaxBytes;
        if (this.totalMemtableBytes >= max) throw overloaded(`memtable space exhausted (${this.totalMemtableBytes} of ${max} bytes); flushes are behind`);
        next.resolve(this.startCounterWrite(next.mutation, next.stores, key));
      } catch (error) {
        next.reject(error as Error);
      }
    }
    if (partition.unsynced === 0) this.counterPartitions.delete(key);
  }

  /** Refuses every counter write waiting for its partition (storage closing or failed). */
  private rejectWaitingCounterWrites(error: Error): void {
    for (const [key, partition] of this.counterPartitions) {
      for (const w of partition.waiting.splice(0)) w.reject(error);
      if (partition.unsynced === 0) this.counterPartitions.delete(key);
    }
    this.counterWritesWaiting = 0;
  }

  /** `logged`: the commit log just logged the update in this memtable's encoding (Memtable.applyLogged). */
  private applyToMemtable(store: TableStore, update: PartitionUpdate, logged: boolean): void {
    this.totalMemtableBytes += logged ? store.memtable.applyLogged(update) : store.memtable.apply(update);
    store.counters.writes++;
    this.rowCache.invalidate(store.tableId, update.key);
    if (store.memtable.sizeBytes >= this.config.memtableFlushThresholdBytes) this.flushInBackground(store, 'memtable flush threshold');
  }

  /**
   * A batch/group write whose sync completed (durable) or failed: applied to the memtables of its
   * tables unless they were dropped, or truncated at a later commit-log position.
   */
  private settleUnsynced(mutation: Mutation, position: CommitLogPosition, durable: boolean): void {
    if (durable) this.applySettled(mutation, position);
    if (this.counterPartitions.size > 0 && this.counterWrites.has(mutation)) this.counterWriteSettled(mutation);
  }

  private applySettled(mutation: Mutation, position: CommitLogPosition): void {
    const updates = mutation.updates;
    for (let i = 0; i < updates.length; i++) {
      const update = updates[i]!;
      const store = this.tables.get(update.tableId);
      if (store === undefined) continue;
      const truncatedAt = this.truncations.get(update.tableId);
      if (truncatedAt !== undefined && comparePositions(position, truncatedAt) < 0) continue;
      this.applyToMemtable(store, update, false);
    }
    this.maybeCleanupMemtables();
  }

  /**
   * How far in the commit log a memtable switched now is complete: the current position, or the
   * oldest write still waiting for its sync (memtables hold every write before it, none after).
   */
  private memtableUpperBound(): CommitLogPosition {
    if (this.unsynced.size === 0) return this.commitLog.currentPosition();
    return { segmentId: this.unsynced.oldestSegmentId, offsetBytes: this.unsynced.oldestOffsetBytes };
  }

  /** Slows a write down: it waits (not applied) until flushes free memtable space, or is refused. */
  private waitForSpace<T>(run: () => Promise<T>): Promise<T> {
    if (this.waiters.length >= WRITE_WAITERS_MAX) {
      throw overloaded(`memtable space nearly exhausted (${this.totalMemtableBytes} bytes) and ${this.waiters.length} writes already waiting`);
    }
    this.maybeCleanupMemtables();
    return new Promise<T>((resolve, reject) => {
      const start = (): void => resolve(run());
      const waiter: WriteWaiter = { start, reject, enqueuedMs: this.clock.monotonicMs(), timer: null };
      waiter.timer = this.timers.setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        reject(overloaded(`waited ${this.writeWaitMaxMs} ms for memtable space; flushes are behind`));
      }, this.writeWaitMaxMs);
      this.waiters.push(waiter);
    });
  }

  /** Applies waiting writes in order while memtable space is below the slowdown limit. */
  private drainWaiters(): void {
    const soft = this.config.memtableSpaceMaxBytes * WRITE_SLOWDOWN_FRACTION;
    while (this.waiters.length > 0 && this.totalMemtableBytes < soft) {
      const w = this.waiters.shift()!;
      w.timer?.cancel();
      if (this.closing !== null || this.failure !== null) {
        w.reject(new StorageUnavailableError(this.closing !== null ? StorageErrorCode.Closed : StorageErrorCode.Failed, 'storage engine closed or failed while the write waited'));
        continue;
      }
      try {
        w.start();
      } catch (error) {
        w.reject(error as Error);
      }
    }
  }

  /** Replaces counter deltas with totals: current merged value + delta (read before write). */
  private resolveCounters(mutation: Mutation, stores: readonly TableStore[]): Mutation {
    let changed = false;
    const updates = mutation.updates.map((update, i) => {
      const store = stores[i]!;
      if (!store.layout.isCounterTable) return update;
      const resolved = this.resolveCounterUpdate(store, update);
      if (resolved !== update) changed = true;
      return resolved;
    });
    return changed ? { keyspace: mutation.keyspace, key: mutation.key, token: mutation.token, updates } : mutation;
  }

  private resolveCounterUpdate(store: TableStore, update: PartitionUpdate): PartitionUpdate {
    const hasDelta = (row: Row | null): boolean => row !== null && row.cells.some((c) => c.counterDelta === true);
    if (!hasDelta(update.staticRow) && !update.rows.some(hasDelta)) return update;
    const nowSeconds = Math.floor(this.clock.nowMs() / 1000);
    const resolveRow = (row: Row, isStatic: boolean): Row => {
      if (!hasDelta(row)) return row;
      const current = this.currentRow(store, update, row.clustering, isStatic, nowSeconds);
      const cells: Cell[] = [];
      for (const cell of row.cells) {
        if (cell.counterDelta !== true) {
          cells.push(cell);
          continue;
        }
        if (cell.value.length !== COUNTER_VALUE_BYTES) throw invalidRequest(`counter delta of ${cell.value.length} bytes`);
        const existing = current === null ? undefined : current.cells.find((c) => c.column === cell.column && pathsEqual(c.path, cell.path));
        // A counter tombstone wins over any later increment (cassandra-internals 4.7 rule 4).
        if (existing !== undefined && existing.tombstone) continue;
        const base = existing === undefined || existing.value.length !== COUNTER_VALUE_BYTES ? 0n : existing.value.readBigInt64BE(0);
        const total = Buffer.allocUnsafe(COUNTER_VALUE_BYTES);
        total.writeBigInt64BE(BigInt.asIntN(64, base + cell.value.readBigInt64BE(0)));
        const timestampMicros = existing === undefined ? cell.timestampMicros : Math.max(cell.timestampMicros, existing.timestampMicros + 1);
        cells.push({ column: cell.column, path: cell.path, value: total, timestampMicros, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false });
      }
      return { clustering: row.clustering, liveness: row.liveness, deletion: row.deletion, cells, complexDeletions: row.complexDeletions };
    };
    return {
      tableId: update.tableId,
      key: update.key,
      token: update.token,
      partitionDeletion: update.partitionDeletion,
      staticRow: update.staticRow === null ? null : resolveRow(update.staticRow, true),
      rows: update.rows.map((r) => resolveRow(r, false)),
      rangeTombstones: update.rangeTombstones,
    };
  }

  /** The merged current version of one row (deletions applied, tombstone cells kept). */
  private currentRow(store: TableStore, key: { key: Buffer; token: bigint }, clustering: readonly Buffer[], isStatic: boolean, nowSeconds: number): Row | null {
    for (let attempt = 0; ; attempt++) {
      try {
        const view = store.readView();
        const sources: PartitionSource[] = [];
        singlePartitionSources(view, key, sources);
        if (sources.length === 0) return null;
        const merged = mergePartition(key.key, key.token, sources, {
          layout: view.layout,
          nowSeconds,
          reversed: false,
          slices: isStatic ? [] : [sliceOfClustering(clustering)],
          columns: null,
          includeStaticRow: isStatic,
          resumeAfter: null,
          liveRowLimit: Infinity,
          tombstoneBudget: Infinity,
        });
        if (merged.partition === null) return null;
        return isStatic ? merged.partition.staticRow : (merged.partition.rows[0] ?? null);
      } catch (error) {
        if (error instanceof StorageCorruptionError && attempt < READ_CORRUPTION_RETRIES_MAX && this.quarantine(store, error)) continue;
        throw error;
      }
    }
  }

  private maybeCleanupMemtables(): void {
    const live = this.totalMemtableBytes - this.flushingMemtableBytes;
    if (live <= this.config.memtableSpaceMaxBytes * MEMTABLE_CLEANUP_FRACTION) return;
    let largest: TableStore | null = null;
    for (const s of this.tables.values()) {
      if (s.pendingFlush === null && (largest === null || s.memtable.sizeBytes > largest.memtable.sizeBytes)) largest = s;
    }
    if (largest !== null && !largest.memtable.isEmpty) this.flushInBackground(largest, 'memtable cleanup threshold');
  }

  // -------------------------------------------------------------------------------------------
  // Flush, truncate, drop

  private flushInBackground(store: TableStore, reason: string): void {
    if (store.pendingFlush !== null || this.closing !== null || this.failure !== null) return;
    if (this.logger.isDebugEnabled()) this.logger.debug({ tableId: store.tableId, reason, memtableBytes: store.memtable.sizeBytes }, 'flush requested');
    this.scheduleFlush(store).catch((error: unknown) => {
      this.logger.error({ tableId: store.tableId, err: (error as Error).message }, 'background flush failed');
    });
  }

  /** Queues a flush of the table's memtable (joining one queued and not started yet). */
  private scheduleFlush(store: TableStore): Promise<void> {
    if (store.pendingFlush !== null) return store.pendingFlush;
    const run = this.enqueue(store, async () => {
      if (store.pendingFlush === run) store.pendingFlush = null;
      await this.flushMemtable(store, null);
    });
    store.pendingFlush = run;
    return run;
  }

  /** Runs `task` after everything queued on the table; the chain survives a failed task. */
  private enqueue(store: TableStore, task: () => void | Promise<void>): Promise<void> {
    const run = store.chain.then(task);
    store.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Switches the memtable and writes it as an SSTable covering the commit log up to `position`
   * (the current position when null; the replay position during replay).
   */
  private async flushMemtable(store: TableStore, position: CommitLogPosition | null): Promise<void> {
    if (store.memtable.isEmpty || this.closing !== null || this.failure !== null) return;
    const flushPosition = position ?? this.memtableUpperBound();
    const memtable = store.memtable;
    // Sized for as many partitions as the one it replaces: the next one likely fills alike.
    store.memtable = new Memtable(store, memtable.partitionCount);
    store.memtableSinceMs = this.clock.monotonicMs();
    store.flushing.push(memtable);
    this.flushingMemtableBytes += memtable.sizeBytes;
    store.invalidateView();
    const generation = store.nextGeneration++;
    const createdAtSeconds = Math.floor(this.clock.nowMs() / 1000);
    let sink: WorkerFlushSink | null = null;
    let reader;
    try {
      if (this.flushWorkers !== null) {
        const tableOptions = store.layout.metadata.options;
        sink = this.flushWorkers.open({
          directory: store.directory, generation, tableId: store.layout.tableId, compressionOptions: tableOptions.compression,
          partitionCountEstimate: memtable.partitionCount, bloomFilterFpChance: tableOptions.bloomFilterFpChance,
          maxIndexInterval: tableOptions.maxIndexInterval, commitLogPosition: flushPosition, level: 0, createdAtSeconds,
        }, store.compression);
      }
      const workerSink = sink;
      reader = await writeSSTable({
        disk: this.disk,
        directory: store.directory,
        generation,
        layout: store.layout,
        compression: store.compression,
        partitions: memtable.flushSource(),
        columns: memtable.encodedRows.columns,
        partitionCountEstimate: memtable.partitionCount,
        commitLogPosition: flushPosition,
        timestampRange: { minMicros: memtable.minTimestampMicros, maxMicros: memtable.maxTimestampMicros },
        level: 0,
        createdAtSeconds,
        chunkCache: this.chunkCache,
        keyCache: this.keyCache,
        yieldToEventLoop: workerSink === null ? () => this.nextTurn() : () => workerSink.ready().then(() => this.nextTurn()),
        ...(workerSink === null ? {} : { sink: workerSink }),
      });
    } catch (error) {
      // The memtable stays readable in `flushing`; its commit-log segments stay dirty. A worker
      // sink is aborted (the writer did); once the worker is done with it, no temp file is left.
      this.failWrites(error as Error);
      if (sink !== null) {
        sink.abort();
        await sink.settled;
        removeTempComponents(this.disk, store.directory, generation);
      }
      throw error;
    }
    if (!this.tables.has(store.tableId)) {
      reader?.delete();
      return;
    }
    const i = store.flushing.indexOf(memtable);
    assert(i === 0, 'flushes of a table complete in order');
    store.flushing.splice(i, 1);
    if (reader !== null) store.setSSTables([...store.sstables, reader], this.logger);
    store.invalidateView();
    this.totalMemtableBytes -= memtable.sizeBytes;
    this.flushingMemtableBytes -= memtable.sizeBytes;
    store.replayFrom = maxPosition(store.replayFrom, flushPosition);
    this.commitLog.markClean(store.tableId, flushPosition);
    this.drainWaiters();
    this.compactions.schedule();
  }

  private nextTurn(): Promise<void> {
    return new Promise((resolve) => {
      this.timers.setImmediate(resolve);
    });
  }

  /** Drops every memtable and SSTable of the table, durably: replay will not bring it back. */
  private discardTableData(store: TableStore): void {
    assert(store.flushing.length === 0, 'no flush in progress during truncate');
    const position = this.commitLog.currentPosition();
    this.truncations.set(store.tableId, position);
    this.persistState();
    this.totalMemtableBytes -= store.memtable.sizeBytes;
    store.memtable = new Memtable(store);
    store.memtableSinceMs = this.clock.monotonicMs();
    this.retireCounters(store, store.sstables);
    for (const s of store.sstables) s.delete();
    store.setSSTables([], this.logger);
    this.disk.syncDirectory(store.directory);
    this.rowCache.invalidateTable(store.tableId);
    store.replayFrom = maxPosition(store.replayFrom, position);
    this.commitLog.markClean(store.tableId, position);
    this.drainWaiters();
  }

  private failWrites(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.logger.error({ err: error.message }, 'storage failure; refusing writes');
    this.drainWaiters();
    this.rejectWaitingCounterWrites(new StorageUnavailableError(StorageErrorCode.Failed, `storage failed: ${error.message}`));
  }

  // -------------------------------------------------------------------------------------------
  // Compaction host

  private retireCounters(store: TableStore, readers: readonly SSTableReader[]): void {
    const m = store.metrics;
    for (const r of readers) {
      m.filterPositivesRetired += r.counters.filterPositives;
      m.filterFalsePositivesRetired += r.counters.filterFalsePositives;
    }
  }

  /** Quarantines the SSTable a corruption error names; false when none of the table's does. */
  private quarantine(store: TableStore, error: StorageCorruptionError): boolean {
    const reader = store.sstables.find((r) => r.owns(error.path));
    if (reader === undefined) return false;
    store.setSSTables(store.sstables.filter((r) => r !== reader), this.logger);
    this.retireCounters(store, [reader]);
    reader.close();
    let moved: string[] = [];
    try {
      moved = quarantineSSTable(this.disk, store.directory, reader.generation);
    } catch (moveError) {
      this.logger.error({ table: store.tableId, generation: reader.generation, err: (moveError as Error).message }, 'could not move a corrupt SSTable to quarantine; it stays closed until restart');
    }
    this.logger.error({
      table: `${store.layout.metadata.keyspace}.${store.layout.metadata.name}`, generation: reader.generation, file: error.path, offsetBytes: error.offsetBytes,
      reason: error.message, quarantined: moved,
    }, 'corrupt SSTable quarantined; reads continue from the other SSTables (run nodetool scrub to salvage it, repair to restore its data)');
    return true;
  }

  private raiseReplayFloor(store: TableStore, position: CommitLogPosition): void {
    const current = this.replayFloors.get(store.tableId);
    if (current !== undefined && comparePositions(current, position) >= 0) return;
    this.replayFloors.set(store.tableId, current === undefined ? position : maxPosition(current, position));
    this.persistState();
  }

  // -------------------------------------------------------------------------------------------
  // Open, replay, state

  private installSchema(schema: SchemaSnapshot): void {
    for (const keyspace of schema.keyspaces.values()) {
      for (const table of [...keyspace.tables.values(), ...keyspace.views.values()]) this.installTable(table);
    }
  }

  private installTable(table: TableMetadata): void {
    if (this.droppedTableIds.has(table.id)) return;
    const layout: TableLayout = tableLayoutOf(table);
    const existing = this.tables.get(table.id);
    if (existing !== undefined) {
      if (existing.setLayout(layout, this.logger)) {
        this.logger.info({ table: `${table.keyspace}.${table.name}`, strategy: existing.compaction.kind }, 'compaction strategy changed');
      }
      return;
    }
    const store = new TableStore(layout, `${this.config.dataDirectory}/${table.id}`, this.logger);
    store.memtableSinceMs = this.clock.monotonicMs();
    store.load({
      disk: this.disk, logger: this.logger, chunkCache: this.chunkCache, keyCache: this.keyCache,
      truncatedAt: this.truncations.get(table.id) ?? null, replayFloor: this.replayFloors.get(table.id) ?? null,
    });
    this.tables.set(table.id, store);
  }

  private async replay(sawSegment: (id: number) => void): Promise<void> {
    let applied = 0;
    let skipped = 0;
    const unknownTables = new Set<string>();
    for (const segment of listSegments(this.disk, this.config.commitLogDirectory)) {
      sawSegment(segment.id);
      const { sizeBytes, entries } = readSegment(this.disk, segment, this.logger);
      this.commitLog.adoptReplayedSegment({ id: segment.id, path: segment.path, sizeBytes });
      for (const entry of entries) {
        const position: CommitLogPosition = { segmentId: segment.id, offsetBytes: entry.offsetBytes };
        const after: CommitLogPosition = { segmentId: segment.id, offsetBytes: entry.nextOffsetBytes };
        for (const update of entry.mutation.updates) {
          const store = this.tables.get(update.tableId);
          if (store === undefined) {
            unknownTables.add(update.tableId);
            skipped++;
            continue;
          }
          if (comparePositions(position, store.replayFrom) < 0) {
            skipped++;
            continue;
          }
          this.totalMemtableBytes += store.memtable.apply(update);
          this.commitLog.markReplayedDirty(segment.id, update.tableId, entry.offsetBytes);
          applied++;
          if (store.memtable.sizeBytes >= this.config.memtableFlushThresholdBytes) {
            await this.enqueue(store, () => this.flushMemtable(store, after));
          }
        }
      }
    }
    if (applied > 0 || skipped > 0) {
      this.logger.info({ applied, skipped, unknownTables: [...unknownTables] }, 'commit log replayed');
    }
  }

  private pruneTruncations(): void {
    const oldest = this.commitLog.segmentIds()[0];
    for (const [tableId, position] of this.truncations) {
      // Once no segment at or before the truncation is left, replay cannot reach older entries.
      if (oldest === undefined || oldest > position.segmentId) this.truncations.delete(tableId);
    }
    for (const [tableId, position] of this.replayFloors) {
      if (oldest === undefined || oldest > position.segmentId) this.replayFloors.delete(tableId);
    }
  }

  private persistState(): void {
    writeStorageState(this.disk, this.config.dataDirectory, { segmentIdFloor: this.segmentIdFloor, truncations: this.truncations, replayFloors: this.replayFloors });
  }

  private async closeOnce(): Promise<void> {
    this.flushPeriodTimer?.cancel();
    this.drainWaiters();
    this.rejectWaitingCounterWrites(new StorageUnavailableError(StorageErrorCode.Closed, 'storage engine closed while a counter write waited for its partition'));
    await this.compactions.close();
    // Let flushes in progress finish (new ones do not start once closing).
    await Promise.all([...this.tables.values()].map((s) => s.chain));
    this.flushWorkers?.close();
    await this.commitLog.whenSyncIdle();
    this.commitLog.close();
    for (const store of this.tables.values()) {
      for (const s of store.sstables) s.close();
    }
  }
}

/** The table's caching.rows_per_partition as a row count: 0 (NONE), N, or Infinity (ALL). */
function rowsPerPartitionOf(layout: TableLayout): number {
  const raw = (layout.metadata.options.caching['rows_per_partition'] ?? 'NONE').toUpperCase();
  if (raw === 'NONE') return 0;
  if (raw === 'ALL') return Infinity;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function writesCounterTable(stores: readonly TableStore[]): boolean {
  for (let i = 0; i < stores.length; i++) if (stores[i]!.layout.isCounterTable) return true;
  return false;
}

function hasCounterDeltas(mutation: Mutation): boolean {
  for (const u of mutation.updates) {
    if (u.staticRow !== null && u.staticRow.cells.some((c) => c.counterDelta === true)) return true;
    for (const r of u.rows) if (r.cells.some((c) => c.counterDelta === true)) return true;
  }
  return false;
}

/** Identifies a mutation's partition across tables: keyspace and key bytes (latin1 maps bytes 1:1). */
function counterPartitionKey(mutation: Mutation): string {
  return `${mutation.keyspace}\n${mutation.key.toString('latin1')}`;
}

function ignoreResult(): void {}

function pathsEqual(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}
