// The management backend of a node that gossips: cluster views, ring and schema versions from
// gossip and the ring, stream progress from the stream service, and the topology operations
// (decommission, removenode, rebuild, repair, cleanup, seeds-reload) run by the topology and repair
// services. Node-local answers (node identity, flush, drain, table stats, keyspaces, replication
// changes) come from the single-node backend it wraps.
// Invariants: operation modes follow the topology service unless the node drains; a decommission
// job reports SUCCEEDED before the node stops (the stop is scheduled after DECOMMISSION_EXIT_DELAY_MS).
import { AppState, createReplicationStrategy, effectiveOwnership } from '../../cluster/index.ts';
import type { EndpointAddress, TokenRange } from '../../cluster/index.ts';
import { TopologyError } from '../../coordinator/index.ts';
import type { MembershipService, TopologyService } from '../../coordinator/index.ts';
import type { Logger, Timers } from '../../io/index.ts';
import { assertNever } from '../../lib/index.ts';
import { parsePeerAddress } from '../../messaging/index.ts';
import type { RepairService } from '../../repair/index.ts';
import type { SchemaSnapshot } from '../../schema/index.ts';
import type { StreamService } from '../../streaming/index.ts';
import type {
  ClusterView, CompactionThroughput, Compactions, EndpointView, Keyspaces, NodeInfo, Operation, OperationMode, Ring, SchemaVersions, SetReplicationRequest,
  SetReplicationResponse, Streams, TableStats,
} from '../contract/index.ts';
import type { JobResult, ManagementBackend, OperationContext, OperationRunner, ParsedOperationRequest } from './management-backend.ts';
import { ManagementError, notFound, refused } from './management-error.ts';
import type { SingleNodeBackend } from './single-node-backend.ts';
import { sortTokens, tokenOwnership } from './token-ownership.ts';

/** After LEFT the node keeps answering this long (the job is polled as SUCCEEDED), then stops. */
export const DECOMMISSION_EXIT_DELAY_MS = 10_000;

/** Storage that can drop data outside kept ranges (cleanup); not every engine can yet. */
export interface CleanupCapableStorage {
  cleanupTable?(tableId: string, keep: readonly TokenRange[]): Promise<{ bytesBefore: number; bytesAfter: number }>;
}

export interface ClusterBackendOptions {
  readonly local: SingleNodeBackend;
  readonly membership: MembershipService;
  readonly topology: TopologyService;
  readonly streams: StreamService;
  readonly repair: RepairService;
  readonly schema: () => SchemaSnapshot;
  readonly storage: CleanupCapableStorage & { flush(tableIds?: readonly string[]): Promise<void>; tableStats(id: string): { sstableBytes: number } | null };
  readonly timers: Timers;
  readonly logger: Logger;
  /** Stops the node (after a decommission). */
  readonly requestStop: () => void;
  readonly exitDelayMs?: number;
}

export class ClusterBackend implements ManagementBackend {
  private readonly o: ClusterBackendOptions;
  private readonly logger: Logger;

  constructor(options: ClusterBackendOptions) {
    this.o = options;
    this.logger = options.logger.child({ component: 'management-backend' });
  }

  uptimeMs(): number {
    return this.o.local.uptimeMs();
  }

  operationMode(): OperationMode {
    const local = this.o.local.operationMode();
    if (local === 'DRAINING' || local === 'DRAINED') return local;
    return this.o.topology.mode();
  }

  nativeTransportRunning(): boolean {
    return this.o.local.nativeTransportRunning();
  }

  gossipRunning(): boolean {
    return this.o.membership.gossipState().enabled;
  }

  nodeInfo(): NodeInfo {
    const info = this.o.local.nodeInfo();
    const m = this.o.membership;
    return {
      ...info,
      operationMode: this.operationMode(),
      bootstrapped: this.o.topology.mode() === 'NORMAL' || info.bootstrapped,
      isSeed: m.seedList().includes(m.self),
      gossipRunning: this.gossipRunning(),
      tokens: m.tokens().map(String),
    };
  }

  clusterView(): ClusterView {
    const m = this.o.membership;
    const gossip = m.gossipState();
    const endpoints: EndpointView[] = [];
    for (const v of m.members()) {
      const record = gossip.endpoints.get(v.address);
      const states: Record<string, string> = {};
      for (const [key, value] of Object.entries(record?.state.states ?? {})) {
        if (value === undefined) continue;
        states[key] = key === AppState.Tokens ? '<hidden>' : value.value.slice(0, 8192);
      }
      endpoints.push({
        address: hostOf(v.address),
        hostId: v.hostId,
        datacenter: v.datacenter || null,
        rack: v.rack || null,
        status: v.alive ? 'UP' : 'DOWN',
        state: v.isSelf ? selfState(this.operationMode()) : v.status,
        tokenCount: v.tokens.length,
        loadBytes: v.loadBytes,
        schemaVersion: v.schemaVersion,
        releaseVersion: v.releaseVersion,
        rpcReady: v.isSelf ? this.nativeTransportRunning() : states[AppState.RpcReady] === 'true',
        isSelf: v.isSelf,
        heartbeat: { generation: record?.state.heartBeat.generation ?? 0, version: record?.state.heartBeat.version ?? 0 },
        applicationStates: states,
      });
    }
    const local = this.o.local.clusterView();
    return { clusterName: local.clusterName, partitioner: local.partitioner, endpoints };
  }

