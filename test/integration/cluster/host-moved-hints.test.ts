// A node that comes back at a new address with the same host id and tokens (a Kubernetes pod
// rescheduled with its volume) is the same node: its peers move it to the new address in their
// ring and deliver the hints they stored for it while it was down there, instead of treating the
// old address as a node that left and dropping the hints (Cassandra keys hints by host id); the
// old address is forgotten, so the ring view is healthy again.
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopologyCluster, report, until } from '../topology/topology-cluster.ts';

const TEST = 'host-moved-hints';
const A = (i: number): string => `127.0.0.${80 + i}`;
const RING_DELAY_MS = 6000;
const WRITES = 50;
const consistency = cassandra.types.consistencies;

async function metric(cluster: TopologyCluster, address: string, name: string): Promise<number> {
  const response = await fetch(`http://${address}:${cluster.managementPort}/metrics`, { headers: { authorization: `Bearer ${cluster.token}` } });
  const text = await response.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('a node back at a new address with the same host id', () => {
  let cluster: TopologyCluster;
  let client: cassandra.Client | undefined;
  beforeAll(async () => {
    cluster = await TopologyCluster.create(TEST, [1, 2, 3, 4].map(A), {
      ring_delay: RING_DELAY_MS, num_tokens: 8, start_gossip: true, hints_flush_period: 500,
    });
    await cluster.startInOrder([1, 2, 3].map(A), { seeds: A(1) });
  }, 600_000);
  afterAll(async () => {
    await client?.shutdown();
    await cluster?.stopAll();
  });

  it('keeps its hints and delivers them to the new address', async () => {
    client = new cassandra.Client({
      contactPoints: [`${A(1)}:${cluster.cqlPort}`], localDataCenter: 'dc1',
      policies: { loadBalancing: new cassandra.policies.loadBalancing.WhiteListPolicy(
        new cassandra.policies.loadBalancing.RoundRobinPolicy(), [`${A(1)}:${cluster.cqlPort}`]) },
    });
    await client.connect();
    await client.execute("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await client.execute('CREATE TABLE ks.t (k int PRIMARY KEY, v text)');

    const old = cluster.nodes.get(A(3))!;
    const hostId = (await old.client.clusterView()).endpoints.find((e) => e.isSelf)!.hostId;
    await old.process.stop();
    cluster.nodes.delete(A(3));
    await until(`${A(1)} to see ${A(3)} down`, async () =>
      (await cluster.clientFor(A(1)).clusterView()).endpoints.find((e) => e.address === A(3))?.status === 'DOWN', 30_000);
    for (let k = 0; k < WRITES; k++) {
      await client.execute('INSERT INTO ks.t (k, v) VALUES (?, ?)', [k, `v${k}`], { prepare: true, consistency: consistency.one });
    }
    await until(`${A(1)} to store its hints`, async () => (await metric(cluster, A(1), 'cassia_hints_stored_total')) >= WRITES, 30_000);

    // Same data folder (host id, tokens), new address.
    await cluster.start(A(4), { seeds: A(1), dataDir: old.process.dataDir });
    const moved = async (): Promise<boolean> => {
      const view = await cluster.clientFor(A(1)).clusterView();
      const owner = view.endpoints.find((e) => e.hostId === hostId && e.state === 'NORMAL' && e.status === 'UP');
      return owner?.address === A(4);
    };
    await until(`${A(1)} to place host ${hostId} at ${A(4)}`, moved, 60_000);
    // The old address is forgotten (as after a replace): the ring view is healthy again.
    await cluster.healthy(A(1), 30_000);
    await cluster.healthy(A(2), 30_000);
    expect((await cluster.clientFor(A(1)).clusterView()).endpoints.map((e) => e.address)).not.toContain(A(3));
    await until(`${A(1)} to replay its hints`, async () => (await metric(cluster, A(1), 'cassia_hints_pending_hosts')) === 0, 60_000);
    const replayed = await metric(cluster, A(1), 'cassia_hints_replayed_total');
    const dropped = await metric(cluster, A(1), 'cassia_hints_dropped_total');
    const ring = (await cluster.clientFor(A(1)).clusterView()).endpoints.map((e) => `${e.address}:${e.state}:${e.status}`);
    report(TEST, { replayed, dropped, ring });
    expect(dropped).toBe(0);
    expect(replayed).toBeGreaterThanOrEqual(WRITES);
    // The hinted rows are on the moved node itself: read them at ONE through it alone.
    const direct = new cassandra.Client({
      contactPoints: [`${A(4)}:${cluster.cqlPort}`], localDataCenter: 'dc1',
      policies: { loadBalancing: new cassandra.policies.loadBalancing.WhiteListPolicy(
        new cassandra.policies.loadBalancing.RoundRobinPolicy(), [`${A(4)}:${cluster.cqlPort}`]) },
    });
    try {
      await direct.connect();
      const rows = await direct.execute('SELECT k FROM ks.t', [], { consistency: consistency.one });
      report(TEST, { rowsOnMovedNode: rows.rowLength });
    } finally {
      await direct.shutdown();
    }
  }, 600_000);
});
