// Reconciliation of versions of the same data (cassandra-internals.md 4.7): cells by
// last-write-wins with Cassandra's tie-breaks, row liveness, row merges, and the removal of data
// shadowed by deletions. Pure functions over immutable model values; they return an input
// unchanged (same object) whenever nothing changes, so merges allocate only on real conflicts.
import { assert } from '../lib/index.ts';
import { deletes, maxDeletion, supersedes } from './deletion-time.ts';
import { NO_DELETION_TIME } from './model.ts';
import type { Cell, ComplexDeletion, DeletionTime, LivenessInfo, Row } from './model.ts';
import { compareColumnNames, comparePathsOf } from './table-layout.ts';
import type { TableLayout } from './table-layout.ts';

/**
 * The winner of two versions of one cell (same column and path). For counter columns a tombstone
 * wins whatever the timestamps (rule 4); live counter cells hold totals and fall back to LWW.
 */
export function reconcileCells(left: Cell, right: Cell, isCounterColumn: boolean): Cell {
  if (isCounterColumn && left.tombstone !== right.tombstone) return left.tombstone ? left : right;
  if (left.timestampMicros !== right.timestampMicros) return left.timestampMicros > right.timestampMicros ? left : right;
  const leftLdt = left.localDeletionTimeSeconds;
  const rightLdt = right.localDeletionTimeSeconds;
  const leftDying = leftLdt !== NO_DELETION_TIME || left.tombstone;
  const rightDying = rightLdt !== NO_DELETION_TIME || right.tombstone;
  if (leftDying || rightDying) {
    // Expiring cells count as tombstones so the outcome does not depend on the reconciling clock.
    if (leftDying !== rightDying) return leftDying ? left : right;
    if (left.tombstone !== right.tombstone) return left.tombstone ? left : right;
    if (leftLdt !== rightLdt) return leftLdt > rightLdt ? left : right;
  }
  return Buffer.compare(left.value, right.value) >= 0 ? left : right;
}

/** The row marker that wins (Cassandra's LivenessInfo.supersedes). */
export function reconcileLiveness(left: LivenessInfo | null, right: LivenessInfo | null): LivenessInfo | null {
  if (left === null) return right;
  if (right === null) return left;
  return livenessSupersedes(right, left) ? right : left;
}

function livenessSupersedes(a: LivenessInfo, b: LivenessInfo): boolean {
  if (a.timestampMicros !== b.timestampMicros) return a.timestampMicros > b.timestampMicros;
  const aExpiring = a.ttlSeconds > 0;
  const bExpiring = b.ttlSeconds > 0;
  if (aExpiring === bExpiring) return a.localExpirationTimeSeconds > b.localExpirationTimeSeconds;
  return aExpiring;
}

/** Orders cells by column name, then by the column's path comparator. */
export function compareCells(layout: TableLayout, a: Cell, b: Cell): number {
  const byName = compareColumnNames(a.column, b.column);
  if (byName !== 0) return byName;
  if (a.path === null || b.path === null) return a.path === b.path ? 0 : a.path === null ? -1 : 1;
  return comparePathsOf(layout, a.column)(a.path, b.path);
}

/** Merges two versions of the same row (same clustering), then drops what the row's own deletions shadow. */
export function mergeRows(layout: TableLayout, a: Row, b: Row): Row {
  const liveness = reconcileLiveness(a.liveness, b.liveness);
  const deletion = maxDeletion(a.deletion, b.deletion);
  const complexDeletions = mergeComplexDeletions(a.complexDeletions, b.complexDeletions);
  const cells = mergeCellLists(layout, a.cells, b.cells);
  const merged: Row = { clustering: a.clustering, liveness, deletion, cells, complexDeletions };
  return shadowRow(layout, merged, null) ?? { clustering: a.clustering, liveness: null, deletion: null, cells: [], complexDeletions: [] };
}

