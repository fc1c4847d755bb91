// A tiny in-simulation CQL client: it calls a node's CqlService in process, with seeded request and
// response latency, a request timeout, and a driver's view of failures: a node that is down refuses
// (certainly not executed), a node that dies with the request in flight or a timeout leaves the
// outcome unknown, and CQL errors are classified by whether the statement may have taken effect.
import type { ClientSession, QueryOptions, QueryResponse } from '../cql/index.ts';
import type { ConsistencyLevel } from '../lib/index.ts';
import { CqlError, ErrorCode } from '../lib/index.ts';
import type { SimCluster } from './sim-cluster.ts';
import { raceDeath } from './sim-cluster.ts';
import type { SimRandom } from './sim-random.ts';

/** A driver's default request timeout. */
export const CLIENT_REQUEST_TIMEOUT_MS = 12_000;
/** One-way latency between a client and a node. */
const CLIENT_LATENCY_MIN_MS = 0.05;
const CLIENT_LATENCY_MAX_MS = 0.5;

export type ClientOutcome =
  | { readonly kind: 'ok'; readonly response: QueryResponse }
  /** The statement certainly did not take effect (refused, unavailable, invalid). */
  | { readonly kind: 'failed'; readonly reason: string }
  /** The statement may or may not have taken effect. */
  | { readonly kind: 'unknown'; readonly reason: string };

export interface ClientRequest {
  readonly node: number;
  readonly text: string;
  readonly values: readonly Buffer[];
  readonly consistency: ConsistencyLevel;
  readonly serialConsistency?: ConsistencyLevel;
  readonly timestampMicros?: number;
}

export class SimClient {
  readonly name: string;
  private readonly cluster: SimCluster;
  private readonly random: SimRandom;
  private readonly sessions = new Map<number, ClientSession>();
  private readonly keyspace: string | null;

  constructor(options: { name: string; cluster: SimCluster; random: SimRandom; keyspace: string | null }) {
    this.name = options.name;
    this.cluster = options.cluster;
    this.random = options.random;
    this.keyspace = options.keyspace;
  }

  async execute(request: ClientRequest): Promise<ClientOutcome> {
    const scheduler = this.cluster.scheduler;
    const node = this.cluster.node(request.node);
    const running = node.running;
    const process = node.process;
    if (running === null || process === null || !process.alive) return { kind: 'failed', reason: `${node.name} is down (connection refused)` };
    await scheduler.sleep(this.latencyMs());
    if (!process.alive) return { kind: 'unknown', reason: `${node.name} died with the request in flight` };
    const options: QueryOptions = {
      consistency: request.consistency,
      values: request.values,
      valueNames: null,
      skipMetadata: false,
      pageSize: null,
      pagingState: null,
      serialConsistency: request.serialConsistency ?? null,
      timestampMicros: request.timestampMicros ?? null,
      keyspace: null,
      nowInSeconds: null,
    };
    let timer: { cancel(): void } | null = null;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = scheduler.schedule({ delayMs: CLIENT_REQUEST_TIMEOUT_MS, owner: null, label: `client-timeout ${this.name}` }, () => resolve('timeout'));
    });
    let result: QueryResponse | 'timeout' | null;
    try {
      result = await Promise.race([raceDeath(process, running.cqlService.query(request.text, options, this.session(request.node))), timeout]);
    } catch (error) {
      return classify(error);
    } finally {
      (timer as { cancel(): void } | null)?.cancel();
    }
    if (result === 'timeout') return { kind: 'unknown', reason: `client timeout after ${CLIENT_REQUEST_TIMEOUT_MS} ms` };
    if (result === null) return { kind: 'unknown', reason: `${node.name} died with the request in flight` };
    await scheduler.sleep(this.latencyMs());
    if (!process.alive) return { kind: 'unknown', reason: `${node.name} died before the response arrived` };
    return { kind: 'ok', response: result };
  }

  private session(node: number): ClientSession {
    let session = this.sessions.get(node);
    if (session === undefined) {
      session = { keyspace: this.keyspace, clientAddress: '10.0.0.1', clientPort: 40_000 + node, user: null, protocolVersion: 4 };
      this.sessions.set(node, session);
    }
    return session;
  }

  private latencyMs(): number {
    return this.random.between(CLIENT_LATENCY_MIN_MS, CLIENT_LATENCY_MAX_MS);
  }
}

/** Whether an error leaves the statement's effect unknown, as a careful driver user must assume. */
function classify(error: unknown): ClientOutcome {
  if (!(error instanceof CqlError)) {
    return { kind: 'unknown', reason: `unexpected error: ${error instanceof Error ? error.message : String(error)}` };
  }
  const reason = `${error.code.toString(16)} ${error.message}`;
  switch (error.code) {
    case ErrorCode.Unavailable:
    case ErrorCode.Overloaded:
    case ErrorCode.IsBootstrapping:
    case ErrorCode.SyntaxError:
    case ErrorCode.Invalid:
    case ErrorCode.Unauthorized:
    case ErrorCode.ConfigError:
    case ErrorCode.AlreadyExists:
    case ErrorCode.Unprepared:
    case ErrorCode.ReadTimeout:
    case ErrorCode.ReadFailure:
      return { kind: 'failed', reason };
    default:
      return { kind: 'unknown', reason };
  }
}

// ---- value codecs (the few types the workloads use) -------------------------------------------------

export function intValue(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
}

export function readInt(value: Buffer | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  return value.readInt32BE(0);
}

/** Rows of a response as arrays of column values, with the column names. */
export function rowsOf(response: QueryResponse): { columns: string[]; rows: ReadonlyArray<ReadonlyArray<Buffer | null>> } {
  const result = response.result;
  if (result.kind !== 'rows') return { columns: [], rows: [] };
  return { columns: result.metadata.columns.map((c) => c.name), rows: result.rows };
}
