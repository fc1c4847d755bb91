// Test-only helpers for storage tests: small schemas, value encoders and row/cell builders.
// Never imported by production code.
import { DEFAULT_TABLE_OPTIONS, nativeType } from '../../schema/index.ts';
import type { ColumnMetadata, CqlType, KeyspaceMetadata, SchemaSnapshot, TableMetadata } from '../../schema/index.ts';
import { murmur3Token } from '../../lib/index.ts';
import { NO_DELETION_TIME } from '../model.ts';
import type { Cell, Clustering, DeletionTime, LivenessInfo, Mutation, PartitionUpdate, RangeTombstone, Row } from '../model.ts';

export const KEYSPACE = 'ks';

export function int(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

export function bigint64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
}

export function text(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

function column(name: string, type: CqlType, kind: ColumnMetadata['kind'], position: number, order: ColumnMetadata['clusteringOrder'] = 'none'): ColumnMetadata {
  return { name, type, kind, position, clusteringOrder: order };
}

export interface TableSpec {
  readonly id: string;
  readonly name: string;
  readonly clustering?: ReadonlyArray<{ name: string; type: CqlType; order: 'asc' | 'desc' }>;
  readonly statics?: ReadonlyArray<{ name: string; type: CqlType }>;
  readonly regulars?: ReadonlyArray<{ name: string; type: CqlType }>;
  readonly counter?: boolean;
  readonly bloomFilterFpChance?: number;
  readonly droppedColumns?: TableMetadata['droppedColumns'];
}

export function makeTable(spec: TableSpec): TableMetadata {
  const pk = [column('pk', nativeType('int'), 'partition_key', 0)];
  const clustering = (spec.clustering ?? []).map((c, i) => column(c.name, c.type, 'clustering', i, c.order));
  const rest = [
    ...(spec.statics ?? []).map((c) => column(c.name, c.type, 'static', -1)),
    ...(spec.regulars ?? []).map((c) => column(c.name, c.type, 'regular', -1)),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    keyspace: KEYSPACE,
    name: spec.name,
    id: spec.id,
    columns: [...pk, ...clustering, ...rest],
    partitionKey: pk,
    clustering,
    regularAndStatic: rest,
    options: { ...DEFAULT_TABLE_OPTIONS, bloomFilterFpChance: spec.bloomFilterFpChance ?? 0.01 },
    droppedColumns: spec.droppedColumns ?? [],
    indexes: [],
    isView: false,
    isCounterTable: spec.counter ?? false,
  };
}

/** pk int, ck int ASC, static s int, v int, w text, tags set<int>, m map<text,int>. */
export const TABLE_MAIN = makeTable({
  id: '00000000-0000-4000-8000-000000000001',
  name: 'main',
  clustering: [{ name: 'ck', type: nativeType('int'), order: 'asc' }],
  statics: [{ name: 's', type: nativeType('int') }],
  regulars: [
    { name: 'v', type: nativeType('int') },
    { name: 'w', type: nativeType('text') },
    { name: 'tags', type: { kind: 'set', element: nativeType('int'), frozen: false } },
    { name: 'm', type: { kind: 'map', key: nativeType('text'), value: nativeType('int'), frozen: false } },
  ],
});

/** pk int, c1 int DESC, c2 text ASC, v int. */
export const TABLE_DESC = makeTable({
  id: '00000000-0000-4000-8000-000000000002',
  name: 'descending',
  clustering: [
    { name: 'c1', type: nativeType('int'), order: 'desc' },
    { name: 'c2', type: nativeType('text'), order: 'asc' },
  ],
  regulars: [{ name: 'v', type: nativeType('int') }],
});

/** pk int, ck int, static sc counter, c counter. */
export const TABLE_COUNTER = makeTable({
  id: '00000000-0000-4000-8000-000000000003',
  name: 'counters',
  clustering: [{ name: 'ck', type: nativeType('int'), order: 'asc' }],
  statics: [{ name: 'sc', type: nativeType('counter') }],
  regulars: [{ name: 'c', type: nativeType('counter') }],
  counter: true,
});

/** pk int, v int: no clustering. */
export const TABLE_SIMPLE = makeTable({
  id: '00000000-0000-4000-8000-000000000004',
  name: 'simple',
  regulars: [{ name: 'v', type: nativeType('int') }],
});

export function makeSchema(tables: readonly TableMetadata[], version = '00000000-0000-1000-8000-000000000000'): SchemaSnapshot {
  const keyspace: KeyspaceMetadata = {
    name: KEYSPACE,
    durableWrites: true,
    replication: { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '1' } },
    tables: new Map(tables.map((t) => [t.name, t])),
    views: new Map(),
    types: new Map(),
    functions: [],
  };
  return { version, keyspaces: new Map([[KEYSPACE, keyspace]]) };
}

export function pkOf(n: number): { key: Buffer; token: bigint } {
  const key = int(n);
  return { key, token: murmur3Token(key) };
}

export function liveCell(column: string, value: Buffer, timestampMicros: number, path: Buffer | null = null): Cell {
  return { column, path, value, timestampMicros, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false };
}

export function expiringCell(column: string, value: Buffer, timestampMicros: number, ttlSeconds: number, expiresAtSeconds: number, path: Buffer | null = null): Cell {
  return { column, path, value, timestampMicros, ttlSeconds, localDeletionTimeSeconds: expiresAtSeconds, tombstone: false };
}

export function tombstoneCell(column: string, timestampMicros: number, localDeletionTimeSeconds: number, path: Buffer | null = null): Cell {
  return { column, path, value: Buffer.alloc(0), timestampMicros, ttlSeconds: 0, localDeletionTimeSeconds, tombstone: true };
}

/** Local deletion time defaults to the test clock's now (ManualClock), so tombstones are not purgeable yet. */
export function deletion(markedForDeleteAtMicros: number, localDeletionTimeSeconds = 1_700_000_000): DeletionTime {
  return { markedForDeleteAtMicros, localDeletionTimeSeconds };
}

export function marker(timestampMicros: number, ttlSeconds = 0, localExpirationTimeSeconds = NO_DELETION_TIME): LivenessInfo {
  return { timestampMicros, ttlSeconds, localExpirationTimeSeconds };
}

export function row(clustering: Clustering, parts: { liveness?: LivenessInfo | null; deletion?: DeletionTime | null; cells?: Cell[]; complexDeletions?: Row['complexDeletions'] } = {}): Row {
  return {
    clustering,
    liveness: parts.liveness ?? null,
    deletion: parts.deletion ?? null,
    cells: parts.cells ?? [],
    complexDeletions: parts.complexDeletions ?? [],
  };
}

export function update(tableId: string, pk: number, parts: { partitionDeletion?: DeletionTime | null; staticRow?: Row | null; rows?: Row[]; rangeTombstones?: RangeTombstone[] } = {}): PartitionUpdate {
  const { key, token } = pkOf(pk);
  return {
    tableId,
    key,
    token,
    partitionDeletion: parts.partitionDeletion ?? null,
    staticRow: parts.staticRow ?? null,
    rows: parts.rows ?? [],
    rangeTombstones: parts.rangeTombstones ?? [],
  };
}

export function mutationOf(...updates: PartitionUpdate[]): Mutation {
  const first = updates[0]!;
  return { keyspace: KEYSPACE, key: first.key, token: first.token, updates };
}
