// The merge at the heart of a compaction: partitions of the input SSTables in (token, key) order,
// each partition's versions reconciled row by row, data shadowed by deletions inside the inputs
// removed, purgeable tombstones dropped (purger.ts), and the result streamed to a sink. Work is
// done in bounded steps (`work(rowsMax)`) so the caller can yield between them: a partition of any
// size never blocks the event loop for long. Nothing here does I/O beyond the inputs' scanners.
import { assert } from '../../lib/index.ts';
import { boundsEqual, rangeTombstoneCovers } from '../clustering-position.ts';
import { maxDeletion, supersedes } from '../deletion-time.ts';
import type { Cell, DeletionTime, RangeTombstone, Row } from '../model.ts';
import { mergeRows, shadowRow } from '../reconcile.ts';
import type { PartitionSource, RowCursor } from '../read/partition-source.ts';
import type { IndexEntry, SSTablePartition, SSTableScanner } from '../sstable/sstable-reader.ts';
import type { PartitionHeader } from '../sstable/sstable-writer.ts';
import type { TableLayout } from '../table-layout.ts';
import { COPY_PARTITION_BYTES_MAX, CopyScan, isDictionaryPrefix } from './partition-copy.ts';
import type { CopiedPartitionStats } from './partition-copy.ts';
import { isPurgeable, purgeRow } from './purger.ts';
import type { PurgeLimits } from './purger.ts';

/** Where merged partitions go (the output writers). */
export interface CompactionSink {
  beginPartition(key: Buffer, token: bigint, header: PartitionHeader): void;
  addRow(row: Row): void;
  endPartition(): void;
  /** A partition copied as bytes (partition-copy.ts); only called with `copyColumns` set. */
  copyPartition?(key: Buffer, token: bigint, bytes: Buffer, rowIndexRelative: number, rowsRelative: number, stats: CopiedPartitionStats): void;
}

export interface CompactionMergerOptions {
  readonly layout: TableLayout;
  readonly inputs: readonly SSTableScanner[];
  readonly nowSeconds: number;
  /** now - gc_grace_seconds; -Infinity disables purging. */
  readonly gcBeforeSeconds: number;
  /** Smallest timestamp data outside the compaction may hold for the partition (Infinity: none). */
  readonly maxPurgeableTimestamp: (token: bigint, key: Buffer) => number;
  /**
   * garbagecollect: deletions of the table's other sources (partition deletion and range
   * tombstones) also shadow the inputs' data. Their deletions are not copied to the output.
   */
  readonly shadowSources?: (token: bigint, key: Buffer) => readonly PartitionSource[];
  /** cleanup: partitions whose token this rejects are dropped (ranges the node no longer owns). */
  readonly keepToken?: (token: bigint) => boolean;
  readonly sink: CompactionSink;
  /**
   * The column dictionary the sink's outputs start with: a partition found in one input whose
   * dictionary is a prefix of it, and which a merge would leave unchanged, is copied as bytes
   * (partition-copy.ts). Unset: every partition is decoded and encoded again.
   */
  readonly copyColumns?: readonly string[];
}

export interface CompactionCounters {
  partitionsIn: number;
  partitionsOut: number;
  rowsIn: number;
  rowsOut: number;
  /** Logical Data bytes of input partitions fully consumed. */
  bytesRead: number;
}

interface InputStream {
  readonly scanner: SSTableScanner;
  entry: IndexEntry | null;
  /** Its partitions may be copied as bytes (its dictionary is a prefix of the outputs'). */
  readonly copyable: boolean;
}

interface OpenPartition {
  readonly key: Buffer;
  readonly token: bigint;
  readonly limits: PurgeLimits;
  /** Deletion shadowing every row (max over the inputs, and the shadow sources). */
  readonly partitionDeletion: DeletionTime | null;
  /** Range tombstones shadowing rows (not superseded by the partition deletion). */
  readonly shadowing: readonly RangeTombstone[];
  readonly header: PartitionHeader;
  headerWritten: boolean;
  readonly cursors: RowCursor[];
  readonly heads: Array<Row | null>;
  readonly inputBytes: number;
}

export class CompactionMerger {
  readonly counters: CompactionCounters = { partitionsIn: 0, partitionsOut: 0, rowsIn: 0, rowsOut: 0, bytesRead: 0 };
  private readonly options: CompactionMergerOptions;
  private readonly streams: InputStream[];
  private open: OpenPartition | null = null;
  private finished = false;

  /** Checks and summarizes partitions for copying; null when nothing may be copied. */
  private readonly copyScan: CopyScan | null;

