// Executes a ReadCommand against one table's memtables and SSTables: a single partition (bloom
// filter and index lookups per SSTable) or a token range (a k-way merge of partition streams in
// (token, key) order), merging each partition's sources and enforcing the row, per-partition and
// partition limits, counting live rows only.
import type { Memtable, MemtablePartition, PartitionKey } from '../memtable/memtable.ts';
import { comparePartitionKeys } from '../memtable/memtable.ts';
import { MemtablePartitionSource } from '../memtable/memtable-source.ts';
import type { PartitionCursor } from '../memtable/partition-runs.ts';
import { sliceOfClustering } from '../clustering-position.ts';
import type { PartitionPosition, ReadCommand, ReadPartition, ReadResult, Slice } from '../model.ts';
import { tokenHighOf, tokenLowOf } from '../sstable/partition-index.ts';
import type { IndexEntry, IndexScanner, PartitionProbe, SSTableReader } from '../sstable/sstable-reader.ts';
import type { TableLayout } from '../table-layout.ts';
import { mergePartition } from './partition-merger.ts';
import type { SSTableSet } from './sstable-set.ts';
import type { PartitionFilter } from './partition-merger.ts';
import type { PartitionSource } from './partition-source.ts';

/** What a read sees of a table: memtables (live first, then flushing) and SSTables. */
export interface TableReadView {
  readonly layout: TableLayout;
  readonly memtables: readonly Memtable[];
  readonly sstables: SSTableSet;
}

/** Per-read bounds and what a read reports back. */
export interface ReadOptions {
  /** The read fails with TombstoneOverwhelmingError past this many tombstones (Infinity: never). */
  readonly tombstoneFailThreshold: number;
}

export interface ReadOutcome {
  readonly result: ReadResult;
  /** Tombstones (deletions, tombstone and expired cells) the read went through. */
  readonly tombstones: number;
  /** SSTables consulted (single-partition reads). */
  readonly sstablesRead: number;
}

const EMPTY_RESULT: ReadResult = { partitions: [] };
const EMPTY_OUTCOME: ReadOutcome = { result: EMPTY_RESULT, tombstones: 0, sstablesRead: 0 };
const DEFAULT_OPTIONS: ReadOptions = { tombstoneFailThreshold: Infinity };

export function executeRead(view: TableReadView, command: ReadCommand): ReadResult {
  return executeReadCounted(view, command, DEFAULT_OPTIONS).result;
}

export function executeReadCounted(view: TableReadView, command: ReadCommand, options: ReadOptions): ReadOutcome {
  const limits = command.limits;
  if (limits.rows <= 0 || limits.partitions <= 0 || limits.perPartitionRows <= 0) return EMPTY_OUTCOME;
  const layout = view.layout;
  const slices = slicesOf(command);
  const reversed = command.clustering.reversed;
  const columns = command.columns === 'all' ? null : new Set(command.columns);
  let tombstones = 0;
  const filterFor = (resume: boolean, rowsRemaining: number): PartitionFilter => ({
    tombstoneBudget: options.tombstoneFailThreshold - tombstones,
    layout,
    nowSeconds: command.nowSeconds,
    reversed,
    slices,
    columns,
    includeStaticRow: command.includeStaticRow,
    resumeAfter: resume ? command.resumeAfterClustering : null,
    liveRowLimit: Math.min(limits.perPartitionRows, rowsRemaining),
  });

  const selector = command.partitions;
  if (selector.kind === 'single') {
    const sources: PartitionSource[] = [];
    const sstablesRead = singlePartitionSources(view, selector, sources);
    // Nowhere (a miss): what the merge of nothing returns, without building its filter.
    if (sources.length === 0) return sstablesRead === 0 ? EMPTY_OUTCOME : { result: EMPTY_RESULT, tombstones: 0, sstablesRead };
    const merged = mergePartition(selector.key, selector.token, sources, filterFor(true, limits.rows));
    return { result: merged.partition === null ? EMPTY_RESULT : { partitions: [merged.partition] }, tombstones: merged.tombstones, sstablesRead };
  }

  const streams = rangeStreams(view, selector.start, selector.startInclusive);
  const out: ReadPartition[] = [];
  let rowsRemaining = limits.rows;
  let partitionsRemaining = limits.partitions;
  const startKey = selector.start.key;
  while (rowsRemaining > 0 && partitionsRemaining > 0) {
    let best: PartitionKey | null = null;
    for (const s of streams) {
      const head = s.head;
      if (head !== null && (best === null || comparePartitionKeys(head, best) < 0)) best = head;
    }
    if (best === null || !isBeforeRangeEnd(best, selector.end, selector.endInclusive)) break;
    const key = best.key;
    const token = best.token;
    const sources: PartitionSource[] = [];
    for (const s of streams) {
      const head = s.head;
      if (head !== null && head.token === token && head.key.equals(key)) {
        sources.push(s.open());
        s.advance();
      }
    }
    const resume = startKey !== null && token === selector.start.token && key.equals(startKey);
    const merged = mergePartition(key, token, sources, filterFor(resume, rowsRemaining));
    tombstones += merged.tombstones;
    if (merged.partition === null) continue;
    out.push(merged.partition);
    if (merged.liveRows > 0) {
      rowsRemaining -= merged.liveRows;
      partitionsRemaining--;
    }
  }
  return { result: { partitions: out }, tombstones, sstablesRead: 0 };
}

