// Re-timestamps a mutation for a Paxos commit (Cassandra's updateAllTimestamp): cells and row
// markers get the ballot's micros; deletions (partition, range, row, collection) get micros - 1 so
// that they still shadow older data without shadowing the cells written with them. Ballots
// increase per partition, so commits are ordered by last-write-wins exactly as Paxos ordered them.
import type { Mutation, PartitionUpdate, Row } from '../../storage/index.ts';

function rowAt(row: Row, micros: number): Row {
  return {
    clustering: row.clustering,
    liveness: row.liveness === null ? null : { ...row.liveness, timestampMicros: micros },
    deletion: row.deletion === null ? null : { ...row.deletion, markedForDeleteAtMicros: micros - 1 },
    cells: row.cells.map((c) => ({ ...c, timestampMicros: micros })),
    complexDeletions: row.complexDeletions.map((cd) => ({ column: cd.column, deletion: { ...cd.deletion, markedForDeleteAtMicros: micros - 1 } })),
  };
}

function updateAt(u: PartitionUpdate, micros: number): PartitionUpdate {
  return {
    tableId: u.tableId,
    key: u.key,
    token: u.token,
    partitionDeletion: u.partitionDeletion === null ? null : { ...u.partitionDeletion, markedForDeleteAtMicros: micros - 1 },
    staticRow: u.staticRow === null ? null : rowAt(u.staticRow, micros),
    rows: u.rows.map((r) => rowAt(r, micros)),
    rangeTombstones: u.rangeTombstones.map((rt) => ({ ...rt, deletion: { ...rt.deletion, markedForDeleteAtMicros: micros - 1 } })),
  };
}

export function withTimestamp(mutation: Mutation, micros: number): Mutation {
  return { keyspace: mutation.keyspace, key: mutation.key, token: mutation.token, updates: mutation.updates.map((u) => updateAt(u, micros)) };
}
