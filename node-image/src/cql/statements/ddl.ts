// Schema statements: CREATE/ALTER/DROP KEYSPACE, TABLE, TYPE, INDEX; TRUNCATE; USE; and the
// statements Cassandra refuses in its default configuration (materialized views, user-defined
// functions). Each computes the new schema snapshot from the current one inside the
// coordinator's schema lock and answers with a Schema_change result (or Void for IF [NOT]
// EXISTS no-ops), after the change is durable and visible in system_schema.
import type { EndpointAddress } from '../../cluster/index.ts';
import { prepareReplicationOptions, resolveStrategyClass, validateReplication } from '../../cluster/index.ts';
import { alreadyExists, configError, invalidRequest } from '../../lib/index.ts';
import type {
  ColumnMetadata, CqlType, IndexMetadata, KeyspaceMetadata, SchemaSnapshot, TableMetadata, UserTypeMetadata,
} from '../../schema/index.ts';
import { buildTableMetadata, DEFAULT_TABLE_OPTIONS, formatCqlIdentifier, formatType, randomUuid, uuidToString } from '../../schema/index.ts';
import type {
  AlterKeyspaceStatement, AlterTableStatement, AlterTypeStatement, CreateIndexStatement, CreateKeyspaceStatement, CreateTableStatement,
  CreateTypeStatement, DropIndexStatement, DropKeyspaceStatement, DropTableStatement, DropTypeStatement, Property, Statement,
  TruncateStatement, UseStatement,
} from '../ast.ts';
import type { QueryResponse, SchemaChangeEvent } from '../service.ts';
import { resolveType, typesCompatible } from '../type-resolver.ts';
import type { TypeScope } from '../type-resolver.ts';
import type { Execution, PrepareContext, PreparedStatement } from './statement-context.ts';
import type { ClusteringColumnDef, ColumnDef, RegularColumnDef } from '../../schema/index.ts';

interface TableDefinitionSpec {
  readonly keyspace: string;
  readonly name: string;
  readonly id: string;
  readonly partitionKey: readonly ColumnDef[];
  readonly clustering: readonly ClusteringColumnDef[];
  readonly columns: readonly RegularColumnDef[];
  readonly options: TableMetadata['options'];
  readonly droppedColumns: TableMetadata['droppedColumns'];
  readonly indexes: TableMetadata['indexes'];
}
import { keyspaceName, systemKeyspaceNotModifiable } from './statement-context.ts';
import { SYSTEM_KEYSPACE_METADATA } from '../system/system-keyspaces.ts';
import { applyTableProperties, propertyMap, propertyText, rejectUnknown } from './table-options.ts';

export const SYSTEM_KEYSPACES: ReadonlySet<string> = new Set(['system', 'system_schema', 'system_auth', 'system_distributed', 'system_traces', 'system_views', 'system_virtual_schema']);
/** System keyspaces whose replication operators may ALTER (Cassandra allows it for these three only). */
const REPLICATED_SYSTEM_KEYSPACES: ReadonlySet<string> = new Set(['system_auth', 'system_distributed', 'system_traces']);

/** Context the schema statements need beyond the snapshot (where this node is). */
export interface SchemaEnvironment {
  readonly localDatacenter: string;
  readonly localAddress: EndpointAddress;
  /** Datacenters with known members (the local one included). */
  readonly knownDatacenters: () => ReadonlySet<string>;
}

type Change = { readonly snapshot: SchemaSnapshot; readonly event: SchemaChangeEvent | null };

/** A schema statement: `compute` runs inside the schema lock against the then-current snapshot. */
class SchemaStatement implements PreparedStatement {
  readonly kind: string;
  readonly keyspace: string | null;
  readonly table: string | null;
  readonly bindSpecs = [];
  readonly partitionKeyBindIndexes = [];
  readonly resultMetadata = { columns: [] };
  readonly isSchemaChange = true;
  private readonly compute: (current: SchemaSnapshot, newVersion: string, execution: Execution) => Change;

  constructor(kind: string, keyspace: string | null, table: string | null, compute: SchemaStatement['compute']) {
    this.kind = kind;
    this.keyspace = keyspace;
    this.table = table;
    this.compute = compute;
  }

  async execute(execution: Execution): Promise<QueryResponse> {
    let event: SchemaChangeEvent | null = null;
    await execution.services.coordinator.changeSchema({
      apply: (current) => {
        const version = uuidToString(randomUuid(execution.services.random));
        const change = this.compute(current, version, execution);
        event = change.event;
        return change.snapshot;
      },
    });
    if (event === null) return { result: { kind: 'void' }, warnings: execution.warnings };
    execution.services.publishSchemaChange(event);
    return { result: { kind: 'schemaChange', event }, warnings: execution.warnings };
  }
}

function withKeyspace(current: SchemaSnapshot, ks: KeyspaceMetadata, version: string): SchemaSnapshot {
  const keyspaces = new Map(current.keyspaces);
  keyspaces.set(ks.name, ks);
  return { version, keyspaces };
}

function withoutKeyspace(current: SchemaSnapshot, name: string, version: string): SchemaSnapshot {
  const keyspaces = new Map(current.keyspaces);
  keyspaces.delete(name);
  return { version, keyspaces };
}

function replaceTable(ks: KeyspaceMetadata, table: TableMetadata | null, name: string): KeyspaceMetadata {
  const tables = new Map(ks.tables);
  if (table === null) tables.delete(name);
  else tables.set(name, table);
  return { ...ks, tables };
}

