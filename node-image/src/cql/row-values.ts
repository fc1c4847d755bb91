// Reads CQL column values out of storage rows: a simple column is one cell; a multi-cell column
// (non-frozen collection or UDT) is assembled from its cells into the serialized value the
// protocol expects. Rows given here are live rows (tombstones and expired cells already gone).
import type { ColumnMetadata } from '../schema/index.ts';
import type { Cell, Row } from '../storage/index.ts';
import { serializeTupleLike } from './terms.ts';

/** Index of the first cell of `column` in a row's cells (sorted by column name), or -1. */
function firstCellIndex(cells: readonly Cell[], column: string): number {
  let lo = 0;
  let hi = cells.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cells[mid]!.column < column) lo = mid + 1;
    else hi = mid;
  }
  return lo < cells.length && cells[lo]!.column === column ? lo : -1;
}

/** The cells of one column in a row (one for simple columns, any number for multi-cell). */
export function cellsOf(row: Row, column: string): Cell[] {
  const cells = row.cells;
  let i = firstCellIndex(cells, column);
  if (i < 0) return [];
  const out: Cell[] = [];
  while (i < cells.length && cells[i]!.column === column) out.push(cells[i++]!);
  return out;
}

export function simpleCellOf(row: Row, column: string): Cell | null {
  const i = firstCellIndex(row.cells, column);
  return i < 0 ? null : row.cells[i]!;
}

function withLength(parts: readonly Buffer[]): Buffer {
  let size = 4;
  for (const p of parts) size += 4 + p.length;
  const out = Buffer.allocUnsafe(size);
  out.writeInt32BE(0, 0);
  let offset = 4;
  for (const p of parts) {
    out.writeInt32BE(p.length, offset);
    p.copy(out, offset + 4);
    offset += 4 + p.length;
  }
  return out;
}

/** The serialized value of `column` in `row`, or null when it has none. */
export function columnValue(row: Row, column: ColumnMetadata): Buffer | null {
  const type = column.type;
  const multiCell = (type.kind === 'list' || type.kind === 'set' || type.kind === 'map' || type.kind === 'udt') && !type.frozen;
  if (!multiCell) {
    const cell = simpleCellOf(row, column.name);
    return cell === null || cell.tombstone ? null : cell.value;
  }
  const cells = cellsOf(row, column.name).filter((c) => !c.tombstone);
  if (cells.length === 0) return null;
  switch (type.kind) {
    case 'list': {
      const out = withLength(cells.map((c) => c.value));
      out.writeInt32BE(cells.length, 0);
      return out;
    }
    case 'set': {
      const out = withLength(cells.map((c) => c.path!));
      out.writeInt32BE(cells.length, 0);
      return out;
    }
    case 'map': {
      const parts: Buffer[] = [];
      for (const c of cells) parts.push(c.path!, c.value);
      const out = withLength(parts);
      out.writeInt32BE(cells.length, 0);
      return out;
    }
    case 'udt': {
      const fields: Array<Buffer | null> = type.fieldNames.map(() => null);
      for (const c of cells) {
        const index = c.path!.readUInt16BE(0);
        if (index < fields.length) fields[index] = c.value;
      }
      return serializeTupleLike(fields);
    }
    default:
      return null;
  }
}
