// The system keyspaces drivers read (system.local, system.peers, system.peers_v2 and
// system_schema.*), with Cassandra 4.0's column names and types, generated on read from the
// node's state and the schema snapshot. They are virtual: nothing is stored.
import type { Coordinator, NodeInfo } from '../../coordinator/index.ts';
import { murmur3Token } from '../../lib/index.ts';
import type { CqlType, JsValue, KeyspaceMetadata, SchemaSnapshot, TableMetadata } from '../../schema/index.ts';
import {
  buildTableMetadata, clusteringComparator, codecFor, formatType, serializePartitionKey,
} from '../../schema/index.ts';
import type { Cell, ReadCommand, ReadPartition, ReadResult, Row } from '../../storage/index.ts';
import { NO_DELETION_TIME } from '../../storage/index.ts';
import { readInMemory } from './in-memory-read.ts';

const T = (name: string): CqlType => ({ kind: 'native', name } as CqlType);
const frozenMap = (k: CqlType, v: CqlType): CqlType => ({ kind: 'map', key: k, value: v, frozen: true });
const frozenSet = (e: CqlType): CqlType => ({ kind: 'set', element: e, frozen: true });
const frozenList = (e: CqlType): CqlType => ({ kind: 'list', element: e, frozen: true });
const TEXT = T('text');