const NAME_RE = /^\w+$/;
const NAME_LENGTH_MAX = 222;

function checkName(name: string, what: string): void {
  if (name.length > NAME_LENGTH_MAX) {
    throw invalidRequest(`${what} names shouldn't be more than ${NAME_LENGTH_MAX} characters long (got "${name}")`);
  }
  if (!NAME_RE.test(name)) throw invalidRequest(`${what} name must not be empty, more than ${NAME_LENGTH_MAX} characters long, or contain non-alphanumeric-underscore characters (got "${name}")`);
}

// ------------------------------------------------------------------------------------------
// Keyspaces

function replicationFrom(properties: readonly Property[], previous: KeyspaceMetadata | null, env: SchemaEnvironment, keyspace: string): {
  replication: KeyspaceMetadata['replication']; durableWrites: boolean;
} {
  rejectUnknown(properties, new Set(['replication', 'durable_writes']));
  const rep = properties.find((p) => p.name === 'replication');
  const durable = properties.find((p) => p.name === 'durable_writes');
  let replication = previous?.replication;
  if (rep !== undefined) {
    const map = propertyMap(rep.value, 'replication');
    const cls = map['class'];
    if (cls === undefined) throw configError('Missing replication strategy class');
    const qualified = resolveStrategyClass(cls);
    const options: Record<string, string> = { ...map };
    delete options['class'];
    const previousOptions = previous !== null && previous.replication.class === qualified ? previous.replication.options : {};
    const prepared = prepareReplicationOptions(qualified, options, previousOptions, { knownDatacenters: env.knownDatacenters() });
    replication = { class: qualified, options: prepared };
    validateReplication(replication, { keyspace, knownDatacenters: env.knownDatacenters(), localAddress: env.localAddress });
  }
  if (replication === undefined) throw configError('Missing mandatory option \'replication\'');
  const durableWrites = durable === undefined ? (previous?.durableWrites ?? true) : propertyText(durable.value, 'durable_writes').toLowerCase() === 'true';
  return { replication, durableWrites };
}

/** Cassandra's SchemaConstants.NAME_LENGTH for keyspace names. */
const KEYSPACE_NAME_LENGTH_MAX = 48;

function createKeyspace(s: CreateKeyspaceStatement, env: SchemaEnvironment): PreparedStatement {
  if (s.name.length > KEYSPACE_NAME_LENGTH_MAX) {
    throw invalidRequest(`Keyspace name must not be more than ${KEYSPACE_NAME_LENGTH_MAX} characters long (got ${s.name.length} characters for "${s.name}")`);
  }
  checkName(s.name, 'Keyspace');
  return new SchemaStatement('createKeyspace', s.name, null, (current, version) => {
    if (current.keyspaces.has(s.name)) {
      if (s.ifNotExists) return { snapshot: current, event: null };
      throw alreadyExists(s.name, '', `Cannot add existing keyspace "${s.name}"`);
    }
    if (SYSTEM_KEYSPACES.has(s.name)) throw alreadyExists(s.name, '', `Cannot add existing keyspace "${s.name}"`);
    const { replication, durableWrites } = replicationFrom(s.properties, null, env, s.name);
    const ks: KeyspaceMetadata = { name: s.name, durableWrites, replication, tables: new Map(), views: new Map(), types: new Map(), functions: [] };
    return { snapshot: withKeyspace(current, ks, version), event: { change: 'CREATED', target: 'KEYSPACE', keyspace: s.name } };
  });
}

function alterKeyspace(s: AlterKeyspaceStatement, env: SchemaEnvironment): PreparedStatement {
  return new SchemaStatement('alterKeyspace', s.name, null, (current, version) => {
    if (SYSTEM_KEYSPACES.has(s.name) && !REPLICATED_SYSTEM_KEYSPACES.has(s.name)) throw systemKeyspaceNotModifiable(s.name);
    // A replicated system keyspace clients already see (system_schema.keyspaces lists its
    // placeholder) is stored by its first ALTER, like Cassandra lets operators set its replication.
    const ks = current.keyspaces.get(s.name) ?? (REPLICATED_SYSTEM_KEYSPACES.has(s.name) ? SYSTEM_KEYSPACE_METADATA.get(s.name) : undefined);
    if (ks === undefined) {
      if (s.ifExists) return { snapshot: current, event: null };
      throw invalidRequest(`Keyspace '${s.name}' doesn't exist`);
    }
    const { replication, durableWrites } = replicationFrom(s.properties, ks, env, s.name);
    return {
      snapshot: withKeyspace(current, { ...ks, replication, durableWrites }, version),
      event: { change: 'UPDATED', target: 'KEYSPACE', keyspace: s.name },
    };
  });
}

function dropKeyspace(s: DropKeyspaceStatement): PreparedStatement {
  return new SchemaStatement('dropKeyspace', s.name, null, (current, version) => {
    if (SYSTEM_KEYSPACES.has(s.name)) throw systemKeyspaceNotModifiable(s.name);
    if (!current.keyspaces.has(s.name)) {
      if (s.ifExists) return { snapshot: current, event: null };
      throw invalidRequest(`Keyspace '${s.name}' doesn't exist`);
    }
    return { snapshot: withoutKeyspace(current, s.name, version), event: { change: 'DROPPED', target: 'KEYSPACE', keyspace: s.name } };
  });
}

