// Runs a shard's compactions: asks the planner for tasks after every flush, compaction and schema
// change (and every COMPACTION_CHECK_INTERVAL_MS for time-driven work), runs at most
// `concurrentCompactors` at a time, each in bounded slices on the event loop (COMPACTION_SLICE_MS
// of work, then a turn for requests) or, when the host has worker threads, in a worker
// (compaction-worker.ts; garbagecollect and expired drops stay here), paced by the shared
// throughput throttle either way. A task commits on this thread through a compaction record
// (compaction-transaction.ts) so kill -9 at any point loses nothing. Major compaction,
// garbagecollect and scrub hold the table's background compactions while they run.
import { assert } from '../../lib/index.ts';
import type { Clock, Disk, Logger, TimerHandle, Timers, WorkerSpawner } from '../../io/index.ts';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import { COMMIT_LOG_POSITION_NONE, maxPosition } from '../commit-log/commit-log-position.ts';
import type { TableStore } from '../engine/table-store.ts';
import { StorageCorruptionError } from '../errors.ts';
import { MemtablePartitionSource } from '../memtable/memtable-source.ts';
import type { PartitionSource } from '../read/partition-source.ts';
import type { ChunkCache } from '../sstable/chunk-cache.ts';
import { droppableBefore } from '../sstable/sstable-histograms.ts';
import { PARTITION_INDEX_SCAN_STEP_ENTRIES } from '../sstable/sstable-reader.ts';
import type { SSTableKeyCache, SSTableReader, SSTableScanner } from '../sstable/sstable-reader.ts';
import { ALL_COMPONENTS, tempFileName } from '../sstable/sstable-format.ts';
import type { PreparedSSTable } from '../sstable/sstable-writer.ts';
import { CompactionMerger } from './compaction-merger.ts';
import { CompactionOutput } from './compaction-output.ts';
import { copyColumnsOf } from './partition-copy.ts';
import { majorCompaction, planCompactions } from './compaction-planner.ts';
import type { CompactionTask, PlannerInput, SSTableInfo } from './compaction-task.ts';
import { CompactionWorkerPool } from './compaction-worker-pool.ts';
import type { WorkerJobResult } from './compaction-worker-pool.ts';
import { fromWirePrepared } from './compaction-worker-protocol.ts';
import type { PurgeSnapshot, WireFilter, WorkerTask } from './compaction-worker-protocol.ts';
import { indexPreparedOutputs } from './output-partition-index.ts';
import { InputsGone, replaceSSTablesStepwise } from './sstable-replacement.ts';
import { ThroughputThrottle } from './throughput-throttle.ts';

/** Work done between two yields to the event loop. */
export const COMPACTION_SLICE_MS = 2;
/** Rows merged between two clock checks inside a slice. */
export const COMPACTION_SLICE_ROWS = 32;
/** Time-driven planning (TWCS expiry, tombstone compactions, pending estimates). */
export const COMPACTION_CHECK_INTERVAL_MS = 60_000;
/**
 * After a background compaction of a table fails, its next one waits this long, doubling with
 * each further failure up to COMPACTION_RETRY_MAX_MS (a full disk or a worker that cannot start
 * must not turn into a loop of failing tasks); a success resets it.
 */
export const COMPACTION_RETRY_BASE_MS = 1000;
export const COMPACTION_RETRY_MAX_MS = 60_000;
/** Default concurrent_compactors: min(disks, cores) clamped to [2, 8]; one disk here. */
export const CONCURRENT_COMPACTORS_DEFAULT = 2;
export const CONCURRENT_COMPACTORS_MAX = 64;
/** Default compaction_throughput (Cassandra 5.0 yaml: 64 MiB/s). */
export const COMPACTION_THROUGHPUT_BYTES_PER_SECOND_DEFAULT = 64 * 1024 * 1024;
/** Bloom filters of outputs are sized with this margin over the estimated partitions. */
const PARTITION_ESTIMATE_MARGIN = 1.2;
/** Bloom filter bytes of other SSTables copied into one worker task's purge snapshot; beyond, ranges only. */
export const PURGE_SNAPSHOT_FILTER_BYTES_MAX = 64 * 1024 * 1024;

export interface CompactionSettings {
  readonly concurrentCompactors: number;
  /** 0: unthrottled. */
  readonly throughputBytesPerSecond: number;
}

