// Starts a small Apache Cassandra 5.0 cluster of peers on loopback, one node after another: the first
// is the seed, and each next node starts only once every earlier node sees all the others as members
// (Cassandra refuses concurrent bootstraps). Invariant: a failed start stops every node it started.
import cassandra from 'cassandra-driver';
import { startCassandraPeer, type CassandraPeer, type CassandraPeerOptions } from './cassandra-peer.ts';
import { PEER_CLUSTER_RING_DELAY_MS } from './jvm-options.ts';

/** Bound on the number of nodes (loopback clusters on one machine). */
export const PEER_CLUSTER_NODES_MAX = 9;
/** Time for the earlier nodes to list a new node as a member with tokens (gossip on loopback: seconds). */
export const PEER_CLUSTER_JOIN_TIMEOUT_MS = 120_000;
const JOIN_POLL_INTERVAL_MS = 500;

export interface CassandraClusterOptions extends Omit<CassandraPeerOptions, 'address' | 'seeds' | 'dataDir'> {
  /** One loopback address per node (outside 127.0.0.0/24); the first is the seed. */
  readonly addresses: readonly string[];
  /** Called as each node serves CQL, so a caller can stop it on a signal before the cluster is whole. */
  readonly onNodeStarted?: (peer: CassandraPeer) => void;
}

export interface CassandraCluster {
  readonly peers: readonly CassandraPeer[];
  /** `address:port` of every node, seed first. */
  readonly contactPoints: readonly string[];
  readonly localDataCenter: string;
  /** Spawn of the first node to the last node seen by all. */
  readonly startMs: number;
  /** Stops every node (in parallel); idempotent. */
  stop(): Promise<void>;
}

export async function startCassandraCluster(options: CassandraClusterOptions): Promise<CassandraCluster> {
  const { addresses, onNodeStarted, ...peerOptions } = options;
  if (addresses.length < 1 || addresses.length > PEER_CLUSTER_NODES_MAX) {
    throw new Error(`a peer cluster has 1..${PEER_CLUSTER_NODES_MAX} nodes, not ${addresses.length}`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`[cassandra-cluster] ${line}\n`));
  const seed = addresses[0]!;
  const peers: CassandraPeer[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(peers.map((p) => p.stop()));
  };
  const startedAtMs = Date.now();
  try {
    for (const address of addresses) {
      const peer = await startCassandraPeer({
        ringDelayMs: PEER_CLUSTER_RING_DELAY_MS,
        tokenAllocationReplicationFactor: Math.min(addresses.length, 3),
        ...peerOptions,
        address,
        seeds: [seed],
      });
      peers.push(peer);
      onNodeStarted?.(peer);
      await waitForMembers(peers, log);
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    peers,
    contactPoints: peers.map((p) => p.contactPoint),
    localDataCenter: peers[0]!.localDataCenter,
    startMs: Date.now() - startedAtMs,
    stop: () => (stopped ??= stopAll()),
  };
}

/** Waits until every started node lists all the others in system.peers with tokens (normal members). */
async function waitForMembers(peers: readonly CassandraPeer[], log: (line: string) => void): Promise<void> {
  const deadlineMs = Date.now() + PEER_CLUSTER_JOIN_TIMEOUT_MS;
  for (const peer of peers) {
    let seen = -1;
    for (;;) {
      seen = await countMembers(peer);
      if (seen === peers.length - 1) break;
      if (Date.now() > deadlineMs) {
        throw new Error(`${peer.address} lists ${seen} of ${peers.length - 1} peers as members after ${PEER_CLUSTER_JOIN_TIMEOUT_MS} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, JOIN_POLL_INTERVAL_MS));
    }
  }
  log(`${peers.length} node(s) up and normal: ${peers.map((p) => p.address).join(', ')}`);
}

/** Rows of system.peers with tokens as one node sees them; -1 when the node cannot be asked yet. */
async function countMembers(peer: CassandraPeer): Promise<number> {
  const client = new cassandra.Client({
    contactPoints: [peer.address],
    localDataCenter: peer.localDataCenter,
    protocolOptions: { port: peer.nativePort },
    // Only this node: the question is what it sees.
    policies: {
      loadBalancing: new cassandra.policies.loadBalancing.AllowListPolicy(new cassandra.policies.loadBalancing.RoundRobinPolicy(), [peer.contactPoint]),
    },
  });
  try {
    const result = await client.execute('SELECT peer, tokens FROM system.peers');
    return result.rows.filter((row) => row['tokens'] !== null && (row['tokens'] as unknown[]).length > 0).length;
  } catch {
    return -1;
  } finally {
    await client.shutdown();
  }
}