// ------------------------------------------------------------------------------------------
// Tables

function scopeOf(current: SchemaSnapshot, keyspace: string): TypeScope {
  return { keyspace, types: current.keyspaces.get(keyspace)?.types ?? new Map() };
}

function checkKeyType(name: string, type: CqlType, part: string): void {
  const multiCell = (type.kind === 'list' || type.kind === 'set' || type.kind === 'map' || type.kind === 'udt') && !type.frozen;
  if (multiCell) {
    throw invalidRequest(`Invalid non-frozen ${type.kind === 'udt' ? 'user-defined type' : 'collection type'} ${formatType(type)} for PRIMARY KEY ${part} ${name}`);
  }
  if (type.kind === 'native' && type.name === 'duration') throw invalidRequest(`duration type is not supported for PRIMARY KEY column '${name}'`);
  if (type.kind === 'native' && type.name === 'counter') throw invalidRequest(`counter type is not supported for PRIMARY KEY column '${name}'`);
}

/** Cassandra refuses a non-frozen UDT column whose type has non-frozen collection fields. */
function checkNonFrozenUdtColumn(type: CqlType): void {
  if (type.kind !== 'udt' || type.frozen) return;
  if (type.fieldTypes.some((f) => (f.kind === 'list' || f.kind === 'set' || f.kind === 'map') && !f.frozen)) {
    throw invalidRequest('Non-frozen UDTs with nested non-frozen collections are not supported');
  }
}

function containsCounter(t: CqlType): boolean {
  return t.kind === 'native' && t.name === 'counter';
}

function createTable(s: CreateTableStatement, ctx: PrepareContext): PreparedStatement {
  const keyspace = keyspaceName(ctx, s.table);
  checkName(s.table.name, 'Table');
  return new SchemaStatement('createTable', keyspace, s.table.name, (current, version, execution) => {
    if (SYSTEM_KEYSPACES.has(keyspace)) throw systemKeyspaceNotModifiable(keyspace);
    const ks = current.keyspaces.get(keyspace);
    if (ks === undefined) throw invalidRequest(`Keyspace '${keyspace}' doesn't exist`);
    if (ks.tables.has(s.table.name) || ks.views.has(s.table.name)) {
      if (s.ifNotExists) return { snapshot: current, event: null };
      throw alreadyExists(keyspace, s.table.name, `Cannot add already existing table "${s.table.name}" to keyspace "${keyspace}"`);
    }
    if (s.compactStorage) throw invalidRequest('COMPACT STORAGE tables are not supported starting with version 4.0');
    const scope = scopeOf(current, keyspace);
    const types = new Map<string, CqlType>();
    const statics = new Set<string>();
    for (const c of s.columns) {
      if (types.has(c.name)) throw invalidRequest(`Duplicate column '${c.name}' declaration for table ${keyspace}.${s.table.name}`);
      const type = resolveType(c.type, scope);
      checkNonFrozenUdtColumn(type);
      types.set(c.name, type);
      if (c.isStatic) statics.add(c.name);
    }
    if ((s.primaryKeyDeclarations ?? 1) > 1) throw invalidRequest(`Multiple PRIMARY KEY specified for table '${s.table.name}' (exactly one required)`);
    if (s.partitionKey.length === 0) throw invalidRequest(`No PRIMARY KEY specifed for table '${s.table.name}' (exactly one required)`);
    const keyColumns = [...s.partitionKey, ...s.clusteringKey];
    const seen = new Set<string>();
    for (const name of keyColumns) {
      if (!types.has(name)) throw invalidRequest(`Unknown definition ${name} referenced in PRIMARY KEY`);
      if (seen.has(name)) throw invalidRequest(`Duplicate column '${name}' in PRIMARY KEY`);
      seen.add(name);
      if (statics.has(name)) throw invalidRequest(`Static column ${name} cannot be part of the PRIMARY KEY`);
    }
    s.partitionKey.forEach((n) => checkKeyType(n, types.get(n)!, 'component'));
    s.clusteringKey.forEach((n) => checkKeyType(n, types.get(n)!, 'component'));
    if (statics.size > 0 && s.clusteringKey.length === 0) {
      throw invalidRequest(`Static columns are only useful (and thus allowed) if the table has at least one clustering column`);
    }
    const regularNames = [...types.keys()].filter((n) => !seen.has(n));
    const counters = regularNames.filter((n) => containsCounter(types.get(n)!));
    if (counters.length > 0 && counters.length < regularNames.length) throw invalidRequest('Cannot mix counter and non counter columns in the same table');
    // CLUSTERING ORDER BY: names must be the clustering columns, in order.
    const orders = new Map<string, 'asc' | 'desc'>();
    s.clusteringOrder.forEach((o, i) => {
      if (!s.clusteringKey.includes(o.column)) throw invalidRequest(`Only clustering key columns can be defined in CLUSTERING ORDER directive: ${o.column} is not a clustering column`);
      if (s.clusteringKey[i] !== o.column) throw invalidRequest(`The order of columns in the CLUSTERING ORDER directive must match that of the clustering columns (${o.column} must appear before ${s.clusteringKey[i]})`);
      orders.set(o.column, o.descending ? 'desc' : 'asc');
    });
    const options = applyTableProperties(DEFAULT_TABLE_OPTIONS, s.properties);
    if (counters.length > 0 && options.defaultTimeToLiveSeconds > 0) throw invalidRequest('Cannot set default_time_to_live on a table with counters');
    const idProperty = s.properties.find((p) => p.name === 'id');
    const id = idProperty === undefined ? uuidToString(randomUuid(execution.services.random)) : propertyText(idProperty.value, 'id');
    const table = buildTableMetadata({
      keyspace,
      name: s.table.name,
      id,
      partitionKey: s.partitionKey.map((name) => ({ name, type: types.get(name)! })),
      clustering: s.clusteringKey.map((name) => ({ name, type: types.get(name)!, order: orders.get(name) ?? 'asc' })),
      columns: regularNames.map((name) => ({ name, type: types.get(name)!, isStatic: statics.has(name) })),
      options,
      droppedColumns: [],
      indexes: [],
    });
    return {
      snapshot: withKeyspace(current, replaceTable(ks, table, table.name), version),
      event: { change: 'CREATED', target: 'TABLE', keyspace, name: table.name },
    };
  });
}

