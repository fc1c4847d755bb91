// The cluster implementation of Coordinator (docs/design/coordinator.md): writes to every natural
// and pending replica (this node applies in-process, others get MUTATION), waiting for the
// consistency level's acks until write_request_timeout, hinting replicas that are down or do not
// answer; counters through one leader replica that applies the delta and replicates the total;
// reads and range scans (read-executor.ts); CAS through Paxos v1 (paxos/); truncate on every node;
// schema changes decided by a Paxos register over the whole schema (schema-paxos.ts), installed,
// pushed and pulled by schema-sync.ts. It also serves the replica side of every
// verb it sends. Everything nondeterministic comes from the injected clock, timers and random.
import type { EndpointAddress } from '../cluster/index.ts';
import type { Clock, Disk, Logger, Random, Timers } from '../io/index.ts';
import { ConsistencyLevel, CqlError, ErrorCode, consistencyName, invalidRequest, isSerial, overloaded } from '../lib/index.ts';
import type { WriteType } from '../lib/index.ts';
import { MessagingError, Verb } from '../messaging/index.ts';
import type { MessagingService } from '../messaging/index.ts';
import type { KeyspaceMetadata, SchemaSnapshot } from '../schema/index.ts';
import type { Mutation, PartitionUpdate, ReadCommand, ReadResult, StorageEngine } from '../storage/index.ts';
import type { CasRequest, Coordinator, NodeInfo, ReadOptions, SchemaChangeRequest, WriteOptions } from './coordinator.ts';
import { COORDINATOR_TIMEOUTS_DEFAULTS, emptyStats } from './coordinator-context.ts';
import type { CoordinatorContext, CoordinatorStats, CoordinatorTimeouts, TableEntry } from './coordinator-context.ts';
import { batchRemoveMutation, batchStoreMutation, batchlogOperation, encodeBatch, BATCHLOG_TABLE_ID } from './batchlog/batchlog-messages.ts';
import { chooseBatchlogEndpoints } from './batchlog/batchlog-endpoints.ts';
import { BATCHLOG_DIRECTORY_NAME, BatchlogService } from './batchlog/batchlog-service.ts';
import type { BatchlogConfig, BatchlogStats } from './batchlog/batchlog-service.ts';
import { BATCH_ID_BYTES } from './batchlog/batchlog-store.ts';
import { checkReadConsistency, checkWriteConsistency, unavailable } from './consistency.ts';
import { DeadlineQueue } from './deadline-queue.ts';
import { digestOf } from './digest.ts';
import { decodeHintMessage } from './hints/hint-message.ts';
import { HINTS_CONFIG_DEFAULTS, HintTransferError, HintsService } from './hints/hints-service.ts';
import type { HintToSend, HintsConfig, HintsStats } from './hints/hints-service.ts';
import type { Membership } from './membership.ts';
import { MessageReader, MessageWriter } from './messages/coordinator-messages.ts';
import { BallotGenerator } from './paxos/ballot.ts';
import { PaxosAcceptor } from './paxos/paxos-acceptor.ts';
import type { PaxosPartition } from './paxos/paxos-acceptor.ts';
import { PaxosMessageCodec, decodePaxosRequest } from './paxos/paxos-messages.ts';
import { PaxosProposer } from './paxos/paxos-proposer.ts';
import { PaxosStateStore } from './paxos/paxos-state-store.ts';
import type { PaxosProposal } from './paxos/paxos-state-store.ts';
import { ReadExecutor } from './read-executor.ts';
import { ReplicaLookup } from './replica-lookup.ts';
import { CoordinatorRequestMetrics, RequestOperationIndex } from './request-metrics.ts';
import type { CoordinatorMetricsSource } from './request-metrics.ts';
import { ackCounts, planPaxos, planWrite } from './replica-plan.ts';
import type { PaxosPlan, ReplicaTopology, WritePlan } from './replica-plan.ts';
import { SCHEMA_CHANGE_TIMEOUT_MS_DEFAULT, SCHEMA_PAXOS_TABLE_ID, SchemaPaxos } from './schema-paxos.ts';
import { SchemaSync } from './schema-sync.ts';
import type { SchemaEpoch } from './schema-sync.ts';
import { KeyedSerialQueue } from './serial-queue.ts';
import type { SchemaStore } from './schema-store.ts';
import { LatencyTrackers } from './speculative-retry.ts';
import { TruncationRecords } from './truncation-records.ts';
import { WriteResponseHandler, writeTimeout } from './write-response-handler.ts';

/** Paxos state older than this is dropped (Cassandra TTLs system.paxos rows with gc_grace_seconds). */
export const PAXOS_STATE_TTL_MS_DEFAULT = 864_000_000;
export const PAXOS_DIRECTORY_NAME = 'paxos';
/** Paxos state of the schema register (never expires: it holds the latest committed schema). */
export const SCHEMA_PAXOS_DIRECTORY_NAME = 'schema-paxos';