function slicesOf(command: ReadCommand): readonly Slice[] {
  const filter = command.clustering;
  if (filter.kind === 'slices') return filter.slices;
  return filter.clusterings.map(sliceOfClustering);
}

/**
 * Pushes the partition's sources into `sources`; returns how many SSTables were consulted. In a
 * table whose partitions are one row of single-cell regular columns, SSTables are consulted newest
 * first (max timestamp) and one is skipped when what was already found covers it: the row's
 * liveness and every column (or a deletion) are newer than anything in it, and it holds no
 * tombstones, so the merge returns exactly what it would with it (Cassandra's timestamp-ordered
 * read of a names query).
 */
export function singlePartitionSources(view: TableReadView, key: PartitionKey, sources: PartitionSource[]): number {
  for (const memtable of view.memtables) {
    const p = memtable.get(key);
    if (p !== undefined) sources.push(new MemtablePartitionSource(view.layout, p));
  }
  const candidates: SSTableReader[] = [];
  view.sstables.forToken(key.token, candidates);
  if (candidates.length === 0) return 0;
  const high = tokenHighOf(key.token);
  const low = tokenLowOf(key.token);
  const columns = candidates.length > 1 ? coverableColumns(view.layout) : null;
  if (columns !== null) return timestampOrderedSources(view.layout, columns, key, { high, low }, candidates, sources);
  for (const sstable of candidates) {
    const partition = sstable.findPartition(view.layout, key.token, key.key, high, low);
    if (partition !== null) sources.push(partition);
  }
  return candidates.length;
}

const NO_COVERABLE_COLUMNS: readonly string[] = [];
const coverableByLayout = new WeakMap<TableLayout, readonly string[]>();

/**
 * The regular columns a timestamp-ordered read must see to skip older SSTables, or null when the
 * table does not qualify (clustering columns, static columns, counters, multi-cell columns).
 */
function coverableColumns(layout: TableLayout): readonly string[] | null {
  let columns = coverableByLayout.get(layout);
  if (columns === undefined) {
    columns = NO_COVERABLE_COLUMNS;
    if (layout.clusteringSize === 0 && !layout.hasStaticColumns && !layout.isCounterTable) {
      const names: string[] = [];
      let ok = true;
      for (const [name, c] of layout.columns) {
        if (c.isStatic || c.isCounter || c.isMultiCell) ok = false;
        names.push(name);
      }
      if (ok) columns = names;
    }
    coverableByLayout.set(layout, columns);
  }
  return columns === NO_COVERABLE_COLUMNS ? null : columns;
}

function timestampOrderedSources(
  layout: TableLayout, columns: readonly string[], key: PartitionKey, halves: { high: number; low: number }, candidates: SSTableReader[], sources: PartitionSource[],
): number {
  // Newest first: level 0 comes so already (SSTableSet), so this insertion sort is usually a pass.
  for (let i = 1; i < candidates.length; i++) {
    const c = candidates[i]!;
    const t = c.statistics.maxTimestampMicros;
    let j = i - 1;
    while (j >= 0 && candidates[j]!.statistics.maxTimestampMicros < t) {
      candidates[j + 1] = candidates[j]!;
      j--;
    }
    candidates[j + 1] = c;
  }
  // Everything found so far is newer than this (-Infinity: nothing covers anything yet).
  let covered = -Infinity;
  let coverageKnown = false;
  let consulted = 0;
  for (const sstable of candidates) {
    const stats = sstable.statistics;
    if (stats.tombstoneCount === 0) {
      if (!coverageKnown) {
        covered = coverageOf(columns, sources);
        coverageKnown = true;
      }
      if (covered > stats.maxTimestampMicros) continue;
    }
    consulted++;
    const partition = sstable.findPartition(layout, key.token, key.key, halves.high, halves.low);
    if (partition !== null) {
      sources.push(partition);
      coverageKnown = false;
    }
  }
  return consulted;
}

