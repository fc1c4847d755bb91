// Interop test support: one real Cassia node process per test file (free port, temp data folder),
// npm cassandra-driver clients pointed at it, and small helpers for keyspaces and error checks.
// Every client made here is shut down by `close()`, and the node stopped and its folder removed.
import cassandra from 'cassandra-driver';
import type { CassiaProcess } from '../support/cassia-process.ts';
import { startCassiaProcess } from '../support/cassia-process.ts';

export { cassandra };
export type Client = cassandra.Client;

/** Error codes of the native protocol that the tests check (spec section 1.8). */
export const CODE = {
  serverError: 0x0000,
  protocolError: 0x000a,
  syntaxError: 0x2000,
  invalid: 0x2200,
  configError: 0x2300,
  alreadyExists: 0x2400,
  unprepared: 0x2500,
} as const;

export interface InteropNode {
  readonly process: CassiaProcess;
  /** A connected client (optionally logged into `keyspace`). */
  client(options?: { keyspace?: string; fetchSize?: number; encoding?: cassandra.ClientOptions['encoding'] }): Promise<Client>;
  /** Creates a SimpleStrategy RF 1 keyspace (dropping any previous one of that name). */
  createKeyspace(client: Client, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startInteropNode(): Promise<InteropNode> {
  const node = await startCassiaProcess();
  const clients: Client[] = [];
  const [host, port] = [node.address, node.port];
  return {
    process: node,
    async client(options = {}) {
      const c = new cassandra.Client({
        contactPoints: [`${host}:${port}`],
        localDataCenter: node.dc,
        keyspace: options.keyspace,
        ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
        queryOptions: { fetchSize: options.fetchSize ?? 5000 },
        // The node is single: do not wait for schema agreement across hosts or reconnect slowly.
        pooling: { heartBeatInterval: 0 },
        socketOptions: { readTimeout: 30_000 },
      });
      clients.push(c);
      await c.connect();
      return c;
    },
    async createKeyspace(client, name) {
      await client.execute(`DROP KEYSPACE IF EXISTS ${name}`);
      await client.execute(`CREATE KEYSPACE ${name} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    },
    async close() {
      for (const c of clients) await c.shutdown().catch(() => undefined);
      await node.destroy();
    },
  };
}

/** The driver error of a promise that must fail (fails the test when it resolves). */
export async function failure(promise: Promise<unknown>): Promise<{ code: number; message: string; name: string }> {
  try {
    await promise;
  } catch (error) {
    let e = error as { code?: number; message: string; name: string; innerErrors?: Record<string, unknown> };
    // The driver retries some errors (Unavailable) on the next host, then reports NoHostAvailable.
    if (e.innerErrors !== undefined && e.code === undefined) {
      const inner = Object.values(e.innerErrors)[0] as typeof e | undefined;
      if (inner !== undefined) e = inner;
    }
    return { code: e.code ?? -1, message: e.message, name: e.name };
  }
  throw new Error('expected the request to fail, but it succeeded');
}