function tableSpecOf(table: TableMetadata): TableDefinitionSpec {
  return {
    keyspace: table.keyspace,
    name: table.name,
    id: table.id,
    partitionKey: table.partitionKey.map((c) => ({ name: c.name, type: c.type })),
    clustering: table.clustering.map((c) => ({ name: c.name, type: c.type, order: c.clusteringOrder === 'desc' ? 'desc' : 'asc' })),
    columns: table.regularAndStatic.map((c) => ({ name: c.name, type: c.type, isStatic: c.kind === 'static' })),
    options: table.options,
    droppedColumns: table.droppedColumns,
    indexes: table.indexes,
  };
}

function findTable(current: SchemaSnapshot, keyspace: string, name: string): { ks: KeyspaceMetadata; table: TableMetadata } | null {
  const ks = current.keyspaces.get(keyspace);
  if (ks === undefined) throw invalidRequest(`Keyspace '${keyspace}' doesn't exist`);
  const table = ks.tables.get(name);
  return table === undefined ? null : { ks, table };
}

function alterTable(s: AlterTableStatement, ctx: PrepareContext): PreparedStatement {
  const keyspace = keyspaceName(ctx, s.table);
  return new SchemaStatement('alterTable', keyspace, s.table.name, (current, version, execution) => {
    if (SYSTEM_KEYSPACES.has(keyspace)) throw systemKeyspaceNotModifiable(keyspace);
    const found = findTable(current, keyspace, s.table.name);
    if (found === null) {
      if (s.ifExists) return { snapshot: current, event: null };
      if (current.keyspaces.get(keyspace)?.views.has(s.table.name)) throw invalidRequest(`Cannot use ALTER TABLE on a materialized view; use ALTER MATERIALIZED VIEW instead`);
      throw invalidRequest(`Table '${keyspace}.${s.table.name}' doesn't exist`);
    }
    const { ks, table } = found;
    const spec = tableSpecOf(table);
    const action = s.action;
    switch (action.kind) {
      case 'add': {
        const scope = scopeOf(current, keyspace);
        const columns = [...spec.columns];
        let changed = false;
        for (const def of action.columns) {
          if (table.columns.some((c) => c.name === def.name)) {
            if (action.ifNotExists) continue;
            throw invalidRequest(`Column with name '${def.name}' already exists`);
          }
          const type = resolveType(def.type, scope);
          checkNonFrozenUdtColumn(type);
          if (def.isStatic && table.clustering.length === 0) {
            throw invalidRequest(`Static columns are only useful (and thus allowed) if the table has at least one clustering column`);
          }
          if (table.isCounterTable !== containsCounter(type)) {
            throw invalidRequest(table.isCounterTable ? `Cannot add a non counter column (${def.name}) in a counter column family` : `Cannot add a counter column (${def.name}) in a non counter column family`);
          }
          const dropped = table.droppedColumns.find((d) => d.name === def.name);
          if (dropped !== undefined && !typesCompatible(dropped.type, type) && formatType(dropped.type) !== formatType(type)) {
            throw invalidRequest(`Cannot re-add previously dropped column '${def.name}' of type ${formatType(type)}, incompatible with previous type ${formatType(dropped.type)}`);
          }
          columns.push({ name: def.name, type, isStatic: def.isStatic });
          changed = true;
        }
        if (!changed) return { snapshot: current, event: null };
        const next = buildTableMetadata({ ...spec, columns });
        return { snapshot: withKeyspace(current, replaceTable(ks, next, next.name), version), event: { change: 'UPDATED', target: 'TABLE', keyspace, name: table.name } };
      }
      case 'drop': {
        const columns = [...spec.columns];
        const dropped = [...spec.droppedColumns];
        let changed = false;
        const ts = execution.services.timestamps.next();
        for (const name of action.columns) {
          const column = table.columns.find((c) => c.name === name);
          if (column === undefined) {
            if (action.ifExists) continue;
            throw invalidRequest(`Column ${name} was not found in table ${keyspace}.${table.name}`);
          }
          if (column.kind === 'partition_key' || column.kind === 'clustering') throw invalidRequest(`Cannot drop PRIMARY KEY column ${name}`);
          if (table.indexes.some((i) => (i.options['target'] ?? '').replace(/^\w+\((.*)\)$/, '$1') === formatCqlIdentifier(name))) {
            throw invalidRequest(`Cannot drop column ${name} because it has dependent secondary indexes (${table.indexes.map((i) => i.name).join(', ')})`);
          }
          columns.splice(columns.findIndex((c) => c.name === name), 1);
          dropped.push({ name, type: column.type, droppedAtMicros: ts, kind: column.kind });
          changed = true;
        }
        if (!changed) return { snapshot: current, event: null };
        if (columns.length === 0 && table.clustering.length === 0) {
          // Cassandra allows a table with only its primary key.
        }
        const next = buildTableMetadata({ ...spec, columns, droppedColumns: dropped });
        return { snapshot: withKeyspace(current, replaceTable(ks, next, next.name), version), event: { change: 'UPDATED', target: 'TABLE', keyspace, name: table.name } };
      }
      case 'rename': {
        let pk = [...spec.partitionKey];
        let clustering = [...spec.clustering];
        for (const [from, to] of action.renames) {
          const column = table.columns.find((c) => c.name === from);
          if (column === undefined) {
            if (action.ifExists) continue;
            throw invalidRequest(`Column ${from} was not found in table ${keyspace}.${table.name}`);
          }
          if (column.kind !== 'partition_key' && column.kind !== 'clustering') {
            throw invalidRequest(`Cannot rename non PRIMARY KEY column ${from}`);
          }
          if (table.columns.some((c) => c.name === to)) throw invalidRequest(`Cannot rename column ${from} to ${to} in table ${table.name}; another column of that name already exist`);
          pk = pk.map((c) => (c.name === from ? { ...c, name: to } : c));
          clustering = clustering.map((c) => (c.name === from ? { ...c, name: to } : c));
        }
        const next = buildTableMetadata({ ...spec, partitionKey: pk, clustering });
        return { snapshot: withKeyspace(current, replaceTable(ks, next, next.name), version), event: { change: 'UPDATED', target: 'TABLE', keyspace, name: table.name } };
      }
      case 'alterType':
        throw invalidRequest('Altering column types is no longer supported');
      case 'with': {
        if (action.properties.some((p) => p.name === 'id')) throw configError('Cannot update table id');
        const options = applyTableProperties(table.options, action.properties);
        if (table.isCounterTable && options.defaultTimeToLiveSeconds > 0) throw invalidRequest('Cannot set default_time_to_live on a table with counters');
        const next = buildTableMetadata({ ...spec, options });
        return { snapshot: withKeyspace(current, replaceTable(ks, next, next.name), version), event: { change: 'UPDATED', target: 'TABLE', keyspace, name: table.name } };
      }
    }
  });
}

