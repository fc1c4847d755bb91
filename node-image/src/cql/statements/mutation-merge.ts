// Merges the mutations of several statements (a batch) that touch the same partition into one
// mutation with one PartitionUpdate per table, as Cassandra's batch does: cells of the same
// column and path reconcile (storage rules), counter deltas of the same cell add up, deletions
// keep the newest. The result keeps storage's invariants: rows sorted by clustering without
// duplicates, cells sorted by column then path.
import type { TableMetadata } from '../../schema/index.ts';
import { cellPathComparatorFor, clusteringComparator } from '../../schema/index.ts';
import type { Cell, ComplexDeletion, DeletionTime, LivenessInfo, Mutation, PartitionUpdate, Row } from '../../storage/index.ts';

export type TableLookup = (tableId: string) => TableMetadata;

/** One mutation per (keyspace, key), in first-seen order; each with one update per table. */
export function mergeMutationsByPartition(mutations: readonly Mutation[], tables: TableLookup): Mutation[] {
  const byKey = new Map<string, Mutation[]>();
  for (const m of mutations) {
    const k = `${m.keyspace}\u0000${m.key.toString('hex')}`;
    const list = byKey.get(k);
    if (list === undefined) byKey.set(k, [m]);
    else list.push(m);
  }
  return [...byKey.values()].map((list) => mergePartitionMutations(list, tables));
}

/** Merges mutations of one partition key into one (one commit-log entry, applied atomically). */
export function mergePartitionMutations(mutations: readonly Mutation[], tables: TableLookup): Mutation {
  const first = mutations[0]!;
  if (mutations.length === 1 && first.updates.length <= 1) return first;
  const byTable = new Map<string, PartitionUpdate>();
  for (const m of mutations) {
    for (const u of m.updates) {
      const previous = byTable.get(u.tableId);
      byTable.set(u.tableId, previous === undefined ? u : mergeUpdates(previous, u, tables(u.tableId)));
    }
  }
  return { keyspace: first.keyspace, key: first.key, token: first.token, updates: [...byTable.values()] };
}

function newerDeletion(a: DeletionTime | null, b: DeletionTime | null): DeletionTime | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.markedForDeleteAtMicros > a.markedForDeleteAtMicros ? b : a;
}

function newerLiveness(a: LivenessInfo | null, b: LivenessInfo | null): LivenessInfo | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.timestampMicros >= a.timestampMicros ? b : a;
}

/** Storage's reconciliation of two versions of one cell; counter deltas add up. */
function reconcile(a: Cell, b: Cell): Cell {
  if (a.counterDelta === true && b.counterDelta === true) {
    const sum = Buffer.allocUnsafe(8);
    sum.writeBigInt64BE(BigInt.asIntN(64, a.value.readBigInt64BE(0) + b.value.readBigInt64BE(0)), 0);
    return { ...b, value: sum, timestampMicros: Math.max(a.timestampMicros, b.timestampMicros) };
  }
  if (a.timestampMicros !== b.timestampMicros) return a.timestampMicros > b.timestampMicros ? a : b;
  if (a.tombstone !== b.tombstone) return a.tombstone ? a : b;
  const aExpiring = a.ttlSeconds > 0;
  if (aExpiring !== b.ttlSeconds > 0) return aExpiring ? a : b;
  if (a.localDeletionTimeSeconds !== b.localDeletionTimeSeconds) return a.localDeletionTimeSeconds > b.localDeletionTimeSeconds ? a : b;
  return Buffer.compare(a.value, b.value) >= 0 ? a : b;
}

function mergeRows(a: Row, b: Row, table: TableMetadata): Row {
  const comparators = new Map(table.regularAndStatic.map((c) => [c.name, cellPathComparatorFor(c.type)]));
  const cells = [...a.cells, ...b.cells];
  cells.sort((x, y) => {
    if (x.column !== y.column) return x.column < y.column ? -1 : 1;
    if (x.path === null || y.path === null) return 0;
    return comparators.get(x.column)!(x.path, y.path);
  });
  const merged: Cell[] = [];
  for (const cell of cells) {
    const last = merged[merged.length - 1];
    const same = last !== undefined && last.column === cell.column &&
      (last.path === null ? cell.path === null : cell.path !== null && comparators.get(cell.column)!(last.path, cell.path) === 0);
    if (same) merged[merged.length - 1] = reconcile(last, cell);
    else merged.push(cell);
  }
  const complex = new Map<string, ComplexDeletion>();
  for (const d of [...a.complexDeletions, ...b.complexDeletions]) {
    const previous = complex.get(d.column);
    if (previous === undefined || d.deletion.markedForDeleteAtMicros > previous.deletion.markedForDeleteAtMicros) complex.set(d.column, d);
  }
  return {
    clustering: a.clustering,
    liveness: newerLiveness(a.liveness, b.liveness),
    deletion: newerDeletion(a.deletion, b.deletion),
    cells: merged,
    complexDeletions: [...complex.values()].sort((x, y) => (x.column < y.column ? -1 : x.column > y.column ? 1 : 0)),
  };
}

function mergeUpdates(a: PartitionUpdate, b: PartitionUpdate, table: TableMetadata): PartitionUpdate {
  const compare = clusteringComparator(table);
  const rows = [...a.rows, ...b.rows].sort((x, y) => compare(x.clustering, y.clustering));
  const mergedRows: Row[] = [];
  for (const row of rows) {
    const last = mergedRows[mergedRows.length - 1];
    if (last !== undefined && compare(last.clustering, row.clustering) === 0) mergedRows[mergedRows.length - 1] = mergeRows(last, row, table);
    else mergedRows.push(row);
  }
  const staticRow = a.staticRow === null ? b.staticRow : b.staticRow === null ? a.staticRow : mergeRows(a.staticRow, b.staticRow, table);
  return {
    tableId: a.tableId,
    key: a.key,
    token: a.token,
    partitionDeletion: newerDeletion(a.partitionDeletion, b.partitionDeletion),
    staticRow,
    rows: mergedRows,
    rangeTombstones: [...a.rangeTombstones, ...b.rangeTombstones],
  };
}
