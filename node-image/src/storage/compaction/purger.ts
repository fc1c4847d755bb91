// Tombstone purging during compaction (cassandra-internals.md 4.8): a deletion or tombstone cell
// is dropped only when its local deletion time is before gcBefore (now - gc_grace_seconds) AND
// its timestamp is below the partition's max purgeable timestamp: the smallest timestamp any
// memtable or SSTable outside the compaction may hold for that partition, so nothing it shadows
// can exist elsewhere. Expired TTL cells become tombstones dated at their write (expiry - ttl),
// then follow the same rule. Pure functions of their inputs.
import { NO_DELETION_TIME } from '../model.ts';
import type { Cell, ComplexDeletion, DeletionTime, LivenessInfo, Row } from '../model.ts';

export interface PurgeLimits {
  /** Tombstones dropped before this second (now - gc_grace_seconds); -Infinity purges nothing. */
  readonly gcBeforeSeconds: number;
  /** Only tombstones with a timestamp strictly below this are dropped (Infinity: no limit). */
  readonly maxPurgeableTimestampMicros: number;
  /** Compaction time: expiry of TTL cells and row markers. */
  readonly nowSeconds: number;
}

export function isPurgeable(deletion: DeletionTime, limits: PurgeLimits): boolean {
  return deletion.localDeletionTimeSeconds < limits.gcBeforeSeconds && deletion.markedForDeleteAtMicros < limits.maxPurgeableTimestampMicros;
}

function isCellPurgeable(timestampMicros: number, localDeletionTimeSeconds: number, limits: PurgeLimits): boolean {
  return localDeletionTimeSeconds < limits.gcBeforeSeconds && timestampMicros < limits.maxPurgeableTimestampMicros;
}

/** The cell after purging: unchanged, converted to a tombstone (expired TTL), or null (dropped). */
export function purgeCell(cell: Cell, limits: PurgeLimits): Cell | null {
  if (cell.tombstone) return isCellPurgeable(cell.timestampMicros, cell.localDeletionTimeSeconds, limits) ? null : cell;
  const ldt = cell.localDeletionTimeSeconds;
  if (ldt === NO_DELETION_TIME || ldt > limits.nowSeconds || cell.ttlSeconds === 0) return cell;
  // Expired: a tombstone dated at the write time, so gc_grace counts from when it was written.
  const deletedAt = ldt - cell.ttlSeconds;
  if (isCellPurgeable(cell.timestampMicros, deletedAt, limits)) return null;
  return { column: cell.column, path: cell.path, value: EMPTY, timestampMicros: cell.timestampMicros, ttlSeconds: 0, localDeletionTimeSeconds: deletedAt, tombstone: true };
}

function purgeLiveness(liveness: LivenessInfo | null, limits: PurgeLimits): LivenessInfo | null {
  if (liveness === null || liveness.ttlSeconds === 0) return liveness;
  const expiry = liveness.localExpirationTimeSeconds;
  if (expiry > limits.nowSeconds) return liveness;
  return isCellPurgeable(liveness.timestampMicros, expiry - liveness.ttlSeconds, limits) ? null : liveness;
}

/** The row without its purgeable parts; null when nothing is left. Returns `row` itself when unchanged. */
export function purgeRow(row: Row, limits: PurgeLimits): Row | null {
  const liveness = purgeLiveness(row.liveness, limits);
  const deletion = row.deletion !== null && isPurgeable(row.deletion, limits) ? null : row.deletion;
  let complexDeletions: readonly ComplexDeletion[] = row.complexDeletions;
  if (complexDeletions.length > 0 && complexDeletions.some((cd) => isPurgeable(cd.deletion, limits))) {
    complexDeletions = complexDeletions.filter((cd) => !isPurgeable(cd.deletion, limits));
  }
  let cells: readonly Cell[] = row.cells;
  let out: Cell[] | null = null;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    const purged = purgeCell(cell, limits);
    if (purged !== cell && out === null) out = cells.slice(0, i);
    if (out !== null && purged !== null) out.push(purged);
  }
  if (out !== null) cells = out;
  if (liveness === null && deletion === null && cells.length === 0 && complexDeletions.length === 0) return null;
  if (liveness === row.liveness && deletion === row.deletion && cells === row.cells && complexDeletions === row.complexDeletions) return row;
  return { clustering: row.clustering, liveness, deletion, cells, complexDeletions };
}

const EMPTY = Buffer.alloc(0);
