// Test and simulator support: N nodes in one process, each a real storage engine on its own
// MemoryDisk and a real ClusterCoordinator, joined by the in-memory messaging hub and a static
// membership board, all on one injected clock/timers (a virtual time in tests). Nodes can crash
// (kill -9 or power loss) and restart on their disk; the hub injects message faults. `run` drives
// virtual time until a promise settles, so tests read like straight-line code.
import { TokenMetadata, endpointAddress, hostId } from '../../cluster/index.ts';
import type { EndpointAddress, Token } from '../../cluster/index.ts';
import type { Clock, Logger, Random, Timers } from '../../io/index.ts';
import { MemoryDisk, silentLogger } from '../../io/index.ts';
import { assert } from '../../lib/index.ts';
import { buildKeyspaceMetadata, buildTableMetadata, randomUuid, uuidToString, withKeyspace, withTable } from '../../schema/index.ts';
import type { KeyspaceMetadata, ReplicationOptions, SchemaSnapshot, TableDefinition, TableMetadata } from '../../schema/index.ts';
import { openStorageEngine } from '../../storage/index.ts';
import type { StorageConfig, StorageEngineWithStats } from '../../storage/index.ts';
import { ClusterCoordinator } from '../cluster-coordinator.ts';
import type { CoordinatorTimeouts } from '../coordinator-context.ts';
import type { NodeInfo } from '../coordinator.ts';
import type { BatchlogConfig } from '../batchlog/batchlog-service.ts';
import type { HintsConfig } from '../hints/hints-service.ts';
import { SchemaStore } from '../schema-store.ts';
import { MemoryMessagingHub } from './memory-messaging.ts';
import type { MemoryMessagingService } from './memory-messaging.ts';
import { StaticMembershipBoard } from './static-membership.ts';
import type { StaticMembership } from './static-membership.ts';

/** A clock and timers the test can move (VirtualTime from messaging/testing fits). */
export interface DrivableTime extends Clock, Timers {
  advance(ms: number): Promise<void>;
}

export interface TestNodeSpec {
  readonly dc?: string;
  readonly rack?: string;
  readonly tokens: readonly bigint[];
}

export interface TestClusterOptions {
  readonly nodes: readonly TestNodeSpec[];
  readonly time: DrivableTime;
  readonly random: Random;
  readonly logger?: Logger;
  readonly latencyMinMs?: number;
  readonly latencyMaxMs?: number;
  readonly timeouts?: Partial<CoordinatorTimeouts>;
  readonly hints?: Partial<HintsConfig>;
  readonly batchlog?: Partial<BatchlogConfig>;
  /** Overrides of the storage configuration of every node. */
  readonly storage?: Partial<StorageConfig>;
}

/** Evenly spaced tokens: node i of n gets `perNode` tokens interleaved with the others'. */
export function evenTokens(nodeCount: number, perNode: number): bigint[][] {
  const total = BigInt(nodeCount * perNode);
  const step = (2n ** 64n) / total;
  const out: bigint[][] = Array.from({ length: nodeCount }, () => []);
  for (let i = 0n; i < total; i++) out[Number(i % BigInt(nodeCount))]!.push(-(2n ** 63n) + step / 2n + i * step);
  return out;
}

const DATA = '/cassia/data';
const SYSTEM = '/cassia/data/system';
const HINTS = '/cassia/hints';
const COMMITLOG = '/cassia/commitlog';

export class TestNode {
  readonly index: number;
  readonly address: EndpointAddress;
  readonly hostId: string;
  readonly disk = new MemoryDisk();
  readonly membership: StaticMembership;
  storage!: StorageEngineWithStats;
  schemaStore!: SchemaStore;
  coordinator!: ClusterCoordinator;
  messaging!: MemoryMessagingService;
  running = false;
  private readonly cluster: TestCluster;

