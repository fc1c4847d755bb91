// Composition root of a node: io -> storage -> coordinator -> CQL service -> servers. Used by
// main.ts (real io), by tests and by the simulator (their own io).
import { endpointAddress } from './cluster/index.ts';
import type { NodeConfig } from './config/index.ts';
import { LocalCoordinator, openLocalNodeState, SchemaStore } from './coordinator/index.ts';
import type { NodeInfo } from './coordinator/index.ts';
import { CqlServiceImpl } from './cql/index.ts';
import type { Io } from './io/index.ts';
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
  readonly storage: StorageEngineWithStats;
  /** Stops serving, syncs the commit log and closes files. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startNode(config: NodeConfig, io: Io): Promise<RunningNode> {
  const logger = io.logger.child({ component: 'node' });
  const dataDirectory = config.data_file_directories[0]!;
  const systemDirectory = `${dataDirectory}/system`;
  io.disk.mkdirp(dataDirectory);
  io.disk.mkdirp(config.commitlog_directory);

  const initialTokens = config.initial_token === undefined ? null : config.initial_token.split(',').map((t) => BigInt(t.trim()));
  const local = openLocalNodeState({
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
  const coordinator = new LocalCoordinator({ storage, schemaStore, localNode: nodeInfo, clusterName: config.cluster_name });
  const cql = new CqlServiceImpl({
    coordinator,
    clock: io.clock,
    random: io.random,
    gossipGeneration: local.generation,
    limits: undefined,
    schemaEnvironment: {
      localDatacenter: config.dc,
      localAddress: endpointAddress(`${config.listen_address}:${config.storage_port}`),
      knownDatacenters: () => new Set([config.dc]),
    },
  });
  const protocol = new ProtocolServer({
    network: io.network,
    timers: io.timers,
    clock: io.clock,
    logger: io.logger,
    cql,
    host: config.rpc_address,
    port: config.native_transport_port,
    limits: {
      frameBodyBytesMax: config.native_transport_max_frame_size,
      inFlightRequestsPerConnectionMax: config.native_transport_max_requests_per_connection,
      idleTimeoutMs: config.native_transport_idle_timeout,
    },
  });
  let address: { host: string; port: number };
  try {
    address = await protocol.start();
  } catch (error) {
    await storage.close();
    throw error;
  }
  logger.info({ hostId: local.hostId, cql: `${address.host}:${address.port}`, dc: config.dc, rack: config.rack }, 'Starting listening for CQL clients');

  let stopping: Promise<void> | null = null;
  return {
    hostId: local.hostId,
    cql: address,
    storage,
    stop(): Promise<void> {
      stopping ??= (async () => {
        await protocol.close();
        await storage.close();
        logger.info({}, 'node stopped');
      })();
      return stopping;
    },
  };
}
