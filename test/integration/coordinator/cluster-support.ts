// Shared helpers of the coordinator's multi-process tests: a port free on every loopback address,
// starting N nodes that gossip with each other, polling, JSON-line reports, and a driver client.
import { createServer } from 'node:net';
import cassandra from 'cassandra-driver';
import { freePort, startCassiaProcess } from '../../support/cassia-process.ts';
import type { CassiaProcess } from '../../support/cassia-process.ts';

export const POLL_MS = 100;
/** Starting a cluster on a loaded machine takes a while: the setup hooks' bound. */
export const CLUSTER_SETUP_TIMEOUT_MS = 300_000;

export function report(test: string, fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ test, ...fields })}\n`);
}

export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    let ok = false;
    try {
      ok = await condition();
    } catch {
      ok = false;
    }
    if (ok) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** A port free on every given loopback address. */
export async function portFreeOn(addresses: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort(addresses[0]);
    const ok = await Promise.all(addresses.slice(1).map((a) => new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, a, () => s.close(() => resolve(true)));
    })));
    if (ok.every(Boolean)) return port;
  }
  throw new Error(`no port free on all of ${addresses.join(', ')}`);
}

export interface ClusterSpec {
  readonly addresses: readonly string[];
  readonly seeds: string;
  readonly dcOf?: (index: number) => string;
  readonly clusterName: string;
  readonly extraConfig?: Readonly<Record<string, string | number | boolean>>;
}

export interface RunningCluster {
  readonly nodes: CassiaProcess[];
  readonly cqlPort: number;
  readonly storagePort: number;
  destroy(): Promise<void>;
}

export async function startCluster(spec: ClusterSpec): Promise<RunningCluster> {
  const cqlPort = await portFreeOn(spec.addresses);
  const storagePort = await portFreeOn(spec.addresses);
  // A new cluster holds no data yet: nodes join without bootstrap streaming (and its RING_DELAY wait).
  const extraConfig = { auto_bootstrap: false, ...spec.extraConfig };
  const started = await Promise.allSettled(spec.addresses.map((address, i) => startCassiaProcess({
    address, port: cqlPort, storagePort, seeds: spec.seeds, rack: `rack${(i % 3) + 1}`, dc: spec.dcOf?.(i) ?? 'dc1',
    clusterName: spec.clusterName, extraConfig,
  })));
  const nodes = started.filter((s): s is PromiseFulfilledResult<CassiaProcess> => s.status === 'fulfilled').map((s) => s.value);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    // Nothing may outlive a failed start: stop the nodes that did start.
    await Promise.all(nodes.map((n) => n.destroy()));
    throw failed.reason;
  }
  return {
    nodes, cqlPort, storagePort,
    async destroy() {
      if (process.env['KEEP_LOGS'] !== undefined) for (const n of nodes) process.stdout.write(`--- ${n.address}\n${n.logTail(200_000)}\n`);
      await Promise.all(nodes.map((n) => n.destroy()));
    },
  };
}

export function client(contactPoint: string, port: number, localDataCenter = 'dc1'): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [contactPoint],
    protocolOptions: { port },
    localDataCenter,
    socketOptions: { readTimeout: 20_000 },
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1, [cassandra.types.distance.remote]: 1 } },
  });
}

/** Waits until `address` lists `peers` peers in system.peers (gossip has settled for it). */
export async function waitForPeers(address: string, port: number, peers: number, timeoutMs = 120_000): Promise<number> {
  return until(`${address} to list ${peers} peers`, async () => {
    const c = client(address, port);
    try {
      return (await c.execute('SELECT peer FROM system.peers')).rowLength === peers;
    } finally {
      await c.shutdown();
    }
  }, timeoutMs);
}

/** Execution options that send a request to one host only. */
export function onHost(c: cassandra.Client, address: string, port: number, options: cassandra.QueryOptions = {}): cassandra.QueryOptions {
  const host = c.hosts.get(`${address}:${port}`);
  if (host === undefined) throw new Error(`the driver does not know ${address}:${port}`);
  return { ...options, host } as cassandra.QueryOptions;
}

export const CL = cassandra.types.consistencies;