export interface ClusterCoordinatorOptions {
  readonly storage: StorageEngine;
  readonly schemaStore: SchemaStore;
  readonly messaging: MessagingService;
  readonly membership: Membership;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: Random;
  readonly logger: Logger;
  readonly disk: Disk;
  /** Holds the Paxos state (paxos/) and the schema epoch. */
  readonly systemDirectory: string;
  readonly hintsDirectory: string;
  readonly localNode: () => NodeInfo;
  readonly clusterName: string;
  readonly timeouts?: Partial<CoordinatorTimeouts>;
  readonly hints?: Partial<HintsConfig>;
  readonly paxosStateTtlMs?: number;
  readonly schemaPushWaitMs?: number;
  /** How long a DDL may spend in Paxos contention (default 10 s). */
  readonly schemaChangeTimeoutMs?: number;
  readonly batchlog?: Partial<BatchlogConfig>;
}

/** How often batchlog replicas look for batches to replay (Cassandra: 10 s). */
export const BATCHLOG_REPLAY_INTERVAL_MS_DEFAULT = 10_000;

export class ClusterCoordinator implements Coordinator, CoordinatorMetricsSource {
  readonly stats: CoordinatorStats = emptyStats();
  /** Latency by operation and consistency level, errors by kind (exported by the node's metrics). */
  readonly requestMetrics = new CoordinatorRequestMetrics();
  readonly hints: HintsService;
  readonly batchlog: BatchlogService;
  private readonly options: ClusterCoordinatorOptions;
  private readonly ctx: CoordinatorContext;
  private readonly reads: ReadExecutor;
  private readonly paxosStore: PaxosStateStore;
  private readonly acceptor: PaxosAcceptor;
  private readonly proposer: PaxosProposer;
  private readonly paxosCodec = new PaxosMessageCodec();
  private readonly schemaSync: SchemaSync;
  private readonly schemaPaxosStore: PaxosStateStore;
  private readonly schemaAcceptor: PaxosAcceptor;
  private readonly schemaPaxos: SchemaPaxos;
  /** DDLs of this coordinator run one at a time (they would only contend with each other). */
  private readonly ddlQueue = new KeyedSerialQueue();
  private readonly deadlines: DeadlineQueue;
  private readonly writer = new MessageWriter();
  private readonly reader = new MessageReader();
  private readonly schemaListeners = new Set<(schema: SchemaSnapshot) => void>();
  private readonly truncations: TruncationRecords;
  private tableIndex: { schema: SchemaSnapshot; byId: Map<string, TableEntry> } | null = null;
  private started = false;
  private stopped = false;

  constructor(options: ClusterCoordinatorOptions) {
    this.options = options;
    const membership = options.membership;
    const self = membership.self;
    const timeouts = { ...COORDINATOR_TIMEOUTS_DEFAULTS, ...options.timeouts };
    this.deadlines = new DeadlineQueue({ clock: options.clock, timers: options.timers });
    this.truncations = new TruncationRecords({ disk: options.disk, systemDirectory: options.systemDirectory, logger: options.logger });
    this.hints = new HintsService({
      disk: options.disk, directory: options.hintsDirectory, logger: options.logger, clock: options.clock, timers: options.timers,
      membership, messaging: options.messaging,
      config: { ...HINTS_CONFIG_DEFAULTS, requestTimeoutMs: timeouts.writeRequestTimeoutMs, ...options.hints },
      prepare: (hint) => this.prepareHint(hint),
    });
    const topology: ReplicaTopology = {
      self: { address: self, dc: membership.localDatacenter, rack: membership.localRack },
      isAlive: (a) => membership.isAlive(a),
      locate: (a) => {
        const e = membership.ring().endpoint(a);
        return e === undefined ? undefined : { dc: e.dc, rack: e.rack };
      },
    };
    this.ctx = {
      self, storage: options.storage, messaging: options.messaging, membership, clock: options.clock, timers: options.timers,
      random: options.random, logger: options.logger.child({ component: 'coordinator' }), lookup: new ReplicaLookup(self),
      deadlines: this.deadlines, writer: this.writer, reader: this.reader, timeouts, topology, hints: this.hints,
      latencies: new LatencyTrackers(), stats: this.stats,
      tableById: (id) => this.tableById(id),
      keyspace: (name) => this.keyspace(name),
      gcGraceOf: (ks, ids) => this.gcGraceOf(ks, ids),
    };
    this.reads = new ReadExecutor(this.ctx);
    this.batchlog = new BatchlogService({
      disk: options.disk, directory: `${options.systemDirectory}/${BATCHLOG_DIRECTORY_NAME}`, clock: options.clock, timers: options.timers,
      logger: options.logger,
      config: { replayIntervalMs: BATCHLOG_REPLAY_INTERVAL_MS_DEFAULT, replayTimeoutMs: 2 * timeouts.writeRequestTimeoutMs, ...options.batchlog },
      replay: (mutations, storedAtMs) => this.replayBatch(mutations, storedAtMs),
    });
    this.paxosStore = PaxosStateStore.open({
      disk: options.disk, directory: `${options.systemDirectory}/${PAXOS_DIRECTORY_NAME}`, clock: options.clock, logger: options.logger,
      ttlMs: options.paxosStateTtlMs ?? PAXOS_STATE_TTL_MS_DEFAULT,
    });
    this.acceptor = new PaxosAcceptor({
      store: this.paxosStore, nowMs: () => options.clock.nowMs(), apply: (p) => options.storage.apply(this.reader.mutation(p.mutation)),
    });
    const ballots = new BallotGenerator({ clock: options.clock, random: options.random });
    this.proposer = new PaxosProposer({
      self, messaging: options.messaging, acceptor: this.acceptor, ballots,
      clock: options.clock, timers: options.timers, random: options.random, writeTimeoutMs: timeouts.writeRequestTimeoutMs,
      casContentionTimeoutMs: timeouts.casContentionTimeoutMs,
      encodeMutation: (m) => this.writer.mutation(m),
      decodeMutation: (b) => this.reader.mutation(b),
      paxosPlan: (ks, token, serial) => this.paxosPlan(ks, token, serial),
      read: (command, consistency) => this.readUnmetered(command, consistency),
      commit: (ks, mutation, proposal, partition, consistency) => this.commitPaxos(ks, mutation, proposal, partition, consistency),
    });
    this.schemaSync = new SchemaSync({
      store: options.schemaStore, storage: options.storage, messaging: options.messaging, membership, disk: options.disk,
      systemDirectory: options.systemDirectory, logger: options.logger, clock: options.clock, timers: options.timers,
      ...(options.schemaPushWaitMs === undefined ? {} : { pushWaitMs: options.schemaPushWaitMs }),
      onInstalled: (schema) => {
        for (const listener of [...this.schemaListeners]) listener(schema);
      },
    });
    this.schemaPaxosStore = PaxosStateStore.open({
      disk: options.disk, directory: `${options.systemDirectory}/${SCHEMA_PAXOS_DIRECTORY_NAME}`, clock: options.clock, logger: options.logger, ttlMs: Infinity,
    });
    this.schemaAcceptor = new PaxosAcceptor({
      store: this.schemaPaxosStore, nowMs: () => options.clock.nowMs(),
      apply: (p) => {
        const { epoch, snapshot } = this.schemaPaxos.decode(p.mutation);
        return this.schemaSync.offer(epoch, snapshot, 'paxos');
      },
    });
    this.schemaPaxos = new SchemaPaxos({
      self, messaging: options.messaging, acceptor: this.schemaAcceptor, ballots, clock: options.clock, timers: options.timers,
      random: options.random, logger: this.ctx.logger, requestTimeoutMs: timeouts.writeRequestTimeoutMs,
      timeoutMs: options.schemaChangeTimeoutMs ?? SCHEMA_CHANGE_TIMEOUT_MS_DEFAULT,
      participants: () => this.schemaParticipants(),
      current: () => ({ epoch: this.schemaSync.epoch, snapshot: options.schemaStore.current() }),
      install: (value) => this.schemaSync.offer(value.epoch, value.snapshot, 'paxos'),
      catchUp: () => this.schemaSync.catchUp(),
      pushToOthers: (value, participants) => this.schemaSync.push(value.epoch, value.snapshot, new Set(participants)),
    });
  }