function dropTable(s: DropTableStatement, ctx: PrepareContext): PreparedStatement {
  const keyspace = keyspaceName(ctx, s.table);
  return new SchemaStatement('dropTable', keyspace, s.table.name, (current, version) => {
    if (SYSTEM_KEYSPACES.has(keyspace)) throw systemKeyspaceNotModifiable(keyspace);
    const ks = current.keyspaces.get(keyspace);
    if (ks === undefined) {
      if (s.ifExists) return { snapshot: current, event: null };
      throw invalidRequest(`Keyspace '${keyspace}' doesn't exist`);
    }
    if (!ks.tables.has(s.table.name)) {
      if (s.ifExists) return { snapshot: current, event: null };
      throw invalidRequest(`Table '${keyspace}.${s.table.name}' doesn't exist`);
    }
    return { snapshot: withKeyspace(current, replaceTable(ks, null, s.table.name), version), event: { change: 'DROPPED', target: 'TABLE', keyspace, name: s.table.name } };
  });
}

class TruncateStatementImpl implements PreparedStatement {
  readonly kind = 'truncate';
  readonly keyspace: string;
  readonly table: string;
  readonly bindSpecs = [];
  readonly partitionKeyBindIndexes = [];
  readonly resultMetadata = { columns: [] };
  readonly isSchemaChange = false;
  private readonly tableId: string;

  constructor(table: TableMetadata) {
    this.keyspace = table.keyspace;
    this.table = table.name;
    this.tableId = table.id;
  }

  async execute(execution: Execution): Promise<QueryResponse> {
    await execution.services.coordinator.truncate(this.tableId);
    return { result: { kind: 'void' }, warnings: execution.warnings };
  }
}

function truncate(s: TruncateStatement, ctx: PrepareContext): PreparedStatement {
  const keyspace = keyspaceName(ctx, s.table);
  if (SYSTEM_KEYSPACES.has(keyspace)) throw systemKeyspaceNotModifiable(keyspace);
  const ks = ctx.schema.keyspaces.get(keyspace);
  if (ks === undefined) throw invalidRequest(`Keyspace '${keyspace}' does not exist`);
  const table = ks.tables.get(s.table.name);
  if (table === undefined) {
    if (ks.views.has(s.table.name)) throw invalidRequest('Cannot TRUNCATE materialized view directly; must truncate base table instead');
    throw invalidRequest(`table ${s.table.name} does not exist`);
  }
  return new TruncateStatementImpl(table);
}

// ------------------------------------------------------------------------------------------
// User types