/** What the manager needs from the engine. */
export interface CompactionHost {
  readonly disk: Disk;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly chunkCache: ChunkCache | null;
  readonly keyCache: SSTableKeyCache | null;
  tables(): Iterable<TableStore>;
  /** After SSTables of a table were replaced (their read counters move to the table's totals). */
  sstablesReplaced(store: TableStore, removed: readonly SSTableReader[]): void;
  /** Quarantines the SSTable a corruption error names; false when it is not one of the table's. */
  quarantine(store: TableStore, error: StorageCorruptionError): boolean;
  /** Records durably that replay must not go back before `position` (SSTables dropped whole). */
  raiseReplayFloor(store: TableStore, position: CommitLogPosition): void;
  /** Worker threads on the real disk: compactions run in them (absent: in-process slices). */
  readonly workers?: WorkerSpawner | null;
}

export type CompactionKind = 'COMPACTION' | 'CLEANUP' | 'VALIDATION' | 'ANTICOMPACTION' | 'FLUSH' | 'UPGRADE';

export interface ActiveCompaction {
  readonly id: string;
  readonly tableId: string;
  readonly kind: CompactionKind;
  readonly reason: string;
  readonly completedBytes: number;
  readonly totalBytes: number;
}

export interface CompactionStats {
  readonly pendingTasks: number;
  readonly completedTasks: number;
  readonly failedTasks: number;
  readonly bytesCompacted: number;
  readonly throughputBytesPerSecond: number;
  readonly concurrentCompactors: number;
  readonly active: readonly ActiveCompaction[];
}

export interface CompactionOutcome {
  readonly inputs: number;
  readonly outputs: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly partitionsIn: number;
  readonly partitionsOut: number;
}

/** A ring range (left, right]; wraps when left >= right; left === right is the whole ring. */
export interface OwnedRange {
  readonly left: bigint;
  readonly right: bigint;
}

export function rangeContains(range: OwnedRange, token: bigint): boolean {
  if (range.left < range.right) return token > range.left && token <= range.right;
  return token > range.left || token <= range.right;
}

interface Run {
  readonly id: string;
  readonly store: TableStore;
  readonly task: CompactionTask;
  readonly kind: CompactionKind;
  readonly totalBytes: number;
  completedBytes: number;
  cancelled: boolean;
  done: Promise<CompactionOutcome | null>;
}

class CompactionCancelled extends Error {
  override readonly name = 'CompactionCancelled';
}

export class CompactionManager {
  private readonly host: CompactionHost;
  private readonly throttle: ThroughputThrottle;
  private concurrent: number;
  private readonly running = new Set<Run>();
  private readonly pending = new Map<string, number>();
  /** Tables whose background compactions failed lately: failures in a row and when to try again. */
  private readonly retry = new Map<string, { failures: number; atMs: number }>();
  private completed = 0;
  private failed = 0;
  private bytesCompacted = 0;
  private nextRunId = 1;
  private scheduled: TimerHandle | null = null;
  private readonly checkTimer: TimerHandle;
  private closed = false;
  private readonly pool: CompactionWorkerPool | null;

  constructor(host: CompactionHost, settings: CompactionSettings) {
    this.host = host;
    assert(settings.concurrentCompactors >= 1 && settings.concurrentCompactors <= CONCURRENT_COMPACTORS_MAX, 'concurrent_compactors in range');
    this.concurrent = settings.concurrentCompactors;
    const workers = host.workers ?? null;
    this.pool = workers === null ? null : new CompactionWorkerPool({ spawner: workers, logger: host.logger, size: settings.concurrentCompactors });
    this.throttle = new ThroughputThrottle({ clock: host.clock, timers: host.timers, bytesPerSecond: settings.throughputBytesPerSecond });
    this.checkTimer = host.timers.setInterval(() => this.schedule(), COMPACTION_CHECK_INTERVAL_MS);
  }

  setThroughput(bytesPerSecond: number): void {
    this.throttle.setRate(bytesPerSecond);
  }

  setConcurrentCompactors(n: number): void {
    assert(n >= 1 && n <= CONCURRENT_COMPACTORS_MAX, 'concurrent_compactors in range');
    this.concurrent = n;
    this.pool?.setSize(n);
    this.schedule();
  }