  /** Registers the replica-side verb handlers and starts hint replay and schema agreement. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.registerHandlers();
    this.hints.start();
    this.batchlog.start();
    this.schemaSync.start();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.schemaSync.stop();
    await this.batchlog.stop();
    await this.hints.stop();
    this.deadlines.close();
    await this.paxosStore.close();
    await this.schemaPaxosStore.close();
  }

  // ---- Coordinator --------------------------------------------------------------------------------

  schema(): SchemaSnapshot {
    return this.options.schemaStore.current();
  }

  async write(mutations: readonly Mutation[], options: WriteOptions): Promise<void> {
    const op = options.writeType === 'COUNTER' ? RequestOperationIndex.counter_write : RequestOperationIndex.write;
    const startMs = this.ctx.clock.monotonicMs();
    try {
      checkWriteConsistency(options.consistency);
      if (mutations.length === 1) {
        await this.writeMutation(mutations[0]!, options);
        return;
      }
      if (options.writeType === 'BATCH') {
        await this.writeLogged(mutations, options.consistency);
        return;
      }
      await Promise.all(mutations.map((m) => this.writeMutation(m, options)));
    } catch (error) {
      this.requestMetrics.failed(op, error);
      throw error;
    } finally {
      this.requestMetrics.record(op, options.consistency, (this.ctx.clock.monotonicMs() - startMs) / 1000);
    }
  }

  async read(command: ReadCommand, options: ReadOptions): Promise<ReadResult> {
    const level = options.consistency;
    const selector = command.partitions;
    const op = isSerial(level) ? RequestOperationIndex.cas_read : selector.kind === 'single' ? RequestOperationIndex.read : RequestOperationIndex.range_read;
    const startMs = this.ctx.clock.monotonicMs();
    try {
      return await this.readUnmetered(command, level);
    } catch (error) {
      this.requestMetrics.failed(op, error);
      throw error;
    } finally {
      this.requestMetrics.record(op, level, (this.ctx.clock.monotonicMs() - startMs) / 1000);
    }
  }

  private readUnmetered(command: ReadCommand, level: ConsistencyLevel): Promise<ReadResult> {
    checkReadConsistency(level);
    const entry = this.tableById(command.tableId);
    if (entry === null) throw invalidRequest(`unknown table ${command.tableId}`);
    const selector = command.partitions;
    if (isSerial(level)) {
      if (selector.kind !== 'single') throw invalidRequest('SERIAL/LOCAL_SERIAL consistency may only be requested for one partition at a time');
      return this.proposer.serialRead({
        keyspace: entry.keyspace.name, token: selector.token, partition: { tableId: command.tableId, key: selector.key }, read: command,
        serialConsistency: level,
      });
    }
    if (selector.kind === 'single') return this.reads.readSingle(entry, command, level);
    return this.reads.readRange(entry, command, level);
  }

  async cas<R>(request: CasRequest<R>): Promise<R> {
    const op = RequestOperationIndex.cas_write;
    const startMs = this.ctx.clock.monotonicMs();
    try {
      if (!isSerial(request.serialConsistency)) {
        throw invalidRequest(`Invalid consistency level for serial: ${consistencyName(request.serialConsistency)}`);
      }
      this.keyspace(request.keyspace);
      this.stats.casOperations++;
      return await this.proposer.cas({
        keyspace: request.keyspace, token: request.token, partition: { tableId: request.read.tableId, key: request.key }, read: request.read,
        decide: request.decide, serialConsistency: request.serialConsistency, commitConsistency: request.commitConsistency,
      });
    } catch (error) {
      this.requestMetrics.failed(op, error);
      throw error;
    } finally {
      this.requestMetrics.record(op, request.serialConsistency, (this.ctx.clock.monotonicMs() - startMs) / 1000);
    }
  }

  /** Truncates on every ring member; all of them must be up (Cassandra: Unavailable at ALL otherwise). */
  async truncate(tableId: string): Promise<void> {
    const members = this.ctx.membership.ring().members();
    const alive = members.filter((m) => this.ctx.membership.isAlive(m));
    if (alive.length < members.length) {
      throw new CqlError(ErrorCode.Unavailable, 'Cannot perform truncate: some hosts are down', {
        kind: 'unavailable', consistency: ConsistencyLevel.ALL, required: members.length, alive: alive.length,
      });
    }
    const timeoutMs = this.ctx.timeouts.truncateRequestTimeoutMs;
    const payload = this.writer.string(tableId);
    const results = await Promise.allSettled(members.map((m) => (m === this.ctx.self
      ? this.truncateLocally(tableId)
      : this.ctx.messaging.request(m, Verb.Truncate, payload, timeoutMs))));
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    if (failed.length > 0) {
      const reason = failed[0]!.reason as Error;
      if (reason instanceof CqlError) throw reason;
      throw new CqlError(ErrorCode.TruncateError, `Truncate failed on ${failed.length} of ${members.length} nodes: ${reason.message}`);
    }
  }

