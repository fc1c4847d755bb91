// Merges one partition's sources (memtables, SSTables, or replicas' results) into a ReadPartition:
// versions of a row are reconciled, data shadowed by partition, range and row deletions is
// removed (the deletions themselves are kept), the clustering filter, paging position and
// column projection are applied, and live rows are counted against the limit as they stream.
import { assert } from '../../lib/index.ts';
import {
  boundsEqual, comparePositions, endSide, isAfterStart, isBeforeEnd, rangeTombstoneCovers, rangesIntersect, startSide,
} from '../clustering-position.ts';
import { maxDeletion, supersedes } from '../deletion-time.ts';
import type { Clustering, DeletionTime, RangeTombstone, ReadPartition, Row, Slice } from '../model.ts';
import { isCellLive, isLivenessLive, isRowLive, mergeRows, shadowRow, toLiveRow } from '../reconcile.ts';
import type { TableLayout } from '../table-layout.ts';
import { TombstoneOverwhelmingError } from '../errors.ts';
import { ArrayPartitionSource } from './partition-source.ts';
import type { ClusteringPosition, PartitionSource, RowCursor } from './partition-source.ts';

export interface PartitionFilter {
  readonly layout: TableLayout;
  readonly nowSeconds: number;
  readonly reversed: boolean;
  /** Sorted, non-overlapping, in clustering order (also when reversed). */
  readonly slices: readonly Slice[];
  /** Projected columns, or null for all. */
  readonly columns: ReadonlySet<string> | null;
  readonly includeStaticRow: boolean;
  /** Skip rows up to and including this clustering, in query order. */
  readonly resumeAfter: Clustering | null;
  /** Stop after this many live rows. */
  readonly liveRowLimit: number;
  /** Tombstones the merge may go through before failing with TombstoneOverwhelmingError (Infinity: no limit). */
  readonly tombstoneBudget: number;
}

export interface MergedPartition {
  /** Null when no source had anything in the filter. */
  readonly partition: ReadPartition | null;
  /** Live rows counted against the limits (a static-only partition counts as one). */
  readonly liveRows: number;
  /** Deletions, tombstone cells and expired cells gone through (tombstone warn/fail thresholds). */
  readonly tombstones: number;
}

const NO_RESULT: MergedPartition = { partition: null, liveRows: 0, tombstones: 0 };