  ring(keyspace: string | null): Ring {
    const m = this.o.membership;
    const ring = m.ring();
    const members = ring.members();
    const owned = members.flatMap((a) => ring.tokensOf(a).map((t) => ({ token: t, address: a as string })));
    let ownership: Map<string, number>;
    if (keyspace === null) ownership = tokenOwnership(owned);
    else {
      const ks = this.o.schema().keyspaces.get(keyspace);
      if (ks === undefined) throw notFound(`no keyspace ${keyspace}`);
      ownership = effectiveOwnership(createReplicationStrategy(ks.replication, { localAddress: m.self }), ring.onlyTokenMap());
    }
    const endpoints: Ring['endpoints'] = [];
    const listed = new Set<EndpointAddress>([...members, ...ring.bootstrappingEndpoints().keys()]);
    for (const address of listed) {
      const info = ring.endpoint(address);
      const view = m.member(address);
      endpoints.push({
        address: hostOf(address), hostId: info?.hostId ?? null, datacenter: info?.dc ?? null, rack: info?.rack ?? null,
        status: m.isAlive(address) ? 'UP' : 'DOWN', state: address === m.self ? selfState(this.operationMode()) : (view?.status ?? 'UNKNOWN'),
        ownership: Math.min(1, ownership.get(address) ?? 0),
      });
    }
    return { keyspace, tokens: sortTokens(owned).map((t) => ({ token: String(t.token), address: hostOf(t.address as EndpointAddress) })), endpoints };
  }

  schemaVersions(): SchemaVersions {
    const byVersion = new Map<string, string[]>();
    const unreachable: string[] = [];
    for (const v of this.o.membership.members()) {
      if (!v.isSelf && !this.o.membership.ring().isMember(v.address) && v.status !== 'JOINING') continue;
      if (!v.alive) {
        unreachable.push(hostOf(v.address));
        continue;
      }
      const version = v.isSelf ? this.o.schema().version : v.schemaVersion;
      if (version === null) continue;
      const list = byVersion.get(version) ?? [];
      list.push(hostOf(v.address));
      byVersion.set(version, list);
    }
    return {
      agreement: byVersion.size <= 1,
      versions: [...byVersion].map(([schemaVersion, endpoints]) => ({ schemaVersion, endpoints })),
      unreachable,
    };
  }

  keyspaces(): Keyspaces {
    return this.o.local.keyspaces();
  }

  setReplication(keyspace: string, request: SetReplicationRequest): Promise<SetReplicationResponse> {
    return this.o.local.setReplication(keyspace, request);
  }

  tableStats(filter: { readonly keyspace: string | undefined; readonly table: string | undefined }): TableStats {
    return this.o.local.tableStats(filter);
  }

  compactions(): Compactions {
    return this.o.local.compactions();
  }

  compactionThroughput(): CompactionThroughput {
    return this.o.local.compactionThroughput();
  }

  setCompactionThroughput(request: CompactionThroughput): CompactionThroughput {
    return this.o.local.setCompactionThroughput(request);
  }

  streams(): Streams {
    return {
      sessions: this.o.streams.list().map((s) => ({
        planId: s.planId.slice(0, 128), operation: s.operation, peer: hostOf(s.peer as EndpointAddress), direction: s.direction,
        filesDone: s.filesDone, filesTotal: s.filesTotal, bytesDone: s.bytesDone, bytesTotal: s.bytesTotal,
      })),
    };
  }

