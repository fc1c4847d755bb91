// The storage engine of one shard: a commit log shared by its tables and an LSM (memtable,
// flushing memtables, SSTables) per table. Writes are validated, counter deltas resolved to totals,
// appended to the commit log, then applied to memtables, all synchronously; the returned promise
// settles per the sync mode. Reads are synchronous merges. Opening replays the commit log from
// each table's flushed position. Memory is bounded: writes beyond memtable space get Overloaded.
import { assert, invalidRequest, overloaded } from '../../lib/index.ts';
import type { Clock, Disk, Logger, TimerHandle, Timers } from '../../io/index.ts';
import type { SchemaSnapshot, TableMetadata } from '../../schema/index.ts';
import { CommitLog } from '../commit-log/commit-log.ts';
import type { CommitLogStats } from '../commit-log/commit-log.ts';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import { comparePositions, maxPosition } from '../commit-log/commit-log-position.ts';
import { listSegments, readSegment } from '../commit-log/commit-log-replay.ts';
import { sliceOfClustering } from '../clustering-position.ts';
import type { StorageConfig, StorageEngine, TableStats } from '../engine.ts';
import { StorageErrorCode, StorageUnavailableError } from '../errors.ts';
import { NO_DELETION_TIME } from '../model.ts';
import type { Cell, Mutation, PartitionUpdate, ReadCommand, ReadResult, Row } from '../model.ts';
import { mergePartition } from '../read/partition-merger.ts';
import { executeRead } from '../read/read-executor.ts';
import { Memtable, assertWellFormedUpdate } from '../memtable/memtable.ts';
import { MemtablePartitionSource } from '../memtable/memtable-source.ts';
import type { PartitionSource } from '../read/partition-source.ts';
import { CHUNK_CACHE_BYTES_DEFAULT, ChunkCache } from '../sstable/chunk-cache.ts';
import { PARTITION_KEY_LENGTH_MAX } from '../sstable/sstable-format.ts';
import { writeSSTable } from '../sstable/sstable-writer.ts';
import { tableLayoutOf } from '../table-layout.ts';
import type { TableLayout } from '../table-layout.ts';
import { readStorageState, writeStorageState } from './storage-state-file.ts';
import { TableStore } from './table-store.ts';

/**
 * Live (non-flushing) memtable bytes beyond this fraction of memtableSpaceMaxBytes flush the
 * largest memtable (Cassandra's memtable_cleanup_threshold, 1 / (flush writers + 1)).
 */
export const MEMTABLE_CLEANUP_FRACTION = 1 / 3;
/** How often tables with memtable_flush_period_in_ms are checked. */
export const MEMTABLE_FLUSH_PERIOD_CHECK_MS = 1000;
/** Byte length of a counter total. */
export const COUNTER_VALUE_BYTES = 8;

export interface StorageEngineOptions {
  readonly disk: Disk;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly config: StorageConfig;
  readonly schema: SchemaSnapshot;
  /** Bound of the shard's cache of verified SSTable chunks (default CHUNK_CACHE_BYTES_DEFAULT). */
  readonly chunkCacheBytes?: number;
}

/** The engine plus observability the contract does not need. */
export interface StorageEngineWithStats extends StorageEngine {
  commitLogStats(): CommitLogStats;
  /** Bytes in all memtables (live and flushing) of this shard. */
  memtableBytes(): number;
}