/** Fixed ids so that drivers see stable table ids for system tables. */
function systemTableId(keyspace: string, table: string): string {
  const h = Buffer.alloc(16);
  const k = Buffer.from(`${keyspace}.${table}`);
  for (let i = 0; i < k.length; i++) h[i % 16] = (h[i % 16]! * 31 + k[i]!) & 0xff;
  h[6] = (h[6]! & 0x0f) | 0x30;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

interface VirtualTableDef {
  readonly keyspace: string;
  readonly name: string;
  readonly partitionKey: ReadonlyArray<[string, CqlType]>;
  readonly clustering: ReadonlyArray<[string, CqlType]>;
  readonly columns: ReadonlyArray<[string, CqlType]>;
}

const TABLE_OPTION_COLUMNS: ReadonlyArray<[string, CqlType]> = [
  ['additional_write_policy', TEXT], ['bloom_filter_fp_chance', T('double')], ['caching', frozenMap(TEXT, TEXT)], ['cdc', T('boolean')],
  ['comment', TEXT], ['compaction', frozenMap(TEXT, TEXT)], ['compression', frozenMap(TEXT, TEXT)], ['crc_check_chance', T('double')],
  // Kept (always 0) since 4.0 for drivers that still read them.
  ['dclocal_read_repair_chance', T('double')],
  ['default_time_to_live', T('int')], ['extensions', frozenMap(TEXT, T('blob'))], ['gc_grace_seconds', T('int')], ['id', T('uuid')],
  ['max_index_interval', T('int')], ['memtable_flush_period_in_ms', T('int')], ['min_index_interval', T('int')], ['read_repair', TEXT],
  ['read_repair_chance', T('double')], ['speculative_retry', TEXT],
];

const DEFS: readonly VirtualTableDef[] = [
  {
    keyspace: 'system', name: 'local', partitionKey: [['key', TEXT]], clustering: [],
    columns: [
      ['bootstrapped', TEXT], ['broadcast_address', T('inet')], ['broadcast_port', T('int')], ['cluster_name', TEXT], ['cql_version', TEXT],
      ['data_center', TEXT], ['gossip_generation', T('int')], ['host_id', T('uuid')], ['listen_address', T('inet')], ['listen_port', T('int')],
      ['native_protocol_version', TEXT], ['partitioner', TEXT], ['rack', TEXT], ['release_version', TEXT], ['rpc_address', T('inet')],
      ['rpc_port', T('int')], ['schema_version', T('uuid')], ['tokens', { kind: 'set', element: TEXT, frozen: false }],
      ['truncated_at', { kind: 'map', key: T('uuid'), value: T('blob'), frozen: false }],
    ],
  },
  {
    keyspace: 'system', name: 'peers', partitionKey: [['peer', T('inet')]], clustering: [],
    columns: [
      ['data_center', TEXT], ['host_id', T('uuid')], ['preferred_ip', T('inet')], ['rack', TEXT], ['release_version', TEXT],
      ['rpc_address', T('inet')], ['schema_version', T('uuid')], ['tokens', { kind: 'set', element: TEXT, frozen: false }],
    ],
  },
  {
    keyspace: 'system', name: 'peers_v2', partitionKey: [['peer', T('inet')]], clustering: [['peer_port', T('int')]],
    columns: [
      ['data_center', TEXT], ['host_id', T('uuid')], ['native_address', T('inet')], ['native_port', T('int')], ['preferred_ip', T('inet')],
      ['preferred_port', T('int')], ['rack', TEXT], ['release_version', TEXT], ['schema_version', T('uuid')],
      ['tokens', { kind: 'set', element: TEXT, frozen: false }],
    ],
  },
  { keyspace: 'system_schema', name: 'keyspaces', partitionKey: [['keyspace_name', TEXT]], clustering: [], columns: [['durable_writes', T('boolean')], ['replication', frozenMap(TEXT, TEXT)]] },
  {
    keyspace: 'system_schema', name: 'tables', partitionKey: [['keyspace_name', TEXT]], clustering: [['table_name', TEXT]],
    columns: [...TABLE_OPTION_COLUMNS, ['flags', frozenSet(TEXT)]],
  },
  {
    keyspace: 'system_schema', name: 'columns', partitionKey: [['keyspace_name', TEXT]], clustering: [['table_name', TEXT], ['column_name', TEXT]],
    columns: [['clustering_order', TEXT], ['column_name_bytes', T('blob')], ['kind', TEXT], ['position', T('int')], ['type', TEXT]],
  },
  {
    keyspace: 'system_schema', name: 'dropped_columns', partitionKey: [['keyspace_name', TEXT]], clustering: [['table_name', TEXT], ['column_name', TEXT]],
    columns: [['dropped_time', T('timestamp')], ['kind', TEXT], ['type', TEXT]],
  },
  {
    keyspace: 'system_schema', name: 'types', partitionKey: [['keyspace_name', TEXT]], clustering: [['type_name', TEXT]],
    columns: [['field_names', frozenList(TEXT)], ['field_types', frozenList(TEXT)]],
  },
  {
    keyspace: 'system_schema', name: 'functions', partitionKey: [['keyspace_name', TEXT]], clustering: [['function_name', TEXT], ['argument_types', frozenList(TEXT)]],
    columns: [['argument_names', frozenList(TEXT)], ['body', TEXT], ['called_on_null_input', T('boolean')], ['language', TEXT], ['return_type', TEXT]],
  },
  {
    keyspace: 'system_schema', name: 'aggregates', partitionKey: [['keyspace_name', TEXT]], clustering: [['aggregate_name', TEXT], ['argument_types', frozenList(TEXT)]],
    columns: [['final_func', TEXT], ['initcond', TEXT], ['return_type', TEXT], ['state_func', TEXT], ['state_type', TEXT]],
  },
  {
    keyspace: 'system_schema', name: 'triggers', partitionKey: [['keyspace_name', TEXT]], clustering: [['table_name', TEXT], ['trigger_name', TEXT]],
    columns: [['options', frozenMap(TEXT, TEXT)]],
  },
  {
    keyspace: 'system_schema', name: 'indexes', partitionKey: [['keyspace_name', TEXT]], clustering: [['table_name', TEXT], ['index_name', TEXT]],
    columns: [['kind', TEXT], ['options', frozenMap(TEXT, TEXT)]],
  },
  {
    keyspace: 'system_schema', name: 'views', partitionKey: [['keyspace_name', TEXT]], clustering: [['view_name', TEXT]],
    columns: [
      ...TABLE_OPTION_COLUMNS, ['base_table_id', T('uuid')], ['base_table_name', TEXT], ['include_all_columns', T('boolean')], ['where_clause', TEXT],
    ],
  },
];

function tableOf(def: VirtualTableDef): TableMetadata {
  return buildTableMetadata({
    keyspace: def.keyspace,
    name: def.name,
    id: systemTableId(def.keyspace, def.name),
    partitionKey: def.partitionKey.map(([name, type]) => ({ name, type })),
    clustering: def.clustering.map(([name, type]) => ({ name, type })),
    columns: def.columns.map(([name, type]) => ({ name, type })),
    options: { compaction: { class: 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', max_threshold: '32', min_threshold: '4' }, gcGraceSeconds: 0 },
  });
}

const LOCAL_STRATEGY = { class: 'org.apache.cassandra.locator.LocalStrategy', options: {} };

function buildSystemKeyspaces(): Map<string, KeyspaceMetadata> {
  const out = new Map<string, KeyspaceMetadata>();
  const byKeyspace = new Map<string, Map<string, TableMetadata>>();
  for (const def of DEFS) {
    const tables = byKeyspace.get(def.keyspace) ?? new Map<string, TableMetadata>();
    tables.set(def.name, tableOf(def));
    byKeyspace.set(def.keyspace, tables);
  }
  for (const [name, tables] of byKeyspace) {
    out.set(name, { name, durableWrites: true, replication: LOCAL_STRATEGY, tables, views: new Map(), types: new Map(), functions: [] });
  }
  for (const name of ['system_auth', 'system_distributed', 'system_traces']) {
    out.set(name, {
      name, durableWrites: true,
      replication: { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: name === 'system_auth' ? '1' : name === 'system_traces' ? '2' : '3' } },
      tables: new Map(), views: new Map(), types: new Map(), functions: [],
    });
  }
  return out;
}

export const SYSTEM_KEYSPACE_METADATA: ReadonlyMap<string, KeyspaceMetadata> = buildSystemKeyspaces();

/**
 * The schema clients see: the system keyspaces, then the user keyspaces. A stored keyspace
 * (system_auth, created by the node at start) replaces the empty placeholder of the same name.
 */
export function withSystemKeyspaces(schema: SchemaSnapshot): SchemaSnapshot {
  const keyspaces = new Map<string, KeyspaceMetadata>(SYSTEM_KEYSPACE_METADATA);
  for (const [name, ks] of schema.keyspaces) if (!isVirtualKeyspace(name)) keyspaces.set(name, ks);
  return { version: schema.version, keyspaces };
}

export function isVirtualKeyspace(keyspace: string): boolean {
  return keyspace === 'system' || keyspace === 'system_schema';
}

// ------------------------------------------------------------------------------------------
// Row generation

type Values = Record<string, JsValue | null>;

function cell(column: string, value: Buffer): Cell {
  return { column, path: null, value, timestampMicros: 0, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false };
}

/** Builds a live row from JS values, encoding each with its column's codec. */
function rowOf(table: TableMetadata, values: Values): { key: Buffer; clustering: Buffer[]; row: Row } {
  const encode = (name: string, type: CqlType): Buffer | null => {
    const v = values[name];
    return v === undefined || v === null ? null : codecFor(type).serialize(v);
  };
  const key = serializePartitionKey(table.partitionKey.map((c) => encode(c.name, c.type) ?? Buffer.alloc(0)));
  const clustering = table.clustering.map((c) => encode(c.name, c.type) ?? Buffer.alloc(0));
  const cells: Cell[] = [];
  for (const c of table.regularAndStatic) {
    const bytes = encode(c.name, c.type);
    if (bytes === null) continue;
    const multi = (c.type.kind === 'set' || c.type.kind === 'map' || c.type.kind === 'list') && !c.type.frozen;
    if (!multi) {
      cells.push(cell(c.name, bytes));
      continue;
    }
    // Non-frozen collections are stored as one cell per element.
    const n = bytes.readInt32BE(0);
    let offset = 4;
    for (let i = 0; i < n; i++) {
      const len = bytes.readInt32BE(offset);
      const element = bytes.subarray(offset + 4, offset + 4 + len);
      offset += 4 + len;
      if (c.type.kind === 'set') cells.push({ ...cell(c.name, Buffer.alloc(0)), path: element });
      else if (c.type.kind === 'map') {
        const vlen = bytes.readInt32BE(offset);
        const value = bytes.subarray(offset + 4, offset + 4 + vlen);
        offset += 4 + vlen;
        cells.push({ ...cell(c.name, value), path: element });
      }
    }
  }
  cells.sort((a, b) => (a.column < b.column ? -1 : a.column > b.column ? 1 : a.path !== null && b.path !== null ? Buffer.compare(a.path, b.path) : 0));
  return { key, clustering, row: { clustering, liveness: { timestampMicros: 0, ttlSeconds: 0, localExpirationTimeSeconds: NO_DELETION_TIME }, deletion: null, cells, complexDeletions: [] } };
}

function partitionsOf(table: TableMetadata, rows: readonly Values[]): ReadPartition[] {
  const byKey = new Map<string, { key: Buffer; rows: Row[] }>();
  for (const values of rows) {
    const { key, row } = rowOf(table, values);
    const k = key.toString('hex');
    const entry = byKey.get(k) ?? { key, rows: [] };
    entry.rows.push(row);
    byKey.set(k, entry);
  }
  const compare = clusteringComparator(table);
  const partitions: ReadPartition[] = [...byKey.values()].map(({ key, rows: rs }) => ({
    key, token: murmur3Token(key), partitionDeletion: null, staticRow: null,
    rows: rs.sort((a, b) => compare(a.clustering, b.clustering)), rangeTombstones: [],
  }));
  partitions.sort((a, b) => (a.token !== b.token ? (a.token < b.token ? -1 : 1) : Buffer.compare(a.key, b.key)));
  return partitions;
}

function tableOptionValues(t: TableMetadata): Values {
  const o = t.options;
  return {
    additional_write_policy: o.additionalWritePolicy,
    bloom_filter_fp_chance: o.bloomFilterFpChance,
    caching: Object.entries(o.caching),
    cdc: o.cdc,
    comment: o.comment,
    compaction: Object.entries(o.compaction),
    compression: Object.entries(o.compression),
    crc_check_chance: o.crcCheckChance,
    dclocal_read_repair_chance: 0,
    read_repair_chance: 0,
    default_time_to_live: o.defaultTimeToLiveSeconds,
    extensions: Object.entries(o.extensions).map(([k, v]) => [k, Buffer.from(v, 'utf8')]),
    gc_grace_seconds: o.gcGraceSeconds,
    id: t.id,
    max_index_interval: o.maxIndexInterval,
    memtable_flush_period_in_ms: o.memtableFlushPeriodMs,
    min_index_interval: o.minIndexInterval,
    read_repair: o.readRepair,
    speculative_retry: o.speculativeRetry,
  };
}

function schemaRows(schema: SchemaSnapshot, table: string): Values[] {
  const rows: Values[] = [];
  for (const ks of schema.keyspaces.values()) {
    switch (table) {
      case 'keyspaces':
        rows.push({ keyspace_name: ks.name, durable_writes: ks.durableWrites, replication: [['class', ks.replication.class], ...Object.entries(ks.replication.options)] });
        break;
      case 'tables':
        for (const t of ks.tables.values()) rows.push({ keyspace_name: ks.name, table_name: t.name, ...tableOptionValues(t), flags: ['compound'] });
        break;
      case 'views':
        for (const v of ks.views.values()) {
          rows.push({
            keyspace_name: ks.name, view_name: v.name, ...tableOptionValues(v), base_table_id: v.viewOf?.baseTableId ?? null,
            base_table_name: v.viewOf?.baseTableName ?? null, include_all_columns: v.viewOf?.includeAllColumns ?? false, where_clause: v.viewOf?.whereClause ?? null,
          });
        }
        break;
      case 'columns':
        for (const t of [...ks.tables.values(), ...ks.views.values()]) {
          for (const c of t.columns) {
            rows.push({
              keyspace_name: ks.name, table_name: t.name, column_name: c.name, clustering_order: c.clusteringOrder,
              column_name_bytes: Buffer.from(c.name, 'utf8'), kind: c.kind, position: c.position, type: formatType(c.type),
            });
          }
        }
        break;
      case 'dropped_columns':
        for (const t of ks.tables.values()) {
          for (const d of t.droppedColumns) {
            rows.push({ keyspace_name: ks.name, table_name: t.name, column_name: d.name, dropped_time: Math.floor(d.droppedAtMicros / 1000), kind: d.kind, type: formatType(d.type) });
          }
        }
        break;
      case 'types':
        for (const u of ks.types.values()) {
          rows.push({ keyspace_name: ks.name, type_name: u.name, field_names: [...u.fieldNames], field_types: u.fieldTypes.map(formatType) });
        }
        break;
      case 'indexes':
        for (const t of ks.tables.values()) {
          for (const i of t.indexes) rows.push({ keyspace_name: ks.name, table_name: t.name, index_name: i.name, kind: i.kind, options: Object.entries(i.options) });
        }
        break;
      case 'functions':
        for (const f of ks.functions) {
          rows.push({
            keyspace_name: ks.name, function_name: f.name, argument_types: f.argumentTypes.map(formatType), argument_names: [...f.argumentNames],
            body: f.body, called_on_null_input: f.calledOnNullInput, language: f.language, return_type: formatType(f.returnType),
          });
        }
        break;
      default:
        break;
    }
  }
  return rows;
}

function nodeValues(node: NodeInfo, extra: Values): Values {
  return {
    data_center: node.dataCenter, host_id: node.hostId, rack: node.rack, release_version: node.releaseVersion,
    schema_version: node.schemaVersion, tokens: node.tokens.map((t) => t.toString()), ...extra,
  };
}

/** Generates a virtual table's partitions and evaluates the read over them. */
export function readSystemTable(table: TableMetadata, command: ReadCommand, coordinator: Coordinator, clientSchema: SchemaSnapshot, gossipGeneration: number): ReadResult {
  let rows: Values[];
  if (table.keyspace === 'system_schema') {
    rows = schemaRows(clientSchema, table.name);
  } else if (table.name === 'local') {
    const node = coordinator.localNode();
    rows = [nodeValues(node, {
      key: 'local', bootstrapped: 'COMPLETED', broadcast_address: node.address, broadcast_port: node.listenPort, cluster_name: coordinator.clusterName(),
      cql_version: '3.4.5', gossip_generation: gossipGeneration, listen_address: node.address, listen_port: node.listenPort,
      native_protocol_version: '4', partitioner: coordinator.partitionerName(), rpc_address: node.rpcAddress, rpc_port: node.rpcPort,
    })];
  } else if (table.name === 'peers') {
    rows = coordinator.peers().map((p) => nodeValues(p, { peer: p.address, preferred_ip: null, rpc_address: p.rpcAddress }));
  } else if (table.name === 'peers_v2') {
    rows = coordinator.peers().map((p) => nodeValues(p, {
      peer: p.address, peer_port: p.listenPort, native_address: p.rpcAddress, native_port: p.rpcPort, preferred_ip: null, preferred_port: null,
    }));
  } else {
    rows = [];
  }
  return readInMemory(table, partitionsOf(table, rows), command);
}