  stats(): CompactionStats {
    let pendingTasks = 0;
    for (const n of this.pending.values()) pendingTasks += n;
    return {
      pendingTasks,
      completedTasks: this.completed,
      failedTasks: this.failed,
      bytesCompacted: this.bytesCompacted,
      throughputBytesPerSecond: this.throttle.rateBytesPerSecond,
      concurrentCompactors: this.concurrent,
      active: [...this.running].map((r) => ({
        id: r.id, tableId: r.store.tableId, kind: r.kind, reason: r.task.reason, completedBytes: Math.min(r.completedBytes, r.totalBytes), totalBytes: r.totalBytes,
      })),
    };
  }

  /** Plans and starts background compactions on the next turn (coalescing repeated calls). */
  schedule(): void {
    if (this.closed || this.scheduled !== null) return;
    this.scheduled = this.host.timers.setImmediate(() => {
      this.scheduled = null;
      this.planAndStart();
    });
  }

  /** The planner's view of a table's SSTables now. */
  sstableInfos(store: TableStore): { infos: SSTableInfo[]; input: Omit<PlannerInput, 'tasksMax'> } {
    const nowSeconds = Math.floor(this.host.clock.nowMs() / 1000);
    const gcBeforeSeconds = nowSeconds - store.layout.metadata.options.gcGraceSeconds;
    const infos = store.sstables.map((r) => infoOf(r, store, gcBeforeSeconds));
    return { infos, input: { sstables: infos, nowSeconds, gcBeforeSeconds, memtableMinTimestampMicros: store.memtableMinTimestampMicros() } };
  }

  private planAndStart(): void {
    if (this.closed) return;
    const nowMs = this.host.clock.monotonicMs();
    for (const store of this.host.tables()) {
      const free = this.concurrent - this.running.size;
      if (store.compactionHolds > 0) continue;
      const retry = this.retry.get(store.tableId);
      if (retry !== undefined && nowMs < retry.atMs) continue;
      const { input } = this.sstableInfos(store);
      const plan = planCompactions(store.plannerState, { ...input, tasksMax: Math.max(0, free) }, store.compaction);
      store.plannerState = plan.state;
      this.pending.set(store.tableId, Math.max(0, plan.pendingEstimate - plan.tasks.length));
      for (const task of plan.tasks) this.start(store, task, 'COMPACTION', false);
    }
  }

  private start(store: TableStore, task: CompactionTask, kind: CompactionKind, garbageCollect: boolean, keep?: readonly OwnedRange[]): Run {
    for (const g of task.inputs) {
      assert(!store.compacting.has(g), 'an SSTable is the input of one compaction at a time');
      assert(store.sstableByGeneration(g) !== undefined, 'compaction inputs are live SSTables');
    }
    for (const g of task.inputs) store.compacting.add(g);
    let totalBytes = 0;
    for (const g of task.inputs) totalBytes += store.sstableByGeneration(g)!.dataLogicalBytes;
    const run: Run = {
      id: `${store.tableId.slice(0, 8)}-${this.nextRunId++}`, store, task, kind, totalBytes, completedBytes: 0, cancelled: false,
      done: Promise.resolve(null),
    };
    this.running.add(run);
    const logger = this.host.logger;
    if (logger.isDebugEnabled()) logger.debug({ table: store.tableId, id: run.id, reason: task.reason, inputs: task.inputs }, 'compaction started');
    const inWorker = this.pool !== null && task.kind !== 'drop' && !garbageCollect;
    run.done = (inWorker ? this.executeInWorker(run, this.pool!, keep) : this.execute(run, garbageCollect, keep === undefined ? undefined : keepTokenOf(keep)))
      .then((outcome) => {
        this.completed++;
        this.bytesCompacted += outcome?.bytesRead ?? 0;
        this.retry.delete(store.tableId);
        return outcome;
      }, (error: unknown) => {
        if (error instanceof CompactionCancelled) return null;
        this.failed++;
        const failures = (this.retry.get(store.tableId)?.failures ?? 0) + 1;
        const delayMs = Math.min(COMPACTION_RETRY_MAX_MS, COMPACTION_RETRY_BASE_MS * 2 ** Math.min(failures - 1, 16));
        this.retry.set(store.tableId, { failures, atMs: this.host.clock.monotonicMs() + delayMs });
        const e = error as Error;
        logger.error({ table: store.tableId, id: run.id, reason: task.reason, err: e.message, failuresInARow: failures, nextBackgroundAttemptMs: delayMs }, 'compaction failed');
        return null;
      })
      .finally(() => {
        for (const g of task.inputs) store.compacting.delete(g);
        this.running.delete(run);
        this.schedule();
      });
    return run;
  }