  /** Records the truncation (hints written before it lose the table's updates), then truncates storage. */
  private truncateLocally(tableId: string): Promise<void> {
    const live = new Set<string>();
    for (const ks of this.schema().keyspaces.values()) for (const t of ks.tables.values()) live.add(t.id);
    this.truncations.record(tableId, this.ctx.clock.nowMs(), live);
    return this.ctx.storage.truncate(tableId);
  }

  /**
   * Decommission support (called by the topology service once its ranges are streamed): hands
   * every hint this node holds to the closest live NORMAL peer (same rack, then same datacenter,
   * then any), which keeps them for their targets. Resolves with the peer (null when there were
   * no hints) and the counts; rejects with HintTransferError when no peer is alive or some hints
   * could not be delivered.
   */
  async transferHints(): Promise<{ target: EndpointAddress | null; hosts: number; hints: number }> {
    if (this.hints.store.hostsWithHints().length === 0) return { target: null, hosts: 0, hints: 0 };
    const self = this.ctx.topology.self;
    let best: { address: EndpointAddress; rank: number } | null = null;
    for (const m of this.ctx.membership.members()) {
      if (m.isSelf || !m.alive || m.status !== 'NORMAL') continue;
      const rank = m.datacenter === self.dc ? (m.rack === self.rack ? 0 : 1) : 2;
      if (best === null || rank < best.rank || (rank === best.rank && m.address < best.address)) best = { address: m.address, rank };
    }
    if (best === null) throw new HintTransferError('no live NORMAL peer to transfer hints to');
    const { hosts, hints } = await this.hints.transferTo(best.address);
    this.ctx.logger.info({ target: best.address, hosts, hints }, 'transferred hints');
    return { target: best.address, hosts, hints };
  }

  /** A DDL, decided by a Paxos round on the schema register (schema-paxos.ts): linearizable across coordinators. */
  changeSchema(request: SchemaChangeRequest): Promise<SchemaSnapshot> {
    return this.ddlQueue.run('ddl', () => this.schemaPaxos.change(request));
  }

  /** Participants of schema Paxos: every ring member (normal, leaving, joining) and this node. */
  private schemaParticipants(): { all: EndpointAddress[]; live: EndpointAddress[] } {
    const ring = this.ctx.membership.ring();
    const all = new Set<EndpointAddress>(ring.members());
    for (const address of ring.bootstrappingEndpoints().keys()) all.add(address);
    all.add(this.ctx.self);
    const sorted = [...all].sort();
    return { all: sorted, live: sorted.filter((a) => a === this.ctx.self || this.ctx.membership.isAlive(a)) };
  }

  /** The epoch (counter, version) of this node's schema. */
  get schemaEpoch(): SchemaEpoch {
    return this.schemaSync.epoch;
  }

  onSchemaInstalled(listener: (schema: SchemaSnapshot) => void): () => void {
    this.schemaListeners.add(listener);
    return () => this.schemaListeners.delete(listener);
  }

  localNode(): NodeInfo {
    return this.options.localNode();
  }

  peers(): readonly NodeInfo[] {
    return this.ctx.membership.peers();
  }