/** Merges two cell lists sorted by (column, path) with reconcileCells. */
export function mergeCellLists(layout: TableLayout, a: readonly Cell[], b: readonly Cell[]): readonly Cell[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: Cell[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const c = compareCells(layout, x, y);
    if (c < 0) {
      out.push(x);
      i++;
    } else if (c > 0) {
      out.push(y);
      j++;
    } else {
      out.push(reconcileCells(x, y, layout.columns.get(x.column)?.isCounter ?? false));
      i++;
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

function mergeComplexDeletions(a: readonly ComplexDeletion[], b: readonly ComplexDeletion[]): readonly ComplexDeletion[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: ComplexDeletion[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const c = compareColumnNames(a[i]!.column, b[j]!.column);
    if (c < 0) out.push(a[i++]!);
    else if (c > 0) out.push(b[j++]!);
    else {
      out.push(supersedes(b[j]!.deletion, a[i]!.deletion) ? b[j]! : a[i]!);
      i++;
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/**
 * Removes from `row` what `above` (partition deletion or covering range tombstone) and the row's
 * own deletions shadow: the row deletion itself when `above` supersedes it, the row marker, complex
 * deletions and cells written at or before the effective deletion. With `hideDropped`, cells of
 * columns the schema dropped (or no longer has) are removed too. Returns null for an empty row.
 */
export function shadowRow(layout: TableLayout, row: Row, above: DeletionTime | null, hideDropped = false): Row | null {
  const rowDeletion = row.deletion !== null && supersedes(row.deletion, above) ? row.deletion : null;
  const effective = maxDeletion(above, rowDeletion);
  const liveness = row.liveness !== null && deletes(effective, row.liveness.timestampMicros) ? null : row.liveness;
  let complexDeletions = row.complexDeletions;
  if (complexDeletions.length > 0 && effective !== null && complexDeletions.some((cd) => !supersedes(cd.deletion, effective))) {
    complexDeletions = complexDeletions.filter((cd) => supersedes(cd.deletion, effective));
  }
  let cells = row.cells;
  let changedCells = false;
  if (effective !== null || complexDeletions.length > 0 || hideDropped) {
    let kept: Cell[] | null = null;
    let cdIndex = 0;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i]!;
      let shadowed = deletes(effective, cell.timestampMicros);
      if (!shadowed && complexDeletions.length > 0) {
        while (cdIndex < complexDeletions.length && compareColumnNames(complexDeletions[cdIndex]!.column, cell.column) < 0) cdIndex++;
        const cd = complexDeletions[cdIndex];
        if (cd !== undefined && cd.column === cell.column && deletes(cd.deletion, cell.timestampMicros)) shadowed = true;
      }
      if (!shadowed && hideDropped && isHidden(layout, cell)) shadowed = true;
      if (shadowed && kept === null) kept = cells.slice(0, i);
      else if (!shadowed && kept !== null) kept.push(cell);
    }
    if (kept !== null) {
      cells = kept;
      changedCells = true;
    }
  }
  if (liveness === null && rowDeletion === null && cells.length === 0 && complexDeletions.length === 0) return null;
  if (liveness === row.liveness && rowDeletion === row.deletion && !changedCells && complexDeletions === row.complexDeletions) return row;
  return { clustering: row.clustering, liveness, deletion: rowDeletion, cells, complexDeletions };
}

/** Cells of a dropped column written before the drop, or of a column unknown to the schema. */
export function isHidden(layout: TableLayout, cell: Cell): boolean {
  if (!layout.columns.has(cell.column)) return true;
  const droppedAt = layout.droppedAtMicros.get(cell.column);
  return droppedAt !== undefined && cell.timestampMicros <= droppedAt;
}

// ---------------------------------------------------------------------------------------------
// Liveness at a point in time

export function isCellLive(cell: Cell, nowSeconds: number): boolean {
  return !cell.tombstone && (cell.localDeletionTimeSeconds === NO_DELETION_TIME || nowSeconds < cell.localDeletionTimeSeconds);
}

export function isLivenessLive(liveness: LivenessInfo | null, nowSeconds: number): boolean {
  return liveness !== null && (liveness.localExpirationTimeSeconds === NO_DELETION_TIME || nowSeconds < liveness.localExpirationTimeSeconds);
}

/** A row is live when its marker is live or any of its cells is. */
export function isRowLive(row: Row, nowSeconds: number): boolean {
  if (isLivenessLive(row.liveness, nowSeconds)) return true;
  for (const cell of row.cells) if (isCellLive(cell, nowSeconds)) return true;
  return false;
}

/** The row with only its live parts (marker, live cells), or null when nothing is live. */
export function toLiveRow(row: Row, nowSeconds: number): Row | null {
  const liveness = isLivenessLive(row.liveness, nowSeconds) ? row.liveness : null;
  let allLive = true;
  for (const cell of row.cells) {
    if (!isCellLive(cell, nowSeconds)) {
      allLive = false;
      break;
    }
  }
  const cells = allLive ? row.cells : row.cells.filter((c) => isCellLive(c, nowSeconds));
  if (liveness === null && cells.length === 0) return null;
  if (liveness === row.liveness && cells === row.cells && row.deletion === null && row.complexDeletions.length === 0) return row;
  return { clustering: row.clustering, liveness, deletion: null, cells, complexDeletions: [] };
}

export function assertCellsSorted(layout: TableLayout, row: Row): void {
  for (let i = 1; i < row.cells.length; i++) {
    // (The message is built only on failure: a template literal argument would allocate per cell.)
    if (compareCells(layout, row.cells[i - 1]!, row.cells[i]!) >= 0) assert(false, `cells of a row must be sorted and unique (column ${row.cells[i]!.column})`);
  }
  for (let i = 1; i < row.complexDeletions.length; i++) {
    assert(compareColumnNames(row.complexDeletions[i - 1]!.column, row.complexDeletions[i]!.column) < 0, 'complex deletions must be sorted by column');
  }
}