  private async execute(run: Run, garbageCollect: boolean, keepToken?: (token: bigint) => boolean): Promise<CompactionOutcome | null> {
    const { store, task } = run;
    const host = this.host;
    const inputs = task.inputs.map((g) => store.sstableByGeneration(g)!);
    if (task.kind === 'drop') {
      await this.commit(run, inputs, []);
      return { inputs: inputs.length, outputs: 0, bytesRead: 0, bytesWritten: 0, partitionsIn: 0, partitionsOut: 0 };
    }
    const scanners: SSTableScanner[] = [];
    let output: CompactionOutput | null = null;
    try {
      for (const r of inputs) scanners.push(r.openScanner());
      const inputSet = new Set(inputs);
      const { position, minMicros, maxMicros, perOutput, nowSeconds, gcBeforeSeconds } = outputPlanOf(store, task, inputs, host.clock.nowMs());
      const columns = copyColumnsOf(scanners.map((sc) => sc.statistics));
      const out = new CompactionOutput({
        disk: host.disk, directory: store.directory, layout: store.layout, compression: store.compression, level: task.outputLevel,
        maxOutputBytes: task.maxOutputBytes, commitLogPosition: position, timestampRange: { minMicros, maxMicros },
        partitionsPerOutputEstimate: Math.max(1, perOutput), createdAtSeconds: nowSeconds, nextGeneration: () => store.nextGeneration++, columns,
      });
      output = out;
      const merger = new CompactionMerger({
        layout: store.layout,
        inputs: scanners,
        nowSeconds,
        gcBeforeSeconds,
        maxPurgeableTimestamp: (token, key) => maxPurgeableTimestamp(store, inputSet, token, key),
        ...(garbageCollect ? { shadowSources: (token: bigint, key: Buffer) => shadowSourcesOf(store, inputSet, token, key) } : {}),
        ...(keepToken === undefined ? {} : { keepToken }),
        sink: out,
        copyColumns: columns,
      });
      const clock = host.clock;
      while (!merger.done) {
        const sliceStart = clock.monotonicMs();
        const readBefore = merger.counters.bytesRead;
        const writtenBefore = out.writtenBytes;
        do merger.work(COMPACTION_SLICE_ROWS);
        while (!merger.done && clock.monotonicMs() - sliceStart < COMPACTION_SLICE_MS);
        run.completedBytes = merger.counters.bytesRead;
        if (run.cancelled || this.closed) throw new CompactionCancelled();
        await yieldTurn(host.timers);
        await this.throttle.acquire(Math.max(merger.counters.bytesRead - readBefore, out.writtenBytes - writtenBefore));
        if (run.cancelled || this.closed) throw new CompactionCancelled();
      }
      const finished = await out.finish();
      if (run.cancelled || this.closed) throw new CompactionCancelled();
      // The outputs' partition indexes in steps that yield: publishing them then scans no Index.db.
      const prepared = await indexPreparedOutputs({
        disk: host.disk, prepared: finished, stepEntries: PARTITION_INDEX_SCAN_STEP_ENTRIES, pause: () => yieldTurn(host.timers),
      });
      if (run.cancelled || this.closed) throw new CompactionCancelled();
      await this.commit(run, inputs, prepared);
      const c = merger.counters;
      let written = 0;
      for (const p of prepared) written += p.sizeBytes;
      host.logger.info({
        table: store.tableId, id: run.id, reason: task.reason, inputs: task.inputs, outputs: prepared.map((p) => p.generation), level: task.outputLevel,
        partitionsIn: c.partitionsIn, partitionsOut: c.partitionsOut, rowsIn: c.rowsIn, rowsOut: c.rowsOut, bytesRead: c.bytesRead, bytesWritten: written,
      }, 'compaction finished');
      return { inputs: inputs.length, outputs: prepared.length, bytesRead: c.bytesRead, bytesWritten: written, partitionsIn: c.partitionsIn, partitionsOut: c.partitionsOut };
    } catch (error) {
      output?.abort();
      if (error instanceof StorageCorruptionError && host.quarantine(store, error)) {
        host.logger.error({ table: store.tableId, id: run.id, file: error.path, offsetBytes: error.offsetBytes }, 'compaction stopped at a corrupt SSTable; it is quarantined and the compaction will be planned again without it');
      }
      throw error;
    } finally {
      for (const s of scanners) s.close();
    }
  }