  constructor(cluster: TestCluster, index: number, address: EndpointAddress, id: string, membership: StaticMembership) {
    this.cluster = cluster;
    this.index = index;
    this.address = address;
    this.hostId = id;
    this.membership = membership;
  }

  /** Opens storage and schema from this node's disk and starts a coordinator. */
  async start(): Promise<void> {
    assert(!this.running, `node ${this.index} already running`);
    const c = this.cluster;
    const disk = this.disk.processView();
    this.schemaStore = SchemaStore.open({ disk, directory: SYSTEM, initial: () => c.emptySchema() });
    this.storage = await openStorageEngine({
      disk, clock: c.time, timers: c.time, logger: c.logger,
      schema: this.schemaStore.current(),
      config: {
        dataDirectory: DATA, commitLogDirectory: COMMITLOG, commitLogSync: 'periodic', commitLogSyncPeriodMs: 1000,
        commitLogSyncGroupWindowMs: 5, commitLogSegmentSizeBytes: 1024 * 1024, commitLogTotalSpaceBytes: 16 * 1024 * 1024,
        mutationSizeMaxBytes: 512 * 1024, memtableFlushThresholdBytes: 4 * 1024 * 1024, memtableSpaceMaxBytes: 64 * 1024 * 1024,
        ...c.storageOverrides,
      },
    });
    this.messaging = c.hub.register(this.address);
    const info = this.membership.ring().endpoint(this.address)!;
    const localNode = (): NodeInfo => ({
      hostId: this.hostId, address: this.address.slice(0, this.address.lastIndexOf(':')), rpcAddress: this.address.slice(0, this.address.lastIndexOf(':')),
      rpcPort: 9042, listenPort: 7000, dataCenter: info.dc, rack: info.rack, tokens: this.membership.ring().tokensOf(this.address),
      schemaVersion: this.schemaStore.current().version, releaseVersion: '4.0.11',
    });
    this.coordinator = new ClusterCoordinator({
      storage: this.storage, schemaStore: this.schemaStore, messaging: this.messaging, membership: this.membership,
      clock: c.time, timers: c.time, random: c.random, logger: c.logger, disk, systemDirectory: SYSTEM, hintsDirectory: HINTS,
      localNode, clusterName: 'Test Cluster', ...(c.timeoutOverrides === undefined ? {} : { timeouts: c.timeoutOverrides }),
      ...(c.hintOverrides === undefined ? {} : { hints: c.hintOverrides }),
      ...(c.batchlogOverrides === undefined ? {} : { batchlog: c.batchlogOverrides }),
    });
    this.coordinator.start();
    this.running = true;
  }

  /** Graceful stop: peers see it down; files synced and closed. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cluster.board.setAlive(this.address, false);
    this.cluster.hub.setDown(this.address, true);
    await this.coordinator.stop();
    await this.messaging.close();
    await this.storage.close();
  }

  /** The process dies (kill -9), or the machine loses power (`powerLoss`: unsynced bytes are lost). */
  async crash(options: { powerLoss?: boolean; seed?: number } = {}): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cluster.board.setAlive(this.address, false);
    this.cluster.hub.setDown(this.address, true);
    if (options.powerLoss === true) this.disk.crash({ seed: options.seed ?? 1, unsyncedBytes: 'none' });
    else this.disk.kill();
    await this.messaging.close();
    await this.coordinator.stop().catch(() => undefined);
    await this.storage.close().catch(() => undefined);
  }

  /** Starts again on the same disk; peers see it up. */
  async restart(): Promise<void> {
    await this.start();
    this.cluster.hub.setDown(this.address, false);
    this.cluster.board.setAlive(this.address, true);
  }
}

export class TestCluster {
  readonly time: DrivableTime;
  readonly random: Random;
  readonly logger: Logger;
  readonly hub: MemoryMessagingHub;
  readonly board: StaticMembershipBoard;
  readonly nodes: TestNode[] = [];
  readonly timeoutOverrides: Partial<CoordinatorTimeouts> | undefined;
  readonly hintOverrides: Partial<HintsConfig> | undefined;
  readonly batchlogOverrides: Partial<BatchlogConfig> | undefined;
  readonly storageOverrides: Partial<StorageConfig>;