export function mergePartition(key: Buffer, token: bigint, sources: readonly PartitionSource[], filter: PartitionFilter): MergedPartition {
  const { layout, reversed, slices } = filter;
  if (sources.length === 0) return NO_RESULT;

  let partitionDeletion: DeletionTime | null = null;
  for (const s of sources) partitionDeletion = maxDeletion(partitionDeletion, s.partitionDeletion);

  let staticRow: Row | null = null;
  for (const s of sources) {
    if (s.staticRow !== null) staticRow = staticRow === null ? s.staticRow : mergeRows(layout, staticRow, s.staticRow);
  }
  if (staticRow !== null) staticRow = shadowRow(layout, staticRow, partitionDeletion, true);

  const rangeTombstones = collectRangeTombstones(layout, sources, partitionDeletion, slices);
  let tombstones = rangeTombstones.length + (partitionDeletion === null ? 0 : 1);
  const tombstoneBudget = filter.tombstoneBudget;
  const nowSeconds = filter.nowSeconds;

  const resume = filter.resumeAfter;
  const cursors: RowCursor[] = [];
  const heads: Array<Row | null> = [];
  // Where the cursors start: the first slice bound in query order, moved past the paging position.
  const firstSlice = reversed ? slices[slices.length - 1] : slices[0];
  let from: ClusteringPosition | null = firstSlice === undefined ? null : reversed
    ? { values: firstSlice.end.values, side: endSide(firstSlice.end) }
    : { values: firstSlice.start.values, side: startSide(firstSlice.start) };
  if (from !== null && resume !== null) {
    const after: ClusteringPosition = { values: resume, side: reversed ? -1 : 1 };
    const c = comparePositions(layout, after.values, after.side, from.values, from.side);
    if (reversed ? c < 0 : c > 0) from = after;
  }
  for (const s of from === null ? [] : sources) {
    const cursor = s.rows(reversed, from);
    const head = cursor.next();
    if (head !== null) {
      cursors.push(cursor);
      heads.push(head);
    }
  }

  const rows: Row[] = [];
  let liveRows = 0;
  let sliceIndex = reversed ? slices.length - 1 : 0;
  const compare = layout.compareClusterings;
  const direction = reversed ? -1 : 1;
  while (liveRows < filter.liveRowLimit) {
    // The next clustering in query order among the heads, and every version of it.
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h === null || h === undefined) continue;
      if (best < 0 || compare(h.clustering, heads[best]!.clustering) * direction < 0) best = i;
    }
    if (best < 0) break;
    let merged = heads[best]!;
    heads[best] = cursors[best]!.next();
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (i === best || h === null || h === undefined) continue;
      if (compare(h.clustering, merged.clustering) === 0) {
        merged = mergeRows(layout, merged, h);
        heads[i] = cursors[i]!.next();
      }
    }
    const clustering = merged.clustering;

    // Clustering filter: advance the slice pointer, stop when past the last slice.
    let inSlice = false;
    for (;;) {
      const slice = slices[sliceIndex];
      if (slice === undefined) break;
      if (reversed ? !isAfterStart(layout, clustering, slice.start) : !isBeforeEnd(layout, clustering, slice.end)) {
        sliceIndex += direction;
        continue;
      }
      inSlice = reversed ? isBeforeEnd(layout, clustering, slice.end) : isAfterStart(layout, clustering, slice.start);
      break;
    }
    if (slices[sliceIndex] === undefined) break;
    if (!inSlice) continue;
    if (resume !== null && compare(clustering, resume) * direction <= 0) continue;

    let above = partitionDeletion;
    for (const rt of rangeTombstones) {
      if (supersedes(rt.deletion, above) && rangeTombstoneCovers(layout, rt, clustering)) above = rt.deletion;
    }
    if (merged.deletion !== null) tombstones++;
    const mergedCells = merged.cells;
    for (let i = 0; i < mergedCells.length; i++) if (!isCellLive(mergedCells[i]!, nowSeconds)) tombstones++;
    if (tombstones > tombstoneBudget) throw tombstoneOverwhelming(tombstones, key);
    const shadowed = shadowRow(layout, merged, above, true);
    if (shadowed === null) continue;
    rows.push(project(shadowed, filter.columns, filter.nowSeconds));
    if (isRowLive(shadowed, filter.nowSeconds)) liveRows++;
  }

  let returnedStatic: Row | null = null;
  if (staticRow !== null && (filter.includeStaticRow || rows.length > 0)) returnedStatic = project(staticRow, filter.columns, filter.nowSeconds);
  if (liveRows === 0 && filter.includeStaticRow && resume === null && staticRow !== null && isRowLive(staticRow, filter.nowSeconds) && filter.liveRowLimit > 0) {
    liveRows = 1;
  }
  if (tombstones > tombstoneBudget) throw tombstoneOverwhelming(tombstones, key);
  if (partitionDeletion === null && returnedStatic === null && rows.length === 0 && rangeTombstones.length === 0) return { partition: null, liveRows: 0, tombstones };
  return { partition: { key, token, partitionDeletion, staticRow: returnedStatic, rows, rangeTombstones }, liveRows, tombstones };
}