export async function openStorageEngine(options: StorageEngineOptions): Promise<StorageEngineWithStats> {
  const engine = new LsmStorageEngine(options);
  await engine.open();
  return engine;
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
  private truncations = new Map<string, CommitLogPosition>();
  private segmentIdFloor = 0;
  /** Bytes of every memtable, live and flushing. */
  private totalMemtableBytes = 0;
  /** Bytes of memtables being flushed (part of totalMemtableBytes). */
  private flushingMemtableBytes = 0;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private flushPeriodTimer: TimerHandle | null = null;

  constructor(options: StorageEngineOptions) {
    this.disk = options.disk;
    this.clock = options.clock;
    this.timers = options.timers;
    this.logger = options.logger;
    this.config = options.config;
    this.schema = options.schema;
    this.chunkCache = new ChunkCache(options.chunkCacheBytes ?? CHUNK_CACHE_BYTES_DEFAULT);
    const c = options.config;
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
  }

  async open(): Promise<void> {
    const { disk, config } = this;
    disk.mkdirp(config.dataDirectory);
    disk.mkdirp(config.commitLogDirectory);
    const state = readStorageState(disk, config.dataDirectory);
    this.truncations = new Map(state.truncations);
    this.segmentIdFloor = state.segmentIdFloor;
    this.installSchema(this.schema);

    let maxSegmentId = state.segmentIdFloor;
    for (const p of this.truncations.values()) maxSegmentId = Math.max(maxSegmentId, p.segmentId);
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
  }

  apply(mutation: Mutation): Promise<void> {
    try {
      return this.applySync(mutation);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  read(command: ReadCommand): ReadResult {
    if (this.closing !== null) throw new StorageUnavailableError(StorageErrorCode.Closed, 'storage engine closed');
    const store = this.tables.get(command.tableId);
    if (store === undefined) throw invalidRequest(`unknown table ${command.tableId}`);
    return executeRead(store.readView(), command);
  }

  flush(tableIds?: readonly string[]): Promise<void> {
    const stores = tableIds === undefined ? [...this.tables.values()] : tableIds.map((id) => this.tables.get(id)).filter((s) => s !== undefined);
    return Promise.all(stores.map((s) => this.scheduleFlush(s))).then(() => undefined);
  }

  truncate(tableId: string): Promise<void> {
    const store = this.tables.get(tableId);
    if (store === undefined) return Promise.resolve();
    return this.enqueue(store, () => {
      this.discardTableData(store);
    });
  }

  dropTable(tableId: string): Promise<void> {
    const store = this.tables.get(tableId);
    this.droppedTableIds.add(tableId);
    if (store === undefined) return Promise.resolve();
    return this.enqueue(store, () => {
      this.discardTableData(store);
      this.tables.delete(tableId);
      this.disk.removeTree(store.directory);
    });
  }

  tableStats(tableId: string): TableStats | null {
    const store = this.tables.get(tableId);
    if (store === undefined) return null;
    return {
      tableId,
      memtableBytes: store.memtableBytes(),
      memtablePartitions: store.memtable.partitionCount,
      sstableCount: store.sstables.length,
      sstableBytes: store.sstableBytes(),
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

  // -------------------------------------------------------------------------------------------
  // Write path

  private applySync(mutation: Mutation): Promise<void> {
    if (this.closing !== null) throw new StorageUnavailableError(StorageErrorCode.Closed, 'storage engine closed');
    if (this.failure !== null) throw new StorageUnavailableError(StorageErrorCode.Failed, `storage failed: ${this.failure.message}`);
    if (mutation.key.length > PARTITION_KEY_LENGTH_MAX) {
      throw invalidRequest(`Key length of ${mutation.key.length} is longer than maximum of ${PARTITION_KEY_LENGTH_MAX}`);
    }
    if (mutation.updates.length === 0) return Promise.resolve();
    const stores: TableStore[] = [];
    for (const update of mutation.updates) {
      const store = this.tables.get(update.tableId);
      if (store === undefined) throw invalidRequest(`unknown table ${update.tableId}`);
      if (store.layout.metadata.keyspace !== mutation.keyspace) throw invalidRequest(`table ${update.tableId} is not in keyspace ${mutation.keyspace}`);
      assert(update.token === mutation.token && update.key.equals(mutation.key), 'updates of a mutation share its partition key');
      assertWellFormedUpdate(store.layout, update);
      stores.push(store);
    }
    if (this.totalMemtableBytes >= this.config.memtableSpaceMaxBytes) {
      throw overloaded(`memtable space exhausted (${this.totalMemtableBytes} of ${this.config.memtableSpaceMaxBytes} bytes); flushes are behind`);
    }
    let hasCounters = false;
    for (const store of stores) if (store.layout.isCounterTable) hasCounters = true;
    const resolved = hasCounters ? this.resolveCounters(mutation, stores) : mutation;
    const { durable } = this.commitLog.append(resolved);
    for (let i = 0; i < resolved.updates.length; i++) {
      const store = stores[i]!;
      this.totalMemtableBytes += store.memtable.apply(resolved.updates[i]!);
      if (store.memtable.sizeBytes >= this.config.memtableFlushThresholdBytes) this.flushInBackground(store, 'memtable flush threshold');
    }
    this.maybeCleanupMemtables();
    return durable;
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
    const view = store.readView();
    const sources: PartitionSource[] = [];
    for (const m of view.memtables) {
      const p = m.get(key);
      if (p !== undefined) sources.push(new MemtablePartitionSource(view.layout, p));
    }
    for (const s of view.sstables) {
      const entry = s.find(key.token, key.key);
      if (entry !== null) sources.push(s.readPartition(view.layout, entry));
    }
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
    });
    if (merged.partition === null) return null;
    return isStatic ? merged.partition.staticRow : (merged.partition.rows[0] ?? null);
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
    const flushPosition = position ?? this.commitLog.currentPosition();
    const memtable = store.memtable;
    store.memtable = new Memtable(store);
    store.memtableSinceMs = this.clock.monotonicMs();
    store.flushing.push(memtable);
    this.flushingMemtableBytes += memtable.sizeBytes;
    store.invalidateView();
    const generation = store.nextGeneration++;
    let reader;
    try {
      reader = await writeSSTable({
        disk: this.disk,
        directory: store.directory,
        generation,
        layout: store.layout,
        partitions: memtable.contents(),
        partitionCountEstimate: memtable.partitionCount,
        commitLogPosition: flushPosition,
        chunkCache: this.chunkCache,
        yieldToEventLoop: () => new Promise((resolve) => {
          this.timers.setImmediate(resolve);
        }),
      });
    } catch (error) {
      // The memtable stays readable in `flushing`; its commit-log segments stay dirty.
      this.failWrites(error as Error);
      throw error;
    }
    if (!this.tables.has(store.tableId)) {
      reader?.delete();
      return;
    }
    const i = store.flushing.indexOf(memtable);
    assert(i === 0, 'flushes of a table complete in order');
    store.flushing.splice(i, 1);
    if (reader !== null) store.sstables = [...store.sstables, reader];
    store.invalidateView();
    this.totalMemtableBytes -= memtable.sizeBytes;
    this.flushingMemtableBytes -= memtable.sizeBytes;
    store.replayFrom = maxPosition(store.replayFrom, flushPosition);
    this.commitLog.markClean(store.tableId, flushPosition);
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
    for (const s of store.sstables) s.delete();
    store.sstables = [];
    this.disk.syncDirectory(store.directory);
    store.invalidateView();
    store.replayFrom = maxPosition(store.replayFrom, position);
    this.commitLog.markClean(store.tableId, position);
  }

  private failWrites(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.logger.error({ err: error.message }, 'storage failure; refusing writes');
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
      existing.layout = layout;
      existing.invalidateView();
      return;
    }
    const store = new TableStore(layout, `${this.config.dataDirectory}/${table.id}`);
    store.memtableSinceMs = this.clock.monotonicMs();
    store.load(this.disk, this.logger, this.chunkCache, this.truncations.get(table.id) ?? null);
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
  }

  private persistState(): void {
    writeStorageState(this.disk, this.config.dataDirectory, { segmentIdFloor: this.segmentIdFloor, truncations: this.truncations });
  }

  private async closeOnce(): Promise<void> {
    this.flushPeriodTimer?.cancel();
    // Let flushes in progress finish (new ones do not start once closing).
    await Promise.all([...this.tables.values()].map((s) => s.chain));
    await this.commitLog.whenSyncIdle();
    this.commitLog.close();
    for (const store of this.tables.values()) {
      for (const s of store.sstables) s.close();
    }
  }
}

function pathsEqual(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}
