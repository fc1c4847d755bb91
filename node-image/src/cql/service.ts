// The CQL layer's surface for the protocol layer: requests already decoded from frames come in,
// results come out as plain data whose values are serialized bytes (the protocol layer only frames
// them). One CqlService per shard; one ClientSession per connection.
import type { ConsistencyLevel } from '../lib/index.ts';
import type { CqlType } from '../schema/index.ts';

/** The [value] "unset" marker of protocol v4 (length -2): leave the column unchanged. */
export const UNSET: unique symbol = Symbol('unset');
export type BoundValue = Buffer | null | typeof UNSET;

export interface QueryOptions {
  readonly consistency: ConsistencyLevel;
  /** Positional values (or named, see `valueNames`); null when the request had none. */
  readonly values: readonly BoundValue[] | null;
  /** Names of the values (flag 0x40), parallel to `values`. */
  readonly valueNames: readonly string[] | null;
  readonly skipMetadata: boolean;
  /** Rows per page; null or <= 0 for no paging. */
  readonly pageSize: number | null;
  readonly pagingState: Buffer | null;
  readonly serialConsistency: ConsistencyLevel | null;
  /** Client-supplied default timestamp (flag 0x20), microseconds. */
  readonly timestampMicros: number | null;
  /** v5 per-request keyspace. */
  readonly keyspace: string | null;
  /** v5 now_in_seconds. */
  readonly nowInSeconds: number | null;
}

/** Per-connection state. */
export interface ClientSession {
  keyspace: string | null;
  readonly clientAddress: string;
  readonly clientPort: number;
  /** Authenticated role name, null when authentication is off. */
  user: string | null;
  readonly protocolVersion: number;
}

export interface ColumnSpec {
  readonly keyspace: string;
  readonly table: string;
  readonly name: string;
  readonly type: CqlType;
}

export interface ResultMetadata {
  readonly columns: readonly ColumnSpec[];
}

export interface PreparedMetadata {
  readonly columns: readonly ColumnSpec[];
  /** For each partition key column, the index of the bind marker that gives it (all or none). */
  readonly partitionKeyIndexes: readonly number[];
}

export interface SchemaChangeEvent {
  readonly change: 'CREATED' | 'UPDATED' | 'DROPPED';
  readonly target: 'KEYSPACE' | 'TABLE' | 'TYPE' | 'FUNCTION' | 'AGGREGATE';
  readonly keyspace: string;
  /** Table, type, function or aggregate name; absent for KEYSPACE. */
  readonly name?: string;
  /** For FUNCTION and AGGREGATE. */
  readonly argumentTypes?: readonly string[];
}

export type ResultMessage =
  | { readonly kind: 'void' }
  | {
      readonly kind: 'rows';
      readonly metadata: ResultMetadata;
      /** One array per row, one serialized value (or null) per column. */
      readonly rows: ReadonlyArray<ReadonlyArray<Buffer | null>>;
      /** Set when more pages remain. */
      readonly pagingState: Buffer | null;
    }
  | { readonly kind: 'setKeyspace'; readonly keyspace: string }
  | {
      readonly kind: 'prepared';
      readonly id: Buffer;
      /** v5 result_metadata_id (hash of the result metadata). */
      readonly resultMetadataId: Buffer;
      readonly bindMetadata: PreparedMetadata;
      /** Empty columns for statements that return no rows. */
      readonly resultMetadata: ResultMetadata;
    }
  | { readonly kind: 'schemaChange'; readonly event: SchemaChangeEvent };

export interface QueryResponse {
  readonly result: ResultMessage;
  /** Server warnings (response flag 0x08), e.g. batch size. */
  readonly warnings: readonly string[];
}

export type BatchChild =
  | { readonly kind: 'query'; readonly text: string; readonly values: readonly BoundValue[]; readonly valueNames: readonly string[] | null }
  | { readonly kind: 'prepared'; readonly id: Buffer; readonly values: readonly BoundValue[]; readonly valueNames: readonly string[] | null };

export interface BatchRequest {
  readonly batchType: 'logged' | 'unlogged' | 'counter';
  readonly children: readonly BatchChild[];
  readonly consistency: ConsistencyLevel;
  readonly serialConsistency: ConsistencyLevel | null;
  readonly timestampMicros: number | null;
  readonly keyspace: string | null;
  readonly nowInSeconds: number | null;
}

export interface CqlService {
  query(text: string, options: QueryOptions, session: ClientSession): Promise<QueryResponse>;
  /** Always resolves to a `prepared` result (or rejects with a CqlError). */
  prepare(text: string, session: ClientSession, keyspace: string | null): Promise<QueryResponse>;
  /** Rejects with CqlError(Unprepared) for an unknown id. */
  execute(id: Buffer, options: QueryOptions, session: ClientSession): Promise<QueryResponse>;
  batch(request: BatchRequest, session: ClientSession): Promise<QueryResponse>;
  /** Checks PasswordAuthenticator credentials; null when authentication is disabled. */
  readonly authenticator: Authenticator | null;
  /** Subscribes to schema changes (for SCHEMA_CHANGE events); returns the unsubscribe function. */
  onSchemaChange(listener: (event: SchemaChangeEvent) => void): () => void;
}

export interface Authenticator {
  /** Class name sent in AUTHENTICATE, e.g. org.apache.cassandra.auth.PasswordAuthenticator. */
  readonly className: string;
  /** Returns the role name or rejects with CqlError(BadCredentials). */
  authenticate(username: string, password: string): Promise<string>;
}
