// The single-node coordinator: this node is the only replica of every token. It applies the
// consistency-level arithmetic exactly as a cluster would (so RF 3 on one node refuses QUORUM
// with Unavailable, as Cassandra does), serializes CAS per partition, and installs schema
// changes durably before acknowledging them. Hot path: a write or read that passes its
// availability check (cached per keyspace snapshot and level) goes straight to storage, with no
// async frames of its own and no per-request scan of the schema.
import { ConsistencyLevel, consistencyName, isSerial } from '../lib/index.ts';
import type { KeyspaceMetadata, SchemaSnapshot } from '../schema/index.ts';
import type { Mutation, ReadCommand, ReadResult, StorageEngine } from '../storage/index.ts';
import type { CasRequest, Coordinator, NodeInfo, ReadOptions, SchemaChangeRequest, WriteOptions } from './coordinator.ts';
import {
  blockFor, checkReadConsistency, checkWriteConsistency, replicationFactorsOf, unavailable,
} from './consistency.ts';
import { KeyedSerialQueue } from './serial-queue.ts';
import type { SchemaStore } from './schema-store.ts';
import { invalidRequest } from '../lib/index.ts';

export interface LocalCoordinatorOptions {
  readonly storage: StorageEngine;
  readonly schemaStore: SchemaStore;
  readonly localNode: () => NodeInfo;
  readonly clusterName: string;
  /** Other members for system.peers (gossip's view when the node runs with peers); none when absent. */
  readonly peers?: () => readonly NodeInfo[];
}

export class LocalCoordinator implements Coordinator {
  private readonly storage: StorageEngine;
  private readonly schemaStore: SchemaStore;
  private readonly localNodeInfo: () => NodeInfo;
  private readonly cluster: string;
  private readonly peersProvider: (() => readonly NodeInfo[]) | null;
  private readonly casQueue = new KeyedSerialQueue();
  private readonly schemaQueue = new KeyedSerialQueue();
  private readonly schemaListeners = new Set<(schema: SchemaSnapshot) => void>();
  /**
   * Availability checks that passed, per keyspace snapshot (immutable, replaced on DDL): bit
   * `level * 2 + (write ? 1 : 0)` set. Failures are never cached (they build a fresh error).
   */
  private readonly availableLevels = new WeakMap<KeyspaceMetadata, number>();
  /** Keyspace of each table id, rebuilt when the schema snapshot changes. */
  private tableKeyspaces: { readonly schema: SchemaSnapshot; readonly byId: ReadonlyMap<string, string> } | null = null;

  constructor(options: LocalCoordinatorOptions) {
    this.storage = options.storage;
    this.schemaStore = options.schemaStore;
    this.localNodeInfo = options.localNode;
    this.cluster = options.clusterName;
    this.peersProvider = options.peers ?? null;
  }

  schema(): SchemaSnapshot {
    return this.schemaStore.current();
  }

  /** Live replicas of `keyspace` that count for `level` on a one-node cluster (0 or 1). */
  private checkAvailable(keyspace: string, level: ConsistencyLevel, isWrite: boolean): void {
    if (isWrite && level === ConsistencyLevel.ANY) return;
    const ks = this.schemaStore.current().keyspaces.get(keyspace);
    if (ks === undefined) throw invalidRequest(`Keyspace '${keyspace}' does not exist`);
    const bit = 1 << (level * 2 + (isWrite ? 1 : 0));
    const passed = this.availableLevels.get(ks) ?? 0;
    if ((passed & bit) !== 0) return;
    this.computeAvailable(ks, level);
    this.availableLevels.set(ks, passed | bit);
  }

  /** Throws Unavailable when this one node cannot satisfy `level` for `ks`. */
  private computeAvailable(ks: KeyspaceMetadata, level: ConsistencyLevel): void {
    const local = this.localNodeInfo();
    const factors = replicationFactorsOf(ks.replication, 1);
    const replicaHere = factors.isNetworkTopology ? (factors.perDatacenter.get(local.dataCenter) ?? 0) > 0 : factors.total > 0;
    const alive = replicaHere ? 1 : 0;
    if (level === ConsistencyLevel.EACH_QUORUM && factors.isNetworkTopology) {
      for (const [dc, rf] of factors.perDatacenter) {
        const needed = Math.floor(rf / 2) + 1;
        const here = dc === local.dataCenter ? alive : 0;
        if (here < needed) throw unavailable(level, needed, here);
      }
      return;
    }
    const required = blockFor(level, factors, local.dataCenter);
    // One node: local-DC counting (LOCAL_*) and global counting see the same single replica.
    if (alive < required) throw unavailable(level, required, alive);
  }

