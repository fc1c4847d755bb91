// A memtable partition as a read-merge source: rows come straight from its row run or B+ tree
// (or its one row), positioned with a seek on the clustering position and walked in either direction.
import { comparePositions } from '../clustering-position.ts';
import type { DeletionTime, RangeTombstone, Row } from '../model.ts';
import { EMPTY_CURSOR, arrayRows } from '../read/partition-source.ts';
import type { ClusteringPosition, PartitionSource, RowCursor } from '../read/partition-source.ts';
import type { TableLayout } from '../table-layout.ts';
import type { MemtablePartition } from './memtable.ts';
import type { RowsCursor } from './row-run.ts';

export class MemtablePartitionSource implements PartitionSource {
  readonly partitionDeletion: DeletionTime | null;
  readonly staticRow: Row | null;
  readonly rangeTombstones: readonly RangeTombstone[];
  private readonly partition: MemtablePartition;
  private readonly layout: TableLayout;

  constructor(layout: TableLayout, partition: MemtablePartition) {
    this.layout = layout;
    this.partition = partition;
    this.partitionDeletion = partition.partitionDeletion;
    this.staticRow = partition.staticRow;
    // A snapshot: the memtable may take more range tombstones while a caller holds this source.
    this.rangeTombstones = partition.rangeTombstones.length === 0 ? partition.rangeTombstones : partition.rangeTombstones.slice();
  }

  rows(reversed: boolean, from: ClusteringPosition | null): RowCursor {
    const tree = this.partition.tree;
    if (tree === null) {
      const only = this.partition.onlyRow;
      return only === null ? EMPTY_CURSOR : arrayRows(this.layout, [only], reversed, from);
    }
    let cursor: RowsCursor;
    if (from === null) cursor = reversed ? tree.last() : tree.first();
    else {
      const layout = this.layout;
      cursor = tree.seek((clustering) => comparePositions(layout, clustering, 0, from.values, from.side), !reversed);
    }
    return new TreeRowCursor(this.partition, cursor, reversed);
  }
}

class TreeRowCursor implements RowCursor {
  private readonly partition: MemtablePartition;
  private readonly cursor: RowsCursor;
  private readonly reversed: boolean;

  constructor(partition: MemtablePartition, cursor: RowsCursor, reversed: boolean) {
    this.partition = partition;
    this.cursor = cursor;
    this.reversed = reversed;
  }

  next(): Row | null {
    if (!this.cursor.valid) return null;
    const value = this.cursor.value;
    if (this.reversed) this.cursor.prev();
    else this.cursor.next();
    return this.partition.rowOf(value);
  }
}
