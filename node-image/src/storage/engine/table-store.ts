// One table's LSM state on one shard: the live memtable, memtables being flushed, and the
// SSTables, plus a serial chain that orders flushes, truncation and drop so that SSTables become
// visible in commit-log position order. Loading cleans up what a crash left mid-flush: temp files
// and generations without a TOC.
import type { Disk, Logger } from '../../io/index.ts';
import type { CommitLogPosition } from '../commit-log/commit-log-position.ts';
import { COMMIT_LOG_POSITION_NONE, comparePositions, maxPosition } from '../commit-log/commit-log-position.ts';
import { Memtable } from '../memtable/memtable.ts';
import type { TableReadView } from '../read/read-executor.ts';
import type { ChunkCache } from '../sstable/chunk-cache.ts';
import { SSTableReader } from '../sstable/sstable-reader.ts';
import { Component, SSTABLE_VERSION, parseSSTableFileName } from '../sstable/sstable-format.ts';
import type { TableLayout } from '../table-layout.ts';

export class TableStore {
  layout: TableLayout;
  readonly tableId: string;
  readonly directory: string;
  memtable: Memtable;
  /** Oldest first; each becomes an SSTable, in this order. */
  readonly flushing: Memtable[] = [];
  sstables: SSTableReader[] = [];
  nextGeneration = 1;
  /** Replay applies this table's entries at or after this position only. */
  replayFrom: CommitLogPosition = COMMIT_LOG_POSITION_NONE;
  /** Serializes flush, truncate and drop of this table. */
  chain: Promise<void> = Promise.resolve();
  /** Monotonic time the live memtable started taking writes (memtable_flush_period_in_ms). */
  memtableSinceMs = 0;
  /** A flush requested but not started yet (later requests join it). */
  pendingFlush: Promise<void> | null = null;
  private view: TableReadView | null = null;

  constructor(layout: TableLayout, directory: string) {
    this.layout = layout;
    this.tableId = layout.tableId;
    this.directory = directory;
    this.memtable = new Memtable(this);
  }

  /**
   * Opens the table's SSTables, removing temp files, incomplete generations, and SSTables a
   * truncation covers (their deletion may not have reached the disk before a crash).
   */
  load(disk: Disk, logger: Logger, chunkCache: ChunkCache | null, truncatedAt: CommitLogPosition | null): void {
    disk.mkdirp(this.directory);
    const generations = new Map<number, string[]>();
    for (const name of disk.list(this.directory)) {
      const parsed = parseSSTableFileName(name);
      if (parsed === null || parsed.version !== SSTABLE_VERSION) continue;
      if (parsed.temp) {
        disk.remove(`${this.directory}/${name}`);
        continue;
      }
      const list = generations.get(parsed.generation) ?? [];
      list.push(parsed.component);
      generations.set(parsed.generation, list);
    }
    let maxGeneration = 0;
    const readers: SSTableReader[] = [];
    for (const [generation, components] of [...generations].sort((a, b) => a[0] - b[0])) {
      maxGeneration = Math.max(maxGeneration, generation);
      if (!components.includes(Component.TOC)) {
        logger.warn({ directory: this.directory, generation }, 'removing an SSTable without a TOC (interrupted flush)');
        for (const c of components) disk.remove(`${this.directory}/${SSTABLE_VERSION}-${generation}-${c}`);
        continue;
      }
      const reader = SSTableReader.open(disk, this.directory, generation, chunkCache);
      // A flush after a truncation always records a later position (it holds a later write).
      if (truncatedAt !== null && comparePositions(reader.statistics.commitLogPosition, truncatedAt) <= 0) {
        logger.warn({ directory: this.directory, generation }, 'removing an SSTable older than the table\'s truncation');
        reader.delete();
        continue;
      }
      readers.push(reader);
    }
    if (readers.length < generations.size) disk.syncDirectory(this.directory);
    this.sstables = readers;
    this.nextGeneration = maxGeneration + 1;
    for (const r of readers) this.replayFrom = maxPosition(this.replayFrom, r.statistics.commitLogPosition);
    if (truncatedAt !== null) this.replayFrom = maxPosition(this.replayFrom, truncatedAt);
    this.invalidateView();
  }

  readView(): TableReadView {
    if (this.view === null) {
      const memtables = this.flushing.length === 0 ? [this.memtable] : [this.memtable, ...this.flushing];
      this.view = { layout: this.layout, memtables, sstables: this.sstables };
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

  sstableBytes(): number {
    let n = 0;
    for (const s of this.sstables) n += s.sizeBytes;
    return n;
  }
}
