// What statement preparation and execution share: the schema snapshot and session keyspace at
// prepare time; the coordinator, clocks and generators at execution time; and the contract of a
// prepared statement (bind metadata, result metadata, execute).
import type { Coordinator } from '../../coordinator/index.ts';
import type { Clock, MicrosTimestampSource, Random } from '../../io/index.ts';
import { CqlError, ErrorCode, invalidRequest } from '../../lib/index.ts';
import type { KeyspaceMetadata, SchemaSnapshot, TableMetadata, TimeuuidGenerator } from '../../schema/index.ts';
import type { QualifiedName } from '../ast.ts';
import type { BoundValue, ClientSession, ColumnSpec, QueryOptions, QueryResponse, ResultMetadata } from '../service.ts';
import type { BindCollector, EvalEnv, Receiver } from '../terms.ts';
import type { TypeScope } from '../type-resolver.ts';
import type { Mutation } from '../../storage/index.ts';

export interface CqlLimits {
  /** Batches above this size log and return a warning (Cassandra batch_size_warn_threshold 5 KiB). */
  readonly batchSizeWarnBytes: number;
  /** Batches above this size are refused (batch_size_fail_threshold 50 KiB). */
  readonly batchSizeFailBytes: number;
  /** Unlogged batches touching more partitions than this warn (10). */
  readonly unloggedBatchPartitionsWarn: number;
  /** Rows scanned by a filtering query before it fails (tombstone_failure_threshold analogue). */
  readonly filteringRowsScannedMax: number;
  /** Page size used internally for aggregates and unpaged filtering scans. */
  readonly internalPageRows: number;
  /** Cartesian product of IN values allowed in one statement (max_clustering_keys_per_request analogue). */
  readonly inValuesProductMax: number;
  /** Materialized views are refused unless enabled, as in Cassandra 4+. */
  readonly materializedViewsEnabled: boolean;
  readonly userDefinedFunctionsEnabled: boolean;
}

export const DEFAULT_CQL_LIMITS: CqlLimits = {
  batchSizeWarnBytes: 5 * 1024,
  batchSizeFailBytes: 50 * 1024,
  unloggedBatchPartitionsWarn: 10,
  filteringRowsScannedMax: 1_000_000,
  internalPageRows: 10_000,
  inValuesProductMax: 100,
  materializedViewsEnabled: false,
  userDefinedFunctionsEnabled: false,
};

export interface ExecutionServices {
  readonly coordinator: Coordinator;
  readonly clock: Clock;
  readonly timestamps: MicrosTimestampSource;
  readonly timeuuids: TimeuuidGenerator;
  readonly random: Random;
  readonly limits: CqlLimits;
  /** Publishes a schema change event to registered clients (SCHEMA_CHANGE). */
  readonly publishSchemaChange: (event: import('../service.ts').SchemaChangeEvent) => void;
}

export interface Execution {
  readonly services: ExecutionServices;
  readonly options: QueryOptions;
  readonly values: readonly BoundValue[];
  readonly session: ClientSession;
  readonly nowMs: number;
  readonly env: EvalEnv;
  readonly warnings: string[];
}

export interface PreparedStatement {
  readonly kind: string;
  /** Keyspace the statement acts on (for the Prepared result and routing), if any. */
  readonly keyspace: string | null;
  readonly table: string | null;
  readonly bindSpecs: readonly ColumnSpec[];
  readonly partitionKeyBindIndexes: readonly number[];
  readonly resultMetadata: ResultMetadata;
  /** True for statements that change the schema (never cached across schema versions). */
  readonly isSchemaChange: boolean;
  execute(execution: Execution): Promise<QueryResponse>;
}

export interface PreparedModification extends PreparedStatement {
  readonly tableMetadata: TableMetadata;
  readonly isCounter: boolean;
  readonly hasConditions: boolean;
  readonly hasOwnTimestamp: boolean;
  /** Mutations of one execution (used directly and by batches). */
  buildMutations(execution: Execution, timestampMicros: number): Promise<Mutation[]>;
}

export interface PrepareContext {
  readonly schema: SchemaSnapshot;
  readonly sessionKeyspace: string | null;
  readonly binds: BindCollector;
  readonly limits: CqlLimits;
  /** A child of a BATCH: its markers are part of the batch's, complete only after every child. */
  readonly inBatch?: boolean;
}

export function keyspaceName(ctx: PrepareContext, name: QualifiedName): string {
  const ks = name.keyspace ?? ctx.sessionKeyspace;
  if (ks === null) {
    throw invalidRequest('No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename');
  }
  return ks;
}

export function resolveKeyspace(ctx: PrepareContext, name: string): KeyspaceMetadata {
  const ks = ctx.schema.keyspaces.get(name);
  if (ks === undefined) throw invalidRequest(`keyspace ${name} does not exist`);
  return ks;
}

export function resolveTable(ctx: PrepareContext, name: QualifiedName): TableMetadata {
  const ksName = keyspaceName(ctx, name);
  const ks = resolveKeyspace(ctx, ksName);
  const table = ks.tables.get(name.name) ?? ks.views.get(name.name);
  if (table === undefined) throw invalidRequest(`table ${name.name} does not exist`);
  return table;
}

export function typeScope(ctx: PrepareContext, keyspace: string): TypeScope {
  const ks = ctx.schema.keyspaces.get(keyspace);
  return { keyspace, types: ks?.types ?? new Map() };
}

export function columnReceiver(table: TableMetadata, name: string): Receiver {
  const column = table.columns.find((c) => c.name === name);
  if (column === undefined) throw invalidRequest(`Undefined column name ${name} in table ${table.keyspace}.${table.name}`);
  return { keyspace: table.keyspace, table: table.name, name: column.name, type: column.type };
}

/** Cassandra refuses changes to system keyspaces as an authorization failure (code 0x2100). */
export function systemKeyspaceNotModifiable(keyspace: string): CqlError {
  return new CqlError(ErrorCode.Unauthorized, `${keyspace} keyspace is not user-modifiable.`);
}