  constructor(options: CompactionMergerOptions) {
    this.options = options;
    const columns = options.copyColumns;
    // Counter shards and garbagecollect's outside deletions can change a partition found in one input.
    const copies = columns !== undefined && options.sink.copyPartition !== undefined && options.shadowSources === undefined && !options.layout.metadata.isCounterTable;
    this.copyScan = copies ? new CopyScan(options.layout, options.nowSeconds) : null;
    this.streams = options.inputs.map((scanner) => ({
      scanner, entry: scanner.nextEntry(), copyable: copies && isDictionaryPrefix(scanner.statistics.columns, columns!),
    }));
  }

  get done(): boolean {
    return this.finished;
  }

  /** Merges up to `rowsMax` rows (a partition boundary counts as one); false once everything is merged. */
  work(rowsMax: number): boolean {
    let budget = rowsMax;
    while (budget > 0 && !this.finished) {
      if (this.open === null) {
        if (!this.openNext()) {
          this.finished = true;
          break;
        }
        budget--;
        continue;
      }
      if (!this.emitNextRow()) this.closePartition();
      budget--;
    }
    return !this.finished;
  }

  /** The next partition in (token, key) order that cleanup keeps, or null at the end. */
  private nextKept(): IndexEntry | null {
    const keep = this.options.keepToken;
    for (;;) {
      let best: InputStream | null = null;
      for (const s of this.streams) {
        const e = s.entry;
        if (e === null) continue;
        if (best === null || compareEntries(e, best.entry!) < 0) best = s;
      }
      if (best === null) return null;
      const first = best.entry!;
      if (keep === undefined || keep(first.token)) return first;
      // Not owned any more: skip every version of the partition unread.
      for (const s of this.streams) {
        const e = s.entry;
        if (e === null || e.token !== first.token || !e.key.equals(first.key)) continue;
        this.counters.bytesRead += e.dataLengthBytes;
        s.entry = s.scanner.nextEntry();
      }
      this.counters.partitionsIn++;
    }
  }

  private openNext(): boolean {
    const first = this.nextKept();
    if (first === null) return false;
    const { layout } = this.options;
    const key = first.key;
    const token = first.token;
    if (this.copyScan !== null && this.copyOnly(first)) return true;
    const parts: SSTablePartition[] = [];
    let inputBytes = 0;
    for (const s of this.streams) {
      const e = s.entry;
      if (e === null || e.token !== token || !e.key.equals(key)) continue;
      parts.push(s.scanner.open(layout, e));
      inputBytes += e.dataLengthBytes;
      s.entry = s.scanner.nextEntry();
    }
    this.counters.partitionsIn++;
    const limits: PurgeLimits = {
      gcBeforeSeconds: this.options.gcBeforeSeconds,
      maxPurgeableTimestampMicros: this.options.gcBeforeSeconds === -Infinity ? -Infinity : this.options.maxPurgeableTimestamp(token, key),
      nowSeconds: this.options.nowSeconds,
    };
    const shadowSources = this.options.shadowSources?.(token, key) ?? [];

    let ownDeletion: DeletionTime | null = null;
    for (const p of parts) ownDeletion = maxDeletion(ownDeletion, p.partitionDeletion);
    let partitionDeletion = ownDeletion;
    for (const s of shadowSources) partitionDeletion = maxDeletion(partitionDeletion, s.partitionDeletion);

    let staticRow: Row | null = null;
    for (const p of parts) if (p.staticRow !== null) staticRow = staticRow === null ? p.staticRow : mergeRows(layout, staticRow, p.staticRow);
    if (staticRow !== null) staticRow = shadowRow(layout, staticRow, partitionDeletion, false);
    if (staticRow !== null) staticRow = purgeRow(dropDroppedColumns(layout, staticRow), limits);

    const own = collectRangeTombstones(parts.map((p) => p.rangeTombstones), partitionDeletion);
    const shadowing = shadowSources.length === 0 ? own : collectRangeTombstones([own, ...shadowSources.map((s) => s.rangeTombstones)], partitionDeletion);
    const keptTombstones = own.filter((rt) => !isPurgeable(rt.deletion, limits));
    const header: PartitionHeader = {
      partitionDeletion: ownDeletion !== null && ownDeletion === partitionDeletion && !isPurgeable(ownDeletion, limits) ? ownDeletion : null,
      staticRow,
      rangeTombstones: keptTombstones,
    };

    const cursors: RowCursor[] = [];
    const heads: Array<Row | null> = [];
    for (const p of parts) {
      const cursor = p.rows(false, null);
      const head = cursor.next();
      if (head !== null) {
        cursors.push(cursor);
        heads.push(head);
      }
    }
    const open: OpenPartition = { key, token, limits, partitionDeletion, shadowing, header, headerWritten: false, cursors, heads, inputBytes };
    this.open = open;
    if (header.partitionDeletion !== null || header.staticRow !== null || header.rangeTombstones.length > 0) this.writeHeader(open);
    return true;
  }

