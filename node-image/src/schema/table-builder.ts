// Builders of schema metadata: a TableMetadata with every derived field computed and its
// invariants checked, copy-on-write derivations (column added, dropped, renamed; options),
// keyspaces, and SchemaSnapshot updates that return a new snapshot under a caller-given version.
// Column order is SELECT * order: partition key, clustering, statics by name, regulars by name.
import { assert, invalidRequest } from '../lib/index.ts';
import type { CqlType } from './cql-type.ts';
import { isCounter, isMultiCell } from './cql-type.ts';
import { DEFAULT_TABLE_OPTIONS } from './schema-model.ts';
import type {
  ColumnMetadata, DroppedColumn, FunctionMetadata, IndexMetadata, KeyspaceMetadata, ReplicationOptions, SchemaSnapshot,
  TableMetadata, TableOptions, UserTypeMetadata,
} from './schema-model.ts';
import { formatType } from './type-format.ts';

export interface ColumnDef {
  readonly name: string;
  readonly type: CqlType;
}

export interface ClusteringColumnDef extends ColumnDef {
  /** Defaults to 'asc'. */
  readonly order?: 'asc' | 'desc';
}

export interface RegularColumnDef extends ColumnDef {
  readonly isStatic?: boolean;
}

export interface TableDefinition {
  readonly keyspace: string;
  readonly name: string;
  /** UUID string. */
  readonly id: string;
  readonly partitionKey: readonly ColumnDef[];
  readonly clustering?: readonly ClusteringColumnDef[];
  /** Static and regular columns, in any order. */
  readonly columns?: readonly RegularColumnDef[];
  /** Overrides of DEFAULT_TABLE_OPTIONS. */
  readonly options?: Partial<TableOptions>;
  readonly droppedColumns?: readonly DroppedColumn[];
  readonly indexes?: readonly IndexMetadata[];
  readonly isView?: boolean;
  readonly viewOf?: TableMetadata['viewOf'];
}