  /**
   * The task in a worker thread: the worker reads the inputs and writes the outputs under temp
   * names; this thread pays the throttle between its slices, hands out generations, and commits
   * exactly as the in-process path does. Whatever the worker wrote is removed unless committed.
   */
  private async executeInWorker(run: Run, pool: CompactionWorkerPool, keep: readonly OwnedRange[] | undefined): Promise<CompactionOutcome | null> {
    const { store, task } = run;
    const host = this.host;
    const inputs = task.inputs.map((g) => store.sstableByGeneration(g)!);
    const { position, minMicros, maxMicros, perOutput, physical, nowSeconds, gcBeforeSeconds } = outputPlanOf(store, task, inputs, host.clock.nowMs());
    // Outputs expected: the worker asks for more if the estimate falls short.
    const expectedOutputs = Number.isFinite(task.maxOutputBytes) && task.maxOutputBytes > 0 ? Math.max(1, Math.ceil(physical / task.maxOutputBytes)) : 1;
    const handedOut: number[] = [];
    const reserve = (n: number): number[] => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(store.nextGeneration++);
      handedOut.push(...out);
      return out;
    };
    const transfer: ArrayBuffer[] = [];
    const workerTask: WorkerTask = {
      type: 'task', directory: store.directory, metadata: store.layout.metadata, inputs: task.inputs, level: task.outputLevel,
      maxOutputBytes: task.maxOutputBytes, commitLogPosition: position, timestampRange: { minMicros, maxMicros },
      partitionsPerOutputEstimate: Math.max(1, perOutput), createdAtSeconds: nowSeconds, nowSeconds, gcBeforeSeconds,
      keep: keep === undefined ? null : keep.map((r) => ({ left: r.left, right: r.right })),
      purge: gcBeforeSeconds === -Infinity ? { memtableFloorMicros: Infinity, others: [] } : purgeSnapshotOf(store, inputs, maxMicros, transfer),
      generations: reserve(Math.min(expectedOutputs, 1024)),
    };
    let lastRead = 0;
    let lastWritten = 0;
    let committed = false;
    try {
      const result: WorkerJobResult = await pool.run(workerTask, transfer, {
        cancelled: () => run.cancelled || this.closed,
        generations: reserve,
        progress: async (bytesRead, writtenBytes) => {
          run.completedBytes = bytesRead;
          if (run.cancelled || this.closed) return 'cancel';
          const charge = Math.max(bytesRead - lastRead, writtenBytes - lastWritten);
          lastRead = bytesRead;
          lastWritten = writtenBytes;
          await this.throttle.acquire(charge);
          return run.cancelled || this.closed ? 'cancel' : 'continue';
        },
      });
      if (result.kind === 'cancelled') throw new CompactionCancelled();
      if (result.kind === 'failed') {
        if (result.corruption !== null) throw new StorageCorruptionError(result.corruption);
        throw new Error(`compaction worker: ${result.message}`);
      }
      if (run.cancelled || this.closed) throw new CompactionCancelled();
      const prepared = result.prepared.map((w) => fromWirePrepared(w, store.directory, store.compression));
      run.completedBytes = result.counters.bytesRead;
      await this.commit(run, inputs, prepared);
      committed = true;
      const c = result.counters;
      let written = 0;
      for (const p of prepared) written += p.sizeBytes;
      host.logger.info({
        table: store.tableId, id: run.id, reason: task.reason, inputs: task.inputs, outputs: prepared.map((p) => p.generation), level: task.outputLevel,
        partitionsIn: c.partitionsIn, partitionsOut: c.partitionsOut, rowsIn: c.rowsIn, rowsOut: c.rowsOut, bytesRead: c.bytesRead, bytesWritten: written, worker: true,
      }, 'compaction finished');
      return { inputs: inputs.length, outputs: prepared.length, bytesRead: c.bytesRead, bytesWritten: written, partitionsIn: c.partitionsIn, partitionsOut: c.partitionsOut };
    } catch (error) {
      if (error instanceof StorageCorruptionError && host.quarantine(store, error)) {
        host.logger.error({ table: store.tableId, id: run.id, file: error.path, offsetBytes: error.offsetBytes }, 'compaction stopped at a corrupt SSTable; it is quarantined and the compaction will be planned again without it');
      }
      throw error;
    } finally {
      if (!committed) removeTempOutputs(host.disk, store.directory, handedOut);
    }
  }

  /**
   * Replaces the inputs by the outputs (sstable-replacement.ts), deleting the inputs one per
   * event-loop turn; drops first raise the replay floor.
   */
  private async commit(run: Run, inputs: readonly SSTableReader[], prepared: readonly PreparedSSTable[]): Promise<void> {
    const { store, task } = run;
    const host = this.host;
    if (task.kind === 'drop') {
      for (const r of inputs) if (r.isClosed || !store.sstables.includes(r)) throw new CompactionCancelled(`input generation ${r.generation} left the table`);
      let position: CommitLogPosition = COMMIT_LOG_POSITION_NONE;
      for (const r of inputs) position = maxPosition(position, r.statistics.commitLogPosition);
      host.raiseReplayFloor(store, position);
    }
    try {
      await replaceSSTablesStepwise({
        disk: host.disk, logger: host.logger, chunkCache: host.chunkCache, keyCache: host.keyCache, store, inputs, prepared,
        onReplaced: (removed) => host.sstablesReplaced(store, removed),
      }, () => yieldTurn(host.timers));
    } catch (error) {
      if (error instanceof InputsGone) throw new CompactionCancelled(error.message);
      throw error;
    }
  }

  /**
   * Plans now and waits until no compaction runs and the planner starts none (bounded: at most
   * `roundsMax` rounds of plan-and-wait). Tests and benchmarks use it to reach a quiet state.
   */
  async settle(roundsMax: number): Promise<void> {
    for (let round = 0; round < roundsMax && !this.closed; round++) {
      this.scheduled?.cancel();
      this.scheduled = null;
      this.planAndStart();
      if (this.running.size === 0) return;
      await Promise.all([...this.running].map((r) => r.done));
    }
  }

  /** Compacts every SSTable of the table now (nodetool compact), after its running compactions. */
  async major(store: TableStore): Promise<CompactionOutcome | null> {
    return this.holding(store, false, async () => {
      const { infos } = this.sstableInfos(store);
      const task = majorCompaction(infos, store.compaction);
      if (task === null) return null;
      return this.start(store, task, 'COMPACTION', false).done;
    });
  }

  /**
   * nodetool garbagecollect: each SSTable compacted alone, dropping what the table's other
   * SSTables' and memtables' partition deletions and range tombstones shadow, and purgeable tombstones.
   */
  async garbageCollect(store: TableStore): Promise<CompactionOutcome> {
    return this.holding(store, false, async () => {
      let totals: CompactionOutcome = { inputs: 0, outputs: 0, bytesRead: 0, bytesWritten: 0, partitionsIn: 0, partitionsOut: 0 };
      for (const reader of [...store.sstables]) {
        if (this.closed) break;
        if (!store.sstables.includes(reader) || store.compacting.has(reader.generation)) continue;
        const task: CompactionTask = {
          kind: 'compact', reason: `garbagecollect of generation ${reader.generation}`, inputs: [reader.generation], outputLevel: reader.level, maxOutputBytes: Infinity,
        };
        const outcome = await this.start(store, task, 'COMPACTION', true).done;
        if (outcome !== null) totals = sum(totals, outcome);
      }
      return totals;
    });
  }

  /**
   * nodetool cleanup: rewrites every SSTable holding partitions outside `keep`, without them
   * (SSTables entirely inside one kept range are left alone). Returns on-disk bytes before and after.
   */
  async cleanup(store: TableStore, keep: readonly OwnedRange[]): Promise<{ bytesBefore: number; bytesAfter: number }> {
    return this.holding(store, false, async () => {
      const bytesBefore = store.sstableBytes();
      for (const reader of [...store.sstables]) {
        if (this.closed) break;
        if (!store.sstables.includes(reader) || store.compacting.has(reader.generation)) continue;
        const { minToken, maxToken } = reader.statistics;
        const inside = keep.some((r) => r.left === r.right || (r.left < r.right ? minToken > r.left && maxToken <= r.right : minToken > r.left || maxToken <= r.right));
        if (inside) continue;
        const task: CompactionTask = { kind: 'compact', reason: `cleanup of generation ${reader.generation}`, inputs: [reader.generation], outputLevel: reader.level, maxOutputBytes: Infinity };
        await this.start(store, task, 'CLEANUP', false, keep).done;
      }
      return { bytesBefore, bytesAfter: store.sstableBytes() };
    });
  }

  /**
   * Runs `fn` with the table's background compactions held: running ones finish first (or are
   * cancelled with `cancelRunning`), none starts until `fn` settles.
   */
  async holding<T>(store: TableStore, cancelRunning: boolean, fn: () => Promise<T>): Promise<T> {
    store.compactionHolds++;
    try {
      for (;;) {
        const mine = [...this.running].filter((r) => r.store === store);
        if (mine.length === 0) break;
        if (cancelRunning) for (const r of mine) r.cancelled = true;
        await Promise.all(mine.map((r) => r.done));
      }
      return await fn();
    } finally {
      store.compactionHolds--;
      this.schedule();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.checkTimer.cancel();
    this.scheduled?.cancel();
    this.scheduled = null;
    for (const r of this.running) r.cancelled = true;
    await Promise.all([...this.running].map((r) => r.done));
    this.pool?.close();
  }
}

