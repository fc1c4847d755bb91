// The management backend of a node that is alone in its cluster (no gossip yet): every answer
// comes from the node itself (coordinator, storage, CQL service). Cluster-wide views list only
// this node, UP and NORMAL, owning the whole ring. Operations that need other nodes finish at once
// with nothing to do (cleanup, repair, rebuild) or are refused (decommission, removenode); storage
// maintenance (compact, garbagecollect, verify, scrub) runs table by table; docs/design/management-server.md
// says which and why.
import type { Clock, DiskSpace, Logger } from '../../io/index.ts';
import { ConsistencyLevel, CqlError, ErrorCode, assertNever } from '../../lib/index.ts';
import type { Coordinator } from '../../coordinator/index.ts';
import type { ClientSession, CqlService, QueryOptions } from '../../cql/index.ts';
import type { KeyspaceMetadata, ReplicationOptions, SchemaSnapshot, TableMetadata } from '../../schema/index.ts';
import type { StorageEngineWithStats } from '../../storage/index.ts';
import {
  MANAGEMENT_API_REVISION, MANAGEMENT_API_VERSION, ReplicationStrategyClassSchema, type ClusterView, type CompactionThroughput, type Compactions, type EndpointState,
  type EndpointView, type KeyspaceInfo, type Keyspaces, type NodeInfo, type Operation, type OperationMode, type Replication, type Ring,
  type SchemaVersions, type SetReplicationRequest, type SetReplicationResponse, type Streams, type TableStats,
} from '../contract/index.ts';
import type { JobResult, ManagementBackend, OperationContext, OperationRunner, ParsedOperationRequest } from './management-backend.ts';
import { ManagementError, badRequest, notFound, refused } from './management-error.ts';
import { sortTokens, tokenOwnership } from './token-ownership.ts';

export interface SingleNodeBackendOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Identity, tokens, schema version and schema changes (ALTER KEYSPACE runs through the CQL service, which calls its changeSchema). */
  readonly coordinator: Coordinator;
  readonly cql: CqlService;
  /** The schema as clients see it: system keyspaces included. */
  readonly clientSchema: () => SchemaSnapshot;
  readonly storage: StorageEngineWithStats;
  /** The CQL listener: whether it serves, and how drain stops it. */
  readonly nativeTransport: { isRunning(): boolean; stop(): Promise<void> };
  /**
   * With peers: announces the shutdown through gossip (peers mark this node down at once) and
   * stops internode messaging, as drain does before it flushes; null when the node is alone.
   * Idempotent (the node's stop repeats it).
   */
  readonly leaveCluster: (() => Promise<void>) | null;
  /** Space of the filesystem holding `dataDirectory`; null when unknown (reported as zeros). */
  readonly diskSpace: (path: string) => DiskSpace | null;
  readonly dataDirectory: string;
  /** The `seeds` setting (comma-separated host[:port]). */
  readonly seeds: string;
  readonly generation: number;
  readonly bootstrapped: boolean;
  readonly startedAtMs: number;
  readonly startedMonotonicMs: number;
}

/** Operations other than these are refused once the node is draining or drained. */
const ALLOWED_WHEN_DRAINED: ReadonlySet<Operation> = new Set(['drain', 'flush', 'seeds-reload']);

const INTERNAL_SESSION: ClientSession = { keyspace: null, clientAddress: '127.0.0.1', clientPort: 0, user: null, protocolVersion: 4 };
const SCHEMA_QUERY_OPTIONS: QueryOptions = {
  consistency: ConsistencyLevel.ONE, values: null, valueNames: null, skipMetadata: false, pageSize: null, pagingState: null,
  serialConsistency: null, timestampMicros: null, keyspace: null, nowInSeconds: null,
};

export class SingleNodeBackend implements ManagementBackend {
  private readonly options: SingleNodeBackendOptions;
  private readonly logger: Logger;
  private mode: OperationMode = 'NORMAL';

