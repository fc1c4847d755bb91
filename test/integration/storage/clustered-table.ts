// Test support for the storage integration tests: one keyspace `ks` with one table
// (k int, c int, v blob, PRIMARY KEY (k, c)), writes of one row (live or deleted) and reads of one
// cell, on the engine API directly.
import { murmur3Token } from '../../../node-image/src/lib/index.ts';
import { DEFAULT_TABLE_OPTIONS, nativeType } from '../../../node-image/src/schema/index.ts';
import type { SchemaSnapshot, TableMetadata, TableOptions } from '../../../node-image/src/schema/index.ts';
import { NO_DELETION_TIME } from '../../../node-image/src/storage/index.ts';
import type { Mutation, ReadCommand, StorageEngineWithStats } from '../../../node-image/src/storage/index.ts';

export interface ClusteredTable {
  readonly table: TableMetadata;
  readonly schema: SchemaSnapshot;
}

/** Table `ks.<name>` with the given id (its last 12 hex digits also make the schema version) and options. */
export function clusteredTable(name: string, id: string, options: Partial<TableOptions> = {}): ClusteredTable {
  const ck = { name: 'c', type: nativeType('int'), kind: 'clustering' as const, position: 0, clusteringOrder: 'asc' as const };
  const pk = { name: 'k', type: nativeType('int'), kind: 'partition_key' as const, position: 0, clusteringOrder: 'none' as const };
  const v = { name: 'v', type: nativeType('blob'), kind: 'regular' as const, position: -1, clusteringOrder: 'none' as const };
  const table: TableMetadata = {
    keyspace: 'ks', name, id, columns: [pk, ck, v], partitionKey: [pk], clustering: [ck], regularAndStatic: [v],
    options: { ...DEFAULT_TABLE_OPTIONS, ...options }, droppedColumns: [], indexes: [], isView: false, isCounterTable: false,
  };
  const schema: SchemaSnapshot = {
    version: `00000000-0000-1000-8000-${id.slice(-12)}`,
    keyspaces: new Map([['ks', {
      name: 'ks', durableWrites: true, replication: { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '1' } },
      tables: new Map([[name, table]]), views: new Map(), types: new Map(), functions: [],
    }]]),
  };
  return { table, schema };
}

export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** One row (k, c) written at `timestampMicros`: v = `value`, or a row deletion when `value` is null. */
export function rowWrite(table: TableMetadata, options: { k: number; c: number; timestampMicros: number; value: Buffer | null; nowSeconds: number }): Mutation {
  const key = int32(options.k);
  const token = murmur3Token(key);
  const ts = options.timestampMicros;
  const row = options.value === null
    ? { clustering: [int32(options.c)], liveness: null, deletion: { markedForDeleteAtMicros: ts, localDeletionTimeSeconds: options.nowSeconds - 100 }, complexDeletions: [], cells: [] }
    : {
      clustering: [int32(options.c)], liveness: { timestampMicros: ts, ttlSeconds: 0, localExpirationTimeSeconds: NO_DELETION_TIME }, deletion: null, complexDeletions: [],
      cells: [{ column: 'v', path: null, value: options.value, timestampMicros: ts, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false }],
    };
  return { keyspace: 'ks', key, token, updates: [{ tableId: table.id, key, token, partitionDeletion: null, staticRow: null, rangeTombstones: [], rows: [row] }] };
}

/** Cell v of row (k, c) as latin1, '' for a row without it, null when there is no row. */
export function readCell(engine: StorageEngineWithStats, table: TableMetadata, options: { k: number; c: number; nowSeconds: number }): string | null {
  const key = int32(options.k);
  const command: ReadCommand = {
    tableId: table.id, partitions: { kind: 'single', key, token: murmur3Token(key) },
    clustering: { kind: 'names', clusterings: [[int32(options.c)]], reversed: false },
    columns: 'all', limits: { rows: 1, perPartitionRows: 1, partitions: 1 },
    nowSeconds: options.nowSeconds, resumeAfterClustering: null, includeStaticRow: false,
  };
  const row = engine.read(command).partitions[0]?.rows[0];
  return row === undefined ? null : (row.cells[0]?.value.toString('latin1') ?? '');
}