function typeUsers(ks: KeyspaceMetadata, name: string): string[] {
  const uses = (t: CqlType): boolean => {
    switch (t.kind) {
      case 'udt': return t.name === name || t.fieldTypes.some(uses);
      case 'list': case 'set': return uses(t.element);
      case 'map': return uses(t.key) || uses(t.value);
      case 'tuple': return t.elements.some(uses);
      default: return false;
    }
  };
  const users: string[] = [];
  for (const t of ks.tables.values()) if (t.columns.some((c) => uses(c.type))) users.push(t.name);
  for (const u of ks.types.values()) if (u.name !== name && u.fieldTypes.some(uses)) users.push(u.name);
  return users;
}

function referencesType(t: CqlType, name: string): boolean {
  switch (t.kind) {
    case 'udt': return t.name === name || t.fieldTypes.some((f) => referencesType(f, name));
    case 'list': case 'set': return referencesType(t.element, name);
    case 'map': return referencesType(t.key, name) || referencesType(t.value, name);
    case 'tuple': return t.elements.some((e) => referencesType(e, name));
    default: return false;
  }
}

function withType(ks: KeyspaceMetadata, type: UserTypeMetadata | null, name: string): KeyspaceMetadata {
  const types = new Map(ks.types);
  if (type === null) types.delete(name);
  else types.set(name, type);
  return { ...ks, types };
}

function createType(s: CreateTypeStatement, ctx: PrepareContext): PreparedStatement {
  const keyspace = keyspaceName(ctx, s.type);
  return new SchemaStatement('createType', keyspace, null, (current, version) => {
    if (SYSTEM_KEYSPACES.has(keyspace)) throw systemKeyspaceNotModifiable(keyspace);
    const ks = current.keyspaces.get(keyspace);
    if (ks === undefined) throw invalidRequest(`Keyspace '${keyspace}' doesn't exist`);
    if (ks.types.has(s.type.name)) {
      if (s.ifNotExists) return { snapshot: current, event: null };
      throw invalidRequest(`A user type with name '${s.type.name}' already exists`);
    }
    const names = new Set<string>();
    const scope = scopeOf(current, keyspace);
    const fieldTypes = s.fields.map((f) => {
      if (names.has(f.name)) throw invalidRequest(`Duplicate field name '${f.name}' in type '${s.type.name}'`);
      names.add(f.name);
      const t = resolveType(f.type, scope);
      if (t.kind === 'native' && t.name === 'counter') throw invalidRequest('A user type cannot contain counters');
      if (t.kind === 'udt' && t.name === s.type.name) throw invalidRequest(`Type '${s.type.name}' cannot refer to itself`);
      // Non-frozen collection fields are allowed (the type can then only be used frozen).
      if (t.kind === 'udt' && !t.frozen) throw invalidRequest('A user type cannot contain non-frozen UDTs');
      return t;
    });
    const type: UserTypeMetadata = { keyspace, name: s.type.name, fieldNames: s.fields.map((f) => f.name), fieldTypes };
    return { snapshot: withKeyspace(current, withType(ks, type, type.name), version), event: { change: 'CREATED', target: 'TYPE', keyspace, name: type.name } };
  });
}

function alterType(s: AlterTypeStatement, ctx: PrepareContext): PreparedStatement {
  const keyspace = keyspaceName(ctx, s.type);
  return new SchemaStatement('alterType', keyspace, null, (current, version) => {
    const ks = current.keyspaces.get(keyspace);
    if (ks === undefined) throw invalidRequest(`Keyspace '${keyspace}' doesn't exist`);
    const type = ks.types.get(s.type.name);
    if (type === undefined) {
      if (s.ifExists) return { snapshot: current, event: null };
      throw invalidRequest(`No user type named ${keyspace}.${s.type.name} exists.`);
    }
    let next: UserTypeMetadata;
    const action = s.action;
    switch (action.kind) {
      case 'add': {
        if (type.fieldNames.includes(action.field)) {
          if (action.ifNotExists) return { snapshot: current, event: null };
          throw invalidRequest(`Cannot add new field ${action.field} to type ${keyspace}.${type.name}: a field with name ${action.field} already exists`);
        }
        const t = resolveType(action.type, scopeOf(current, keyspace));
        // A new field would change how existing partition keys serialize and hash.
        const keyUsers = [...ks.tables.values()].filter((table) => table.partitionKey.some((c) => referencesType(c.type, type.name)));
        if (keyUsers.length > 0) {
          throw invalidRequest(`Cannot add new field ${action.field} of type ${formatType(t)} to user type ${keyspace}.${type.name} as the type is being used in partition key by the following tables: ${keyUsers.map((u) => `${keyspace}.${u.name}`).join(', ')}`);
        }
        next = { ...type, fieldNames: [...type.fieldNames, action.field], fieldTypes: [...type.fieldTypes, t] };
        break;
      }
      case 'rename': {
        const names = [...type.fieldNames];
        for (const [from, to] of action.renames) {
          const i = names.indexOf(from);
          if (i < 0) {
            if (action.ifExists) continue;
            throw invalidRequest(`Unkown field ${from} in user type ${keyspace}.${type.name}`);
          }
          if (names.includes(to)) throw invalidRequest(`Duplicate field name ${to} in type ${keyspace}.${type.name}`);
          names[i] = to;
        }
        next = { ...type, fieldNames: names };
        break;
      }
      case 'alterType':
        throw invalidRequest('Alterations of field types are not supported (the type of a field of a user type cannot change)');
    }
    // Tables and types that embed this UDT keep a copy of its definition: refresh them.
    let nextKs = withType(ks, next, next.name);
    nextKs = refreshUdtUsers(nextKs, next);
    return { snapshot: withKeyspace(current, nextKs, version), event: { change: 'UPDATED', target: 'TYPE', keyspace, name: type.name } };
  });
}