  private constructor(options: TestClusterOptions, ring: TokenMetadata) {
    this.time = options.time;
    this.random = options.random;
    this.logger = options.logger ?? silentLogger;
    this.timeoutOverrides = options.timeouts;
    this.hintOverrides = options.hints;
    this.batchlogOverrides = options.batchlog;
    this.storageOverrides = options.storage ?? {};
    this.hub = new MemoryMessagingHub({
      timers: options.time, random: options.random, latencyMinMs: options.latencyMinMs ?? 1, latencyMaxMs: options.latencyMaxMs ?? options.latencyMinMs ?? 1,
    });
    this.board = new StaticMembershipBoard({ ring, timers: options.time });
  }

  static async start(options: TestClusterOptions): Promise<TestCluster> {
    assert(options.nodes.length > 0 && options.nodes.length < 250, 'between 1 and 249 nodes');
    let ring = TokenMetadata.empty();
    const ids: string[] = [];
    options.nodes.forEach((spec, i) => {
      const address = endpointAddress(`127.0.0.${i + 1}:7000`);
      const id = `00000000-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`;
      ids.push(id);
      ring = ring.withEndpoint({ address, hostId: hostId(id), dc: spec.dc ?? 'dc1', rack: spec.rack ?? 'rack1' })
        .withNormalTokens(address, spec.tokens as readonly Token[]);
    });
    const cluster = new TestCluster(options, ring);
    options.nodes.forEach((_, i) => {
      const address = endpointAddress(`127.0.0.${i + 1}:7000`);
      cluster.nodes.push(new TestNode(cluster, i, address, ids[i]!, cluster.board.view(address)));
    });
    for (const node of cluster.nodes) await node.start();
    return cluster;
  }

  node(i: number): TestNode {
    const n = this.nodes[i];
    assert(n !== undefined, `no node ${i}`);
    return n;
  }

  coordinator(i: number): ClusterCoordinator {
    return this.node(i).coordinator;
  }

  emptySchema(): SchemaSnapshot {
    return { version: '00000000-0000-0000-0000-000000000000', keyspaces: new Map() };
  }

  newVersion(): string {
    return uuidToString(randomUuid(this.random));
  }

  /** Advances virtual time until `promise` settles (at most `maxMs` of virtual time). */
  async run<T>(promise: Promise<T>, maxMs = 120_000): Promise<T> {
    let settled = false;
    const tracked = promise.finally(() => {
      settled = true;
    });
    tracked.catch(() => undefined);
    for (let elapsed = 0; !settled; elapsed += 5) {
      if (elapsed > maxMs) throw new Error(`operation did not settle within ${maxMs} ms of virtual time`);
      await this.time.advance(5);
    }
    return tracked;
  }

  /** Lets `ms` of virtual time pass. */
  async idle(ms: number): Promise<void> {
    await this.time.advance(ms);
  }

  async createKeyspace(name: string, replication: ReplicationOptions, via = 0): Promise<KeyspaceMetadata> {
    const ks = buildKeyspaceMetadata({ name, replication });
    await this.run(this.coordinator(via).changeSchema({ apply: (s) => withKeyspace(s, ks, this.newVersion()) }));
    return ks;
  }

  async createTable(definition: Omit<TableDefinition, 'id'> & { id?: string }, via = 0): Promise<TableMetadata> {
    const table = buildTableMetadata({ ...definition, id: definition.id ?? this.newVersion() });
    await this.run(this.coordinator(via).changeSchema({ apply: (s) => withTable(s, table, this.newVersion()) }));
    return table;
  }

  /** Stops every running node. */
  async stop(): Promise<void> {
    for (const n of this.nodes) if (n.running) await this.run(n.stop());
  }
}
