// TEST-ONLY stub CqlService: just enough canned answers for a real driver's control connection
// (system.local, system.peers, system_schema.*) and a toy table ks.t (k text, v int), so the
// protocol server can be tested against real drivers before the CQL layer exists. Not a database.
import type {
  Authenticator, BatchRequest, ClientSession, ColumnSpec, CqlService, QueryOptions, QueryResponse, ResultMetadata, SchemaChangeEvent,
} from '../../../node-image/src/cql/index.ts';
import { CqlError, ErrorCode, unprepared } from '../../../node-image/src/lib/index.ts';
import type { CqlType } from '../../../node-image/src/schema/index.ts';

const text: CqlType = { kind: 'native', name: 'text' };
const int: CqlType = { kind: 'native', name: 'int' };
const uuid: CqlType = { kind: 'native', name: 'uuid' };
const inet: CqlType = { kind: 'native', name: 'inet' };
const boolean: CqlType = { kind: 'native', name: 'boolean' };
const setOfText: CqlType = { kind: 'set', element: text, frozen: false };
const frozenMapTextText: CqlType = { kind: 'map', key: text, value: text, frozen: true };

// ---- value serializers (native-protocol encodings) ----
const t = (value: string): Buffer => Buffer.from(value, 'utf8');
const i32 = (value: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
};
const u = (hex: string): Buffer => Buffer.from(hex.replace(/-/g, ''), 'hex');
const ip4 = (address: string): Buffer => Buffer.from(address.split('.').map(Number));
const bool = (value: boolean): Buffer => Buffer.from([value ? 1 : 0]);
/** list/set: [int] n + n [bytes]. */
function collection(items: Buffer[]): Buffer {
  return Buffer.concat([i32(items.length), ...items.flatMap((item) => [i32(item.length), item])]);
}
/** map: [int] n + n ([bytes] key, [bytes] value). */
function textMap(entries: Record<string, string>): Buffer {
  const pairs = Object.entries(entries);
  return Buffer.concat([i32(pairs.length), ...pairs.flatMap(([k, v]) => [i32(Buffer.byteLength(k)), t(k), i32(Buffer.byteLength(v)), t(v)])]);
}

function metadata(keyspace: string, table: string, columns: Array<[string, CqlType]>): ResultMetadata {
  return { columns: columns.map(([name, type]): ColumnSpec => ({ keyspace, table, name, type })) };
}

export const HOST_ID = '2b1c0a52-6f0b-4c4e-9c62-0d6f4d7b9a11';
export const SCHEMA_VERSION = 'a7a1f0f4-1c43-3a4c-8a3d-5c5b0a8d2e11';

const LOCAL = metadata('system', 'local', [
  ['key', text], ['bootstrapped', text], ['broadcast_address', inet], ['cluster_name', text], ['cql_version', text],
  ['data_center', text], ['gossip_generation', int], ['host_id', uuid], ['listen_address', inet], ['native_protocol_version', text],
  ['partitioner', text], ['rack', text], ['release_version', text], ['rpc_address', inet], ['schema_version', uuid],
  ['tokens', setOfText], ['truncated_at', { kind: 'map', key: uuid, value: { kind: 'native', name: 'blob' }, frozen: false }],
]);
const PEERS = metadata('system', 'peers', [
  ['peer', inet], ['data_center', text], ['host_id', uuid], ['preferred_ip', inet], ['rack', text], ['release_version', text],
  ['rpc_address', inet], ['schema_version', uuid], ['tokens', setOfText],
]);
const KEYSPACES = metadata('system_schema', 'keyspaces', [['keyspace_name', text], ['durable_writes', boolean], ['replication', frozenMapTextText]]);
export const T_ROWS = metadata('ks', 't', [['k', text], ['v', int]]);
const EMPTY_SCHEMA_TABLES: Record<string, Array<[string, CqlType]>> = {
  tables: [['keyspace_name', text], ['table_name', text], ['flags', { kind: 'set', element: text, frozen: true }]],
  columns: [['keyspace_name', text], ['table_name', text], ['column_name', text], ['clustering_order', text], ['kind', text], ['position', int], ['type', text]],
  types: [['keyspace_name', text], ['type_name', text]],
  functions: [['keyspace_name', text], ['function_name', text]],
  aggregates: [['keyspace_name', text], ['aggregate_name', text]],
  indexes: [['keyspace_name', text], ['table_name', text], ['index_name', text]],
  views: [['keyspace_name', text], ['view_name', text]],
  triggers: [['keyspace_name', text], ['table_name', text], ['trigger_name', text]],
};

export const PREPARED_ID = u('00112233445566778899aabbccddeeff');

const rows = (meta: ResultMetadata, values: Array<Array<Buffer | null>>, pagingState: Buffer | null = null): QueryResponse => ({
  result: { kind: 'rows', metadata: meta, rows: values, pagingState },
  warnings: [],
});

