// The coordinator: the only way the CQL layer reaches data (ARCHITECTURE.md layering). It
// decides which replicas (and which shard) serve a request, waits for the consistency level, and
// applies schema changes cluster-wide. The single-node implementation calls the local storage
// engine; the cluster implementation adds replication, hints, read repair and Paxos behind the
// same interface.
import type { ConsistencyLevel, WriteType } from '../lib/index.ts';
import type { SchemaSnapshot } from '../schema/index.ts';
import type { Mutation, ReadCommand, ReadPartition, ReadResult } from '../storage/index.ts';

export interface WriteOptions {
  readonly consistency: ConsistencyLevel;
  readonly writeType: WriteType;
}

export interface ReadOptions {
  readonly consistency: ConsistencyLevel;
}

/**
 * A compare-and-set on one partition: read `read` at serial consistency, let `decide` look at the
 * current partition (null when it has no live data in the read's range), and apply the mutation it
 * returns, if any, atomically with respect to other CAS operations on the same partition.
 */
export interface CasRequest<R> {
  readonly keyspace: string;
  readonly key: Buffer;
  readonly token: bigint;
  readonly read: ReadCommand;
  /** Pure: given the current data, the mutation to apply (or null) and the result to return. */
  readonly decide: (current: ReadPartition | null, ballotMicros: number) => { readonly mutation: Mutation | null; readonly result: R };
  readonly serialConsistency: ConsistencyLevel;
  readonly commitConsistency: ConsistencyLevel;
}

/** A schema change computed by the CQL layer against the current snapshot. */
export interface SchemaChangeRequest {
  /** Builds the new snapshot from the current one, or throws a CqlError (e.g. AlreadyExists). */
  readonly apply: (current: SchemaSnapshot) => SchemaSnapshot;
}

/** What system.local and system.peers report about a node. */
export interface NodeInfo {
  readonly hostId: string;
  readonly address: string;
  readonly rpcAddress: string;
  readonly rpcPort: number;
  readonly listenPort: number;
  readonly dataCenter: string;
  readonly rack: string;
  readonly tokens: readonly bigint[];
  readonly schemaVersion: string;
  readonly releaseVersion: string;
}

export interface Coordinator {
  /** The current schema snapshot. */
  schema(): SchemaSnapshot;
  write(mutations: readonly Mutation[], options: WriteOptions): Promise<void>;
  read(command: ReadCommand, options: ReadOptions): Promise<ReadResult>;
  cas<R>(request: CasRequest<R>): Promise<R>;
  /** Removes all data of a table on every replica. */
  truncate(tableId: string): Promise<void>;
  /** Applies a schema change cluster-wide; resolves with the new snapshot once it is in effect here. */
  changeSchema(request: SchemaChangeRequest): Promise<SchemaSnapshot>;
  /** Subscribes to schema snapshots installed on this node (from any coordinator). */
  onSchemaInstalled(listener: (schema: SchemaSnapshot) => void): () => void;
  localNode(): NodeInfo;
  /** Other live or known members of the cluster, for system.peers. */
  peers(): readonly NodeInfo[];
  clusterName(): string;
  partitionerName(): string;
}
