// Composition root of a node: io -> storage -> (messaging, membership) -> coordinator -> CQL
// service -> servers. Used by main.ts (real io), by tests and by the simulator (their own io).
// A node whose seeds name another node (or with start_gossip: true) runs internode messaging on
// its storage port and gossip membership, joins the ring before serving CQL, and pushes topology
// and status events to drivers; otherwise it runs alone as before.
import { endpointAddress, hostId as toHostId } from './cluster/index.ts';
import type { Token } from './cluster/index.ts';
import { openNodeTls } from './config/index.ts';
import type { NodeConfig } from './config/index.ts';
import {
  ClusterCoordinator, LocalCoordinator, MembershipService, gossipEnabled, isIpSeed, openLocalNodeState, parseSeedList, SchemaStore,
} from './coordinator/index.ts';
import {
  LOCAL_STATE_FILE_NAME, TopologyService, isDecommissioned, loadBootstrapRecord, resolveSeedsForStart, saveBootstrapRecord, saveLocalNodeState,
} from './coordinator/index.ts';
import type { Coordinator, NodeInfo } from './coordinator/index.ts';
import { AuthService, AuthSetup, CqlServiceImpl } from './cql/index.ts';
import type { Io } from './io/index.ts';
import { NodeMetrics } from './management/metrics/index.ts';
import { ClusterBackend, ManagementServer, SingleNodeBackend, loadManagementToken } from './management/server/index.ts';
import type { ManagementBackend } from './management/server/index.ts';
import { RepairService } from './repair/index.ts';
import { StreamService } from './streaming/index.ts';
import { TcpMessagingService, formatPeerAddress } from './messaging/index.ts';
import { ProtocolServer } from './protocol/index.ts';
import { randomUuid, uuidToString } from './schema/index.ts';
import type { SchemaSnapshot } from './schema/index.ts';
import { openStorageEngine } from './storage/index.ts';
import type { StorageEngineWithStats } from './storage/index.ts';

/** The Cassandra release whose behaviour (system tables, protocol v4) Cassia presents. */
export const RELEASE_VERSION = '4.0.11';