/** Range tombstones that matter for the filter: not shadowed by the partition deletion, deduplicated. */
function collectRangeTombstones(layout: TableLayout, sources: readonly PartitionSource[], partitionDeletion: DeletionTime | null, slices: readonly Slice[]): RangeTombstone[] {
  const out: RangeTombstone[] = [];
  for (const s of sources) {
    for (const rt of s.rangeTombstones) {
      if (!supersedes(rt.deletion, partitionDeletion)) continue;
      if (!slices.some((slice) => rangesIntersect(layout, rt, slice))) continue;
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

/**
 * Keeps the cells (and complex deletions) of the projected columns. A row kept alive only by
 * cells outside the projection keeps all its cells, so that liveness survives a later merge of
 * replica results; callers display only the columns they asked for.
 */
function project(row: Row, columns: ReadonlySet<string> | null, nowSeconds: number): Row {
  if (columns === null) return row;
  let allIn = true;
  for (const c of row.cells) {
    if (!columns.has(c.column)) {
      allIn = false;
      break;
    }
  }
  let complexIn = true;
  for (const cd of row.complexDeletions) {
    if (!columns.has(cd.column)) {
      complexIn = false;
      break;
    }
  }
  if (allIn && complexIn) return row;
  if (!isLivenessLive(row.liveness, nowSeconds)) {
    let liveInside = false;
    let liveOutside = false;
    for (const c of row.cells) {
      if (!isCellLive(c, nowSeconds)) continue;
      if (columns.has(c.column)) liveInside = true;
      else liveOutside = true;
    }
    if (!liveInside && liveOutside) return row;
  }
  return {
    clustering: row.clustering,
    liveness: row.liveness,
    deletion: row.deletion,
    cells: allIn ? row.cells : row.cells.filter((c) => columns.has(c.column)),
    complexDeletions: complexIn ? row.complexDeletions : row.complexDeletions.filter((cd) => columns.has(cd.column)),
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers exported for the coordinator (merging replica results)

/** The partition with only live data at `nowSeconds`: no deletions, no expired or dead cells or rows. */
export function toLivePartition(partition: ReadPartition, nowSeconds: number): ReadPartition {
  const rows: Row[] = [];
  for (const r of partition.rows) {
    const live = toLiveRow(r, nowSeconds);
    if (live !== null) rows.push(live);
  }
  const staticRow = partition.staticRow === null ? null : toLiveRow(partition.staticRow, nowSeconds);
  return { key: partition.key, token: partition.token, partitionDeletion: null, staticRow, rows, rangeTombstones: [] };
}

/** True when the partition has nothing live at `nowSeconds`. */
export function isPartitionEmpty(partition: ReadPartition, nowSeconds: number): boolean {
  if (partition.staticRow !== null && isRowLive(partition.staticRow, nowSeconds)) return false;
  return !partition.rows.some((r) => isRowLive(r, nowSeconds));
}

/**
 * Merges replicas' versions of one partition (same key, results of the same read): versions of
 * rows are reconciled and shadowed data removed, deletions kept. Rows come back in query order.
 */
export function mergeReadPartitions(layout: TableLayout, partitions: readonly ReadPartition[], options: { reversed: boolean; nowSeconds: number }): ReadPartition | null {
  if (partitions.length === 0) return null;
  const first = partitions[0]!;
  for (const p of partitions) assert(p.token === first.token && p.key.equals(first.key), 'merging versions of different partitions');
  const sources = partitions.map((p) => ({
    partitionDeletion: p.partitionDeletion,
    staticRow: p.staticRow,
    rangeTombstones: p.rangeTombstones,
    rowsInOrder: options.reversed ? [...p.rows].reverse() : p.rows,
  }));
  const merged = mergePartition(first.key, first.token, sources.map((s) => new ArrayPartitionSource(layout, { ...s, rows: s.rowsInOrder })), {
    layout,
    nowSeconds: options.nowSeconds,
    reversed: options.reversed,
    slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }],
    columns: null,
    includeStaticRow: true,
    resumeAfter: null,
    liveRowLimit: Infinity,
    tombstoneBudget: Infinity,
  });
  return merged.partition;
}

function tombstoneOverwhelming(tombstones: number, key: Buffer): TombstoneOverwhelmingError {
  return new TombstoneOverwhelmingError({ tombstones, partitionKeyHex: key.toString('hex').slice(0, 64) });
}