function infoOf(r: SSTableReader, store: TableStore, gcBeforeSeconds: number): SSTableInfo {
  const s = r.statistics;
  return {
    generation: r.generation,
    sizeBytes: r.dataPhysicalBytes,
    level: s.level,
    minToken: s.minToken,
    maxToken: s.maxToken,
    minTimestampMicros: s.minTimestampMicros,
    maxTimestampMicros: s.maxTimestampMicros,
    maxLocalDeletionTimeSeconds: s.maxLocalDeletionTimeSeconds,
    droppableTombstoneRatio: s.cellCount === 0 ? 0 : droppableBefore(s.dropTimes, gcBeforeSeconds) / s.cellCount,
    createdAtSeconds: s.createdAtSeconds,
    partitionCount: s.partitionCount,
    hotness: s.partitionCount === 0 ? 0 : r.counters.reads / s.partitionCount,
    compacting: store.compacting.has(r.generation),
  };
}

function keepTokenOf(keep: readonly OwnedRange[]): (token: bigint) => boolean {
  return (token) => keep.some((r) => r.left === r.right || rangeContains(r, token));
}

/**
 * What maxPurgeableTimestamp consults that a worker cannot see, as of now: the memtables' smallest
 * timestamp (applied to every partition: the in-process path applies it only to partitions the
 * memtable holds, so this purges the same or less), and each non-input SSTable that overlaps the
 * inputs' tokens and may hold data older than theirs, with a copy of its filter (transferred).
 */
