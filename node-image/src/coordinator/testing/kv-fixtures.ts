// Test and simulator support: small tables and the mutations and reads a workload needs, built
// directly on the storage model (no CQL): `kv` (k int PRIMARY KEY, v text), `rows` (k int, c int,
// v text, PRIMARY KEY (k, c)) and `counters` (k int PRIMARY KEY, n counter).
import { murmur3Token } from '../../lib/index.ts';
import { nativeType } from '../../schema/index.ts';
import type { TableDefinition, TableMetadata } from '../../schema/index.ts';
import { NO_DELETION_TIME } from '../../storage/index.ts';
import type { Cell, Mutation, ReadCommand, ReadPartition, ReadResult, Row } from '../../storage/index.ts';
import { TOKEN_MAX, TOKEN_MIN } from '../../lib/index.ts';

export function intKey(k: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(k);
  return b;
}

export function tokenOf(k: number): bigint {
  return murmur3Token(intKey(k));
}

export function kvTable(keyspace: string, name = 'kv'): Omit<TableDefinition, 'id'> {
  return { keyspace, name, partitionKey: [{ name: 'k', type: nativeType('int') }], columns: [{ name: 'v', type: nativeType('text') }] };
}

export function rowsTable(keyspace: string, name = 'rows'): Omit<TableDefinition, 'id'> {
  return {
    keyspace, name, partitionKey: [{ name: 'k', type: nativeType('int') }], clustering: [{ name: 'c', type: nativeType('int') }],
    columns: [{ name: 'v', type: nativeType('text') }],
  };
}

export function counterTable(keyspace: string, name = 'counters'): Omit<TableDefinition, 'id'> {
  return { keyspace, name, partitionKey: [{ name: 'k', type: nativeType('int') }], columns: [{ name: 'n', type: nativeType('counter') }] };
}

function textCell(value: string, timestampMicros: number): Cell {
  return {
    column: 'v', path: null, value: Buffer.from(value, 'utf8'), timestampMicros, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false,
  };
}

function liveRow(clustering: Buffer[], value: string, timestampMicros: number): Row {
  return {
    clustering, liveness: { timestampMicros, ttlSeconds: 0, localExpirationTimeSeconds: NO_DELETION_TIME }, deletion: null,
    cells: [textCell(value, timestampMicros)], complexDeletions: [],
  };
}

/** INSERT INTO kv (k, v) VALUES (k, value) USING TIMESTAMP ts. */
export function putKv(table: TableMetadata, k: number, value: string, timestampMicros: number): Mutation {
  const key = intKey(k);
  const token = murmur3Token(key);
  return {
    keyspace: table.keyspace, key, token,
    updates: [{ tableId: table.id, key, token, partitionDeletion: null, staticRow: null, rows: [liveRow([], value, timestampMicros)], rangeTombstones: [] }],
  };
}

/** DELETE FROM kv WHERE k = k (a partition deletion). */
export function deleteKv(table: TableMetadata, k: number, timestampMicros: number, nowSeconds: number): Mutation {
  const key = intKey(k);
  const token = murmur3Token(key);
  return {
    keyspace: table.keyspace, key, token,
    updates: [{
      tableId: table.id, key, token, partitionDeletion: { markedForDeleteAtMicros: timestampMicros, localDeletionTimeSeconds: nowSeconds },
      staticRow: null, rows: [], rangeTombstones: [],
    }],
  };
}

/** INSERT INTO rows (k, c, v) for several clusterings. */
export function putRows(table: TableMetadata, k: number, entries: ReadonlyArray<readonly [number, string]>, timestampMicros: number): Mutation {
  const key = intKey(k);
  const token = murmur3Token(key);
  const rows = [...entries].sort((a, b) => a[0] - b[0]).map(([c, v]) => liveRow([intKey(c)], v, timestampMicros));
  return { keyspace: table.keyspace, key, token, updates: [{ tableId: table.id, key, token, partitionDeletion: null, staticRow: null, rows, rangeTombstones: [] }] };
}

