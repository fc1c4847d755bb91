// Two datacenters of three processes each (dc1: 127.0.0.1-3, dc2: 127.0.0.4-6) with
// NetworkTopologyStrategy {dc1: 3, dc2: 3}: LOCAL_QUORUM and EACH_QUORUM read and write; with every
// dc2 node stopped, dc1's LOCAL_QUORUM goes on unaffected (it never needed dc2) while EACH_QUORUM
// and QUORUM (4 of 6) are Unavailable with Cassandra's fields.
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CL, CLUSTER_SETUP_TIMEOUT_MS, client, onHost, report, startCluster, until, waitForPeers } from './cluster-support.ts';
import type { RunningCluster } from './cluster-support.ts';

const TEST = 'coordinator-two-dcs';
const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];

interface DriverError {
  code?: number;
  consistencies?: number;
  required?: number;
  alive?: number;
  innerErrors?: Record<string, DriverError>;
}

async function unavailable(p: Promise<unknown>): Promise<DriverError> {
  try {
    await p;
  } catch (e) {
    const err = e as DriverError;
    const inner = err.code === 0x1000 ? err : Object.values(err.innerErrors ?? {}).find((x) => x.code === 0x1000);
    if (inner === undefined) throw e;
    return inner;
  }
  throw new Error('expected Unavailable');
}

describe('two datacenters (NTS dc1:3, dc2:3)', () => {
  let cluster: RunningCluster;
  let dc1: cassandra.Client;
  let dc2: cassandra.Client;
  let port = 0;

  beforeAll(async () => {
    const started = Date.now();
    cluster = await startCluster({ addresses: ADDRESSES, seeds: '127.0.0.1,127.0.0.4', clusterName: 'two-dc-test', dcOf: (i) => (i < 3 ? 'dc1' : 'dc2') });
    port = cluster.cqlPort;
    for (const a of ADDRESSES) await waitForPeers(a, port, 5, 90_000);
    dc1 = client(ADDRESSES[0]!, port, 'dc1');
    dc2 = client(ADDRESSES[3]!, port, 'dc2');
    await dc1.connect();
    await dc2.connect();
    await dc1.execute("CREATE KEYSPACE multi WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 3}");
    await dc1.execute('CREATE TABLE multi.kv (k int PRIMARY KEY, v text)');
    await until('dc2 to see the table', async () => (await dc2.execute('SELECT * FROM multi.kv LIMIT 1', [], { consistency: CL.localOne })) !== null, 30_000);
    report(TEST, { phase: 'ready', afterMs: Date.now() - started });
  }, CLUSTER_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await dc1?.shutdown();
    await dc2?.shutdown();
    await cluster?.destroy();
  });

  it('reads and writes at LOCAL_QUORUM in each DC and at EACH_QUORUM', async () => {
    for (let k = 0; k < 20; k++) {
      await dc1.execute('INSERT INTO multi.kv (k, v) VALUES (?, ?)', [k, `a${k}`], { prepare: true, consistency: CL.localQuorum });
      expect((await dc1.execute('SELECT v FROM multi.kv WHERE k = ?', [k], { prepare: true, consistency: CL.localQuorum })).first()?.['v']).toBe(`a${k}`);
      await dc2.execute('INSERT INTO multi.kv (k, v) VALUES (?, ?)', [k, `b${k}`], { prepare: true, consistency: CL.eachQuorum });
      expect((await dc1.execute('SELECT v FROM multi.kv WHERE k = ?', [k], { prepare: true, consistency: CL.eachQuorum })).first()?.['v']).toBe(`b${k}`);
      expect((await dc2.execute('SELECT v FROM multi.kv WHERE k = ?', [k], { prepare: true, consistency: CL.localQuorum })).first()?.['v']).toBe(`b${k}`);
    }
    // Each DC's coordinators place replicas in both DCs: the data is in dc2 at LOCAL_ONE.
    for (const a of ADDRESSES.slice(3)) {
      expect((await dc2.execute('SELECT v FROM multi.kv WHERE k = 3', [], onHost(dc2, a, port, { consistency: CL.localOne }))).first()?.['v']).toBe('b3');
    }
  });

  it('with dc2 stopped, dc1 LOCAL_QUORUM is unaffected; EACH_QUORUM and QUORUM are Unavailable', async () => {
    const before = Date.now();
    for (let k = 100; k < 120; k++) await dc1.execute('INSERT INTO multi.kv (k, v) VALUES (?, ?)', [k, `c${k}`], { prepare: true, consistency: CL.localQuorum });
    const withDc2Ms = Date.now() - before;
    await Promise.all(cluster.nodes.slice(3).map((n) => n.stop()));
    await until('dc1 to see dc2 down', async () => {
      try {
        await dc1.execute('INSERT INTO multi.kv (k, v) VALUES (1, ?)', ['x'], onHost(dc1, ADDRESSES[0]!, port, { prepare: true, consistency: CL.eachQuorum }));
        return false;
      } catch (e) {
        return (e as DriverError).code === 0x1000 || Object.values((e as DriverError).innerErrors ?? {}).some((x) => x.code === 0x1000);
      }
    }, 30_000);
    const started = Date.now();
    for (let k = 200; k < 220; k++) {
      await dc1.execute('INSERT INTO multi.kv (k, v) VALUES (?, ?)', [k, `d${k}`], { prepare: true, consistency: CL.localQuorum });
      expect((await dc1.execute('SELECT v FROM multi.kv WHERE k = ?', [k], { prepare: true, consistency: CL.localQuorum })).first()?.['v']).toBe(`d${k}`);
    }
    const withoutDc2Ms = Date.now() - started;
    const each = await unavailable(dc1.execute('INSERT INTO multi.kv (k, v) VALUES (1, ?)', ['y'], onHost(dc1, ADDRESSES[1]!, port, { prepare: true, consistency: CL.eachQuorum })));
    expect([each.required, each.alive]).toEqual([2, 0]);
    const quorum = await unavailable(dc1.execute('SELECT v FROM multi.kv WHERE k = 1', [], onHost(dc1, ADDRESSES[2]!, port, { consistency: CL.quorum })));
    expect([quorum.required, quorum.alive]).toEqual([4, 3]);
    report(TEST, { phase: 'dc2-down', localQuorumWrites20WithDc2Ms: withDc2Ms, localQuorumWriteRead20WithoutDc2Ms: withoutDc2Ms });
  });
});