function refreshUdt(t: CqlType, udt: UserTypeMetadata): CqlType {
  switch (t.kind) {
    case 'udt':
      if (t.name === udt.name && t.keyspace === udt.keyspace) return { ...t, fieldNames: udt.fieldNames, fieldTypes: udt.fieldTypes };
      return { ...t, fieldTypes: t.fieldTypes.map((f) => refreshUdt(f, udt)) };
    case 'list': case 'set': return { ...t, element: refreshUdt(t.element, udt) };
    case 'map': return { ...t, key: refreshUdt(t.key, udt), value: refreshUdt(t.value, udt) };
    case 'tuple': return { ...t, elements: t.elements.map((e) => refreshUdt(e, udt)) };
    default: return t;
  }
}

function refreshUdtUsers(ks: KeyspaceMetadata, udt: UserTypeMetadata): KeyspaceMetadata {
  const tables = new Map<string, TableMetadata>();
  for (const [name, t] of ks.tables) {
    if (typeUsers({ ...ks, tables: new Map([[name, t]]), types: new Map() }, udt.name).length === 0) {
      tables.set(name, t);
      continue;
    }
    const spec = tableSpecOf(t);
    tables.set(name, buildTableMetadata({
      ...spec,
      partitionKey: spec.partitionKey.map((c) => ({ ...c, type: refreshUdt(c.type, udt) })),
      clustering: spec.clustering.map((c) => ({ ...c, type: refreshUdt(c.type, udt) })),
      columns: spec.columns.map((c) => ({ ...c, type: refreshUdt(c.type, udt) })),
    }));
  }
  const types = new Map<string, UserTypeMetadata>();
  for (const [name, u] of ks.types) types.set(name, u.name === udt.name ? u : { ...u, fieldTypes: u.fieldTypes.map((f) => refreshUdt(f, udt)) });
  return { ...ks, tables, types };
}

function dropType(s: DropTypeStatement, ctx: PrepareContext): PreparedStatement {
  const keyspace = keyspaceName(ctx, s.type);
  return new SchemaStatement('dropType', keyspace, null, (current, version) => {
    const ks = current.keyspaces.get(keyspace);
    if (ks === undefined) {
      if (s.ifExists) return { snapshot: current, event: null };
      throw invalidRequest(`Keyspace '${keyspace}' doesn't exist`);
    }
    if (!ks.types.has(s.type.name)) {
      if (s.ifExists) return { snapshot: current, event: null };
      throw invalidRequest(`Type '${keyspace}.${s.type.name}' doesn't exist`);
    }
    const users = typeUsers(ks, s.type.name);
    if (users.length > 0) throw invalidRequest(`Cannot drop user type '${keyspace}.${s.type.name}' as it is still used by ${users.join(', ')}`);
    return { snapshot: withKeyspace(current, withType(ks, null, s.type.name), version), event: { change: 'DROPPED', target: 'TYPE', keyspace, name: s.type.name } };
  });
}

// ------------------------------------------------------------------------------------------
// Secondary indexes (metadata; queries on them are served by filtering scans)

function createIndex(s: CreateIndexStatement, ctx: PrepareContext): PreparedStatement {
  const keyspace = keyspaceName(ctx, s.table);
  return new SchemaStatement('createIndex', keyspace, s.table.name, (current, version) => {
    const found = findTable(current, keyspace, s.table.name);
    if (found === null) throw invalidRequest(`Table '${keyspace}.${s.table.name}' doesn't exist`);
    const { ks, table } = found;
    if (s.customClass !== null) throw invalidRequest(`Custom index class ${s.customClass} is not supported by Cassia`);
    if (s.target === null) throw invalidRequest('Only CUSTOM indexes can be created without specifying a target column');
    const column: ColumnMetadata | undefined = table.columns.find((c) => c.name === s.target!.column);
    if (column === undefined) throw invalidRequest(`Column ${s.target.column} not found in table ${table.name}`);
    if (column.kind === 'partition_key' && table.partitionKey.length === 1) {
      throw invalidRequest(`Cannot create secondary index on the only partition key column ${column.name}`);
    }
    const isCollection = column.type.kind === 'list' || column.type.kind === 'set' || column.type.kind === 'map';
    const frozen = isCollection && 'frozen' in column.type && column.type.frozen;
    // Targets name the column as CQL writes it (quoted when needed), as Cassandra stores them.
    const quoted = formatCqlIdentifier(column.name);
    let target: string;
    switch (s.target.kind) {
      case 'keys':
        if (column.type.kind !== 'map') throw invalidRequest(`Cannot create index on keys of column ${column.name} with non-map type`);
        target = `keys(${quoted})`;
        break;
      case 'entries':
        if (column.type.kind !== 'map') throw invalidRequest(`Cannot create index on entries of column ${column.name} with non-map type`);
        target = `entries(${quoted})`;
        break;
      case 'full':
        if (!frozen) throw invalidRequest(`full() indexes can only be created on frozen collections`);
        target = `full(${quoted})`;
        break;
      case 'values':
        if (frozen) throw invalidRequest(`Frozen collections only support full() indexes`);
        target = isCollection ? `values(${quoted})` : quoted;
        break;
    }
    const baseName = s.name ?? `${table.name}_${column.name}_idx`.replace(/\W/g, '');
    let name = baseName;
    for (let i = 1; [...ks.tables.values()].some((t) => t.indexes.some((x) => x.name === name)); i++) {
      if (s.name !== null) {
        if (s.ifNotExists) return { snapshot: current, event: null };
        throw alreadyExists(keyspace, s.name, `Index '${s.name}' already exists`);
      }
      name = `${baseName}_${i}`;
    }
    if (table.indexes.some((x) => x.options['target'] === target)) {
      if (s.ifNotExists) return { snapshot: current, event: null };
      throw invalidRequest(`Index ${name} is a duplicate of existing index ${table.indexes.find((x) => x.options['target'] === target)!.name}`);
    }
    const index: IndexMetadata = { name, kind: 'COMPOSITES', options: { target } };
    const next = buildTableMetadata({ ...tableSpecOf(table), indexes: [...table.indexes, index] });
    return { snapshot: withKeyspace(current, replaceTable(ks, next, next.name), version), event: { change: 'UPDATED', target: 'TABLE', keyspace, name: table.name } };
  });
}