export interface StubCall {
  readonly op: 'query' | 'prepare' | 'execute' | 'batch';
  readonly text: string;
  readonly options: QueryOptions | null;
  readonly batch: BatchRequest | null;
  readonly keyspace: string | null;
}

export class StubCqlService implements CqlService {
  authenticator: Authenticator | null = null;
  readonly calls: StubCall[] = [];
  private readonly listeners = new Set<(event: SchemaChangeEvent) => void>();

  private readonly address: string;

  constructor(options: { address: string }) {
    this.address = options.address;
  }

  async query(textQuery: string, options: QueryOptions, session: ClientSession): Promise<QueryResponse> {
    this.calls.push({ op: 'query', text: textQuery, options, batch: null, keyspace: session.keyspace });
    const q = textQuery.replace(/\s+/g, ' ').trim();
    if (q.startsWith('SELECT * FROM system.local')) {
      return rows(LOCAL, [[
        t('local'), t('COMPLETED'), ip4(this.address), t('Test Cluster'), t('3.4.5'), t('dc1'), i32(1), u(HOST_ID), ip4(this.address),
        t('4'), t('org.apache.cassandra.dht.Murmur3Partitioner'), t('rack1'), t('3.11.17'), ip4(this.address), u(SCHEMA_VERSION),
        collection([t('-9223372036854775808')]), null,
      ]]);
    }
    if (q.startsWith('SELECT * FROM system.peers')) return q === 'SELECT * FROM system.peers' ? rows(PEERS, []) : this.invalid(q);
    if (q.startsWith('SELECT * FROM system_schema.keyspaces')) {
      const replication = textMap({ class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '1' });
      return rows(KEYSPACES, [[t('ks'), bool(true), replication]]);
    }
    const schemaTable = /^SELECT \* FROM system_schema\.(\w+)/.exec(q)?.[1];
    if (schemaTable !== undefined && EMPTY_SCHEMA_TABLES[schemaTable] !== undefined) {
      return rows(metadata('system_schema', schemaTable, EMPTY_SCHEMA_TABLES[schemaTable]), []);
    }
    const use = /^USE "?([^"]+)"?$/i.exec(q);
    if (use !== null) return { result: { kind: 'setKeyspace', keyspace: use[1]! }, warnings: [] };
    if (q.startsWith('SELECT k, v FROM ks.t')) {
      // Two pages when a page size of 1 is asked for.
      if (options.pageSize === 1 && options.pagingState === null) return rows(T_ROWS, [[t('a'), i32(1)]], Buffer.from('page-2'));
      if (options.pageSize === 1) return rows(T_ROWS, [[t('b'), i32(2)]]);
      return rows(T_ROWS, [[t('a'), i32(1)], [t('b'), i32(2)]]);
    }
    if (q.startsWith('INSERT')) return { result: { kind: 'void' }, warnings: [] };
    if (q.startsWith('CREATE TABLE')) {
      const event: SchemaChangeEvent = { change: 'CREATED', target: 'TABLE', keyspace: 'ks', name: 'new_table' };
      for (const listener of this.listeners) listener(event);
      return { result: { kind: 'schemaChange', event }, warnings: [] };
    }
    return this.invalid(q);
  }

  async prepare(textQuery: string, session: ClientSession): Promise<QueryResponse> {
    this.calls.push({ op: 'prepare', text: textQuery, options: null, batch: null, keyspace: session.keyspace });
    return {
      result: {
        kind: 'prepared',
        id: PREPARED_ID,
        resultMetadataId: Buffer.alloc(16),
        bindMetadata: { columns: [T_ROWS.columns[0]!], partitionKeyIndexes: [0] },
        resultMetadata: T_ROWS,
      },
      warnings: [],
    };
  }

  async execute(id: Buffer, options: QueryOptions, session: ClientSession): Promise<QueryResponse> {
    this.calls.push({ op: 'execute', text: id.toString('hex'), options, batch: null, keyspace: session.keyspace });
    if (!id.equals(PREPARED_ID)) throw unprepared(Buffer.from(id));
    const key = options.values?.[0];
    return rows(T_ROWS, [[Buffer.isBuffer(key) ? Buffer.from(key) : null, i32(7)]]);
  }

  async batch(request: BatchRequest, session: ClientSession): Promise<QueryResponse> {
    this.calls.push({ op: 'batch', text: '', options: null, batch: request, keyspace: session.keyspace });
    return { result: { kind: 'void' }, warnings: request.children.length > 1 ? ['Batch for [ks.t] is of size 2, exceeding specified threshold'] : [] };
  }

  onSchemaChange(listener: (event: SchemaChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private invalid(q: string): never {
    throw new CqlError(ErrorCode.Invalid, `unconfigured table for stub query: ${q.slice(0, 80)}`);
  }
}