export interface RunningNode {
  readonly hostId: string;
  readonly cql: { readonly host: string; readonly port: number };
  /** Where the management API (and /metrics) answers. */
  readonly management: { readonly host: string; readonly port: number };
  readonly storage: StorageEngineWithStats;
  /** LocalCoordinator alone; ClusterCoordinator when the node runs with peers. */
  readonly coordinator: Coordinator;
  readonly cqlService: CqlServiceImpl;
  readonly protocol: ProtocolServer;
  readonly metrics: NodeMetrics;
  /**
   * Internode messaging and gossip membership when the node runs with peers, else null: the seam
   * for the cluster coordinator, which takes both (requests to replicas; ring and liveness).
   */
  readonly messaging: TcpMessagingService | null;
  readonly membership: MembershipService | null;
  /** Stops serving, syncs the commit log and closes files. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startNode(config: NodeConfig, io: Io): Promise<RunningNode> {
  const logger = io.logger.child({ component: 'node' });
  const startedAtMs = io.clock.nowMs();
  const startedMonotonicMs = io.clock.monotonicMs();
  // A missing or malformed token file is a configuration error: fail before opening anything.
  const managementToken = config.management_token_file === undefined ? null : loadManagementToken(io.disk, config.management_token_file);
  // TLS certificates too (ConfigError naming the file). Internode dc/rack encryption asks gossip,
  // at each connect, where a peer is; `membership` is assigned below, before any connection.
  const tls = openNodeTls({
    config, disk: io.disk, timers: io.timers, clock: io.clock, logger: io.logger,
    locate: (peer) => membership?.member(endpointAddress(peer)) ?? null,
  });
  const dataDirectory = config.data_file_directories[0]!;
  const systemDirectory = `${dataDirectory}/system`;
  io.disk.mkdirp(dataDirectory);
  io.disk.mkdirp(config.commitlog_directory);

  const initialTokens = config.initial_token === undefined ? null : config.initial_token.split(',').map((t) => BigInt(t.trim()));
  // Topology: a node that left refuses to rejoin; a first boot records that it has not joined yet.
  if (isDecommissioned(io.disk, systemDirectory)) {
    throw new Error('This node was decommissioned and will not rejoin the ring: remove its data directory to bootstrap it as a new node');
  }
  const firstBoot = io.disk.stat(`${systemDirectory}/${LOCAL_STATE_FILE_NAME}`) === null;
  if (firstBoot) {
    io.disk.mkdirp(systemDirectory);
    saveBootstrapRecord(io.disk, systemDirectory, { state: 'IN_PROGRESS', tokens: [] });
  }
  const bootstrapRecord = loadBootstrapRecord(io.disk, systemDirectory);
  // Nodes from before bootstrap records existed have a local state and no record: they joined.
  const joinedBefore = !firstBoot && (bootstrapRecord === null || bootstrapRecord.state === 'COMPLETED');
  let local = openLocalNodeState({
    disk: io.disk, clock: io.clock, random: io.random, directory: systemDirectory, clusterName: config.cluster_name,
    numTokens: config.num_tokens, initialTokens,
  });
  const schemaStore = SchemaStore.open({
    disk: io.disk,
    directory: systemDirectory,
    initial: (): SchemaSnapshot => ({ version: uuidToString(randomUuid(io.random)), keyspaces: new Map() }),
  });
  const storage = await openStorageEngine({
    disk: io.disk,
    clock: io.clock,
    timers: io.timers,
    logger: io.logger,
    schema: schemaStore.current(),
    config: {
      dataDirectory,
      commitLogDirectory: config.commitlog_directory,
      commitLogSync: config.commitlog_sync,
      commitLogSyncPeriodMs: config.commitlog_sync_period,
      commitLogSyncGroupWindowMs: config.commitlog_sync_group_window,
      commitLogSegmentSizeBytes: config.commitlog_segment_size,
      commitLogTotalSpaceBytes: config.commitlog_total_space,
      mutationSizeMaxBytes: Math.floor(config.commitlog_segment_size / 2),
      memtableFlushThresholdBytes: config.memtable_flush_threshold,
      memtableSpaceMaxBytes: config.memtable_space,
    },
    chunkCacheBytes: config.file_cache_size,
    keyCacheBytes: config.key_cache_size,
    indexSummaryCapacityBytes: config.index_summary_capacity,
    rowCacheBytes: config.row_cache_size,
    compaction: { concurrentCompactors: config.concurrent_compactors, throughputBytesPerSecond: config.compaction_throughput },
    // Real nodes compact in worker threads; the simulator's Io has none (in-process slices).
    ...(io.workers === undefined ? {} : { workers: io.workers }),
  });

  const nodeInfo = (): NodeInfo => ({
    hostId: local.hostId,
    address: config.listen_address,
    rpcAddress: config.rpc_address,
    rpcPort: config.native_transport_port,
    listenPort: config.storage_port,
    dataCenter: config.dc,
    rack: config.rack,
    tokens: local.tokens,
    schemaVersion: schemaStore.current().version,
    releaseVersion: RELEASE_VERSION,
  });
  // Messaging and membership, when this node has peers.
  const self = endpointAddress(formatPeerAddress(config.listen_address, config.storage_port));
  const seedList = parseSeedList(config.seeds, config.storage_port);
  // Seed host names (the operator's seed Service) resolve to all their addresses; a node that never
  // joined waits until one resolves. Named seeds always mean gossip (the name may resolve to self).
  const resolveName = io.network.resolve?.bind(io.network);
  const seeds = await resolveSeedsForStart({ seeds: seedList, resolve: resolveName, logger, timers: io.timers, joinedBefore });
  const namedSeeds = seedList.some((s) => !isIpSeed(s));
  let messaging: TcpMessagingService | null = null;
  let membership: MembershipService | null = null;
  if (gossipEnabled({ startGossip: config.start_gossip, seeds, self }) || (namedSeeds && config.start_gossip !== false)) {
    messaging = new TcpMessagingService({
      self, listenHost: config.listen_address, listenPort: config.storage_port, clusterName: config.cluster_name,
      network: io.network, timers: io.timers, clock: io.clock, random: io.random, logger: io.logger,
      ...(tls.internode === null ? {} : { tls: tls.internode }),
    });
    try {
      await messaging.start();
    } catch (error) {
      await storage.close();
      throw error;
    }
    membership = new MembershipService({
      messaging, clock: io.clock, timers: io.timers, random: io.random, logger: io.logger, disk: io.disk, systemDirectory,
      self, clusterName: config.cluster_name, seeds, datacenter: config.dc, rack: config.rack, hostId: toHostId(local.hostId),
      tokens: local.tokens as readonly Token[], generation: local.generation, nativeAddress: config.rpc_address,
      nativePort: config.native_transport_port, releaseVersion: RELEASE_VERSION, schemaVersion: schemaStore.current().version,
      ringDelayMs: config.ring_delay, phiConvictThreshold: config.phi_convict_threshold,
      loadBytes: () => loadBytes(storage, schemaStore.current()),
      joinMode: joinedBefore ? 'normal' : 'deferred', startWithoutSeeds: joinedBefore,
      resolveSeeds: () => resolveSeedsForStart({ seeds: seedList, resolve: resolveName, logger, timers: io.timers, joinedBefore: true }),
    });
  }
  const members = membership;
  // Streaming, topology operations and repair, when this node has peers.
  let streams: StreamService | null = null;
  let topology: TopologyService | null = null;
  let repair: RepairService | null = null;
  if (members !== null && messaging !== null) {
    streams = new StreamService({
      messaging, storage, schema: () => schemaStore.current(), clock: io.clock, timers: io.timers, logger: io.logger,
      throughputBytesPerSecond: config.stream_throughput_outbound,
    });
    streams.start();
    topology = new TopologyService({
      membership: members, streams, schema: () => schemaStore.current(), disk: io.disk, systemDirectory, clock: io.clock, timers: io.timers,
      random: io.random, logger: io.logger, autoBootstrap: config.auto_bootstrap, replaceAddress: config.replace_address_first_boot ?? null,
      ringDelayMs: config.ring_delay, numTokens: config.num_tokens, ...(config.initial_token === undefined ? {} : { initialToken: config.initial_token }),
      storagePort: config.storage_port, isSeed: () => members.seedList().includes(self), bootstrapped: joinedBefore,
      saveLocal: (tokens, bootstrapped) => {
        local = { ...local, tokens, bootstrapped };
        saveLocalNodeState(io.disk, systemDirectory, local);
      },
    });
    repair = new RepairService({
      messaging, membership: members, streams, storage, schema: () => schemaStore.current(), clock: io.clock, timers: io.timers,
      logger: io.logger, disk: io.disk, systemDirectory,
    });
    repair.start();
  }

  // With peers, the cluster coordinator replicates through messaging; alone, the local one.
  const clusterCoordinator = members === null || messaging === null ? null : new ClusterCoordinator({
    storage, schemaStore, messaging, membership: members, clock: io.clock, timers: io.timers, random: io.random, logger: io.logger,
    disk: io.disk, systemDirectory, hintsDirectory: config.hints_directory, localNode: nodeInfo, clusterName: config.cluster_name,
    timeouts: {
      writeRequestTimeoutMs: config.write_request_timeout, readRequestTimeoutMs: config.read_request_timeout,
      rangeRequestTimeoutMs: config.range_request_timeout, counterWriteRequestTimeoutMs: config.counter_write_request_timeout,
      casContentionTimeoutMs: config.cas_contention_timeout, truncateRequestTimeoutMs: config.truncate_request_timeout,
    },
    hints: {
      enabled: config.hinted_handoff_enabled, disabledDatacenters: config.hinted_handoff_disabled_datacenters,
      maxHintWindowMs: config.max_hint_window, throttleBytesPerSecond: config.hinted_handoff_throttle,
      deliveryConcurrency: config.max_hints_delivery_threads, flushPeriodMs: config.hints_flush_period,
      fileBytesMax: config.max_hints_file_size, hostBytesMax: config.max_hints_size_per_host,
    },
    schemaChangeTimeoutMs: config.request_timeout,
  });
  const coordinator: Coordinator = clusterCoordinator ?? new LocalCoordinator({
    storage, schemaStore, localNode: nodeInfo, clusterName: config.cluster_name,
  });
  // Replica-side verb handlers are in place before gossip announces this node.
  clusterCoordinator?.start();
  // Roles live in system_auth (created by authSetup before CQL is served).
  const auth = new AuthService({
    coordinator, clock: io.clock, random: io.random, logger: io.logger, authenticator: config.authenticator, authorizer: config.authorizer,
    knownDatacenters: () => (members === null ? new Set([config.dc]) : new Set([config.dc, ...members.ring().knownDatacenters()])),
  });
  const authSetup = new AuthSetup({
    auth, coordinator, random: io.random, timers: io.timers, logger: io.logger,
    superuser: config.superuser_username === undefined ? null : { name: config.superuser_username, password: config.superuser_password ?? '' },
  });
  const cql = new CqlServiceImpl({
    coordinator,
    auth,
    clock: io.clock,
    random: io.random,
    gossipGeneration: local.generation,
    limits: undefined,
    schemaEnvironment: {
      localDatacenter: config.dc,
      localAddress: endpointAddress(`${config.listen_address}:${config.storage_port}`),
      knownDatacenters: () => (members === null ? new Set([config.dc]) : new Set([config.dc, ...members.ring().knownDatacenters()])),
    },
  });
  const metrics = new NodeMetrics({ clock: io.clock, processMetrics: true });
  const protocol = new ProtocolServer({
    network: io.network,
    timers: io.timers,
    clock: io.clock,
    logger: io.logger,
    cql: metrics.instrumentCql(cql),
    host: config.rpc_address,
    port: config.native_transport_port,
    ...(tls.client === null ? {} : { tls: tls.client }),
    limits: {
      frameBodyBytesMax: config.native_transport_max_frame_size,
      inFlightRequestsPerConnectionMax: config.native_transport_max_requests_per_connection,
      idleTimeoutMs: config.native_transport_idle_timeout,
    },
  });
  if (members !== null) {
    // The cluster coordinator gossips its schema version itself.
    members.subscribeClientEvents((event) => protocol.broadcastEvent(event));
  }
  // The management API answers (liveness, node info, streams) while the node joins; CQL comes after.
  let nativeTransportRunning = false;
  // Drain (nodetool drain, SIGTERM): no new connections or requests (new ones are answered
  // Overloaded, which drivers retry on another node); requests in flight are answered first.
  // Peers learn at once that CQL stops here (RPC_READY false: STATUS_CHANGE DOWN to their drivers).
  const stopNativeTransport = async (): Promise<void> => {
    nativeTransportRunning = false;
    members?.setRpcReady(false);
    await protocol.drain();
  };
  // Replica traffic ends: no verb handler runs, no hint or batchlog replay, no internode socket.
  const stopInternode = async (): Promise<void> => {
    await clusterCoordinator?.stop();
    await messaging?.close();
  };
  // Drain with peers, after the native transport (as Cassandra's StorageService.drain): gossip
  // SHUTDOWN to live peers, which mark this node down at once, then no more replica writes before
  // the flush. Every step is idempotent, so stop() after a drain repeats none of them.
  const leaveCluster = members === null ? null : async (): Promise<void> => {
    await members.stop();
    await stopInternode();
  };
  const backend = new SingleNodeBackend({
    clock: io.clock,
    logger: io.logger,
    coordinator,
    cql,
    clientSchema: () => cql.clientSchema(),
    storage,
    nativeTransport: { isRunning: () => nativeTransportRunning, stop: stopNativeTransport },
    leaveCluster,
    diskSpace: (path) => {
      try {
        return io.disk.space?.(path) ?? null;
      } catch (error) {
        logger.warn({ path, err: error }, 'cannot read the data disk space');
        return null;
      }
    },
    dataDirectory,
    seeds: config.seeds,
    generation: local.generation,
    // Alone in its cluster the node serves its saved tokens from first boot: it has joined.
    bootstrapped: local.bootstrapped || local.tokens.length > 0,
    startedAtMs,
    startedMonotonicMs,
  });
  // With peers, cluster views, streams and topology operations come from gossip and the topology services.
  const selfStop = { request: (): void => {} };
  const managementBackend: ManagementBackend = members === null || topology === null || streams === null || repair === null
    ? backend
    : new ClusterBackend({
      local: backend, membership: members, topology, streams, repair, schema: () => schemaStore.current(), storage, timers: io.timers,
      logger: io.logger, requestStop: () => selfStop.request(),
    });
  metrics.attach({
    storage,
    tables: () => storedTables(coordinator.schema()),
    cqlConnections: () => protocol.connectionCount,
    operationMode: () => managementBackend.operationMode(),
    coordinator: clusterCoordinator,
  });
  const managementHost = config.management_address ?? config.listen_address;
  const management = new ManagementServer({
    network: io.network,
    clock: io.clock,
    timers: io.timers,
    random: io.random,
    logger: io.logger,
    backend: managementBackend,
    token: managementToken,
    metrics,
    host: managementHost,
    port: config.management_port,
    // A pod's preStop hook reaches the API on loopback; a loopback or wildcard address covers it already.
    extraHosts: isLoopbackOrWildcard(managementHost) ? [] : ['127.0.0.1'],
    onRequest: (route, status) => metrics.managementRequest(route, status),
    onJobFinished: (job) => metrics.jobFinished(job),
  });
  let managementAddress: { host: string; port: number };
  try {
    managementAddress = await management.start();
  } catch (error) {
    await management.close();
    await clusterCoordinator?.stop();
    await messaging?.close();
    await storage.close();
    throw error;
  }

  let address: { host: string; port: number };
  try {
    // Join the ring (shadow round with the seeds, then NORMAL) before serving clients.
    await members?.start();
    // Bootstrap, replace, or NORMAL at once (topology): what the node gains is streamed before it serves.
    await topology?.join();
    await authSetup.start();
    address = await protocol.start();
  } catch (error) {
    authSetup.stop();
    topology?.close();
    streams?.close();
    await management.close();
    await members?.stop();
    await protocol.close();
    await clusterCoordinator?.stop();
    await messaging?.close();
    await storage.close();
    throw error;
  }
  nativeTransportRunning = true;
  members?.setRpcReady(true);
  logger.info({ hostId: local.hostId, cql: `${address.host}:${address.port}`, dc: config.dc, rack: config.rack }, 'Starting listening for CQL clients');

  // Rotated certificate files take effect for new handshakes from now on.
  tls.start();
  let stopping: Promise<void> | null = null;
  const running: RunningNode = {
    hostId: local.hostId,
    cql: address,
    management: managementAddress,
    storage,
    coordinator,
    cqlService: cql,
    protocol,
    metrics,
    messaging,
    membership: members,
    stop(): Promise<void> {
      stopping ??= (async () => {
        // A decommissioned node announcing LEFT keeps gossiping until its peers show it (bounded).
        await topology?.leftAnnounced();
        authSetup.stop();
        tls.close();
        topology?.close();
        streams?.close();
        await management.close();
        // Peers learn of the shutdown at once (gossip SHUTDOWN); then clients are let go.
        await members?.stop();
        await stopNativeTransport();
        await stopInternode();
        // Drain: memtables go to SSTables so a restart replays nothing (SIGTERM without preStop too).
        try {
          await storage.flush();
        } catch (error) {
          logger.warn({ err: error }, 'flush before stopping failed; the commit log will be replayed');
        }
        await storage.close();
        logger.info({}, 'node stopped');
      })();
      return stopping;
    },
  };
  // A decommissioned node stops itself once its job had time to report SUCCEEDED.
  selfStop.request = () => {
    void running.stop();
  };
  return running;
}

function storedTables(schema: SchemaSnapshot): Array<{ keyspace: string; name: string; id: string }> {
  const out: Array<{ keyspace: string; name: string; id: string }> = [];
  for (const ks of schema.keyspaces.values()) {
    for (const t of ks.tables.values()) out.push({ keyspace: t.keyspace, name: t.name, id: t.id });
    for (const v of ks.views.values()) out.push({ keyspace: v.keyspace, name: v.name, id: v.id });
  }
  return out;
}

function isLoopbackOrWildcard(host: string): boolean {
  return host.startsWith('127.') || host === 'localhost' || host === '::1' || host === '0.0.0.0' || host === '::';
}

/** LOAD: on-disk bytes of every table's SSTables. */
function loadBytes(storage: StorageEngineWithStats, schema: SchemaSnapshot): number {
  let total = 0;
  for (const ks of schema.keyspaces.values()) {
    for (const t of ks.tables.values()) total += storage.tableStats(t.id)?.sstableBytes ?? 0;
  }
  return total;
}
