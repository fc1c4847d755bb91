// Read repair across real processes: with hinted handoff off, a node stopped during an update keeps
// the old value after it restarts (a read at ONE from it alone shows it); a QUORUM read that it
// coordinates finds the digest mismatch, returns the new value and repairs it, so the next read at
// ONE from it alone shows the new value.
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CL, CLUSTER_SETUP_TIMEOUT_MS, client, onHost, report, startCluster, until, waitForPeers } from './cluster-support.ts';
import type { RunningCluster } from './cluster-support.ts';

const TEST = 'coordinator-read-repair';
const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
const KEYS = 20;

describe('read repair of a stale replica', () => {
  let cluster: RunningCluster;
  let c: cassandra.Client;
  let port = 0;

  beforeAll(async () => {
    cluster = await startCluster({
      addresses: ADDRESSES, seeds: '127.0.0.1,127.0.0.2', clusterName: 'read-repair-test', extraConfig: { hinted_handoff_enabled: false },
    });
    port = cluster.cqlPort;
    for (const a of ADDRESSES) await waitForPeers(a, port, 2);
    c = client(ADDRESSES[0]!, port);
    await c.connect();
    await c.execute("CREATE KEYSPACE rr WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await c.execute('CREATE TABLE rr.kv (k int PRIMARY KEY, v text)');
  }, CLUSTER_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await c?.shutdown();
    await cluster?.destroy();
  });

  it('a QUORUM read repairs the replica that missed an update', async () => {
    for (let k = 0; k < KEYS; k++) await c.execute('INSERT INTO rr.kv (k, v) VALUES (?, ?)', [k, 'old'], { prepare: true, consistency: CL.all });
    const stale = cluster.nodes[2]!;
    await stale.stop();
    await until('node 1 to see node 3 down', async () => {
      try {
        await c.execute('SELECT v FROM rr.kv WHERE k = 0', [], onHost(c, ADDRESSES[0]!, port, { consistency: CL.all }));
        return false;
      } catch {
        return true;
      }
    }, 30_000);
    for (let k = 0; k < KEYS; k++) {
      await c.execute('INSERT INTO rr.kv (k, v) VALUES (?, ?)', [k, 'new'], onHost(c, ADDRESSES[k % 2]!, port, { prepare: true, consistency: CL.quorum }));
    }
    await stale.restart();
    await waitForPeers(stale.address, port, 2);
    await until('the driver to see node 3 up', () => c.hosts.get(`${stale.address}:${port}`)?.isUp() === true, 60_000);
    const one = (k: number): Promise<cassandra.types.ResultSet> =>
      c.execute('SELECT v FROM rr.kv WHERE k = ?', [k], onHost(c, stale.address, port, { prepare: true, consistency: CL.one }));
    for (let k = 0; k < KEYS; k++) expect((await one(k)).first()?.['v']).toBe('old');
    // Node 3 must see a peer alive before it can coordinate QUORUM.
    await until('node 3 to reach QUORUM', async () => {
      await c.execute('SELECT v FROM rr.kv WHERE k = ?', [0], onHost(c, stale.address, port, { prepare: true, consistency: CL.quorum }));
      return true;
    }, 30_000);
    const started = Date.now();
    for (let k = 0; k < KEYS; k++) {
      const r = await c.execute('SELECT v FROM rr.kv WHERE k = ?', [k], onHost(c, stale.address, port, { prepare: true, consistency: CL.quorum }));
      expect(r.first()?.['v']).toBe('new');
    }
    const repairMs = Date.now() - started;
    for (let k = 0; k < KEYS; k++) expect((await one(k)).first()?.['v']).toBe('new');
    report(TEST, { keys: KEYS, quorumReadsWithRepairMs: repairMs });
  });
});