function dropIndex(s: DropIndexStatement, ctx: PrepareContext): PreparedStatement {
  const keyspace = keyspaceName(ctx, s.index);
  return new SchemaStatement('dropIndex', keyspace, null, (current, version) => {
    const ks = current.keyspaces.get(keyspace);
    if (ks === undefined) throw invalidRequest(`Keyspace '${keyspace}' doesn't exist`);
    for (const table of ks.tables.values()) {
      const index = table.indexes.find((i) => i.name === s.index.name);
      if (index === undefined) continue;
      const next = buildTableMetadata({ ...tableSpecOf(table), indexes: table.indexes.filter((i) => i !== index) });
      return { snapshot: withKeyspace(current, replaceTable(ks, next, next.name), version), event: { change: 'UPDATED', target: 'TABLE', keyspace, name: table.name } };
    }
    if (s.ifExists) return { snapshot: current, event: null };
    throw invalidRequest(`Index '${s.index.name}' could not be found in any of the tables of keyspace '${keyspace}'`);
  });
}

// ------------------------------------------------------------------------------------------

class UseStatementImpl implements PreparedStatement {
  readonly kind = 'use';
  readonly keyspace: string;
  readonly table = null;
  readonly bindSpecs = [];
  readonly partitionKeyBindIndexes = [];
  readonly resultMetadata = { columns: [] };
  readonly isSchemaChange = false;

  constructor(keyspace: string) {
    this.keyspace = keyspace;
  }

  async execute(execution: Execution): Promise<QueryResponse> {
    const schema = execution.services.coordinator.schema();
    if (!schema.keyspaces.has(this.keyspace) && !SYSTEM_KEYSPACES.has(this.keyspace)) {
      throw invalidRequest(`Keyspace '${this.keyspace}' does not exist`);
    }
    execution.session.keyspace = this.keyspace;
    return { result: { kind: 'setKeyspace', keyspace: this.keyspace }, warnings: execution.warnings };
  }
}

/** Prepares a schema, USE or TRUNCATE statement; null for any other kind. */
export function prepareSchemaStatement(statement: Statement, ctx: PrepareContext, env: SchemaEnvironment): PreparedStatement | null {
  switch (statement.kind) {
    case 'use': return new UseStatementImpl((statement as UseStatement).keyspace);
    case 'createKeyspace': return createKeyspace(statement, env);
    case 'alterKeyspace': return alterKeyspace(statement, env);
    case 'dropKeyspace': return dropKeyspace(statement);
    case 'createTable': return createTable(statement, ctx);
    case 'alterTable': return alterTable(statement, ctx);
    case 'dropTable': return dropTable(statement, ctx);
    case 'truncate': return truncate(statement, ctx);
    case 'createType': return createType(statement, ctx);
    case 'alterType': return alterType(statement, ctx);
    case 'dropType': return dropType(statement, ctx);
    case 'createIndex': return createIndex(statement, ctx);
    case 'dropIndex': return dropIndex(statement, ctx);
    case 'createMaterializedView':
      if (!ctx.limits.materializedViewsEnabled) {
        throw invalidRequest('Materialized views are disabled. Enable in cassandra.yaml to use.');
      }
      throw invalidRequest('Materialized views are not supported by Cassia yet');
    case 'dropMaterializedView': {
      const keyspace = keyspaceName(ctx, statement.view);
      if (statement.ifExists) return new SchemaStatement('dropMaterializedView', keyspace, null, (current) => ({ snapshot: current, event: null }));
      throw invalidRequest(`Materialized view '${keyspace}.${statement.view.name}' doesn't exist`);
    }
    case 'function':
      if (statement.action === 'createFunction' || statement.action === 'createAggregate') {
        throw invalidRequest('User-defined functions are disabled in cassandra.yaml - set user_defined_functions_enabled=true to enable');
      }
      if (statement.ifExists) return new SchemaStatement('dropFunction', null, null, (current) => ({ snapshot: current, event: null }));
      throw invalidRequest(`Unconfigured function ${statement.name.keyspace ?? ctx.sessionKeyspace ?? ''}.${statement.name.name}`);
    default:
      return null;
  }
}

