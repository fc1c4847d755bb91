// One table's LSM state on one shard: the live memtable, memtables being flushed, the SSTables
// (grouped by level for reads), the compaction strategy parsed from the table options, and a
// serial chain that orders flushes, truncation and drop so that flushed SSTables become visible in
// commit-log position order. Loading finishes or rolls back interrupted compactions, removes what a
// crash left mid-flush (temp files, generations without a TOC) and quarantines corrupt SSTables.
import type { Disk, Logger } from '../../io/index.ts';
import { Histogram } from '../cache/latency-histogram.ts';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import { COMMIT_LOG_POSITION_NONE, comparePositions, maxPosition } from '../commit-log/commit-log-position.ts';
import { parseCompactionOptions } from '../compaction/compaction-options.ts';
import type { CompactionStrategyOptions } from '../compaction/compaction-options.ts';
import { INITIAL_PLANNER_STATE } from '../compaction/compaction-task.ts';
import type { PlannerState } from '../compaction/compaction-task.ts';
import { recoverCompactions } from '../compaction/compaction-transaction.ts';
import { StorageCorruptionError } from '../errors.ts';
import { Memtable } from '../memtable/memtable.ts';
import { SSTableSet } from '../read/sstable-set.ts';
import type { TableReadView } from '../read/read-executor.ts';
import type { ChunkCache } from '../sstable/chunk-cache.ts';
import { compressionParamsOf } from '../sstable/compression.ts';
import type { CompressionParams } from '../sstable/compression.ts';
import { quarantineSSTable, quarantinedGenerations } from '../sstable/quarantine.ts';
import { SSTableReader } from '../sstable/sstable-reader.ts';
import { deserializeStatistics } from '../sstable/sstable-statistics.ts';
import type { SSTableKeyCache } from '../sstable/sstable-reader.ts';
import { Component, SSTABLE_VERSION, SSTABLE_VERSIONS_RETIRED, parseSSTableFileName } from '../sstable/sstable-format.ts';
import type { TableLayout } from '../table-layout.ts';

/** Local read/write latencies (microseconds), tombstones and SSTables per read, retired filter counters. */
export class TableMetrics {
  readonly readLatency = new Histogram();
  readonly writeLatency = new Histogram();
  readonly tombstonesPerRead = new Histogram();
  readonly sstablesPerRead = new Histogram();
  /** Bloom filter counters of SSTables no longer live (compacted, quarantined, truncated). */
  filterPositivesRetired = 0;
  filterFalsePositivesRetired = 0;
}

export class TableStore {
  layout: TableLayout;
  readonly tableId: string;
  readonly directory: string;
  memtable: Memtable;
  /** Oldest first; each becomes an SSTable, in this order. */
  readonly flushing: Memtable[] = [];
  private sstableSet: SSTableSet = SSTableSet.EMPTY;
  nextGeneration = 1;
  /** Replay applies this table's entries at or after this position only. */
  replayFrom: CommitLogPosition = COMMIT_LOG_POSITION_NONE;
  /** Serializes flush, truncate and drop of this table. */
  chain: Promise<void> = Promise.resolve();
  /** Monotonic time the live memtable started taking writes (memtable_flush_period_in_ms). */
  memtableSinceMs = 0;
  /** A flush requested but not started yet (later requests join it). */
  pendingFlush: Promise<void> | null = null;
  /** Generations that are inputs of a running compaction (or held by scrub / major). */
  readonly compacting = new Set<number>();
  /** Background compactions of this table are held (major compaction, scrub, truncate, drop). */
  compactionHolds = 0;
  compaction: CompactionStrategyOptions;
  plannerState: PlannerState = INITIAL_PLANNER_STATE;
  compression: CompressionParams;
  /** Raw option maps the parsed values came from (re-parsed only when they change). */
  private compactionSource: Readonly<Record<string, string>>;
  private compressionSource: Readonly<Record<string, string>>;
  /** Counters and histograms for tablestats. */
  readonly counters = { reads: 0, writes: 0 };
  readonly metrics: TableMetrics = new TableMetrics();
  private view: TableReadView | null = null;