  constructor(options: SingleNodeBackendOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: 'management-backend' });
  }

  uptimeMs(): number {
    return Math.max(0, Math.floor(this.options.clock.monotonicMs() - this.options.startedMonotonicMs));
  }

  operationMode(): OperationMode {
    return this.mode;
  }

  nativeTransportRunning(): boolean {
    return this.options.nativeTransport.isRunning();
  }

  /** No gossip in a single-node cluster yet. */
  gossipRunning(): boolean {
    return false;
  }

  nodeInfo(): NodeInfo {
    const local = this.options.coordinator.localNode();
    const disk = this.options.diskSpace(this.options.dataDirectory) ?? { totalBytes: 0, freeBytes: 0 };
    return {
      hostId: local.hostId,
      clusterName: this.options.coordinator.clusterName(),
      datacenter: local.dataCenter,
      rack: local.rack,
      operationMode: this.mode,
      bootstrapped: this.options.bootstrapped,
      isSeed: seedHosts(this.options.seeds).includes(local.address),
      listenAddress: local.address,
      rpcAddress: local.rpcAddress,
      nativeTransportPort: local.rpcPort,
      storagePort: local.listenPort,
      nativeTransportRunning: this.nativeTransportRunning(),
      gossipRunning: this.gossipRunning(),
      releaseVersion: local.releaseVersion,
      schemaVersion: local.schemaVersion,
      tokens: local.tokens.map(String),
      loadBytes: this.loadBytes(),
      dataDisk: { totalBytes: Math.floor(disk.totalBytes), freeBytes: Math.floor(disk.freeBytes) },
      startedAtMs: this.options.startedAtMs,
      uptimeMs: this.uptimeMs(),
      managementApi: { version: MANAGEMENT_API_VERSION, revision: MANAGEMENT_API_REVISION },
    };
  }

  clusterView(): ClusterView {
    return {
      clusterName: this.options.coordinator.clusterName(),
      partitioner: this.options.coordinator.partitionerName(),
      endpoints: [this.selfView()],
    };
  }

  ring(keyspace: string | null): Ring {
    const local = this.options.coordinator.localNode();
    let ownership = tokenOwnership(local.tokens.map((token) => ({ token, address: local.address }))).get(local.address) ?? 0;
    if (keyspace !== null) {
      const ks = this.options.clientSchema().keyspaces.get(keyspace);
      if (ks === undefined) throw notFound(`no keyspace ${keyspace}`);
      // Alone in the ring, the node holds every replica the keyspace places in its datacenter.
      ownership = replicasInDatacenter(ks.replication, local.dataCenter) > 0 ? 1 : 0;
    }
    return {
      keyspace,
      tokens: sortTokens(local.tokens.map((token) => ({ token, address: local.address }))).map((t) => ({ token: String(t.token), address: t.address })),
      endpoints: [{
        address: local.address, hostId: local.hostId, datacenter: local.dataCenter, rack: local.rack, status: 'UP', state: endpointState(this.mode),
        ownership,
      }],
    };
  }

  schemaVersions(): SchemaVersions {
    const local = this.options.coordinator.localNode();
    return { agreement: true, versions: [{ schemaVersion: local.schemaVersion, endpoints: [local.address] }], unreachable: [] };
  }

  keyspaces(): Keyspaces {
    const keyspaces: KeyspaceInfo[] = [];
    for (const ks of this.options.clientSchema().keyspaces.values()) keyspaces.push(keyspaceInfo(ks));
    return { keyspaces };
  }

  async setReplication(keyspace: string, request: SetReplicationRequest): Promise<SetReplicationResponse> {
    if (!/^[A-Za-z0-9_]{1,48}$/.test(keyspace)) throw badRequest(`invalid keyspace name ${keyspace.slice(0, 64)}`);
    const existing = this.options.clientSchema().keyspaces.get(keyspace);
    if (existing === undefined) throw notFound(`no keyspace ${keyspace}`);
    if (replicationInfo(existing.replication).class === 'LocalStrategy') throw refused(`${keyspace} is local to each node (LocalStrategy): its replication cannot change`);
    // system_distributed and system_traces are presented until an ALTER stores them: the CQL layer does that.
    const factors = Object.entries(request.datacenters);
    if (factors.length === 0) throw badRequest('datacenters: give at least one datacenter');
    const options = factors.map(([dc, rf]) => `${cqlString(dc)}: '${rf}'`).join(', ');
    const statement = `ALTER KEYSPACE "${keyspace}" WITH replication = {'class': 'NetworkTopologyStrategy', ${options}}`;
    try {
      await this.options.cql.query(statement, SCHEMA_QUERY_OPTIONS, { ...INTERNAL_SESSION });
    } catch (error) {
      throw managementErrorOf(error);
    }
    const after = this.options.clientSchema();
    const ks = after.keyspaces.get(keyspace);
    if (ks === undefined) throw notFound(`keyspace ${keyspace} was dropped meanwhile`);
    this.logger.info({ keyspace, replication: ks.replication }, 'replication changed through the management API');
    return { keyspace, replication: replicationInfo(ks.replication), schemaVersion: after.version };
  }

  tableStats(filter: { readonly keyspace: string | undefined; readonly table: string | undefined }): TableStats {
    const stored = this.options.coordinator.schema();
    if (filter.keyspace !== undefined && !this.options.clientSchema().keyspaces.has(filter.keyspace)) throw notFound(`no keyspace ${filter.keyspace}`);
    const tables: TableStats['tables'] = [];
    for (const table of storedTables(stored)) {
      if (filter.keyspace !== undefined && table.keyspace !== filter.keyspace) continue;
      if (filter.table !== undefined && table.name !== filter.table) continue;
      const stats = this.options.storage.tableStats(table.id);
      if (stats === null) continue;
      const ms = (micros: number | null | undefined): number | null => (micros === null || micros === undefined ? null : micros / 1000);
      tables.push({
        keyspace: table.keyspace,
        table: table.name,
        sstableCount: stats.sstableCount,
        liveBytes: stats.sstableBytes,
        totalBytes: stats.sstableBytes,
        memtableBytes: stats.memtableBytes,
        // The engine counts memtable rows, not cells: the closest figure it has.
        memtableCells: stats.memtableRows ?? 0,
        estimatedPartitions: stats.estimatedPartitions ?? stats.memtablePartitions,
        readCount: stats.readCount ?? 0,
        writeCount: stats.writeCount ?? 0,
        readLatencyMsP50: ms(stats.readLatencyMicrosP50),
        readLatencyMsP99: ms(stats.readLatencyMicrosP99),
        writeLatencyMsP50: ms(stats.writeLatencyMicrosP50),
        writeLatencyMsP99: ms(stats.writeLatencyMicrosP99),
        tombstonesScannedP99: stats.tombstonesPerReadP99 ?? null,
        tombstonesScannedP50: stats.tombstonesPerReadP50 ?? null,
        ...(stats.sstablesPerLevel === undefined ? {} : { sstablesPerLevel: [...stats.sstablesPerLevel] }),
        sstablesPerReadP99: stats.sstablesPerReadP99 ?? null,
        bloomFilterFalsePositives: stats.bloomFilterFalsePositives ?? 0,
        bloomFilterFalseRatio: stats.bloomFilterFalseRatio ?? 0,
        partitionSizeBytesP50: stats.partitionSizeBytesP50 ?? null,
        partitionSizeBytesP99: stats.partitionSizeBytesP99 ?? null,
        partitionSizeBytesMax: stats.partitionSizeBytesMax ?? null,
        compressionRatio: stats.compressionRatio ?? 1,
        droppableTombstoneRatio: stats.droppableTombstoneRatio ?? 0,
        pendingCompactions: stats.pendingCompactions ?? 0,
      });
    }
    if (filter.table !== undefined && tables.length === 0) throw notFound(`no table ${filter.keyspace ?? '*'}.${filter.table}`);
    return { tables };
  }

  /** Compactions of the storage engine: running ones with their progress, pending estimate, totals. */
  compactions(): Compactions {
    const stats = this.options.storage.compactionStats();
    const byId = new Map(storedTables(this.options.coordinator.schema()).map((t) => [t.id, t]));
    return {
      pendingTasks: stats.pendingTasks,
      completedTasks: stats.completedTasks,
      active: stats.active.flatMap((a) => {
        const table = byId.get(a.tableId);
        if (table === undefined) return [];
        return [{ id: a.id, keyspace: table.keyspace, table: table.name, kind: a.kind, completedBytes: a.completedBytes, totalBytes: a.totalBytes, reason: a.reason.slice(0, 256) }];
      }),
      throughputMbPerSecond: stats.throughputBytesPerSecond / MIB,
      concurrentCompactors: stats.concurrentCompactors,
    };
  }

  compactionThroughput(): CompactionThroughput {
    return { mbPerSecond: this.options.storage.compactionStats().throughputBytesPerSecond / MIB };
  }

  setCompactionThroughput(request: CompactionThroughput): CompactionThroughput {
    this.options.storage.setCompactionThroughput(Math.round(request.mbPerSecond * MIB));
    this.logger.info({ mbPerSecond: request.mbPerSecond }, 'compaction throughput changed through the management API');
    return this.compactionThroughput();
  }

  /** No streaming without other nodes. */
  streams(): Streams {
    return { sessions: [] };
  }

  prepareOperation<O extends Operation>(operation: O, request: ParsedOperationRequest<O>): OperationRunner {
    if ((this.mode === 'DRAINING' || this.mode === 'DRAINED') && !ALLOWED_WHEN_DRAINED.has(operation)) {
      throw refused(`the node is ${this.mode}: ${operation} needs a running node`);
    }
    const op = operation as Operation;
    switch (op) {
      case 'flush': {
        const r = request as ParsedOperationRequest<'flush'>;
        return this.flushRunner(this.selectTables(r.keyspace, r.tables));
      }
      case 'drain':
        return this.drainRunner();
      case 'cleanup': {
        const r = request as ParsedOperationRequest<'cleanup'>;
        const tables = this.selectTables(r.keyspace, r.tables);
        return immediate({ cancellable: true, unit: 'tables', total: tables.length }, {
          tables: tables.length, droppedBytes: 0, message: 'nothing to clean up: this node owns the whole ring',
        });
      }
      case 'repair': {
        const r = request as ParsedOperationRequest<'repair'>;
        this.selectTables(r.keyspace, r.tables);
        return immediate({ cancellable: true, unit: 'ranges', total: 0 }, {
          rangesRepaired: 0, mismatchedRanges: 0, streamedBytes: 0, message: 'nothing to repair: no other replica in the cluster',
        });
      }
      case 'rebuild': {
        const r = request as ParsedOperationRequest<'rebuild'>;
        const local = this.options.coordinator.localNode();
        if (r.keyspace !== undefined && !this.options.coordinator.schema().keyspaces.has(r.keyspace)) throw notFound(`no keyspace ${r.keyspace}`);
        if (r.sourceDatacenter !== undefined && r.sourceDatacenter !== local.dataCenter) {
          throw refused(`no live node in datacenter ${r.sourceDatacenter} to stream from`);
        }
        return immediate({ cancellable: false, unit: 'ranges', total: 0 }, {
          rangesStreamed: 0, streamedBytes: 0, message: 'nothing to rebuild: no other replica in the cluster',
        });
      }
      case 'compact': {
        const r = request as ParsedOperationRequest<'compact'>;
        const tables = this.selectTables(r.keyspace, r.tables);
        return this.perTableRunner(tables, 'compacting', async (table) => {
          const outcomes = await this.options.storage.compact([table.id]);
          return { inputs: sumOf(outcomes, 'inputs'), outputs: sumOf(outcomes, 'outputs'), bytesRead: sumOf(outcomes, 'bytesRead'), bytesWritten: sumOf(outcomes, 'bytesWritten') };
        }, r.splitOutput ? 'outputs are not split (splitOutput is accepted for compatibility); ' : '');
      }
      case 'garbagecollect': {
        const r = request as ParsedOperationRequest<'garbagecollect'>;
        return this.perTableRunner(this.selectTables(r.keyspace, r.tables), 'garbage collecting', async (table) => {
          const outcomes = await this.options.storage.garbageCollect([table.id]);
          return { inputs: sumOf(outcomes, 'inputs'), outputs: sumOf(outcomes, 'outputs'), bytesRead: sumOf(outcomes, 'bytesRead'), bytesWritten: sumOf(outcomes, 'bytesWritten') };
        }, '');
      }
      case 'verify': {
        const r = request as ParsedOperationRequest<'verify'>;
        return this.perTableRunner(this.selectTables(r.keyspace, r.tables), 'verifying', async (table) => {
          const outcomes = await this.options.storage.verify([table.id]);
          const bad = outcomes.filter((o) => o.error !== null);
          for (const o of bad) this.logger.error({ table: `${table.keyspace}.${table.name}`, file: o.error!.path, offsetBytes: o.error!.offsetBytes, reason: o.error!.message }, 'verify found a corrupt SSTable; it is quarantined');
          return { sstables: outcomes.length, corrupt: bad.length, partitions: sumOf(outcomes, 'partitions'), rows: sumOf(outcomes, 'rows') };
        }, '', (totals) => (totals['corrupt'] === 0 ? 'every SSTable verified' : `${totals['corrupt']} corrupt SSTable(s) quarantined (see the node log for files and offsets; run scrub to salvage them)`));
      }
      case 'scrub': {
        const r = request as ParsedOperationRequest<'scrub'>;
        return this.perTableRunner(this.selectTables(r.keyspace, r.tables), 'scrubbing', async (table) => {
          const outcomes = await this.options.storage.scrub([table.id]);
          return {
            sstables: outcomes.length, partitionsKept: sumOf(outcomes, 'partitionsKept'), partitionsSkipped: sumOf(outcomes, 'partitionsSkipped'),
            partitionsTruncated: sumOf(outcomes, 'partitionsTruncated'), badIndexChunks: sumOf(outcomes, 'badIndexChunks'),
            unsalvageable: outcomes.filter((o) => o.failure !== null).length,
          };
        }, '');
      }
      case 'decommission':
        throw refused('last node in the cluster: no other node could take over its ranges');
      case 'removenode': {
        const r = request as ParsedOperationRequest<'removenode'>;
        if (r.hostId.toLowerCase() === this.options.coordinator.localNode().hostId.toLowerCase()) {
          throw refused('cannot remove self: use decommission');
        }
        throw notFound(`no such host ${r.hostId} in the ring`);
      }
      case 'seeds-reload':
        return immediate({ cancellable: false, unit: 'steps', total: 1 }, { seeds: seedHosts(this.options.seeds).join(',') });
      default:
        return assertNever(op);
    }
  }

  private flushRunner(tables: readonly TableMetadata[]): OperationRunner {
    const storage = this.options.storage;
    return {
      cancellable: false,
      progressUnit: 'tables',
      progressTotal: tables.length,
      async run(context: OperationContext): Promise<JobResult> {
        // One table at a time, so progress moves; the engine flushes tables independently anyway.
        let sstables = 0;
        for (let i = 0; i < tables.length; i++) {
          const table = tables[i]!;
          context.progress({ done: i, total: tables.length, message: `flushing ${table.keyspace}.${table.name}` });
          await storage.flush([table.id]);
          sstables += storage.tableStats(table.id)?.sstableCount ?? 0;
        }
        return { tablesFlushed: tables.length, sstables };
      },
    };
  }

  /**
   * A job that runs `step` for each table in turn (progress in tables) and returns the sums of
   * the figures the steps return, plus a message.
   */
  private perTableRunner(
    tables: readonly TableMetadata[], verb: string, step: (table: TableMetadata) => Promise<Record<string, number>>, notePrefix: string,
    message?: (totals: Record<string, number>) => string,
  ): OperationRunner {
    return {
      cancellable: false,
      progressUnit: 'tables',
      progressTotal: tables.length,
      run: async (context: OperationContext): Promise<JobResult> => {
        const totals: Record<string, number> = {};
        for (let i = 0; i < tables.length; i++) {
          const table = tables[i]!;
          context.progress({ done: i, total: tables.length, message: `${verb} ${table.keyspace}.${table.name}` });
          let figures: Record<string, number>;
          try {
            figures = await step(table);
          } catch (error) {
            throw managementErrorOf(error);
          }
          for (const [k, v] of Object.entries(figures)) totals[k] = (totals[k] ?? 0) + v;
        }
        return { tables: tables.length, ...totals, message: `${notePrefix}${message === undefined ? `${tables.length} table(s) done` : message(totals)}` };
      },
    };
  }

  private drainRunner(): OperationRunner {
    const leaveCluster = this.options.leaveCluster;
    const total = leaveCluster === null ? 2 : 3;
    if (this.mode === 'DRAINED') return immediate({ cancellable: false, unit: 'steps', total }, { message: 'already drained' });
    return {
      cancellable: false,
      progressUnit: 'steps',
      progressTotal: total,
      run: async (context: OperationContext): Promise<JobResult> => {
        this.mode = 'DRAINING';
        // Clients first (requests in flight are answered, new ones refused), then, with peers, the
        // gossip shutdown and the end of internode messaging (no replica write arrives any more),
        // so that no write lands in a memtable after the flush (Cassandra's StorageService.drain).
        this.logger.info({ peers: leaveCluster !== null }, 'draining: stopping the native transport, then leaving the cluster, then flushing memtables');
        let done = 0;
        context.progress({ done, total, message: 'stopping the native transport' });
        await this.options.nativeTransport.stop();
        if (leaveCluster !== null) {
          context.progress({ done: ++done, total, message: 'announcing the shutdown to peers, stopping internode messaging' });
          await leaveCluster();
        }
        context.progress({ done: ++done, total, message: 'flushing memtables' });
        await this.options.storage.flush();
        this.mode = 'DRAINED';
        this.logger.info({}, 'drained');
        return { tablesFlushed: storedTables(this.options.coordinator.schema()).length };
      },
    };
  }

  /** Stored tables of `keyspace` (of every keyspace when absent), restricted to `names`; NOT_FOUND for unknown ones. */
  private selectTables(keyspace: string | undefined, names: readonly string[] | undefined): TableMetadata[] {
    const stored = this.options.coordinator.schema();
    if (keyspace !== undefined && !stored.keyspaces.has(keyspace)) {
      if (this.options.clientSchema().keyspaces.has(keyspace)) return []; // a virtual system keyspace: nothing stored
      throw notFound(`no keyspace ${keyspace}`);
    }
    const tables = storedTables(stored).filter((t) => keyspace === undefined || t.keyspace === keyspace);
    if (names === undefined || names.length === 0) return tables;
    const selected = tables.filter((t) => names.includes(t.name));
    for (const name of names) if (!selected.some((t) => t.name === name)) throw notFound(`no table ${keyspace ?? '*'}.${name}`);
    return selected;
  }

  private loadBytes(): number {
    let total = 0;
    for (const table of storedTables(this.options.coordinator.schema())) total += this.options.storage.tableStats(table.id)?.sstableBytes ?? 0;
    return total;
  }

  private selfView(): EndpointView {
    const local = this.options.coordinator.localNode();
    const state = endpointState(this.mode);
    const rpcReady = this.nativeTransportRunning();
    const loadBytes = this.loadBytes();
    const status = state === 'NORMAL' ? `NORMAL,${String(local.tokens[0] ?? '')}` : state.toLowerCase();
    return {
      address: local.address,
      hostId: local.hostId,
      datacenter: local.dataCenter,
      rack: local.rack,
      status: 'UP',
      state,
      tokenCount: local.tokens.length,
      loadBytes,
      schemaVersion: local.schemaVersion,
      releaseVersion: local.releaseVersion,
      rpcReady,
      isSelf: true,
      heartbeat: { generation: this.options.generation, version: 0 },
      // What gossip would carry, synthesized from the node's own state (no gossip runs yet).
      applicationStates: {
        STATUS_WITH_PORT: status,
        LOAD: String(loadBytes),
        SCHEMA: local.schemaVersion,
        DC: local.dataCenter,
        RACK: local.rack,
        RELEASE_VERSION: local.releaseVersion,
        INTERNAL_ADDRESS_AND_PORT: `${local.address}:${local.listenPort}`,
        NATIVE_ADDRESS_AND_PORT: `${local.rpcAddress}:${local.rpcPort}`,
        HOST_ID: local.hostId,
        RPC_READY: String(rpcReady),
        TOKENS: '<hidden>',
      },
    };
  }
}