  /** Copies the partition as bytes when only one input has it and a merge would not change it; false otherwise (nothing consumed). */
  private copyOnly(first: IndexEntry): boolean {
    if (first.dataLengthBytes > COPY_PARTITION_BYTES_MAX) return false;
    let only: InputStream | null = null;
    for (const s of this.streams) {
      const e = s.entry;
      if (e === null || e.token !== first.token || !e.key.equals(first.key)) continue;
      if (only !== null || !s.copyable) return false;
      only = s;
    }
    if (only === null) return false;
    const scan = this.copyScan!;
    const bytes = only.scanner.copyable(first, scan);
    if (bytes === null) return false;
    this.options.sink.copyPartition!(first.key, first.token, bytes, first.rowIndexOffsetBytes, first.rowsOffsetBytes, scan.stats);
    const c = this.counters;
    c.partitionsIn++;
    c.partitionsOut++;
    c.rowsIn += scan.stats.rows;
    c.rowsOut += scan.stats.rows;
    c.bytesRead += first.dataLengthBytes;
    only.entry = only.scanner.nextEntry();
    return true;
  }

  /** Emits the next merged row of the open partition (or skips a fully shadowed one); false at its end. */
  private emitNextRow(): boolean {
    const open = this.open!;
    const { layout } = this.options;
    const { heads, cursors } = open;
    let best = -1;
    const compare = layout.compareClusterings;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h === null || h === undefined) continue;
      if (best < 0 || compare(h.clustering, heads[best]!.clustering) < 0) best = i;
    }
    if (best < 0) return false;
    let merged = heads[best]!;
    heads[best] = cursors[best]!.next();
    this.counters.rowsIn++;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (i === best || h === null || h === undefined) continue;
      if (compare(h.clustering, merged.clustering) === 0) {
        merged = mergeRows(layout, merged, h);
        heads[i] = cursors[i]!.next();
        this.counters.rowsIn++;
      }
    }
    let above = open.partitionDeletion;
    for (const rt of open.shadowing) {
      if (supersedes(rt.deletion, above) && rangeTombstoneCovers(layout, rt, merged.clustering)) above = rt.deletion;
    }
    const shadowed = shadowRow(layout, merged, above, false);
    if (shadowed === null) return true;
    const purged = purgeRow(dropDroppedColumns(layout, shadowed), open.limits);
    if (purged === null) return true;
    if (!open.headerWritten) this.writeHeader(open);
    this.options.sink.addRow(purged);
    this.counters.rowsOut++;
    return true;
  }

  private writeHeader(open: OpenPartition): void {
    open.headerWritten = true;
    this.options.sink.beginPartition(open.key, open.token, open.header);
    this.counters.partitionsOut++;
  }

  private closePartition(): void {
    const open = this.open!;
    if (open.headerWritten) this.options.sink.endPartition();
    this.counters.bytesRead += open.inputBytes;
    this.open = null;
  }
}

function compareEntries(a: IndexEntry, b: IndexEntry): number {
  if (a.token !== b.token) return a.token < b.token ? -1 : 1;
  return Buffer.compare(a.key, b.key);
}

/** Range tombstones not superseded by the partition deletion, deduplicated by bounds. */
function collectRangeTombstones(lists: ReadonlyArray<readonly RangeTombstone[]>, partitionDeletion: DeletionTime | null): RangeTombstone[] {
  const out: RangeTombstone[] = [];
  for (const list of lists) {
    for (const rt of list) {
      if (!supersedes(rt.deletion, partitionDeletion)) continue;
      let duplicate = false;
      for (let i = 0; i < out.length; i++) {
        const o = out[i]!;
        if (boundsEqual(o.start, rt.start) && boundsEqual(o.end, rt.end)) {
          if (supersedes(rt.deletion, o.deletion)) out[i] = rt;
          duplicate = true;
          break;
        }
      }
      if (!duplicate) out.push(rt);
    }
  }
  return out;
}

/** Drops cells of columns dropped (ALTER TABLE DROP) at or after their write. */
function dropDroppedColumns(layout: TableLayout, row: Row): Row {
  const dropped = layout.droppedAtMicros;
  if (dropped.size === 0) return row;
  let kept: Cell[] | null = null;
  const cells = row.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    const at = dropped.get(c.column);
    const gone = at !== undefined && c.timestampMicros <= at;
    if (gone && kept === null) kept = cells.slice(0, i);
    else if (!gone && kept !== null) kept.push(c);
  }
  if (kept === null) return row;
  assert(kept.length < cells.length, 'dropped-column filter removed a cell');
  return { clustering: row.clustering, liveness: row.liveness, deletion: row.deletion, cells: kept, complexDeletions: row.complexDeletions };
}