/** DELETE FROM rows WHERE k = k AND c = c (a row deletion). */
export function deleteRow(table: TableMetadata, k: number, c: number, timestampMicros: number, nowSeconds: number): Mutation {
  const key = intKey(k);
  const token = murmur3Token(key);
  const row: Row = { clustering: [intKey(c)], liveness: null, deletion: { markedForDeleteAtMicros: timestampMicros, localDeletionTimeSeconds: nowSeconds }, cells: [], complexDeletions: [] };
  return { keyspace: table.keyspace, key, token, updates: [{ tableId: table.id, key, token, partitionDeletion: null, staticRow: null, rows: [row], rangeTombstones: [] }] };
}

/** UPDATE counters SET n = n + delta WHERE k = k. */
export function addCounter(table: TableMetadata, k: number, delta: bigint, timestampMicros: number): Mutation {
  const key = intKey(k);
  const token = murmur3Token(key);
  const value = Buffer.alloc(8);
  value.writeBigInt64BE(delta);
  const cell: Cell = { column: 'n', path: null, value, timestampMicros, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false, counterDelta: true };
  const row: Row = { clustering: [], liveness: null, deletion: null, cells: [cell], complexDeletions: [] };
  return { keyspace: table.keyspace, key, token, updates: [{ tableId: table.id, key, token, partitionDeletion: null, staticRow: null, rows: [row], rangeTombstones: [] }] };
}

export function readPartition(table: TableMetadata, k: number, nowSeconds: number, limits?: Partial<ReadCommand['limits']>): ReadCommand {
  const key = intKey(k);
  return {
    tableId: table.id,
    partitions: { kind: 'single', key, token: murmur3Token(key) },
    clustering: { kind: 'slices', slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false },
    columns: 'all',
    limits: { rows: Infinity, perPartitionRows: Infinity, partitions: 1, ...limits },
    nowSeconds,
    resumeAfterClustering: null,
    includeStaticRow: true,
  };
}

/** SELECT * FROM table (every partition, ring order) with optional limits. */
export function readAll(table: TableMetadata, nowSeconds: number, limits?: Partial<ReadCommand['limits']>, reversed = false): ReadCommand {
  return {
    tableId: table.id,
    partitions: { kind: 'range', start: { token: TOKEN_MIN, key: null }, startInclusive: true, end: { token: TOKEN_MAX, key: null }, endInclusive: true },
    clustering: { kind: 'slices', slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed },
    columns: 'all',
    limits: { rows: Infinity, perPartitionRows: Infinity, partitions: Infinity, ...limits },
    nowSeconds,
    resumeAfterClustering: null,
    includeStaticRow: true,
  };
}

/** The live value of kv row k in a read result (null when absent or deleted). */
export function kvValue(result: ReadResult, nowSeconds: number): string | null {
  const p = result.partitions[0];
  if (p === undefined) return null;
  return liveValues(p, nowSeconds)[0]?.[1] ?? null;
}

/** Live (clustering int or -1, value) pairs of a partition, in result order. */
export function liveValues(p: ReadPartition, nowSeconds: number): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  const deletedAt = p.partitionDeletion?.markedForDeleteAtMicros ?? -Infinity;
  for (const r of p.rows) {
    const cell = r.cells.find((c) => c.column === 'v' && !c.tombstone && (c.localDeletionTimeSeconds === NO_DELETION_TIME || nowSeconds < c.localDeletionTimeSeconds));
    if (cell === undefined || cell.timestampMicros <= deletedAt) continue;
    out.push([r.clustering.length === 0 ? -1 : r.clustering[0]!.readInt32BE(0), cell.value.toString('utf8')]);
  }
  return out;
}

/** The total of counter k in a read result (0 when absent). */
export function counterValue(result: ReadResult): bigint {
  const cell = result.partitions[0]?.rows[0]?.cells.find((c) => c.column === 'n' && !c.tombstone);
  return cell === undefined ? 0n : cell.value.readBigInt64BE(0);
}
