// Concurrent DDL on a real three-node cluster: two Node.js driver clients, each sending to a
// different node, create 10 tables each at the same time; schema Paxos must keep every change, so
// all 20 tables are in system_schema.tables on all three nodes and the nodes agree on the version.
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_SETUP_TIMEOUT_MS, client, onHost, report, startCluster, until, waitForPeers } from './cluster-support.ts';
import type { RunningCluster } from './cluster-support.ts';

const TEST = 'coordinator-concurrent-ddl';
const ADDRESSES = ['127.0.0.31', '127.0.0.32', '127.0.0.33'];
const TABLES_PER_CLIENT = 10;

describe('concurrent DDL from two clients on different nodes', () => {
  let cluster: RunningCluster;
  let port = 0;
  const clients: cassandra.Client[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ addresses: ADDRESSES, seeds: `${ADDRESSES[0]},${ADDRESSES[1]}`, clusterName: 'concurrent-ddl-test' });
    port = cluster.cqlPort;
    for (const a of ADDRESSES) await waitForPeers(a, port, 2);
    for (const a of [ADDRESSES[0]!, ADDRESSES[1]!]) {
      const c = client(a, port);
      await c.connect();
      clients.push(c);
    }
    for (const c of clients) await until('connections to three hosts', () => c.getState().getConnectedHosts().length === 3, 30_000);
    await clients[0]!.execute("CREATE KEYSPACE ddl WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}", [], onHost(clients[0]!, ADDRESSES[0]!, port));
  }, CLUSTER_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    for (const c of clients) await c.shutdown();
    await cluster?.destroy();
  });

  it('keeps all 20 tables created concurrently through two coordinators', async () => {
    const started = Date.now();
    const names: string[] = [];
    const work: Array<Promise<unknown>> = [];
    clients.forEach((c, ci) => {
      for (let k = 0; k < TABLES_PER_CLIENT; k++) {
        const name = `t${ci}_${k}`;
        names.push(name);
        work.push(c.execute(`CREATE TABLE ddl.${name} (k int PRIMARY KEY, v text)`, [], onHost(c, ADDRESSES[ci]!, port)));
      }
    });
    await Promise.all(work);
    const ddlMs = Date.now() - started;
    const expected = [...names].sort();
    const tablesOn = async (address: string): Promise<string[]> => {
      const rs = await clients[0]!.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'ddl'", [], onHost(clients[0]!, address, port));
      return rs.rows.map((r) => String(r['table_name'])).sort();
    };
    // Every participant gets each commit before the DDL answers; allow a moment for a slow one.
    const waitedMs = await until('20 tables on every node', async () => {
      for (const a of ADDRESSES) if ((await tablesOn(a)).length !== expected.length) return false;
      return true;
    }, 10_000).catch(() => -1);
    for (const a of ADDRESSES) expect(await tablesOn(a)).toEqual(expected);
    const versions = new Set<string>();
    for (const a of ADDRESSES) {
      const local = await clients[0]!.execute('SELECT schema_version FROM system.local', [], onHost(clients[0]!, a, port));
      versions.add(String(local.first()!['schema_version']));
    }
    expect(versions.size).toBe(1);
    report(TEST, { tables: expected.length, ddlMs, waitedMs });
  }, 120_000);
});
