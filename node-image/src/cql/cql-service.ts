// The CQL service of one shard: parses (with a bounded cache), prepares and executes statements
// against the coordinator, keeps prepared statements by their deterministic id (MD5 of keyspace
// and text, as Cassandra does), runs batches, and publishes schema change events.
import { createHash } from 'node:crypto';
import type { Coordinator } from '../coordinator/index.ts';
import type { EndpointAddress } from '../cluster/index.ts';
import type { Clock, Random } from '../io/index.ts';
import { MicrosTimestampSource } from '../io/index.ts';
import { ErrorCode, CqlError, invalidRequest, unprepared } from '../lib/index.ts';
import type { SchemaSnapshot, TableMetadata } from '../schema/index.ts';
import { TimeuuidGenerator } from '../schema/index.ts';
import type { ParsedStatement, Statement } from './ast.ts';
import type { AuthService } from './auth/auth-service.ts';
import { prepareRoleStatement } from './auth/role-statements.ts';
import { ListPathSource } from './list-paths.ts';
import { PreparedCache } from './prepared-cache.ts';
import { parseStatement } from './parser/parser.ts';
import type {
  Authenticator, BatchRequest, BoundValue, ClientSession, CqlService, QueryOptions, QueryResponse, SchemaChangeEvent,
} from './service.ts';
import { executeBatch } from './statements/batch.ts';
import type { BatchChildExecution } from './statements/batch.ts';
import type { SchemaEnvironment } from './statements/ddl.ts';
import { prepareSchemaStatement, SYSTEM_KEYSPACES } from './statements/ddl.ts';
import { prepareModification } from './statements/modification.ts';
import type { TableDataSource } from './statements/select.ts';
import { prepareSelect } from './statements/select.ts';
import type { CqlLimits, Execution, ExecutionServices, PrepareContext, PreparedModification, PreparedStatement } from './statements/statement-context.ts';
import { DEFAULT_CQL_LIMITS, systemKeyspaceNotModifiable } from './statements/statement-context.ts';
import { isVirtualKeyspace, readSystemTable, withSystemKeyspaces } from './system/system-keyspaces.ts';
import { BindCollector } from './terms.ts';
import type { EvalEnv } from './terms.ts';

/** Parsed statements kept by text (unprepared QUERY traffic repeats texts). */
export const PARSE_CACHE_ENTRIES_MAX = 2048;
/** Prepared statements kept per shard; evicted ids answer Unprepared and drivers re-prepare. */
export const PREPARED_CACHE_ENTRIES_MAX = 10_000;

interface PreparedEntry {
  readonly id: Buffer;
  readonly text: string;
  readonly keyspace: string | null;
  prepared: PreparedStatement;
  schemaVersion: string;
  /** The snapshot last checked against: while it is current, EXECUTE skips the version check. */
  schema: SchemaSnapshot;
}

export interface CqlServiceOptions {
  readonly coordinator: Coordinator;
  readonly clock: Clock;
  readonly random: Random;
  readonly limits?: CqlLimits;
  readonly schemaEnvironment: SchemaEnvironment;
  readonly authenticator?: Authenticator | null;
  /** Roles (system_auth) and the authenticator; without it role statements are refused. */
  readonly auth?: AuthService | null;
  /** Gossip generation reported in system.local. */
  readonly gossipGeneration: number;
}

/** A small LRU over Map insertion order. */
class LruCache<V> {
  private readonly map = new Map<string, V>();
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
}

export class CqlServiceImpl implements CqlService {
  readonly authenticator: Authenticator | null;
  private readonly coordinator: Coordinator;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly limits: CqlLimits;
  private readonly schemaEnvironment: SchemaEnvironment;
  private readonly services: ExecutionServices;
  private readonly parseCache = new LruCache<ParsedStatement>(PARSE_CACHE_ENTRIES_MAX);
  private readonly preparedById = new PreparedCache<PreparedEntry>(PREPARED_CACHE_ENTRIES_MAX);
  private readonly unpreparedCache = new LruCache<{ prepared: PreparedStatement; schemaVersion: string }>(PARSE_CACHE_ENTRIES_MAX);
  private readonly listeners = new Set<(event: SchemaChangeEvent) => void>();
  private readonly lists: ListPathSource;
  private readonly gossipGeneration: number;
  private clientSchemaCache: { version: string; schema: SchemaSnapshot } | null = null;
  private readonly auth: AuthService | null;

  constructor(options: CqlServiceOptions) {
    this.coordinator = options.coordinator;
    this.clock = options.clock;
    this.random = options.random;
    this.limits = options.limits ?? DEFAULT_CQL_LIMITS;
    this.schemaEnvironment = options.schemaEnvironment;
    this.auth = options.auth ?? null;
    this.authenticator = options.authenticator ?? this.auth?.authenticator ?? null;
    this.gossipGeneration = options.gossipGeneration;
    const seed = Buffer.alloc(8);
    this.random.fillBytes(seed);
    this.lists = new ListPathSource(seed);
    this.services = {
      coordinator: this.coordinator,
      clock: this.clock,
      timestamps: new MicrosTimestampSource(this.clock),
      timeuuids: new TimeuuidGenerator(this.clock, this.random),
      random: this.random,
      limits: this.limits,
      publishSchemaChange: (event) => {
        for (const listener of this.listeners) listener(event);
      },
    };
  }