const MIB = 1024 * 1024;

function sumOf<T>(items: readonly T[], field: keyof T): number {
  let n = 0;
  for (const item of items) n += Number(item[field]) || 0;
  return n;
}

function immediate(shape: { cancellable: boolean; unit: OperationRunner['progressUnit']; total: number }, result: JobResult): OperationRunner {
  return {
    cancellable: shape.cancellable,
    progressUnit: shape.unit,
    progressTotal: shape.total,
    run: async () => result,
  };
}

/** The ring state other nodes would see for this node's operation mode. */
export function endpointState(mode: OperationMode): EndpointState {
  switch (mode) {
    case 'STARTING': return 'UNKNOWN';
    case 'JOINING': return 'JOINING';
    case 'NORMAL': return 'NORMAL';
    case 'LEAVING': return 'LEAVING';
    case 'DECOMMISSIONED': return 'LEFT';
    case 'MOVING': return 'MOVING';
    case 'DRAINING': return 'NORMAL';
    case 'DRAINED': return 'SHUTDOWN';
    default: return assertNever(mode);
  }
}

function storedTables(schema: SchemaSnapshot): TableMetadata[] {
  const out: TableMetadata[] = [];
  for (const ks of schema.keyspaces.values()) {
    for (const t of ks.tables.values()) out.push(t);
    for (const v of ks.views.values()) out.push(v);
  }
  return out;
}