/**
 * The timestamp below which the sources' single row is complete: the newest partition or row
 * deletion, or the oldest of the row's liveness and each column's newest cell (all must exist).
 */
function coverageOf(columns: readonly string[], sources: readonly PartitionSource[]): number {
  if (sources.length === 0) return -Infinity;
  let deletion = -Infinity;
  let liveness = -Infinity;
  const newest = new Array<number>(columns.length).fill(-Infinity);
  for (const source of sources) {
    if (source.partitionDeletion !== null) deletion = Math.max(deletion, source.partitionDeletion.markedForDeleteAtMicros);
    const row = source.rows(false, null).next();
    if (row === null) continue;
    if (row.deletion !== null) deletion = Math.max(deletion, row.deletion.markedForDeleteAtMicros);
    if (row.liveness !== null) liveness = Math.max(liveness, row.liveness.timestampMicros);
    for (const cell of row.cells) {
      const i = columns.indexOf(cell.column);
      if (i >= 0 && cell.timestampMicros > newest[i]!) newest[i] = cell.timestampMicros;
    }
  }
  let complete = liveness;
  for (const t of newest) complete = Math.min(complete, t);
  return Math.max(deletion, complete);
}

/** Sign of (token, key) relative to the range start: >= 0 means inside. */
function startProbe(start: PartitionPosition, inclusive: boolean): PartitionProbe {
  const startKey = start.key;
  return (token, key) => {
    if (token !== start.token) return token < start.token ? -1 : 1;
    if (startKey === null) return inclusive ? 1 : -1;
    const c = Buffer.compare(key, startKey);
    return c === 0 ? (inclusive ? 0 : -1) : c;
  };
}

function isBeforeRangeEnd(p: PartitionKey, end: PartitionPosition, inclusive: boolean): boolean {
  if (p.token !== end.token) return p.token < end.token;
  if (end.key === null) return inclusive;
  const c = Buffer.compare(p.key, end.key);
  return c < 0 || (c === 0 && inclusive);
}

interface PartitionStream {
  readonly head: PartitionKey | null;
  open(): PartitionSource;
  advance(): void;
}

function rangeStreams(view: TableReadView, start: PartitionPosition, startInclusive: boolean): PartitionStream[] {
  const probe = startProbe(start, startInclusive);
  const streams: PartitionStream[] = [];
  for (const memtable of view.memtables) {
    if (memtable.isEmpty) continue;
    const cursor = memtable.partitions.seek((p) => probe(p.token, p.key), Number(start.token));
    if (cursor.valid) streams.push(new MemtableStream(view.layout, cursor));
  }
  for (const sstable of view.sstables.all) {
    if (sstable.statistics.maxToken < start.token) continue;
    const stream = new SSTableStream(view.layout, sstable, sstable.scan(probe, start.token));
    if (stream.head !== null) streams.push(stream);
  }
  return streams;
}

class MemtableStream implements PartitionStream {
  private readonly layout: TableLayout;
  private readonly cursor: PartitionCursor<MemtablePartition>;

  constructor(layout: TableLayout, cursor: PartitionCursor<MemtablePartition>) {
    this.layout = layout;
    this.cursor = cursor;
  }

  get head(): PartitionKey | null {
    return this.cursor.valid ? this.cursor.value : null;
  }

  open(): PartitionSource {
    return new MemtablePartitionSource(this.layout, this.cursor.value);
  }

  advance(): void {
    this.cursor.next();
  }
}

class SSTableStream implements PartitionStream {
  private readonly layout: TableLayout;
  private readonly sstable: SSTableReader;
  private readonly scanner: IndexScanner;
  private current: IndexEntry | null;

  constructor(layout: TableLayout, sstable: SSTableReader, scanner: IndexScanner) {
    this.layout = layout;
    this.sstable = sstable;
    this.scanner = scanner;
    this.current = scanner.next();
  }

  get head(): PartitionKey | null {
    return this.current;
  }

  open(): PartitionSource {
    return this.sstable.readPartition(this.layout, this.current!);
  }

  advance(): void {
    this.current = this.scanner.next();
  }
}