  onSchemaChange(listener: (event: SchemaChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The schema drivers see: system keyspaces plus user keyspaces (cached per version). */
  clientSchema(): SchemaSnapshot {
    const schema = this.coordinator.schema();
    if (this.clientSchemaCache?.version !== schema.version) {
      this.clientSchemaCache = { version: schema.version, schema: withSystemKeyspaces(schema) };
    }
    return this.clientSchemaCache.schema;
  }

  private parse(text: string): ParsedStatement {
    const cached = this.parseCache.get(text);
    if (cached !== undefined) return cached;
    const parsed = parseStatement(text);
    this.parseCache.set(text, parsed);
    return parsed;
  }

  private dataSource(table: TableMetadata): TableDataSource {
    if (isVirtualKeyspace(table.keyspace)) {
      return {
        read: async (command) => readSystemTable(table, command, this.coordinator, this.clientSchema(), this.gossipGeneration),
      };
    }
    return { read: (command, consistency) => this.coordinator.read(command, { consistency }) };
  }

  private prepareParsed(parsed: ParsedStatement, keyspace: string | null): PreparedStatement {
    const ctx: PrepareContext = {
      schema: this.clientSchema(),
      sessionKeyspace: keyspace,
      binds: new BindCollector(parsed.bindMarkerCount),
      limits: this.limits,
    };
    return this.prepareStatement(parsed.statement, ctx);
  }

  private prepareStatement(statement: Statement, ctx: PrepareContext): PreparedStatement {
    switch (statement.kind) {
      case 'select':
        return prepareSelect(statement, ctx, (table) => this.dataSource(table));
      case 'insert':
      case 'update':
      case 'delete': {
        const ks = statement.table.keyspace ?? ctx.sessionKeyspace;
        if (ks !== null && SYSTEM_KEYSPACES.has(ks)) throw systemKeyspaceNotModifiable(ks);
        return prepareModification(statement, ctx, this.lists);
      }
      case 'batch': {
        const children = statement.statements.map((s) => {
          const ks = s.table.keyspace ?? ctx.sessionKeyspace;
          if (ks !== null && SYSTEM_KEYSPACES.has(ks)) throw systemKeyspaceNotModifiable(ks);
          return prepareModification(s, { ...ctx, inBatch: true }, this.lists);
        });
        const batchType = statement.batchType;
        const usingTimestamp = statement.using.timestamp;
        if (statement.using.ttl !== null) throw invalidRequest('Global TTL on the BATCH statement is not supported.');
        const timestampTerm = usingTimestamp;
        const bindSpecs = ctx.binds.complete();
        return {
          kind: 'batch', keyspace: children[0]?.keyspace ?? null, table: children[0]?.table ?? null, bindSpecs,
          partitionKeyBindIndexes: [], resultMetadata: { columns: [] }, isSchemaChange: false,
          execute: async (execution: Execution) => {
            let ts: number | null = null;
            if (timestampTerm !== null) {
              if (timestampTerm.kind !== 'constant') throw invalidRequest('Batch timestamps must be literals');
              ts = Number(timestampTerm.text);
            }
            return executeBatch(batchType, children.map((c) => ({ statement: c, execution })), execution, ts);
          },
        };
      }
      case 'role':
        if (this.auth === null) throw invalidRequest(`${statement.action} is not supported: this CQL service has no role manager`);
        return prepareRoleStatement(statement, ctx, this.auth);
      default: {
        const prepared = prepareSchemaStatement(statement, ctx, this.schemaEnvironment);
        if (prepared === null) throw invalidRequest(`Unsupported statement ${statement.kind}`);
        return prepared;
      }
    }
  }

  private execution(options: QueryOptions, session: ClientSession, values: readonly BoundValue[]): Execution {
    const nowMs = options.nowInSeconds !== null ? options.nowInSeconds * 1000 : this.clock.nowMs();
    const env: EvalEnv = { values, nowMs, timeuuids: this.services.timeuuids, random: this.random };
    return { services: this.services, options, values, session, nowMs, env, warnings: [] };
  }

  /** Orders named values (flag 0x40) by the statement's bind markers. */
  private bindValues(prepared: PreparedStatement, options: QueryOptions): readonly BoundValue[] {
    const values = options.values ?? [];
    if (options.valueNames === null) {
      if (values.length !== prepared.bindSpecs.length) {
        throw invalidRequest(`There were ${prepared.bindSpecs.length} markers(?) in CQL but ${values.length} bound variables`);
      }
      return values;
    }
    const byName = new Map<string, BoundValue>();
    options.valueNames.forEach((name, i) => byName.set(name.toLowerCase(), values[i]!));
    return prepared.bindSpecs.map((spec) => {
      const v = byName.get(spec.name.toLowerCase());
      if (v === undefined) throw invalidRequest(`Invalid unset value for column ${spec.name}`);
      return v;
    });
  }

  async query(text: string, options: QueryOptions, session: ClientSession): Promise<QueryResponse> {
    const keyspace = options.keyspace ?? session.keyspace;
    const schemaVersion = this.coordinator.schema().version;
    const cacheKey = `${keyspace ?? ''}\u0000${text}`;
    let prepared: PreparedStatement;
    const cached = this.unpreparedCache.get(cacheKey);
    if (cached !== undefined && cached.schemaVersion === schemaVersion) prepared = cached.prepared;
    else {
      prepared = this.prepareParsed(this.parse(text), keyspace);
      if (!prepared.isSchemaChange && prepared.kind !== 'use') this.unpreparedCache.set(cacheKey, { prepared, schemaVersion });
    }
    return prepared.execute(this.execution(options, session, this.bindValues(prepared, options)));
  }

  static preparedId(keyspace: string | null, text: string): Buffer {
    return createHash('md5').update(`${keyspace ?? ''}${text}`, 'utf8').digest();
  }

  async prepare(text: string, session: ClientSession, keyspaceOverride: string | null): Promise<QueryResponse> {
    const keyspace = keyspaceOverride ?? session.keyspace;
    const parsed = this.parse(text);
    const qualified = statementIsQualified(parsed.statement);
    const idKeyspace = qualified ? null : keyspace;
    const id = CqlServiceImpl.preparedId(idKeyspace, text);
    const schema = this.coordinator.schema();
    const prepared = this.prepareParsed(parsed, keyspace);
    const entry: PreparedEntry = { id, text, keyspace, prepared, schemaVersion: schema.version, schema };
    this.preparedById.set(entry);
    const resultMetadataId = createHash('md5').update(JSON.stringify(prepared.resultMetadata.columns.map((c) => [c.name, c.type]))).digest();
    return {
      result: {
        kind: 'prepared', id, resultMetadataId,
        bindMetadata: { columns: prepared.bindSpecs, partitionKeyIndexes: prepared.partitionKeyBindIndexes },
        resultMetadata: prepared.resultMetadata,
      },
      warnings: [],
    };
  }

  private lookupPrepared(id: Buffer): PreparedStatement {
    const entry = this.preparedById.get(id);
    if (entry === undefined) throw unprepared(id);
    const schema = this.coordinator.schema();
    if (entry.schema !== schema) {
      if (entry.schemaVersion !== schema.version && !entry.prepared.isSchemaChange) {
        entry.prepared = this.prepareParsed(this.parse(entry.text), entry.keyspace);
        entry.schemaVersion = schema.version;
      }
      entry.schema = schema;
    }
    return entry.prepared;
  }

  /** Not async: the statement's own promise is returned as is (errors become rejections). */
  execute(id: Buffer, options: QueryOptions, session: ClientSession): Promise<QueryResponse> {
    try {
      const prepared = this.lookupPrepared(id);
      return prepared.execute(this.execution(options, session, this.bindValues(prepared, options)));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  async batch(request: BatchRequest, session: ClientSession): Promise<QueryResponse> {
    const keyspace = request.keyspace ?? session.keyspace;
    const options: QueryOptions = {
      consistency: request.consistency, values: null, valueNames: null, skipMetadata: false, pageSize: null, pagingState: null,
      serialConsistency: request.serialConsistency, timestampMicros: request.timestampMicros, keyspace, nowInSeconds: request.nowInSeconds,
    };
    const base = this.execution(options, session, []);
    const children: BatchChildExecution[] = request.children.map((child) => {
      const prepared = child.kind === 'query' ? this.prepareParsed(this.parse(child.text), keyspace) : this.lookupPrepared(child.id);
      if (!('buildMutations' in prepared)) {
        throw invalidRequest(`Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed.`);
      }
      const childOptions: QueryOptions = { ...options, values: child.values, valueNames: child.valueNames };
      const values = this.bindValues(prepared, childOptions);
      const env: EvalEnv = { ...base.env, values };
      return { statement: prepared as PreparedModification, execution: { ...base, options: childOptions, values, env } };
    });
    return executeBatch(request.batchType, children, base, null);
  }
}

/** Whether every table the statement names is keyspace-qualified (its id then ignores USE). */
function statementIsQualified(statement: Statement): boolean {
  switch (statement.kind) {
    case 'select': case 'insert': case 'update': case 'delete': case 'truncate': case 'createTable': case 'alterTable': case 'dropTable':
      return statement.table.keyspace !== null;
    case 'batch':
      return statement.statements.every((s) => s.table.keyspace !== null);
    default:
      return false;
  }
}

export function isCqlError(error: unknown): error is CqlError {
  return error instanceof CqlError;
}

export { ErrorCode };
export type { EndpointAddress };
