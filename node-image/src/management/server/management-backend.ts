// What the management server asks of the node: a small interface so the answers can come from a
// single node now and from gossip, the ring and the streaming/repair services later, without the
// server (routing, auth, jobs) changing. Every method may answer synchronously or with a promise;
// expected failures are ManagementError (NOT_FOUND, REFUSED, BAD_REQUEST, UNAVAILABLE).
import type { z } from 'zod';
import type {
  ClusterView, CompactionThroughput, Compactions, Job, JobProgress, Keyspaces, NodeInfo, Operation, OperationMode, OPERATION_REQUEST_SCHEMAS, Ring,
  SchemaVersions, SetReplicationRequest, SetReplicationResponse, Streams, TableStats,
} from '../contract/index.ts';

export type Awaitable<T> = T | Promise<T>;

/** A request body after the contract's schema applied its defaults. */
export type ParsedOperationRequest<O extends Operation> = z.output<(typeof OPERATION_REQUEST_SCHEMAS)[O]>;

export type JobResult = Job['result'];

/** Handed to a running operation: cancellation and progress reporting. */
export interface OperationContext {
  /** Aborted when a caller cancels the job (only for cancellable operations). */
  readonly signal: AbortSignal;
  progress(update: { done: number; total: number; message: string }): void;
}

/** An operation accepted by the backend, ready to run as a job. */
export interface OperationRunner {
  readonly cancellable: boolean;
  readonly progressUnit: JobProgress['unit'];
  /** Total of the first progress report (e.g. number of tables), 0 when unknown. */
  readonly progressTotal: number;
  /** Resolves with the job's result; rejects to fail the job (ManagementError keeps its code). */
  run(context: OperationContext): Promise<JobResult>;
}

export interface ManagementBackend {
  /** Liveness: milliseconds since the node process started serving. */
  uptimeMs(): number;
  operationMode(): OperationMode;
  nativeTransportRunning(): boolean;
  gossipRunning(): boolean;
  nodeInfo(): Awaitable<NodeInfo>;
  clusterView(): Awaitable<ClusterView>;
  /** Effective ownership when `keyspace` is set (NOT_FOUND for an unknown keyspace). */
  ring(keyspace: string | null): Awaitable<Ring>;
  schemaVersions(): Awaitable<SchemaVersions>;
  keyspaces(): Awaitable<Keyspaces>;
  setReplication(keyspace: string, request: SetReplicationRequest): Promise<SetReplicationResponse>;
  /** NOT_FOUND when a named keyspace or table does not exist. */
  tableStats(filter: { readonly keyspace: string | undefined; readonly table: string | undefined }): Awaitable<TableStats>;
  compactions(): Awaitable<Compactions>;
  /** compaction_throughput now (nodetool getcompactionthroughput); absent where storage has none. */
  compactionThroughput?(): Awaitable<CompactionThroughput>;
  /** Sets compaction_throughput at once for running and later compactions (nodetool setcompactionthroughput). */
  setCompactionThroughput?(request: CompactionThroughput): Awaitable<CompactionThroughput>;
  streams(): Awaitable<Streams>;
  /**
   * Decides whether `operation` may start now (throws ManagementError REFUSED with the reason when
   * not) and returns what runs it. Called after the job table's own checks (requestId, exclusivity).
   */
  prepareOperation<O extends Operation>(operation: O, request: ParsedOperationRequest<O>): OperationRunner;
}
