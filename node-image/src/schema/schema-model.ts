// The schema as immutable plain data: keyspaces, tables, columns, user types. A `SchemaSnapshot`
// is replaced whole on every DDL (copy on write) and carries a version UUID; shards and the
// coordinator hold a reference to the snapshot they started with.
import type { CqlType } from './cql-type.ts';

export type ColumnKind = 'partition_key' | 'clustering' | 'static' | 'regular';
export type ClusteringOrder = 'asc' | 'desc' | 'none';

export interface ColumnMetadata {
  readonly name: string;
  readonly type: CqlType;
  readonly kind: ColumnKind;
  /** Index within the partition key or clustering key; -1 for static and regular columns. */
  readonly position: number;
  /** 'asc' | 'desc' for clustering columns, 'none' otherwise. */
  readonly clusteringOrder: ClusteringOrder;
}

export interface ReplicationOptions {
  /** Fully qualified, e.g. org.apache.cassandra.locator.SimpleStrategy. */
  readonly class: string;
  /** Remaining options as strings, as in system_schema.keyspaces.replication. */
  readonly options: Readonly<Record<string, string>>;
}

export interface TableOptions {
  readonly bloomFilterFpChance: number;
  readonly caching: Readonly<Record<string, string>>;
  readonly comment: string;
  readonly compaction: Readonly<Record<string, string>>;
  readonly compression: Readonly<Record<string, string>>;
  readonly crcCheckChance: number;
  readonly defaultTimeToLiveSeconds: number;
  readonly gcGraceSeconds: number;
  readonly maxIndexInterval: number;
  readonly memtableFlushPeriodMs: number;
  readonly minIndexInterval: number;
  readonly readRepair: string;
  readonly speculativeRetry: string;
  readonly additionalWritePolicy: string;
  readonly cdc: boolean;
  readonly extensions: Readonly<Record<string, string>>;
}

export interface DroppedColumn {
  readonly name: string;
  readonly type: CqlType;
  readonly droppedAtMicros: number;
  readonly kind: ColumnKind;
}

export interface IndexMetadata {
  readonly name: string;
  /** 'COMPOSITES' | 'KEYS' | 'CUSTOM'. */
  readonly kind: string;
  /** Includes `target` (e.g. 'grade', 'keys(m)', 'values(l)'). */
  readonly options: Readonly<Record<string, string>>;
}

export interface TableMetadata {
  readonly keyspace: string;
  readonly name: string;
  /** Table id (UUID string); stable across ALTER, new on re-CREATE. */
  readonly id: string;
  /** Every column in SELECT * order: partition key, clustering, then statics by name, then regulars by name. */
  readonly columns: readonly ColumnMetadata[];
  readonly partitionKey: readonly ColumnMetadata[];
  readonly clustering: readonly ColumnMetadata[];
  /** Static columns by name, then regular columns by name (names compared as signed UTF-8 bytes, as Cassandra does). */
  readonly regularAndStatic: readonly ColumnMetadata[];
  readonly options: TableOptions;
  readonly droppedColumns: readonly DroppedColumn[];
  readonly indexes: readonly IndexMetadata[];
  /** True for materialized views (stored in system_schema.views). */
  readonly isView: boolean;
  readonly viewOf?: { readonly baseTableName: string; readonly baseTableId: string; readonly whereClause: string; readonly includeAllColumns: boolean };
  readonly isCounterTable: boolean;
}

export interface UserTypeMetadata {
  readonly keyspace: string;
  readonly name: string;
  readonly fieldNames: readonly string[];
  readonly fieldTypes: readonly CqlType[];
}

export interface FunctionMetadata {
  readonly keyspace: string;
  readonly name: string;
  readonly argumentNames: readonly string[];
  readonly argumentTypes: readonly CqlType[];
  readonly returnType: CqlType;
  readonly language: string;
  readonly body: string;
  readonly calledOnNullInput: boolean;
}

export interface KeyspaceMetadata {
  readonly name: string;
  readonly durableWrites: boolean;
  readonly replication: ReplicationOptions;
  readonly tables: ReadonlyMap<string, TableMetadata>;
  readonly views: ReadonlyMap<string, TableMetadata>;
  readonly types: ReadonlyMap<string, UserTypeMetadata>;
  readonly functions: readonly FunctionMetadata[];
}

export interface SchemaSnapshot {
  /** UUID string; changes on every schema change. Reported in system.local.schema_version. */
  readonly version: string;
  readonly keyspaces: ReadonlyMap<string, KeyspaceMetadata>;
}

export const DEFAULT_TABLE_OPTIONS: TableOptions = {
  bloomFilterFpChance: 0.01,
  caching: { keys: 'ALL', rows_per_partition: 'NONE' },
  comment: '',
  compaction: {
    class: 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy',
    max_threshold: '32',
    min_threshold: '4',
  },
  compression: { chunk_length_in_kb: '16', class: 'org.apache.cassandra.io.compress.LZ4Compressor' },
  crcCheckChance: 1.0,
  defaultTimeToLiveSeconds: 0,
  gcGraceSeconds: 864000,
  maxIndexInterval: 2048,
  memtableFlushPeriodMs: 0,
  minIndexInterval: 128,
  readRepair: 'BLOCKING',
  speculativeRetry: '99p',
  additionalWritePolicy: '99p',
  cdc: false,
  extensions: {},
};