  clusterName(): string {
    return this.options.clusterName;
  }

  partitionerName(): string {
    return 'org.apache.cassandra.dht.Murmur3Partitioner';
  }

  hintsSummary(): { stats: Readonly<HintsStats>; pendingBytes: number; hosts: number } {
    const hosts = this.hints.store.hostsWithHints();
    let pendingBytes = 0;
    for (const id of hosts) pendingBytes += this.hints.store.bytesFor(id);
    return { stats: this.hints.stats, pendingBytes, hosts: hosts.length };
  }

  batchlogSummary(): { stats: Readonly<BatchlogStats>; pendingBatches: number } {
    return { stats: this.batchlog.stats, pendingBatches: this.batchlog.store.size };
  }

  /** The membership this coordinator routes with. */
  get membership(): Membership {
    return this.ctx.membership;
  }

  // ---- schema lookups ---------------------------------------------------------------------------

  private tableById(tableId: string): TableEntry | null {
    const schema = this.options.schemaStore.current();
    if (this.tableIndex?.schema !== schema) {
      const byId = new Map<string, TableEntry>();
      for (const keyspace of schema.keyspaces.values()) {
        for (const table of keyspace.tables.values()) byId.set(table.id, { keyspace, table });
        for (const table of keyspace.views.values()) byId.set(table.id, { keyspace, table });
      }
      this.tableIndex = { schema, byId };
    }
    return this.tableIndex.byId.get(tableId) ?? null;
  }

  private keyspace(name: string): KeyspaceMetadata {
    const ks = this.options.schemaStore.current().keyspaces.get(name);
    if (ks === undefined) throw invalidRequest(`Keyspace '${name}' does not exist`);
    return ks;
  }

  private gcGraceOf(_keyspace: string, tableIds: readonly string[]): number {
    let min = Infinity;
    for (const id of tableIds) min = Math.min(min, this.tableById(id)?.table.options.gcGraceSeconds ?? 0);
    return Number.isFinite(min) ? min : 0;
  }

  // ---- writes -------------------------------------------------------------------------------------

  private async writeMutation(m: Mutation, options: WriteOptions): Promise<void> {
    const ks = this.keyspace(m.keyspace);
    if (hasCounterDeltas(m)) return this.counterWrite(ks, m, options.consistency);
    const plan = this.writePlan(ks, m.token, options.consistency);
    this.stats.writes++;
    await this.dispatchWrite(m, plan, { writeType: options.writeType, timeoutMs: this.ctx.timeouts.writeRequestTimeoutMs, preAcked: null, paxos: null });
  }

  // ---- logged batches ------------------------------------------------------------------------------

  /**
   * A logged batch over several partitions (Cassandra's mutateAtomically): every mutation's
   * availability is checked, the batch is stored on its batchlog replicas (durably, all of them,
   * else WriteTimeout(BATCH_LOG)), the mutations are written at the consistency level, and the
   * batchlog entry is removed once they all succeeded. A batch whose writes fail (or whose
   * coordinator dies) stays in the batchlog and is replayed by its batchlog replicas.
   */
  private async writeLogged(mutations: readonly Mutation[], consistency: ConsistencyLevel): Promise<void> {
    const plans = mutations.map((m) => this.writePlan(this.keyspace(m.keyspace), m.token, consistency));
    const endpoints = this.batchlogEndpoints(consistency === ConsistencyLevel.ANY);
    const id = Buffer.allocUnsafe(BATCH_ID_BYTES);
    this.ctx.random.fillBytes(id);
    const batch = encodeBatch(mutations.map((m) => this.writer.mutation(m)));
    await this.storeBatch(endpoints, id, batch);
    this.stats.writes += mutations.length;
    const timeoutMs = this.ctx.timeouts.writeRequestTimeoutMs;
    await Promise.all(mutations.map((m, i) => this.dispatchWrite(m, plans[i]!, { writeType: 'BATCH', timeoutMs, preAcked: null, paxos: null })));
    this.removeBatch(endpoints, id);
  }

  private batchlogEndpoints(isAny: boolean): EndpointAddress[] {
    const ring = this.ctx.membership.ring();
    const self = this.ctx.topology.self;
    const members = [];
    for (const address of ring.members()) {
      const e = address === this.ctx.self ? { dc: self.dc, rack: self.rack } : ring.endpoint(address);
      if (e === undefined || e.dc !== self.dc) continue;
      members.push({ address, rack: e.rack, alive: this.ctx.membership.isAlive(address) });
    }
    if (!members.some((m) => m.address === this.ctx.self)) members.push({ address: this.ctx.self, rack: self.rack, alive: true });
    return chooseBatchlogEndpoints({ self: this.ctx.self, localRack: self.rack, datacenterMembers: members, isAny, random: this.ctx.random });
  }

