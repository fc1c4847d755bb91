// Three real node processes (127.0.0.1-3) and the npm cassandra-driver: token-aware routing reaches
// the node that owns the data, every consistency level reads and writes, LWTs give Cassandra's
// [applied] rows, paging and counters work across nodes, and with one node killed QUORUM goes on
// while hints wait for it; they are replayed when it restarts. Timings are printed as JSON lines.
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CL, CLUSTER_SETUP_TIMEOUT_MS, client, onHost, report, startCluster, until, waitForPeers } from './cluster-support.ts';
import type { RunningCluster } from './cluster-support.ts';

const TEST = 'coordinator-three-nodes';
const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

function intKey(k: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(k);
  return b;
}

/** Error codes of a driver error (a request sent to one host fails as NoHostAvailable wrapping the server's error). */
function errorCodes(e: unknown): Array<number | undefined> {
  const err = e as { code?: number; innerErrors?: Record<string, { code?: number }> };
  return [err.code, ...Object.values(err.innerErrors ?? {}).map((x) => x.code)];
}

async function expectCode(p: Promise<unknown>, code: number): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(errorCodes(e), String(e)).toContain(code);
    return;
  }
  throw new Error(`expected error code 0x${code.toString(16)}`);
}

describe('three nodes through the Node.js driver', () => {
  let cluster: RunningCluster;
  let c: cassandra.Client;
  let port = 0;

  beforeAll(async () => {
    const started = Date.now();
    cluster = await startCluster({ addresses: ADDRESSES, seeds: '127.0.0.1,127.0.0.2', clusterName: 'coordinator-test' });
    port = cluster.cqlPort;
    for (const a of ADDRESSES) await waitForPeers(a, port, 2);
    c = client(ADDRESSES[0]!, port);
    await c.connect();
    await until('connections to three hosts', () => c.getState().getConnectedHosts().length === 3, 30_000);
    await c.execute("CREATE KEYSPACE one WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await c.execute('CREATE TABLE one.kv (k int PRIMARY KEY, v text)');
    await c.execute("CREATE KEYSPACE three WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await c.execute('CREATE TABLE three.kv (k int PRIMARY KEY, v text)');
    await c.execute('CREATE TABLE three.rows (k int, c int, v text, PRIMARY KEY (k, c))');
    await c.execute('CREATE TABLE three.counts (k int PRIMARY KEY, n counter)');
    // Schema agreement is eventual (push, then gossip pull); drivers wait for it up to 10 s after
    // DDL, and so does this setup before the tests assert on it.
    const metadata = c.metadata as unknown as { checkSchemaAgreement(): Promise<boolean> };
    let agreed = false;
    await until('schema agreement on three nodes', async () => (agreed = await metadata.checkSchemaAgreement()), 10_000).catch(() => undefined);
    // The driver's token map for keyspace `one` is rebuilt from its metadata refresh after the DDL.
    await until('driver replica map for keyspace one', () => (c.getReplicas('one', intKey(0)) as cassandra.Host[] | null)?.length === 1, 10_000)
      .catch(() => undefined);
    report(TEST, { phase: 'ready', afterMs: Date.now() - started, hosts: c.hosts.length, schemaAgreed: agreed });
  }, CLUSTER_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await c?.shutdown();
    await cluster?.destroy();
  });

  it('agrees on the schema and lists every peer', async () => {
    expect(await (c.metadata as unknown as { checkSchemaAgreement(): Promise<boolean> }).checkSchemaAgreement()).toBe(true);
    const versions = new Set<string>();
    for (const a of ADDRESSES) {
      const local = await c.execute('SELECT schema_version FROM system.local', [], onHost(c, a, port));
      versions.add(local.first()!['schema_version'].toString());
    }
    expect(versions.size).toBe(1);
  });

  it('routes by token: the replica the driver computes owns the data (RF 1)', async () => {
    const owners = new Map<number, string>();
    // At least 60 keys, and more until each node owns one (token placement is not perfectly even;
    // 60 keys once all landed on two nodes). Bounded.
    let keys = 0;
    for (let k = 0; k < 60 || (new Set(owners.values()).size < 3 && k < 2000); k++, keys++) {
      const result = await c.execute('INSERT INTO one.kv (k, v) VALUES (?, ?)', [k, `v${k}`], { prepare: true, consistency: CL.one });
      const replicas = c.getReplicas('one', intKey(k)) as cassandra.Host[];
      expect(replicas).toHaveLength(1);
      owners.set(k, replicas[0]!.address.split(':')[0]!);
      // Token-aware routing sent the write to that replica.
      expect(result.info.queriedHost.split(':')[0]).toBe(owners.get(k));
    }
    expect(new Set(owners.values()).size).toBe(3);
    // Any node coordinates a read of any key.
    for (const a of ADDRESSES) {
      for (let k = 0; k < keys; k++) {
        const r = await c.execute('SELECT v FROM one.kv WHERE k = ?', [k], onHost(c, a, port, { prepare: true, consistency: CL.one }));
        expect(r.first()?.['v']).toBe(`v${k}`);
      }
    }
    // With node 3 stopped, exactly the keys the driver placed on node 3 become unavailable.
    const third = cluster.nodes[2]!;
    await third.stop();
    await until('node 1 to see node 3 down', async () => {
      const r = await c.execute('SELECT v FROM one.kv WHERE k = ?', [[...owners].find(([, o]) => o === third.address)![0]], onHost(c, ADDRESSES[0]!, port, { prepare: true, consistency: CL.one }))
        .then(() => false, (e: unknown) => errorCodes(e).includes(0x1000));
      return r;
    }, 30_000);
    for (let k = 0; k < keys; k++) {
      const read = c.execute('SELECT v FROM one.kv WHERE k = ?', [k], onHost(c, ADDRESSES[k % 2]!, port, { prepare: true, consistency: CL.one }));
      if (owners.get(k) === third.address) await expectCode(read, 0x1000);
      else expect((await read).first()?.['v']).toBe(`v${k}`);
    }
    await third.restart();
    await waitForPeers(third.address, port, 2);
    await until('the driver to see node 3 up', () => c.hosts.get(`${third.address}:${port}`)?.isUp() === true, 60_000);
    await until('node 1 to see node 3 up', async () => (await c.execute('SELECT v FROM one.kv WHERE k = ?', [[...owners].find(([, o]) => o === third.address)![0]], onHost(c, ADDRESSES[0]!, port, { prepare: true, consistency: CL.one }))).rowLength === 1, 30_000);
    // The server computes the same token for each key (SELECT token(k)) as the driver does.
    const tokenRows = await c.execute('SELECT k, token(k) AS t FROM one.kv', [], { consistency: CL.one });
    for (const row of tokenRows.rows) {
      const k = row['k'] as number;
      const token = c.metadata.newToken(intKey(k)) as { getValue(): { toString(): string } };
      expect(row['t'].toString()).toBe(token.getValue().toString());
    }
  });

  it('writes and reads at every consistency level; paging, counters, batches, LWT and truncate', async () => {
    const levels: Array<[string, number]> = [
      ['ONE', CL.one], ['TWO', CL.two], ['THREE', CL.three], ['QUORUM', CL.quorum], ['ALL', CL.all],
      ['LOCAL_ONE', CL.localOne], ['LOCAL_QUORUM', CL.localQuorum], ['EACH_QUORUM', CL.eachQuorum],
    ];
    // Writes at each level are read back at ALL, reads at each level follow writes at ALL (a write at
    // ONE then a read at ONE may hit a replica the write has not reached yet, as in Cassandra).
    for (const [name, level] of levels) {
      for (let k = 0; k < 10; k++) {
        await c.execute('INSERT INTO three.kv (k, v) VALUES (?, ?)', [k, `w-${name}-${k}`], { prepare: true, consistency: level });
        const all = await c.execute('SELECT v FROM three.kv WHERE k = ?', [k], { prepare: true, consistency: CL.all });
        expect(all.first()?.['v'], `write at ${name}`).toBe(`w-${name}-${k}`);
        await c.execute('INSERT INTO three.kv (k, v) VALUES (?, ?)', [k, `r-${name}-${k}`], { prepare: true, consistency: CL.all });
        const r = await c.execute('SELECT v FROM three.kv WHERE k = ?', [k], { prepare: true, consistency: level });
        expect(r.first()?.['v'], `read at ${name}`).toBe(`r-${name}-${k}`);
      }
    }
    await c.execute('INSERT INTO three.kv (k, v) VALUES (?, ?)', [99, 'any'], { prepare: true, consistency: CL.any });
    expect((await c.execute('SELECT v FROM three.kv WHERE k = 99', [], { consistency: CL.all })).first()?.['v']).toBe('any');

    // Paging across the ring at QUORUM (every node coordinates one pass).
    for (let k = 0; k < 40; k++) {
      for (let cc = 0; cc < 5; cc++) await c.execute('INSERT INTO three.rows (k, c, v) VALUES (?, ?, ?)', [k, cc, `r${k}-${cc}`], { prepare: true, consistency: CL.quorum });
    }
    for (const a of ADDRESSES) {
      let n = 0;
      const seen = new Set<string>();
      for await (const row of c.stream('SELECT k, c, v FROM three.rows', [], onHost(c, a, port, { prepare: true, fetchSize: 7, consistency: CL.quorum })) as unknown as AsyncIterable<cassandra.types.Row>) {
        n++;
        seen.add(`${String(row['k'])}/${String(row['c'])}`);
      }
      expect(n).toBe(200);
      expect(seen.size).toBe(200);
    }

    // Counters from every coordinator.
    for (let i = 0; i < 30; i++) {
      await c.execute('UPDATE three.counts SET n = n + ? WHERE k = 1', [cassandra.types.Long.fromNumber(i + 1)], onHost(c, ADDRESSES[i % 3]!, port, { prepare: true, consistency: CL.quorum }));
    }
    for (const a of ADDRESSES) {
      const r = await c.execute('SELECT n FROM three.counts WHERE k = 1', [], onHost(c, a, port, { consistency: CL.quorum }));
      expect(r.first()!['n'].toString()).toBe('465');
    }

    // A logged batch over several partitions.
    await c.batch([
      { query: 'INSERT INTO three.kv (k, v) VALUES (?, ?)', params: [200, 'b200'] },
      { query: 'INSERT INTO three.kv (k, v) VALUES (?, ?)', params: [201, 'b201'] },
    ], { prepare: true, consistency: CL.quorum });
    expect((await c.execute('SELECT v FROM three.kv WHERE k = 201', [], { consistency: CL.all })).first()?.['v']).toBe('b201');

    // LWT: [applied] rows as Cassandra builds them, coordinated by each node in turn.
    const first = await c.execute("INSERT INTO three.kv (k, v) VALUES (300, 'a') IF NOT EXISTS", [], onHost(c, ADDRESSES[0]!, port));
    expect(first.first()!['[applied]']).toBe(true);
    expect(first.columns!.map((col) => col.name)).toEqual(['[applied]']);
    const second = await c.execute("INSERT INTO three.kv (k, v) VALUES (300, 'b') IF NOT EXISTS", [], onHost(c, ADDRESSES[1]!, port));
    expect(second.first()!['[applied]']).toBe(false);
    expect(second.first()!['v']).toBe('a');
    const wrong = await c.execute("UPDATE three.kv SET v = 'c' WHERE k = 300 IF v = 'x'", [], onHost(c, ADDRESSES[2]!, port, { serialConsistency: CL.localSerial }));
    expect(wrong.columns!.map((col) => col.name)).toEqual(['[applied]', 'v']);
    expect(wrong.first()!['[applied]']).toBe(false);
    const right = await c.execute("UPDATE three.kv SET v = 'c' WHERE k = 300 IF v = 'a'", [], onHost(c, ADDRESSES[2]!, port));
    expect(right.first()!['[applied]']).toBe(true);
    const serial = await c.execute('SELECT v FROM three.kv WHERE k = 300', [], onHost(c, ADDRESSES[0]!, port, { consistency: CL.serial }));
    expect(serial.first()!['v']).toBe('c');

    await c.execute('TRUNCATE three.rows');
    for (const a of ADDRESSES) {
      expect((await c.execute('SELECT * FROM three.rows LIMIT 10', [], onHost(c, a, port, { consistency: CL.one }))).rowLength).toBe(0);
    }
  });

  it('with one node killed, QUORUM goes on; its hints are replayed when it restarts', async () => {
    const victim = cluster.nodes[2]!;
    const killedAt = Date.now();
    await victim.kill();
    const writesStarted = Date.now();
    for (let k = 1000; k < 1050; k++) {
      await c.execute('INSERT INTO three.kv (k, v) VALUES (?, ?)', [k, `h${k}`], onHost(c, ADDRESSES[k % 2]!, port, { prepare: true, consistency: CL.quorum }));
    }
    const writesMs = Date.now() - writesStarted;
    for (let k = 1000; k < 1050; k++) {
      const r = await c.execute('SELECT v FROM three.kv WHERE k = ?', [k], onHost(c, ADDRESSES[(k + 1) % 2]!, port, { prepare: true, consistency: CL.quorum }));
      expect(r.first()?.['v']).toBe(`h${k}`);
    }
    await expectCode(c.execute('SELECT v FROM three.kv WHERE k = 1000', [], onHost(c, ADDRESSES[0]!, port, { consistency: CL.all })), 0x1200)
      .catch(async () => {
        // Once the failure detector convicted the node, ALL is refused up front instead.
        await expectCode(c.execute('SELECT v FROM three.kv WHERE k = 1000', [], onHost(c, ADDRESSES[0]!, port, { consistency: CL.all })), 0x1000);
      });
    const restartStarted = Date.now();
    await victim.restart();
    await waitForPeers(victim.address, port, 2);
    const upMs = await until('the driver to see node 3 up', () => c.hosts.get(`${victim.address}:${port}`)?.isUp() === true, 60_000);
    // Hints replay within a replay interval or two: node 3 alone answers every key at ONE.
    const replayMs = await until('hints replayed to node 3', async () => {
      for (let k = 1000; k < 1050; k++) {
        const r = await c.execute('SELECT v FROM three.kv WHERE k = ?', [k], onHost(c, victim.address, port, { prepare: true, consistency: CL.one }));
        if (r.first()?.['v'] !== `h${k}`) return false;
      }
      return true;
    }, 90_000);
    const delivered = cluster.nodes.slice(0, 2).some((n) => n.logTail(2_000_000).includes('finished hint delivery'));
    expect(delivered).toBe(true);
    report(TEST, { phase: 'kill', quorumWritesWhileDownMs: writesMs, restartMs: Date.now() - restartStarted, driverUpMs: upMs, hintsReplayedMs: replayMs, sinceKillMs: Date.now() - killedAt });
  });
});