function purgeSnapshotOf(store: TableStore, inputs: readonly SSTableReader[], inputsMaxMicros: number, transfer: ArrayBuffer[]): PurgeSnapshot {
  let memtableFloorMicros = store.memtable.minTimestampMicros;
  for (const m of store.flushing) memtableFloorMicros = Math.min(memtableFloorMicros, m.minTimestampMicros);
  let minToken: bigint | null = null;
  let maxToken: bigint | null = null;
  for (const r of inputs) {
    if (minToken === null || r.statistics.minToken < minToken) minToken = r.statistics.minToken;
    if (maxToken === null || r.statistics.maxToken > maxToken) maxToken = r.statistics.maxToken;
  }
  const inputSet = new Set(inputs);
  const others: Array<PurgeSnapshot['others'][number]> = [];
  let budget = PURGE_SNAPSHOT_FILTER_BYTES_MAX;
  for (const r of store.sstables) {
    const s = r.statistics;
    // An SSTable only newer than every input cell lowers no limit below a timestamp of theirs.
    if (inputSet.has(r) || s.minTimestampMicros > inputsMaxMicros || minToken === null || maxToken === null) continue;
    if (s.maxToken < minToken || s.minToken > maxToken) continue;
    let filter: WireFilter | null = null;
    if (r.filter.bits.length <= budget) {
      // A copy in a buffer of its own (filters read from disk may be views on a shared one).
      const bits = new Uint8Array(r.filter.bits);
      budget -= bits.length;
      transfer.push(bits.buffer);
      filter = { hashCount: r.filter.hashCount, bitCount: r.filter.bitCount, bits };
    }
    others.push({ minToken: s.minToken, maxToken: s.maxToken, minTimestampMicros: s.minTimestampMicros, filter });
  }
  return { memtableFloorMicros, others };
}