  /** Errors (thrown by checks or storage) reject the promise; nothing throws synchronously. */
  write(mutations: readonly Mutation[], options: WriteOptions): Promise<void> {
    try {
      checkWriteConsistency(options.consistency);
      for (const m of mutations) this.checkAvailable(m.keyspace, options.consistency, true);
      // One mutation: storage's durability promise is the answer (no extra promise hop).
      if (mutations.length === 1) return this.storage.apply(mutations[0]!);
      return this.storage.applyAll(mutations);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** Storage reads are synchronous: the result is resolved at once; errors reject. */
  read(command: ReadCommand, options: ReadOptions): Promise<ReadResult> {
    try {
      checkReadConsistency(options.consistency);
      const table = this.findTable(command.tableId);
      if (table !== null) this.checkAvailable(table, options.consistency, false);
      return Promise.resolve(this.storage.read(command));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  private findTable(tableId: string): string | null {
    const schema = this.schemaStore.current();
    let index = this.tableKeyspaces;
    if (index === null || index.schema !== schema) {
      const byId = new Map<string, string>();
      for (const ks of schema.keyspaces.values()) {
        for (const t of ks.tables.values()) if (!byId.has(t.id)) byId.set(t.id, ks.name);
      }
      index = { schema, byId };
      this.tableKeyspaces = index;
    }
    return index.byId.get(tableId) ?? null;
  }

  async cas<R>(request: CasRequest<R>): Promise<R> {
    if (!isSerial(request.serialConsistency)) {
      throw invalidRequest(`Invalid consistency level for serial: ${consistencyName(request.serialConsistency)}`);
    }
    const key = `${request.read.tableId}:${request.key.toString('hex')}`;
    return this.casQueue.run(key, async () => {
      this.checkAvailable(request.keyspace, request.serialConsistency, false);
      const result = this.storage.read(request.read);
      const current = result.partitions.length > 0 ? result.partitions[0]! : null;
      const decision = request.decide(current, 0);
      if (decision.mutation !== null) {
        if (request.commitConsistency !== ConsistencyLevel.ANY) this.checkAvailable(request.keyspace, request.commitConsistency, true);
        await this.storage.apply(decision.mutation);
      }
      return decision.result;
    });
  }

  async truncate(tableId: string): Promise<void> {
    await this.storage.truncate(tableId);
  }

  changeSchema(request: SchemaChangeRequest): Promise<SchemaSnapshot> {
    return this.schemaQueue.run('schema', async () => {
      const before = this.schemaStore.current();
      const after = request.apply(before);
      if (after === before) return before;
      this.schemaStore.install(after);
      this.storage.setSchema(after);
      for (const id of droppedTableIds(before, after)) await this.storage.dropTable(id);
      for (const listener of this.schemaListeners) listener(after);
      return after;
    });
  }

  onSchemaInstalled(listener: (schema: SchemaSnapshot) => void): () => void {
    this.schemaListeners.add(listener);
    return () => this.schemaListeners.delete(listener);
  }

  localNode(): NodeInfo {
    return this.localNodeInfo();
  }

  peers(): readonly NodeInfo[] {
    return this.peersProvider === null ? [] : this.peersProvider();
  }

  clusterName(): string {
    return this.cluster;
  }

  partitionerName(): string {
    return 'org.apache.cassandra.dht.Murmur3Partitioner';
  }
}

function tableIds(schema: SchemaSnapshot): Set<string> {
  const ids = new Set<string>();
  for (const ks of schema.keyspaces.values()) {
    for (const t of ks.tables.values()) ids.add(t.id);
    for (const v of ks.views.values()) ids.add(v.id);
  }
  return ids;
}

function droppedTableIds(before: SchemaSnapshot, after: SchemaSnapshot): string[] {
  const remaining = tableIds(after);
  return [...tableIds(before)].filter((id) => !remaining.has(id));
}