/** Host parts of the seeds setting ("a,b:7000,[::1]:7000"). */
export function seedHosts(seeds: string): string[] {
  const out: string[] = [];
  for (const raw of seeds.split(',')) {
    const seed = raw.trim();
    if (seed === '') continue;
    if (seed.startsWith('[')) out.push(seed.slice(1, Math.max(1, seed.indexOf(']'))));
    else if (seed.indexOf(':') === seed.lastIndexOf(':') && seed.includes(':')) out.push(seed.slice(0, seed.indexOf(':')));
    else out.push(seed);
  }
  return out;
}

function cqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Replicas a keyspace places in one datacenter (single node: > 0 means this node holds them). */
function replicasInDatacenter(replication: ReplicationOptions, datacenter: string): number {
  const info = replicationInfo(replication);
  switch (info.class) {
    case 'SimpleStrategy': return info.replicationFactor ?? 0;
    case 'NetworkTopologyStrategy': return info.datacenters[datacenter] ?? 0;
    case 'LocalStrategy':
    case 'EverywhereStrategy':
      return 1;
    default: return assertNever(info.class);
  }
}

function factorOf(text: string | undefined): number {
  // "3" or "3/1" (replicas/transient): the total number of replicas.
  const n = Number.parseInt(text ?? '', 10);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

export function replicationInfo(replication: ReplicationOptions): Replication {
  const short = replication.class.slice(replication.class.lastIndexOf('.') + 1);
  const parsed = ReplicationStrategyClassSchema.safeParse(short);
  if (!parsed.success) throw new ManagementError('MGMT_ERR_INTERNAL', `unknown replication strategy ${replication.class}`);
  const cls = parsed.data;
  if (cls === 'SimpleStrategy') return { class: cls, replicationFactor: factorOf(replication.options['replication_factor']), datacenters: {} };
  if (cls !== 'NetworkTopologyStrategy') return { class: cls, datacenters: {} };
  const datacenters: Record<string, number> = {};
  for (const [key, value] of Object.entries(replication.options)) if (key !== 'replication_factor') datacenters[key] = factorOf(value);
  return { class: cls, datacenters };
}

function keyspaceInfo(ks: KeyspaceMetadata): KeyspaceInfo {
  return { name: ks.name, replication: replicationInfo(ks.replication), durableWrites: ks.durableWrites, system: ks.name.startsWith('system') };
}

/** CQL failures of a schema change, in the management registry. */
function managementErrorOf(error: unknown): ManagementError {
  if (error instanceof ManagementError) return error;
  if (error instanceof CqlError) {
    switch (error.code) {
      case ErrorCode.Invalid:
      case ErrorCode.ConfigError:
      case ErrorCode.SyntaxError:
      case ErrorCode.AlreadyExists:
        return badRequest(error.message);
      case ErrorCode.Unauthorized:
        return refused(error.message);
      case ErrorCode.Unavailable:
      case ErrorCode.Overloaded:
      case ErrorCode.IsBootstrapping:
      case ErrorCode.WriteTimeout:
      case ErrorCode.ReadTimeout:
        return new ManagementError('MGMT_ERR_UNAVAILABLE', error.message);
      default:
        return new ManagementError('MGMT_ERR_INTERNAL', error.message);
    }
  }
  return new ManagementError('MGMT_ERR_INTERNAL', error instanceof Error ? error.message : String(error));
}