  constructor(layout: TableLayout, directory: string, logger: Logger) {
    this.layout = layout;
    this.tableId = layout.tableId;
    this.directory = directory;
    this.memtable = new Memtable(this);
    this.compactionSource = layout.metadata.options.compaction;
    this.compressionSource = layout.metadata.options.compression;
    this.compaction = parseOptionsLogged(this.compactionSource, logger, this.tableId);
    this.compression = parseCompressionLogged(this.compressionSource, logger, this.tableId);
  }

  /** Installs a new schema version of the table; true when the compaction strategy changed. */
  setLayout(layout: TableLayout, logger: Logger): boolean {
    this.layout = layout;
    this.invalidateView();
    let strategyChanged = false;
    const options = layout.metadata.options;
    if (options.compaction !== this.compactionSource) {
      this.compactionSource = options.compaction;
      const next = parseOptionsLogged(options.compaction, logger, this.tableId);
      strategyChanged = next.kind !== this.compaction.kind;
      if (strategyChanged) this.plannerState = INITIAL_PLANNER_STATE;
      this.compaction = next;
    }
    if (options.compression !== this.compressionSource) {
      this.compressionSource = options.compression;
      this.compression = parseCompressionLogged(options.compression, logger, this.tableId);
    }
    return strategyChanged;
  }

  get sstables(): readonly SSTableReader[] {
    return this.sstableSet.all;
  }

  get sstableSetView(): SSTableSet {
    return this.sstableSet;
  }

  /** Replaces the SSTable list (flush adds, compaction replaces); views are rebuilt lazily. */
  setSSTables(readers: readonly SSTableReader[], logger: Logger): void {
    this.sstableSet = SSTableSet.of(readers, (reader, reason) => {
      logger.warn({ table: this.tableId, generation: reader.generation, level: reader.level, reason }, 'SSTable overlaps its level; reading it as level 0');
    });
    this.invalidateView();
  }

  sstableByGeneration(generation: number): SSTableReader | undefined {
    return this.sstableSet.all.find((s) => s.generation === generation);
  }

  /**
   * Opens the table's SSTables: finishes interrupted compactions, removes temp files, incomplete
   * generations and SSTables a truncation covers (their deletion may not have reached the disk),
   * and quarantines SSTables that fail to open, logging the file and offset.
   */
  load(options: {
    disk: Disk; logger: Logger; chunkCache: ChunkCache | null; keyCache: SSTableKeyCache | null; truncatedAt: CommitLogPosition | null; replayFloor: CommitLogPosition | null;
  }): void {
    const { disk, logger, truncatedAt } = options;
    disk.mkdirp(this.directory);
    for (const outcome of recoverCompactions(disk, this.directory)) {
      logger.warn({ directory: this.directory, inputs: outcome.record.inputs, outputs: outcome.record.outputs, completed: outcome.completed },
        outcome.completed ? 'finished a compaction interrupted after its outputs were visible' : 'rolled back a compaction interrupted before its outputs were visible');
    }
    const generations = new Map<number, string[]>();
    /** Generations with temp files: a flush or compaction output interrupted before its TOC. */
    const interrupted = new Set<number>();
    for (const name of disk.list(this.directory)) {
      const parsed = parseSSTableFileName(name);
      if (parsed === null) continue;
      if (parsed.version !== SSTABLE_VERSION) {
        if (SSTABLE_VERSIONS_RETIRED.includes(parsed.version)) {
          throw new StorageCorruptionError({
            path: `${this.directory}/${name}`, offsetBytes: 0,
            reason: `SSTable format ${parsed.version} is no longer readable (this version reads ${SSTABLE_VERSION}); restore from a replica or a backup`,
          });
        }
        continue;
      }
      if (parsed.temp) {
        disk.remove(`${this.directory}/${name}`);
        interrupted.add(parsed.generation);
        continue;
      }
      const list = generations.get(parsed.generation) ?? [];
      list.push(parsed.component);
      generations.set(parsed.generation, list);
    }
    let maxGeneration = 0;
    for (const g of quarantinedGenerations(disk, this.directory)) maxGeneration = Math.max(maxGeneration, g);
    const readers: SSTableReader[] = [];
    let changed = false;
    for (const [generation, components] of [...generations].sort((a, b) => a[0] - b[0])) {
      maxGeneration = Math.max(maxGeneration, generation);
      if (!components.includes(Component.TOC)) {
        // Written but not published (its temp TOC was there), or being deleted by a truncation
        // (TOC removed first): remove it. Otherwise the TOC was lost: damage, quarantine.
        if (interrupted.has(generation) || this.coveredByTruncation(disk, generation, truncatedAt)) {
          logger.warn({ directory: this.directory, generation }, 'removing an SSTable without a TOC (interrupted flush, compaction or truncation)');
          for (const c of components) disk.remove(`${this.directory}/${SSTABLE_VERSION}-${generation}-${c}`);
          changed = true;
        } else {
          const moved = quarantineSSTable(disk, this.directory, generation);
          logger.error({ table: this.tableId, generation, file: `${this.directory}/${SSTABLE_VERSION}-${generation}-${Component.TOC}`, offsetBytes: 0, reason: 'TOC.txt missing', quarantined: moved },
            'SSTable without its TOC quarantined at open; its data is served by other SSTables and replicas');
        }
        continue;
      }
      let reader: SSTableReader;
      try {
        reader = SSTableReader.open(disk, this.directory, generation, { chunkCache: options.chunkCache, keyCache: options.keyCache });
      } catch (error) {
        if (!(error instanceof StorageCorruptionError)) throw error;
        const moved = quarantineSSTable(disk, this.directory, generation);
        logger.error({ table: this.tableId, generation, file: error.path, offsetBytes: error.offsetBytes, reason: error.message, quarantined: moved },
          'corrupt SSTable quarantined at open; its data is served by other SSTables and replicas');
        continue;
      }
      // A flush after a truncation always records a later position (it holds a later write).
      if (truncatedAt !== null && comparePositions(reader.statistics.commitLogPosition, truncatedAt) <= 0) {
        logger.warn({ directory: this.directory, generation }, 'removing an SSTable older than the table\'s truncation');
        reader.delete();
        changed = true;
        continue;
      }
      readers.push(reader);
    }
    if (changed) disk.syncDirectory(this.directory);
    this.setSSTables(readers, logger);
    this.nextGeneration = maxGeneration + 1;
    for (const r of readers) this.replayFrom = maxPosition(this.replayFrom, r.statistics.commitLogPosition);
    if (truncatedAt !== null) this.replayFrom = maxPosition(this.replayFrom, truncatedAt);
    if (options.replayFloor !== null) this.replayFrom = maxPosition(this.replayFrom, options.replayFloor);
  }