/** Removes the temp components of outputs never published (worker failed, cancelled or died). */
function removeTempOutputs(disk: Disk, directory: string, generations: readonly number[]): void {
  for (const g of generations) {
    for (const c of ALL_COMPONENTS) {
      try {
        disk.remove(`${directory}/${tempFileName(g, c)}`);
      } catch {
        // Left for the next open, which removes temp components.
      }
    }
  }
}

/** Smallest timestamp any memtable or non-input SSTable may hold for the partition. */
function maxPurgeableTimestamp(store: TableStore, inputs: ReadonlySet<SSTableReader>, token: bigint, key: Buffer): number {
  let min = Infinity;
  const probe = { token, key };
  if (store.memtable.get(probe) !== undefined) min = Math.min(min, store.memtable.minTimestampMicros);
  for (const m of store.flushing) if (m.get(probe) !== undefined) min = Math.min(min, m.minTimestampMicros);
  const candidates: SSTableReader[] = [];
  store.sstableSetView.forToken(token, candidates);
  for (const r of candidates) {
    if (!inputs.has(r) && r.statistics.minTimestampMicros < min && r.mayContainKey(token)) min = r.statistics.minTimestampMicros;
  }
  return min;
}

/** The partition as the table's other sources hold it (garbagecollect shadowing). */
function shadowSourcesOf(store: TableStore, inputs: ReadonlySet<SSTableReader>, token: bigint, key: Buffer): PartitionSource[] {
  const out: PartitionSource[] = [];
  const probe = { token, key };
  for (const m of [store.memtable, ...store.flushing]) {
    const p = m.get(probe);
    if (p !== undefined) out.push(new MemtablePartitionSource(store.layout, p));
  }
  const candidates: SSTableReader[] = [];
  store.sstableSetView.forToken(token, candidates);
  for (const r of candidates) {
    if (inputs.has(r)) continue;
    const entry = r.find(token, key);
    if (entry !== null) out.push(r.readPartition(store.layout, entry));
  }
  return out;
}

function sum(a: CompactionOutcome, b: CompactionOutcome): CompactionOutcome {
  return {
    inputs: a.inputs + b.inputs, outputs: a.outputs + b.outputs, bytesRead: a.bytesRead + b.bytesRead, bytesWritten: a.bytesWritten + b.bytesWritten,
    partitionsIn: a.partitionsIn + b.partitionsIn, partitionsOut: a.partitionsOut + b.partitionsOut,
  };
}

function yieldTurn(timers: Timers): Promise<void> {
  return new Promise((resolve) => {
    timers.setImmediate(resolve);
  });
}

/** What a compaction's outputs inherit from its inputs, and its purge horizon (both execution paths). */
function outputPlanOf(store: TableStore, task: CompactionTask, inputs: readonly SSTableReader[], nowMs: number): {
  position: CommitLogPosition; minMicros: number; maxMicros: number; perOutput: number; physical: number; nowSeconds: number; gcBeforeSeconds: number;
} {
  let position: CommitLogPosition = COMMIT_LOG_POSITION_NONE;
  let minMicros = Infinity;
  let maxMicros = -Infinity;
  let partitions = 0;
  let physical = 0;
  for (const r of inputs) {
    position = maxPosition(position, r.statistics.commitLogPosition);
    minMicros = Math.min(minMicros, r.statistics.minTimestampMicros);
    maxMicros = Math.max(maxMicros, r.statistics.maxTimestampMicros);
    partitions += r.statistics.partitionCount;
    physical += r.dataPhysicalBytes;
  }
  const perOutput = Number.isFinite(task.maxOutputBytes) && physical > 0
    ? Math.min(partitions, Math.ceil((partitions * task.maxOutputBytes * PARTITION_ESTIMATE_MARGIN) / physical))
    : partitions;
  const nowSeconds = Math.floor(nowMs / 1000);
  const gcBeforeSeconds = store.compaction.onlyPurgeRepairedTombstones ? -Infinity : nowSeconds - store.layout.metadata.options.gcGraceSeconds;
  return { position, minMicros, maxMicros, perOutput, physical, nowSeconds, gcBeforeSeconds };
}