/** Columns are ordered by their UTF-8 name bytes compared as signed bytes (Java's ByteBuffer.compareTo). */
export function compareColumnNames(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = ((x[i]! << 24) >> 24) - ((y[i]! << 24) >> 24);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** True when `type` is or contains a duration (not allowed in primary keys). */
function referencesDuration(type: CqlType): boolean {
  switch (type.kind) {
    case 'native': return type.name === 'duration';
    case 'list': case 'set': return referencesDuration(type.element);
    case 'map': return referencesDuration(type.key) || referencesDuration(type.value);
    case 'tuple': return type.elements.some(referencesDuration);
    case 'udt': return type.fieldTypes.some(referencesDuration);
    case 'custom': return false;
  }
}

function checkPrimaryKeyType(column: ColumnDef): void {
  if (isCounter(column.type)) throw invalidRequest(`counter type is not supported for PRIMARY KEY column '${column.name}'`);
  if (referencesDuration(column.type)) throw invalidRequest(`duration type is not supported for PRIMARY KEY column '${column.name}'`);
  if (isMultiCell(column.type)) {
    throw invalidRequest(`Invalid non-frozen ${column.type.kind === 'udt' ? 'user-defined type' : 'collection type'} ${formatType(column.type)} for PRIMARY KEY component ${column.name}`);
  }
}

/**
 * A complete TableMetadata from its definition. Throws Invalid for definitions Cassandra refuses
 * (duplicate names, counters or multi-cell types in the key, mixed counter and non-counter
 * columns, static columns without clustering columns).
 */
export function buildTableMetadata(definition: TableDefinition): TableMetadata {
  const clusteringDefs = definition.clustering ?? [];
  const otherDefs = definition.columns ?? [];
  assert(definition.keyspace !== '' && definition.name !== '', 'a table has a keyspace and a name');
  if (definition.partitionKey.length === 0) throw invalidRequest(`No PRIMARY KEY specified for table '${definition.name}' (exactly one required)`);

  const seen = new Set<string>();
  for (const column of [...definition.partitionKey, ...clusteringDefs, ...otherDefs]) {
    assert(column.name !== '', 'a column has a name');
    if (seen.has(column.name)) throw invalidRequest(`Multiple definition of identifier ${column.name}`);
    seen.add(column.name);
  }
  for (const column of [...definition.partitionKey, ...clusteringDefs]) checkPrimaryKeyType(column);

  const counters = otherDefs.filter((c) => isCounter(c.type)).length;
  if (counters > 0 && counters < otherDefs.length) throw invalidRequest('Cannot mix counter and non counter columns in the same table');
  if (clusteringDefs.length === 0 && otherDefs.some((c) => c.isStatic === true)) {
    throw invalidRequest('Static columns are only useful (and thus allowed) if the table has at least one clustering column');
  }

  const partitionKey: ColumnMetadata[] = definition.partitionKey.map((c, position) => ({
    name: c.name, type: c.type, kind: 'partition_key', position, clusteringOrder: 'none',
  }));
  const clustering: ColumnMetadata[] = clusteringDefs.map((c, position) => ({
    name: c.name, type: c.type, kind: 'clustering', position, clusteringOrder: c.order ?? 'asc',
  }));
  const byName = (a: ColumnMetadata, b: ColumnMetadata): number => compareColumnNames(a.name, b.name);
  const statics: ColumnMetadata[] = otherDefs.filter((c) => c.isStatic === true)
    .map((c): ColumnMetadata => ({ name: c.name, type: c.type, kind: 'static', position: -1, clusteringOrder: 'none' }))
    .sort(byName);
  const regulars: ColumnMetadata[] = otherDefs.filter((c) => c.isStatic !== true)
    .map((c): ColumnMetadata => ({ name: c.name, type: c.type, kind: 'regular', position: -1, clusteringOrder: 'none' }))
    .sort(byName);
  const regularAndStatic = [...statics, ...regulars];

  const table: TableMetadata = {
    keyspace: definition.keyspace,
    name: definition.name,
    id: definition.id,
    columns: [...partitionKey, ...clustering, ...regularAndStatic],
    partitionKey,
    clustering,
    regularAndStatic,
    options: { ...DEFAULT_TABLE_OPTIONS, ...definition.options },
    droppedColumns: [...(definition.droppedColumns ?? [])],
    indexes: [...(definition.indexes ?? [])],
    isView: definition.isView ?? false,
    ...(definition.viewOf === undefined ? {} : { viewOf: definition.viewOf }),
    isCounterTable: counters > 0,
  };
  assertTableInvariants(table);
  return table;
}

/** Checks the derived fields of a TableMetadata against each other (programmer errors assert). */
export function assertTableInvariants(table: TableMetadata): void {
  assert(table.partitionKey.length > 0, `${table.keyspace}.${table.name}: no partition key`);
  assert(table.columns.length === table.partitionKey.length + table.clustering.length + table.regularAndStatic.length,
    `${table.keyspace}.${table.name}: columns do not partition into key, clustering and others`);
  const names = new Set(table.columns.map((c) => c.name));
  assert(names.size === table.columns.length, `${table.keyspace}.${table.name}: duplicate column names`);
  table.partitionKey.forEach((c, i) => {
    assert(c.kind === 'partition_key' && c.position === i && c.clusteringOrder === 'none' && table.columns[i] === c,
      `${table.keyspace}.${table.name}: partition key column ${c.name} out of place`);
  });
  table.clustering.forEach((c, i) => {
    assert(c.kind === 'clustering' && c.position === i && c.clusteringOrder !== 'none' && table.columns[table.partitionKey.length + i] === c,
      `${table.keyspace}.${table.name}: clustering column ${c.name} out of place`);
  });
  const offset = table.partitionKey.length + table.clustering.length;
  table.regularAndStatic.forEach((c, i) => {
    assert((c.kind === 'static' || c.kind === 'regular') && c.position === -1 && c.clusteringOrder === 'none' && table.columns[offset + i] === c,
      `${table.keyspace}.${table.name}: column ${c.name} out of place`);
    const previous = table.regularAndStatic[i - 1];
    if (previous !== undefined) {
      const ordered = previous.kind === c.kind ? compareColumnNames(previous.name, c.name) < 0 : previous.kind === 'static';
      assert(ordered, `${table.keyspace}.${table.name}: columns ${previous.name} and ${c.name} out of order`);
    }
  });
  assert(table.isCounterTable === table.regularAndStatic.some((c) => isCounter(c.type)), `${table.keyspace}.${table.name}: counter flag`);
}

function definitionOf(table: TableMetadata): TableDefinition {
  return {
    keyspace: table.keyspace,
    name: table.name,
    id: table.id,
    partitionKey: table.partitionKey,
    clustering: table.clustering.map((c) => ({ name: c.name, type: c.type, order: c.clusteringOrder === 'desc' ? 'desc' : 'asc' })),
    columns: table.regularAndStatic.map((c) => ({ name: c.name, type: c.type, isStatic: c.kind === 'static' })),
    options: table.options,
    droppedColumns: table.droppedColumns,
    indexes: table.indexes,
    isView: table.isView,
    ...(table.viewOf === undefined ? {} : { viewOf: table.viewOf }),
  };
}

/** The table with a static or regular column added (a dropped record of the same name is kept: older data stays hidden). */
export function withColumnAdded(table: TableMetadata, column: RegularColumnDef): TableMetadata {
  if (table.columns.some((c) => c.name === column.name)) {
    throw invalidRequest(`Invalid column name ${column.name} because it conflicts with an existing column`);
  }
  if (table.isCounterTable && !isCounter(column.type)) throw invalidRequest(`Cannot add a non counter column (${column.name}) in a counter column family`);
  if (!table.isCounterTable && isCounter(column.type)) throw invalidRequest(`Cannot add a counter column (${column.name}) in a non counter column family`);
  const definition = definitionOf(table);
  return buildTableMetadata({ ...definition, columns: [...definition.columns!, column] });
}

/** The table without static or regular column `name`, recorded as dropped at `droppedAtMicros`. */
export function withColumnDropped(table: TableMetadata, options: { readonly name: string; readonly droppedAtMicros: number }): TableMetadata {
  const column = table.columns.find((c) => c.name === options.name);
  if (column === undefined) throw invalidRequest(`Column ${options.name} was not found in table ${table.name}`);
  if (column.kind === 'partition_key' || column.kind === 'clustering') throw invalidRequest(`Cannot drop PRIMARY KEY column ${options.name}`);
  assert(Number.isSafeInteger(options.droppedAtMicros), 'dropped-at micros is a safe integer');
  const definition = definitionOf(table);
  const dropped: DroppedColumn = { name: column.name, type: column.type, droppedAtMicros: options.droppedAtMicros, kind: column.kind };
  return buildTableMetadata({
    ...definition,
    columns: definition.columns!.filter((c) => c.name !== options.name),
    droppedColumns: [...table.droppedColumns.filter((d) => d.name !== options.name), dropped],
  });
}

/** The table with column `from` renamed to `to` (the caller decides which columns may be renamed). */
export function withColumnRenamed(table: TableMetadata, options: { readonly from: string; readonly to: string }): TableMetadata {
  const { from, to } = options;
  if (!table.columns.some((c) => c.name === from)) throw invalidRequest(`Column ${from} was not found in table ${table.keyspace}.${table.name}`);
  if (table.columns.some((c) => c.name === to)) {
    throw invalidRequest(`Cannot rename column ${from} to ${to} in table ${table.keyspace}.${table.name}; another column with that name already exists`);
  }
  const rename = <T extends ColumnDef>(c: T): T => (c.name === from ? { ...c, name: to } : c);
  const definition = definitionOf(table);
  return buildTableMetadata({
    ...definition,
    partitionKey: definition.partitionKey.map(rename),
    clustering: definition.clustering!.map(rename),
    columns: definition.columns!.map(rename),
  });
}

/** The table with some options replaced. */
export function withTableOptions(table: TableMetadata, options: Partial<TableOptions>): TableMetadata {
  return { ...table, options: { ...table.options, ...options } };
}

/** The table with an index added or replaced (by name). */
export function withIndex(table: TableMetadata, index: IndexMetadata): TableMetadata {
  return { ...table, indexes: [...table.indexes.filter((i) => i.name !== index.name), index] };
}

/** The table without index `name`. */
export function withoutIndex(table: TableMetadata, name: string): TableMetadata {
  return { ...table, indexes: table.indexes.filter((i) => i.name !== name) };
}

export interface KeyspaceDefinition {
  readonly name: string;
  readonly durableWrites?: boolean;
  readonly replication: ReplicationOptions;
  readonly tables?: readonly TableMetadata[];
  readonly views?: readonly TableMetadata[];
  readonly types?: readonly UserTypeMetadata[];
  readonly functions?: readonly FunctionMetadata[];
}

function byNameMap<T extends { readonly name: string }>(items: readonly T[], what: string): ReadonlyMap<string, T> {
  const sorted = [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const map = new Map<string, T>();
  for (const item of sorted) {
    assert(!map.has(item.name), `duplicate ${what} ${item.name}`);
    map.set(item.name, item);
  }
  return map;
}

/** A KeyspaceMetadata; tables, views and types are keyed (and iterated) by name. */
export function buildKeyspaceMetadata(definition: KeyspaceDefinition): KeyspaceMetadata {
  const tables = definition.tables ?? [];
  const views = definition.views ?? [];
  const types = definition.types ?? [];
  for (const t of [...tables, ...views]) assert(t.keyspace === definition.name, `table ${t.keyspace}.${t.name} in keyspace ${definition.name}`);
  for (const t of tables) assert(!t.isView, `view ${t.name} given as a table`);
  for (const v of views) assert(v.isView, `table ${v.name} given as a view`);
  for (const t of types) assert(t.keyspace === definition.name, `type ${t.keyspace}.${t.name} in keyspace ${definition.name}`);
  const tableMap = byNameMap(tables, 'table');
  const viewMap = byNameMap(views, 'view');
  for (const name of viewMap.keys()) assert(!tableMap.has(name), `${definition.name}.${name} is both a table and a view`);
  return {
    name: definition.name,
    durableWrites: definition.durableWrites ?? true,
    replication: definition.replication,
    tables: tableMap,
    views: viewMap,
    types: byNameMap(types, 'type'),
    functions: [...(definition.functions ?? [])],
  };
}

/** A snapshot of the given keyspaces. */
export function buildSchemaSnapshot(version: string, keyspaces: readonly KeyspaceMetadata[]): SchemaSnapshot {
  return { version, keyspaces: byNameMap(keyspaces, 'keyspace') };
}

function replaceKeyspaces(snapshot: SchemaSnapshot, version: string, update: (keyspaces: Map<string, KeyspaceMetadata>) => void): SchemaSnapshot {
  assert(version !== snapshot.version, 'a schema change has a new version');
  const keyspaces = new Map(snapshot.keyspaces);
  update(keyspaces);
  return buildSchemaSnapshot(version, [...keyspaces.values()]);
}

function requireKeyspace(snapshot: SchemaSnapshot, name: string): KeyspaceMetadata {
  const keyspace = snapshot.keyspaces.get(name);
  assert(keyspace !== undefined, `keyspace ${name} exists`);
  return keyspace;
}

function keyspaceDefinition(keyspace: KeyspaceMetadata): KeyspaceDefinition {
  return {
    name: keyspace.name,
    durableWrites: keyspace.durableWrites,
    replication: keyspace.replication,
    tables: [...keyspace.tables.values()],
    views: [...keyspace.views.values()],
    types: [...keyspace.types.values()],
    functions: keyspace.functions,
  };
}

/** The snapshot with `keyspace` added or replaced. */
export function withKeyspace(snapshot: SchemaSnapshot, keyspace: KeyspaceMetadata, version: string): SchemaSnapshot {
  return replaceKeyspaces(snapshot, version, (m) => m.set(keyspace.name, keyspace));
}

/** The snapshot without keyspace `name`. */
export function withoutKeyspace(snapshot: SchemaSnapshot, name: string, version: string): SchemaSnapshot {
  return replaceKeyspaces(snapshot, version, (m) => {
    assert(m.delete(name), `keyspace ${name} exists`);
  });
}

/** The snapshot with a table (or a view, by `isView`) added or replaced in its existing keyspace. */
export function withTable(snapshot: SchemaSnapshot, table: TableMetadata, version: string): SchemaSnapshot {
  assertTableInvariants(table);
  const keyspace = keyspaceDefinition(requireKeyspace(snapshot, table.keyspace));
  const others = (list: readonly TableMetadata[] | undefined): TableMetadata[] => (list ?? []).filter((t) => t.name !== table.name);
  const updated = buildKeyspaceMetadata({
    ...keyspace,
    tables: table.isView ? others(keyspace.tables) : [...others(keyspace.tables), table],
    views: table.isView ? [...others(keyspace.views), table] : others(keyspace.views),
  });
  return withKeyspace(snapshot, updated, version);
}

/** The snapshot without table or view `name` of `keyspace`. */
export function withoutTable(snapshot: SchemaSnapshot, options: { readonly keyspace: string; readonly name: string; readonly version: string }): SchemaSnapshot {
  const keyspace = requireKeyspace(snapshot, options.keyspace);
  assert(keyspace.tables.has(options.name) || keyspace.views.has(options.name), `${options.keyspace}.${options.name} exists`);
  const definition = keyspaceDefinition(keyspace);
  const updated = buildKeyspaceMetadata({
    ...definition,
    tables: definition.tables!.filter((t) => t.name !== options.name),
    views: definition.views!.filter((t) => t.name !== options.name),
  });
  return withKeyspace(snapshot, updated, options.version);
}

/** The snapshot with a user type added or replaced in its existing keyspace. */
export function withType(snapshot: SchemaSnapshot, type: UserTypeMetadata, version: string): SchemaSnapshot {
  assert(type.fieldNames.length === type.fieldTypes.length, `type ${type.name}: one type per field`);
  const definition = keyspaceDefinition(requireKeyspace(snapshot, type.keyspace));
  const updated = buildKeyspaceMetadata({ ...definition, types: [...definition.types!.filter((t) => t.name !== type.name), type] });
  return withKeyspace(snapshot, updated, version);
}

/** The snapshot without user type `name` of `keyspace`. */
export function withoutType(snapshot: SchemaSnapshot, options: { readonly keyspace: string; readonly name: string; readonly version: string }): SchemaSnapshot {
  const keyspace = requireKeyspace(snapshot, options.keyspace);
  assert(keyspace.types.has(options.name), `type ${options.keyspace}.${options.name} exists`);
  const definition = keyspaceDefinition(keyspace);
  const updated = buildKeyspaceMetadata({ ...definition, types: definition.types!.filter((t) => t.name !== options.name) });
  return withKeyspace(snapshot, updated, options.version);
}
