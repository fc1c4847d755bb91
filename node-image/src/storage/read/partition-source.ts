// What the read path merges: one partition's data from one source (a memtable, an SSTable, or a
// replica's ReadPartition), exposing its deletions up front and its rows through a cursor that
// starts at a clustering position and runs in query order.
import { comparePositions } from '../clustering-position.ts';
import type { Side } from '../clustering-position.ts';
import type { DeletionTime, RangeTombstone, Row } from '../model.ts';
import type { TableLayout } from '../table-layout.ts';

/** Rows one at a time; null when exhausted. */
export interface RowCursor {
  next(): Row | null;
}

/** A clustering position: rows before it (in query order) are skipped by `rows()`. */
export interface ClusteringPosition {
  readonly values: readonly Buffer[];
  readonly side: Side;
}

export interface PartitionSource {
  readonly partitionDeletion: DeletionTime | null;
  readonly staticRow: Row | null;
  readonly rangeTombstones: readonly RangeTombstone[];
  /**
   * Rows in clustering order (or reversed), starting at the first row at or after `from` in that
   * order (forward: clustering > from; reversed: clustering < from), or at the first row if null.
   */
  rows(reversed: boolean, from: ClusteringPosition | null): RowCursor;
}

export const EMPTY_CURSOR: RowCursor = { next: () => null };

/** A cursor over a sorted array of rows. */
export class ArrayRowCursor implements RowCursor {
  private readonly rows: readonly Row[];
  private index: number;
  private readonly step: 1 | -1;

  constructor(rows: readonly Row[], startIndex: number, reversed: boolean) {
    this.rows = rows;
    this.index = startIndex;
    this.step = reversed ? -1 : 1;
  }

  next(): Row | null {
    const row = this.rows[this.index];
    if (row === undefined) return null;
    this.index += this.step;
    return row;
  }
}

/** Rows of a sorted array as a cursor from a position. */
export function arrayRows(layout: TableLayout, rows: readonly Row[], reversed: boolean, from: ClusteringPosition | null): RowCursor {
  if (rows.length === 0) return EMPTY_CURSOR;
  if (from === null) return new ArrayRowCursor(rows, reversed ? rows.length - 1 : 0, reversed);
  // First index whose clustering sorts after the position (positions never equal a clustering
  // unless side is 0, in which case the clustering itself is included).
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePositions(layout, rows[mid]!.clustering, 0, from.values, from.side) < 0) lo = mid + 1;
    else hi = mid;
  }
  if (!reversed) return new ArrayRowCursor(rows, lo, false);
  // Reversed: the last index at or before the position.
  let start = lo;
  if (start < rows.length && comparePositions(layout, rows[start]!.clustering, 0, from.values, from.side) === 0) return new ArrayRowCursor(rows, start, true);
  start = lo - 1;
  return new ArrayRowCursor(rows, start, true);
}

/** A source over plain values (a replica's ReadPartition, or decoded data), rows in clustering order. */
export class ArrayPartitionSource implements PartitionSource {
  readonly partitionDeletion: DeletionTime | null;
  readonly staticRow: Row | null;
  readonly rangeTombstones: readonly RangeTombstone[];
  private readonly layout: TableLayout;
  private readonly sortedRows: readonly Row[];

  constructor(layout: TableLayout, contents: { partitionDeletion: DeletionTime | null; staticRow: Row | null; rangeTombstones: readonly RangeTombstone[]; rows: readonly Row[] }) {
    this.layout = layout;
    this.partitionDeletion = contents.partitionDeletion;
    this.staticRow = contents.staticRow;
    this.rangeTombstones = contents.rangeTombstones;
    this.sortedRows = contents.rows;
  }

  rows(reversed: boolean, from: ClusteringPosition | null): RowCursor {
    return arrayRows(this.layout, this.sortedRows, reversed, from);
  }
}