  prepareOperation<O extends Operation>(operation: O, request: ParsedOperationRequest<O>): OperationRunner {
    const mode = this.operationMode();
    const op = operation as Operation;
    switch (op) {
      case 'flush':
      case 'drain':
      case 'compact':
      case 'garbagecollect':
      case 'verify':
      case 'scrub':
        return this.o.local.prepareOperation(operation, request);
      case 'seeds-reload':
        return {
          cancellable: false, progressUnit: 'steps', progressTotal: 1,
          run: async () => ({ seeds: (await this.o.membership.reloadSeeds()).map((s) => hostOf(s)).join(',') }),
        };
      case 'decommission': {
        const r = request as ParsedOperationRequest<'decommission'>;
        if (mode === 'DECOMMISSIONED') return { cancellable: false, progressUnit: 'steps', progressTotal: 1, run: async () => ({ message: 'already decommissioned' }) };
        this.refuseUnlessNormal(mode, op);
        wrapRefusal(() => this.o.topology.checkDecommission(r.force));
        return {
          cancellable: false, progressUnit: 'steps', progressTotal: 1,
          run: async (context: OperationContext): Promise<JobResult> => {
            const result = await this.topologyStep(() => this.o.topology.decommission({ force: r.force, progress: (p) => context.progress(p) }));
            const delayMs = this.o.exitDelayMs ?? DECOMMISSION_EXIT_DELAY_MS;
            this.logger.info({ delayMs }, 'decommissioned: the node stops after the exit delay');
            this.o.timers.setTimeout(() => this.o.requestStop(), delayMs);
            return { ...result, exitInMs: delayMs };
          },
        };
      }
      case 'removenode': {
        const r = request as ParsedOperationRequest<'removenode'>;
        this.refuseUnlessNormal(mode, op);
        wrapRefusal(() => this.o.topology.checkRemoveNode(r.hostId));
        return {
          cancellable: false, progressUnit: 'steps', progressTotal: 1,
          run: async (context) => this.topologyStep(() => this.o.topology.removeNode({ hostId: r.hostId, force: r.force, progress: (p) => context.progress(p) })),
        };
      }
      case 'rebuild': {
        const r = request as ParsedOperationRequest<'rebuild'>;
        this.refuseUnlessNormal(mode, op);
        if (r.keyspace !== undefined && !this.o.schema().keyspaces.has(r.keyspace)) throw notFound(`no keyspace ${r.keyspace}`);
        return {
          cancellable: false, progressUnit: 'ranges', progressTotal: 0,
          run: async (context) => this.topologyStep(() => this.o.topology.rebuild({
            sourceDatacenter: r.sourceDatacenter, keyspace: r.keyspace, progress: (p) => context.progress(p),
          })),
        };
      }
      case 'repair': {
        const r = request as ParsedOperationRequest<'repair'>;
        this.refuseUnlessNormal(mode, op);
        if (r.keyspace !== undefined && !this.o.schema().keyspaces.has(r.keyspace)) throw notFound(`no keyspace ${r.keyspace}`);
        return {
          cancellable: true, progressUnit: 'ranges', progressTotal: 0,
          run: async (context) => {
            try {
              return await this.o.repair.repair({
                keyspace: r.keyspace, tables: r.tables, primaryRange: r.primaryRange, datacenters: r.datacenters, startToken: r.startToken,
                endToken: r.endToken,
              }, (p) => context.progress(p), context.signal);
            } catch (error) {
              throw new ManagementError('MGMT_ERR_INTERNAL', (error as Error).message);
            }
          },
        };
      }
      case 'cleanup': {
        const r = request as ParsedOperationRequest<'cleanup'>;
        this.refuseUnlessNormal(mode, op);
        const keyspaces = [...this.o.schema().keyspaces.values()].filter((k) => r.keyspace === undefined ? !k.name.startsWith('system') : k.name === r.keyspace);
        if (r.keyspace !== undefined && keyspaces.length === 0) throw notFound(`no keyspace ${r.keyspace}`);
        const tables = keyspaces.flatMap((k) => [...k.tables.values()]).filter((t) => r.tables === undefined || r.tables.length === 0 || r.tables.includes(t.name));
        return {
          cancellable: true, progressUnit: 'tables', progressTotal: tables.length,
          run: async (context): Promise<JobResult> => {
            const storage = this.o.storage;
            let before = 0;
            let after = 0;
            for (let i = 0; i < tables.length; i++) {
              const t = tables[i]!;
              context.progress({ done: i, total: tables.length, message: `cleaning up ${t.keyspace}.${t.name}` });
              if (storage.cleanupTable === undefined) continue;
              await storage.flush([t.id]);
              const r2 = await storage.cleanupTable(t.id, this.o.topology.ownedRanges(t.keyspace));
              before += r2.bytesBefore;
              after += r2.bytesAfter;
            }
            if (storage.cleanupTable === undefined) {
              return { tables: tables.length, droppedBytes: 0, supported: false, message: 'the storage engine cannot rewrite SSTables yet: data outside owned ranges is kept' };
            }
            return { tables: tables.length, bytesBefore: before, bytesAfter: after, droppedBytes: Math.max(0, before - after) };
          },
        };
      }
      default:
        return assertNever(op);
    }
  }

  private refuseUnlessNormal(mode: OperationMode, op: Operation): void {
    if (mode !== 'NORMAL') throw refused(`the node is ${mode}: ${op} needs a NORMAL node`);
  }

  private async topologyStep<T extends JobResult>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (error instanceof TopologyError) throw new ManagementError(error.refused ? 'MGMT_ERR_REFUSED' : 'MGMT_ERR_INTERNAL', error.message);
      throw error;
    }
  }
}

function wrapRefusal(check: () => unknown): void {
  try {
    check();
  } catch (error) {
    if (error instanceof TopologyError) throw refused(error.message);
    throw error;
  }
}

function hostOf(address: EndpointAddress): string {
  try {
    return parsePeerAddress(address).host;
  } catch {
    return address;
  }
}

function selfState(mode: OperationMode): EndpointView['state'] {
  switch (mode) {
    case 'STARTING': return 'UNKNOWN';
    case 'JOINING': return 'JOINING';
    case 'NORMAL':
    case 'DRAINING':
      return 'NORMAL';
    case 'LEAVING': return 'LEAVING';
    case 'DECOMMISSIONED': return 'LEFT';
    case 'MOVING': return 'MOVING';
    case 'DRAINED': return 'SHUTDOWN';
    default: return assertNever(mode);
  }
}