  /** Does a truncation cover the generation (its statistics record an earlier position)? */
  private coveredByTruncation(disk: Disk, generation: number, truncatedAt: CommitLogPosition | null): boolean {
    if (truncatedAt === null) return false;
    const path = `${this.directory}/${SSTABLE_VERSION}-${generation}-${Component.Statistics}`;
    try {
      return comparePositions(deserializeStatistics(disk.readFile(path), path).commitLogPosition, truncatedAt) <= 0;
    } catch {
      return false;
    }
  }

  readView(): TableReadView {
    if (this.view === null) {
      const memtables = this.flushing.length === 0 ? [this.memtable] : [this.memtable, ...this.flushing];
      this.view = { layout: this.layout, memtables, sstables: this.sstableSet };
    }
    return this.view;
  }

  invalidateView(): void {
    this.view = null;
  }

  memtableBytes(): number {
    let n = this.memtable.sizeBytes;
    for (const m of this.flushing) n += m.sizeBytes;
    return n;
  }

  /** Smallest timestamp in the memtables holding data (Infinity when none). */
  memtableMinTimestampMicros(): number {
    let min = this.memtable.minTimestampMicros;
    for (const m of this.flushing) if (m.minTimestampMicros < min) min = m.minTimestampMicros;
    return min;
  }

  sstableBytes(): number {
    let n = 0;
    for (const s of this.sstables) n += s.sizeBytes;
    return n;
  }
}

function parseOptionsLogged(raw: Readonly<Record<string, string>>, logger: Logger, tableId: string): CompactionStrategyOptions {
  const parsed = parseCompactionOptions(raw);
  for (const w of parsed.warnings) logger.warn({ table: tableId }, w);
  return parsed.options;
}

function parseCompressionLogged(raw: Readonly<Record<string, string>>, logger: Logger, tableId: string): CompressionParams {
  const parsed = compressionParamsOf(raw);
  for (const w of parsed.warnings) logger.warn({ table: tableId }, w);
  return parsed.params;
}