  /** Stores the batch on every endpoint; WriteTimeout/WriteFailure(BATCH_LOG) at ONE or TWO otherwise. */
  private async storeBatch(endpoints: readonly EndpointAddress[], id: Buffer, batch: Buffer): Promise<void> {
    const micros = Math.floor(this.ctx.clock.nowMs() * 1000);
    let payload: Buffer | null = null;
    const results = await Promise.allSettled(endpoints.map((target) => {
      if (target === this.ctx.self) return this.batchlog.apply({ kind: 'store', id, batch });
      payload ??= this.writer.mutation(batchStoreMutation(id, batch, micros));
      return this.ctx.messaging.request(target, Verb.Mutation, payload, this.ctx.timeouts.writeRequestTimeoutMs);
    }));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length === 0) return;
    const blockFor = endpoints.length;
    const consistency = blockFor === 1 ? ConsistencyLevel.ONE : ConsistencyLevel.TWO;
    const received = blockFor - failed.length;
    const remoteErrors = failed.filter((f) => !(f.reason instanceof MessagingError)).length;
    if (remoteErrors > 0) {
      throw new CqlError(ErrorCode.WriteFailure, `Batchlog write failed on ${remoteErrors} of ${blockFor} replicas: ${(failed[0]!.reason as Error).message}`, {
        kind: 'write_failure', consistency, received, blockFor, failures: remoteErrors, writeType: 'BATCH_LOG',
      });
    }
    throw new CqlError(ErrorCode.WriteTimeout, `Operation timed out - received only ${received} responses.`, {
      kind: 'write_timeout', consistency, received, blockFor, writeType: 'BATCH_LOG',
    });
  }

  /** Tells the batchlog replicas the batch was applied (best effort: a lost removal means a replay). */
  private removeBatch(endpoints: readonly EndpointAddress[], id: Buffer): void {
    const nowMs = this.ctx.clock.nowMs();
    let payload: Buffer | null = null;
    for (const target of endpoints) {
      if (target === this.ctx.self) {
        void this.batchlog.apply({ kind: 'remove', id });
        continue;
      }
      payload ??= this.writer.mutation(batchRemoveMutation(id, Math.floor(nowMs * 1000), Math.floor(nowMs / 1000)));
      this.ctx.messaging.request(target, Verb.Mutation, payload, this.ctx.timeouts.writeRequestTimeoutMs).catch((error: unknown) => {
        this.ctx.logger.debug({ err: error, target }, 'batchlog removal not acknowledged; the batch will be replayed');
      });
    }
  }

  /**
   * As a batchlog replica, replays a batch its coordinator did not remove: every mutation goes to
   * every natural and pending replica of its partition (this node applies in-process); replicas
   * that are down or do not answer are hinted. Updates of tables dropped, or truncated since the
   * batch was stored, are left out (as Cassandra's replay does).
   */
  private async replayBatch(mutations: readonly Buffer[], storedAtMs: number): Promise<void> {
    const ctx = this.ctx;
    const tasks: Array<Promise<void>> = [];
    for (const bytes of mutations) {
      const m = this.withoutStaleUpdates(this.reader.mutation(bytes), storedAtMs);
      if (m === null) continue;
      const ks = this.schema().keyspaces.get(m.keyspace);
      if (ks === undefined) continue;
      const { natural, pending } = ctx.lookup.replicas(ks, ctx.membership.ring(), m.token);
      const gcGrace = this.gcGraceOf(m.keyspace, m.updates.map((u) => u.tableId));
      let payload: Buffer | null = null;
      for (const target of [...natural, ...pending]) {
        if (target === ctx.self) {
          tasks.push(ctx.storage.apply(m));
          continue;
        }
        if (!ctx.membership.isAlive(target)) {
          if (ctx.hints.maybeHint(target, m, gcGrace)) this.stats.hintsWritten++;
          continue;
        }
        payload ??= this.writer.mutation(m);
        tasks.push(ctx.messaging.request(target, Verb.Mutation, payload, ctx.timeouts.writeRequestTimeoutMs).then(() => undefined, () => {
          if (ctx.hints.maybeHint(target, m, gcGrace)) this.stats.hintsWritten++;
        }));
      }
    }
    await Promise.all(tasks);
  }

  private writePlan(ks: KeyspaceMetadata, token: bigint, consistency: ConsistencyLevel): WritePlan {
    const ring = this.ctx.membership.ring();
    return planWrite({
      consistency, factors: this.ctx.lookup.factors(ks, ring), replicas: this.ctx.lookup.replicas(ks, ring, token), topology: this.ctx.topology,
    });
  }

  /**
   * Sends a write to every live target of the plan (MUTATION, or PAXOS_COMMIT for a Paxos commit),
   * hints the dead ones, and waits for the plan's acks.
   */
  private dispatchWrite(m: Mutation, plan: WritePlan, how: {
    writeType: WriteType; timeoutMs: number; preAcked: EndpointAddress | null;
    paxos: { partition: PaxosPartition; proposal: PaxosProposal } | null;
  }): Promise<void> {
    const ctx = this.ctx;
    const isAny = plan.consistency === ConsistencyLevel.ANY;
    const handler = new WriteResponseHandler({
      plan, topology: ctx.topology, writeType: how.writeType, deadlines: this.deadlines, timeoutMs: how.timeoutMs,
      expected: (plan.countedDatacenter === null ? plan.live.length : plan.live.filter((a) => ackCounts(plan, ctx.topology, a)).length)
        + (isAny ? plan.dead.length : 0),
    });
    let payload: Buffer | null = null;
    let gcGrace = -1;
    const hint = (target: EndpointAddress): void => {
      if (gcGrace < 0) gcGrace = this.gcGraceOf(m.keyspace, m.updates.map((u) => u.tableId));
      if (ctx.hints.maybeHint(target, m, gcGrace)) {
        this.stats.hintsWritten++;
        if (isAny) handler.ack(target, true);
      }
    };
    for (const target of plan.live) {
      if (target === how.preAcked) {
        handler.ack(target);
        continue;
      }
      if (target === ctx.self) {
        const local = how.paxos === null ? ctx.storage.apply(m) : this.acceptor.commit(how.paxos.partition, how.paxos.proposal);
        local.then(() => handler.ack(target), (error: unknown) => handler.fail(target, error as Error));
        continue;
      }
      payload ??= how.paxos === null ? this.writer.mutation(m)
        : this.paxosCodec.request({ ...how.paxos.partition, ballot: how.paxos.proposal.ballot, mutation: how.paxos.proposal.mutation });
      ctx.messaging.request(target, how.paxos === null ? Verb.Mutation : Verb.PaxosCommit, payload, how.timeoutMs).then(
        () => handler.ack(target),
        (error: unknown) => {
          if (error instanceof MessagingError) hint(target);
          else handler.fail(target, error as Error);
        },
      );
    }
    for (const target of plan.dead) hint(target);
    return handler.promise;
  }

  // ---- counters -----------------------------------------------------------------------------------

  /**
   * Counter writes go through one leader replica: the first live natural replica in strategy order
   * in this datacenter (else anywhere), so that coordinators of one DC agree on it.
   */
  private async counterWrite(ks: KeyspaceMetadata, m: Mutation, consistency: ConsistencyLevel): Promise<void> {
    const ring = this.ctx.membership.ring();
    const plan = this.writePlan(ks, m.token, consistency);
    const natural = this.ctx.lookup.naturalReplicas(ks, ring, m.token);
    const live = natural.filter((a) => this.ctx.membership.isAlive(a));
    const leader = live.find((a) => this.dcOf(a) === this.ctx.topology.self.dc) ?? live[0];
    if (leader === undefined) throw unavailable(consistency, plan.blockFor, 0);
    this.stats.writes++;
    if (leader === this.ctx.self) return this.applyCounterAsLeader(m, consistency);
    this.stats.counterForwards++;
    const timeoutMs = this.ctx.timeouts.counterWriteRequestTimeoutMs;
    try {
      await this.ctx.messaging.request(leader, Verb.Counter, this.writer.counterMutation(m, consistency), timeoutMs);
    } catch (error) {
      if (error instanceof MessagingError) throw writeTimeout(plan, 0, 'COUNTER');
      throw error;
    }
  }

  /**
   * As the counter leader: storage resolves the deltas into totals at commit-log append (after the
   * partition's earlier writes) and hands back the logged totals once durable; replicate those.
   */
  private async applyCounterAsLeader(m: Mutation, consistency: ConsistencyLevel): Promise<void> {
    const ks = this.keyspace(m.keyspace);
    const plan = this.writePlan(ks, m.token, consistency);
    const storage = this.ctx.storage;
    const resolved = await storage.applyCounter(m);
    await this.dispatchWrite(resolved, plan, {
      writeType: 'COUNTER', timeoutMs: this.ctx.timeouts.counterWriteRequestTimeoutMs, preAcked: this.ctx.self, paxos: null,
    });
  }

  private dcOf(a: EndpointAddress): string | undefined {
    if (a === this.ctx.self) return this.ctx.topology.self.dc;
    return this.ctx.topology.locate(a)?.dc;
  }

  // ---- Paxos host ---------------------------------------------------------------------------------

  private paxosPlan(keyspace: string, token: bigint, serial: ConsistencyLevel): PaxosPlan {
    const ks = this.keyspace(keyspace);
    const ring = this.ctx.membership.ring();
    return planPaxos({ serialConsistency: serial, replicas: this.ctx.lookup.replicas(ks, ring, token), topology: this.ctx.topology });
  }

  private async commitPaxos(keyspace: string, mutation: Mutation, proposal: PaxosProposal, partition: PaxosPartition, consistency: ConsistencyLevel): Promise<void> {
    const ks = this.keyspace(keyspace);
    const plan = this.writePlan(ks, mutation.token, consistency);
    const done = this.dispatchWrite(mutation, plan, {
      writeType: 'SIMPLE', timeoutMs: this.ctx.timeouts.writeRequestTimeoutMs, preAcked: null, paxos: { partition, proposal },
    });
    if (consistency === ConsistencyLevel.ANY) {
      done.catch(() => undefined);
      return;
    }
    await done;
  }

  // ---- hints --------------------------------------------------------------------------------------

  /** `m` without the updates of tables unknown here or truncated at or after `createdAtMs`; null when none remain. */
  private withoutStaleUpdates(m: Mutation, createdAtMs: number): Mutation | null {
    let kept: PartitionUpdate[] | null = null;
    for (let i = 0; i < m.updates.length; i++) {
      const u = m.updates[i]!;
      const truncatedAt = this.truncations.truncatedAtMs(u.tableId);
      const stale = this.tableById(u.tableId) === null || (truncatedAt !== null && truncatedAt >= createdAtMs);
      if (stale && kept === null) kept = m.updates.slice(0, i);
      else if (!stale && kept !== null) kept.push(u);
    }
    if (kept === null) return m;
    return kept.length === 0 ? null : { keyspace: m.keyspace, key: m.key, token: m.token, updates: kept };
  }

  /**
   * The sending side: drops updates of tables dropped, or truncated since the hint was written
   * (a receiver would refuse a dropped table's update, and delivery would never finish).
   */
  private prepareHint(hint: HintToSend): Buffer | null {
    let m: Mutation;
    try {
      m = this.reader.mutation(hint.mutationBytes);
    } catch (error) {
      this.ctx.logger.warn({ err: error, target: hint.targetHostId }, 'dropping a hint whose mutation does not decode');
      return null;
    }
    const kept = this.withoutStaleUpdates(m, hint.createdAtMs);
    if (kept === null) return null;
    return kept === m ? hint.mutationBytes : this.writer.mutation(kept);
  }

  /**
   * The receiving side of HINT (Cassandra's HintVerbHandler): updates of tables dropped or
   * truncated since the hint was written are dropped; a hint for another host (transferred by a
   * decommissioning node) is stored for it; a hint whose data this node no longer owns is
   * re-routed as hints to the current replicas; otherwise it is applied.
   */
  private async receiveHint(payload: Buffer): Promise<void> {
    const hint = decodeHintMessage(payload);
    const m = this.withoutStaleUpdates(this.reader.mutation(hint.mutationBytes), hint.createdAtMs);
    if (m === null) {
      this.hints.stats.dropped++;
      return;
    }
    const ctx = this.ctx;
    if (hint.targetHostId !== ctx.membership.hostIdOf(ctx.self)) {
      if (!this.hints.storeFor(hint.targetHostId, hint.createdAtMs, hint.gcGraceSeconds, m)) throw overloaded(`cannot keep more hints for ${hint.targetHostId}`);
      return;
    }
    const ks = this.keyspace(m.keyspace);
    const replicas = ctx.lookup.replicas(ks, ctx.membership.ring(), m.token);
    if (replicas.natural.includes(ctx.self) || replicas.pending.includes(ctx.self)) {
      await ctx.storage.apply(m);
      return;
    }
    this.stats.hintsRerouted++;
    for (const target of [...replicas.natural, ...replicas.pending]) {
      const id = ctx.membership.hostIdOf(target);
      if (id !== null && !this.hints.storeFor(id, hint.createdAtMs, hint.gcGraceSeconds, m)) throw overloaded(`cannot keep more hints for ${id}`);
    }
  }

  // ---- replica side -------------------------------------------------------------------------------

  private registerHandlers(): void {
    const { messaging, storage } = this.ctx;
    const stats = this.stats;
    messaging.handle(Verb.Mutation, async (_from, payload) => {
      stats.replicaWrites++;
      const m = this.reader.mutation(payload);
      if (m.updates[0]!.tableId === BATCHLOG_TABLE_ID) await this.batchlog.apply(batchlogOperation(m)!);
      else await storage.apply(m);
      return null;
    });
    messaging.handle(Verb.Read, (_from, payload) => {
      stats.replicaReads++;
      return this.writer.readResult(storage.read(this.reader.readCommand(payload)));
    });
    messaging.handle(Verb.ReadDigest, (_from, payload) => {
      stats.replicaDigestReads++;
      return digestOf(this.writer.readResultView(storage.read(this.reader.readCommand(payload))));
    });
    messaging.handle(Verb.RangeRead, (_from, payload) => {
      stats.replicaRangeReads++;
      return this.writer.readResult(storage.read(this.reader.readCommand(payload)));
    });
    messaging.handle(Verb.Hint, async (_from, payload) => {
      stats.replicaHints++;
      await this.receiveHint(payload);
      return null;
    });
    messaging.handle(Verb.Truncate, async (_from, payload) => {
      await this.truncateLocally(this.reader.string(payload));
      return null;
    });
    messaging.handle(Verb.Counter, async (_from, payload) => {
      const { mutation, consistency } = this.reader.counterMutation(payload);
      await this.applyCounterAsLeader(mutation, consistency);
      return null;
    });
    const acceptorFor = (tableId: string): PaxosAcceptor => (tableId === SCHEMA_PAXOS_TABLE_ID ? this.schemaAcceptor : this.acceptor);
    messaging.handle(Verb.PaxosPrepare, async (_from, payload) => {
      const req = decodePaxosRequest(payload);
      return this.paxosCodec.prepareResponse(await acceptorFor(req.tableId).prepare(req, req.ballot));
    });
    messaging.handle(Verb.PaxosPropose, async (_from, payload) => {
      const req = decodePaxosRequest(payload);
      if (req.mutation === null) throw invalidRequest('Paxos propose without a proposal');
      return this.paxosCodec.proposeResponse(await acceptorFor(req.tableId).propose(req, { ballot: req.ballot, mutation: req.mutation }));
    });
    messaging.handle(Verb.PaxosCommit, async (_from, payload) => {
      const req = decodePaxosRequest(payload);
      if (req.mutation === null) throw invalidRequest('Paxos commit without a proposal');
      await acceptorFor(req.tableId).commit(req, { ballot: req.ballot, mutation: req.mutation });
      return null;
    });
  }
}

function hasCounterDeltas(m: Mutation): boolean {
  for (const u of m.updates) {
    if (u.staticRow?.cells.some((c) => c.counterDelta === true) === true) return true;
    for (const r of u.rows) for (const c of r.cells) if (c.counterDelta === true) return true;
  }
  return false;
}

