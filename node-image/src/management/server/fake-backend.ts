// Test-only: an in-memory ManagementBackend whose answers and operations the test controls.
import { sampleNodeInfo } from '../contract/samples.ts';
import type {
  ClusterView, Compactions, Keyspaces, NodeInfo, Operation, OperationMode, Ring, SchemaVersions, SetReplicationRequest, SetReplicationResponse,
  Streams, TableStats,
} from '../contract/index.ts';
import type { JobResult, ManagementBackend, OperationContext, OperationRunner, ParsedOperationRequest } from './management-backend.ts';
import { notFound } from './management-error.ts';

/** A started operation the test finishes by hand. */
export interface PendingOperation {
  readonly operation: Operation;
  readonly request: unknown;
  readonly context: OperationContext;
  resolve(result: JobResult): void;
  reject(error: unknown): void;
}

export class FakeBackend implements ManagementBackend {
  mode: OperationMode = 'NORMAL';
  cqlRunning = true;
  node: NodeInfo = sampleNodeInfo;
  readonly started: PendingOperation[] = [];
  readonly prepared: Array<{ operation: Operation; request: unknown }> = [];
  /** Thrown by prepareOperation when set (e.g. a refusal). */
  refuse: Error | null = null;
  cancellable = true;
  replicationCalls: Array<{ keyspace: string; request: SetReplicationRequest }> = [];

  uptimeMs(): number {
    return 1234;
  }

  operationMode(): OperationMode {
    return this.mode;
  }

  nativeTransportRunning(): boolean {
    return this.cqlRunning;
  }

  gossipRunning(): boolean {
    return false;
  }

  nodeInfo(): NodeInfo {
    return { ...this.node, operationMode: this.mode };
  }

  clusterView(): ClusterView {
    return { clusterName: 'prod', partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner', endpoints: [] };
  }

  ring(keyspace: string | null): Ring {
    if (keyspace === 'missing') throw notFound('no keyspace missing');
    return { keyspace, tokens: [{ token: '0', address: '10.0.0.1' }], endpoints: [] };
  }

  schemaVersions(): SchemaVersions {
    return { agreement: true, versions: [], unreachable: [] };
  }

  keyspaces(): Keyspaces {
    return { keyspaces: [{ name: 'ks', replication: { class: 'SimpleStrategy', replicationFactor: 1, datacenters: {} }, durableWrites: true, system: false }] };
  }

  async setReplication(keyspace: string, request: SetReplicationRequest): Promise<SetReplicationResponse> {
    this.replicationCalls.push({ keyspace, request });
    return {
      keyspace,
      replication: { class: 'NetworkTopologyStrategy', datacenters: request.datacenters },
      schemaVersion: '5c3c6f8e-2a6b-4c8d-9e0f-1a2b3c4d5e6f',
    };
  }

  tableStats(filter: { keyspace: string | undefined; table: string | undefined }): TableStats {
    if (filter.keyspace === 'missing') throw notFound('no keyspace missing');
    return { tables: [] };
  }

  compactions(): Compactions {
    return { pendingTasks: 0, completedTasks: 0, active: [] };
  }

  streams(): Streams {
    return { sessions: [] };
  }

  prepareOperation<O extends Operation>(operation: O, request: ParsedOperationRequest<O>): OperationRunner {
    if (this.refuse !== null) throw this.refuse;
    this.prepared.push({ operation, request });
    const started = this.started;
    return {
      cancellable: this.cancellable,
      progressUnit: 'steps',
      progressTotal: 3,
      run: (context) =>
        new Promise<JobResult>((resolve, reject) => {
          started.push({ operation, request, context, resolve, reject });
          context.signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    };
  }
}
