// Topology operations on real node processes (127.0.0.x), driven through the management API while
// the Node.js driver writes continuously at QUORUM: 3 -> 5 -> 3 nodes (bootstrap, decommission),
// every acknowledged row read back at QUORUM, ownership spread, cleanup; kill + wipe + replace; a
// replica that missed writes (hints off) made consistent by repair, read at ONE from it alone; a
// second datacenter joined without streaming, then rebuilt from dc1 and read at LOCAL_QUORUM.
// TOPOLOGY_ROWS (default 200000) sets how many rows the writer acknowledges over the run.
import { rmSync } from 'node:fs';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopologyCluster, report, until } from './topology-cluster.ts';

const TEST = 'topology';
const ROWS_TARGET = Number(process.env['TOPOLOGY_ROWS'] ?? 200_000);
const WRITE_CONCURRENCY = 48;
const JOB_TIMEOUT_MS = 600_000;
/**
 * Above the gossip propagation time on purpose: a joining (BOOT) node counts as a fat client for
 * the gossiper, which evicts one silent for QUARANTINE_DELAY/2 = ring delay.
 */
const RING_DELAY_MS = 12_000;
const A = (i: number): string => `127.0.0.${i}`;
const consistency = cassandra.types.consistencies;

class Writer {
  readonly acked: Uint8Array;
  next = 0;
  errors = 0;
  private stopped = false;
  private readonly client: cassandra.Client;
  private loops: Promise<void>[] = [];

  constructor(client: cassandra.Client, capacity: number) {
    this.client = client;
    this.acked = new Uint8Array(capacity);
  }

  get ackedCount(): number {
    let n = 0;
    for (const b of this.acked) n += b;
    return n;
  }

  start(): void {
    for (let i = 0; i < WRITE_CONCURRENCY; i++) this.loops.push(this.loop());
  }

  private async loop(): Promise<void> {
    while (!this.stopped && this.next < this.acked.length) {
      const k = this.next++;
      try {
        await this.client.execute('INSERT INTO ks.t (k, v) VALUES (?, ?)', [k, `v${k}`], { prepare: true, consistency: consistency.quorum });
        this.acked[k] = 1;
      } catch {
        this.errors++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }
}

async function readAll(client: cassandra.Client, keys: readonly number[], cl: number, options: Partial<cassandra.QueryOptions> = {}): Promise<number[]> {
  const missing: number[] = [];
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < keys.length) {
      const k = keys[i++]!;
      let rs: cassandra.types.ResultSet | null = null;
      for (let attempt = 0; attempt < 5 && rs === null; attempt++) {
        try {
          rs = await client.execute('SELECT v FROM ks.t WHERE k = ?', [k], { prepare: true, consistency: cl, ...options });
        } catch (error) {
          if (attempt === 4) throw error;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      if (rs!.rowLength !== 1 || rs!.first().get('v') !== `v${k}`) missing.push(k);
    }
  };
  await Promise.all(Array.from({ length: 64 }, () => worker()));
  return missing;
}

function client(contactPoints: string[], port: number, dc = 'dc1', whitelist?: string[]): cassandra.Client {
  const base = new cassandra.policies.loadBalancing.DCAwareRoundRobinPolicy(dc);
  const policy = whitelist === undefined ? base : new cassandra.policies.loadBalancing.AllowListPolicy(base, whitelist.map((a) => `${a}:${port}`));
  return new cassandra.Client({
    contactPoints, protocolOptions: { port }, localDataCenter: dc, policies: { loadBalancing: policy, reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(500) },
    socketOptions: { readTimeout: 20_000 },
  });
}

describe('topology operations on real processes', () => {
  let cluster: TopologyCluster;
  let writerClient: cassandra.Client;
  const clients: cassandra.Client[] = [];
  let acked: number[] = [];

  beforeAll(async () => {
    cluster = await TopologyCluster.create('topology-test', [1, 2, 3, 4, 5, 6, 7, 8, 9].map(A), {
      ring_delay: RING_DELAY_MS, stream_throughput_outbound: 0, hinted_handoff_enabled: false, num_tokens: 16, start_gossip: true,
    });
  });

  afterAll(async () => {
    for (const c of clients) await c.shutdown().catch(() => undefined);
    if (process.env['KEEP_LOGS'] !== undefined) for (const n of cluster.nodes.values()) process.stdout.write(`--- ${n.address}\n${n.process.logTail(200_000)}\n`);
    await cluster.stopAll();
  });

  it('3 -> 5 -> 3 nodes at RF 3 under continuous QUORUM writes keeps every acknowledged row', async () => {
    const t0 = Date.now();
    await cluster.start(A(1), { seeds: A(1) });
    for (const i of [2, 3]) {
      const started = Date.now();
      await cluster.start(A(i), { seeds: A(1) });
      report(TEST, { phase: 'initial-join', node: A(i), ms: Date.now() - started });
    }
    writerClient = client([A(1), A(2), A(3)], cluster.cqlPort);
    clients.push(writerClient);
    await writerClient.connect();
    await writerClient.execute("CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}");
    await writerClient.execute('CREATE TABLE ks.t (k int PRIMARY KEY, v text)');
    await new Promise((r) => setTimeout(r, 1000));
    const writer = new Writer(writerClient, ROWS_TARGET * 10);
    writer.start();
    const opsStarted = Date.now();
    await until('some rows written', () => writer.ackedCount >= Math.min(5000, ROWS_TARGET / 4), 120_000);
    for (const i of [4, 5]) {
      const started = Date.now();
      await cluster.start(A(i), { seeds: A(1) });
      report(TEST, { phase: 'bootstrap', node: A(i), ms: Date.now() - started, acked: writer.ackedCount });
      const info = await cluster.clientFor(A(i)).nodeInfo();
      expect(info.operationMode).toBe('NORMAL');
    }
    await cluster.healthy(A(1));
    await until('node 1 to see five members', async () => (await cluster.clientFor(A(1)).ring('ks')).endpoints.length === 5, 60_000);
    const five = (await cluster.clientFor(A(1)).ring('ks')).endpoints.map((e) => e.ownership);
    const fiveSpread = Math.max(...five) / Math.min(...five);
    report(TEST, { phase: 'ownership-5-nodes', effective: five, spread: fiveSpread });
    expect(five).toHaveLength(5);
    expect(fiveSpread).toBeLessThanOrEqual(1.3);
    for (const i of [2, 4]) {
      await cluster.healthy(A(i));
      const started = Date.now();
      const job = await cluster.run(A(i), 'decommission', {}, JOB_TIMEOUT_MS);
      expect(job.state, JSON.stringify(job)).toBe('SUCCEEDED');
      report(TEST, { phase: 'decommission', node: A(i), ms: Date.now() - started, result: job.result, acked: writer.ackedCount });
      await until(`${A(i)} to exit`, () => cluster.nodes.get(A(i))!.process.pid === undefined || !isAlive(cluster.nodes.get(A(i))!.process.pid!), 60_000);
    }
    // A decommissioned node refuses to rejoin.
    await expect(cluster.nodes.get(A(2))!.process.restart()).rejects.toThrow(/decommissioned and will not rejoin/);
    await until(`${ROWS_TARGET} acknowledged rows`, () => writer.ackedCount >= ROWS_TARGET, 1_800_000);
    await writer.stop();
    const writeMs = Date.now() - opsStarted;
    acked = [];
    for (let k = 0; k < writer.acked.length; k++) if (writer.acked[k] === 1) acked.push(k);
    report(TEST, { phase: 'writes', acked: acked.length, errors: writer.errors, ms: writeMs, rowsPerSecond: Math.round(acked.length / (writeMs / 1000)) });
    const readStarted = Date.now();
    const missing = await readAll(writerClient, acked, consistency.quorum);
    report(TEST, { phase: 'verify-quorum', rows: acked.length, missing: missing.length, ms: Date.now() - readStarted });
    expect(missing.slice(0, 20)).toEqual([]);
    const ring = await cluster.clientFor(A(1)).ring('ks');
    const owns = ring.endpoints.map((e) => e.ownership);
    const tokenRing = await cluster.clientFor(A(1)).ring();
    const raw = tokenRing.endpoints.map((e) => e.ownership);
    const spread = Math.max(...owns) / Math.min(...owns);
    report(TEST, { phase: 'ownership-3-nodes', members: ring.endpoints.map((e) => e.address), effective: owns, spread, tokenOwnership: raw });
    expect(ring.endpoints.map((e) => e.address).sort()).toEqual([A(1), A(3), A(5)]);
    expect(spread).toBeLessThanOrEqual(1.3);
    const before = (await cluster.clientFor(A(1)).tableStats({ keyspace: 'ks' })).tables[0]!;
    const cleanup = await cluster.run(A(1), 'cleanup', { keyspace: 'ks' }, JOB_TIMEOUT_MS);
    expect(cleanup.state).toBe('SUCCEEDED');
    report(TEST, { phase: 'cleanup', node: A(1), liveBytesBefore: before.liveBytes, result: cleanup.result, totalMs: Date.now() - t0 });
  }, 3_600_000);

  it('kill + wipe + replace: the replacement takes over the dead node and no row is lost', async () => {
    const dead = cluster.nodes.get(A(5))!;
    await dead.process.kill();
    rmSync(dead.process.dataDir, { recursive: true, force: true });
    const started = Date.now();
    await cluster.start(A(6), { seeds: A(1), extra: { replace_address_first_boot: A(5) } });
    report(TEST, { phase: 'replace', replaced: A(5), by: A(6), ms: Date.now() - started });
    const ring = await cluster.clientFor(A(1)).ring('ks');
    await until('the ring to show the replacement', async () => {
      const r = await cluster.clientFor(A(1)).ring('ks');
      return r.endpoints.map((e) => e.address).sort().join(',') === [A(1), A(3), A(6)].join(',');
    }, 60_000);
    void ring;
    const only6 = client([A(6)], cluster.cqlPort, 'dc1', [A(6)]);
    clients.push(only6);
    const missing = await readAll(only6, acked, consistency.one);
    report(TEST, { phase: 'replace-verify-one', rows: acked.length, missing: missing.length });
    expect(missing.slice(0, 20)).toEqual([]);
  }, 1_800_000);

  it('repair makes a replica that missed writes consistent (read at ONE from it alone)', async () => {
    const stale = cluster.nodes.get(A(3))!;
    await stale.process.stop();
    for (const i of [1, 6]) {
      await until(`${A(i)} to see node 3 down`, async () => (await cluster.clientFor(A(i)).clusterView()).endpoints.some((e) => e.address === A(3) && e.status === 'DOWN'), 60_000);
    }
    const w = client([A(1), A(6)], cluster.cqlPort, 'dc1', [A(1), A(6)]);
    clients.push(w);
    const missed: number[] = [];
    for (let k = 10_000_000; k < 10_002_000; k++) {
      await w.execute('INSERT INTO ks.t (k, v) VALUES (?, ?)', [k, `v${k}`], { prepare: true, consistency: consistency.quorum });
      missed.push(k);
    }
    await stale.process.restart();
    const only3 = client([A(3)], cluster.cqlPort, 'dc1', [A(3)]);
    clients.push(only3);
    await until('node 3 up in gossip', async () => (await cluster.clientFor(A(1)).clusterView()).endpoints.some((e) => e.address === A(3) && e.status === 'UP'), 60_000);
    // Repair refuses to start while a replica is not alive in the repairing node's own view (as
    // Cassandra's does): the restarted node must have seen its peers up first.
    await until('node 3 to see nodes 1 and 6 up', async () => {
      const view = await cluster.clientFor(A(3)).clusterView();
      return [A(1), A(6)].every((a) => view.endpoints.some((e) => e.address === a && e.status === 'UP'));
    }, 60_000);
    const before = await readAll(only3, missed, consistency.one);
    expect(before.length).toBeGreaterThan(missed.length / 2);
    const started = Date.now();
    const job = await cluster.run(A(3), 'repair', { keyspace: 'ks', primaryRange: false }, JOB_TIMEOUT_MS);
    expect(job.state, JSON.stringify(job)).toBe('SUCCEEDED');
    const after = await readAll(only3, missed, consistency.one);
    report(TEST, { phase: 'repair', missingBefore: before.length, missingAfter: after.length, ms: Date.now() - started, result: job.result });
    expect(after).toEqual([]);
  }, 1_800_000);

  it('a joined node restarted on a new address keeps its host id and tokens', async () => {
    const moved = cluster.nodes.get(A(6))!;
    const hostId = (await moved.client.nodeInfo()).hostId;
    await moved.process.stop();
    const started = Date.now();
    await cluster.start(A(9), { seeds: A(1), dataDir: moved.process.dataDir });
    await until('the ring to show the new address under the same host id', async () => {
      const r = await cluster.clientFor(A(1)).ring('ks');
      return r.endpoints.some((e) => e.address === A(9) && e.hostId === hostId) && !r.endpoints.some((e) => e.address === A(6));
    }, 120_000);
    report(TEST, { phase: 'new-address', from: A(6), to: A(9), ms: Date.now() - started });
    const missing = await readAll(writerClient, acked.slice(0, 20_000), consistency.quorum);
    expect(missing).toEqual([]);
  }, 600_000);

  it('a second datacenter joins without streaming, then rebuild from dc1 serves LOCAL_QUORUM reads', async () => {
    for (const i of [7, 8]) await cluster.start(A(i), { seeds: A(1), dc: 'dc2', extra: { auto_bootstrap: false } });
    for (const i of [1, 3, 9]) {
      await until(`${A(i)} to see dc2`, async () => (await cluster.clientFor(A(i)).ring()).endpoints.filter((e) => e.datacenter === 'dc2').length === 2, 60_000);
    }
    await writerClient.execute("ALTER KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2}");
    await until('schema agreement', async () => (await cluster.clientFor(A(7)).schemaVersions()).agreement, 60_000);
    let streamed = 0;
    const started = Date.now();
    for (const i of [7, 8]) {
      const job = await cluster.run(A(i), 'rebuild', { sourceDatacenter: 'dc1' }, JOB_TIMEOUT_MS);
      expect(job.state, JSON.stringify(job)).toBe('SUCCEEDED');
      streamed += Number(job.result['streamedBytes'] ?? 0);
    }
    report(TEST, { phase: 'rebuild', nodes: 2, streamedBytes: streamed, ms: Date.now() - started });
    const dc2 = client([A(7), A(8)], cluster.cqlPort, 'dc2', [A(7), A(8)]);
    clients.push(dc2);
    const missing = await readAll(dc2, acked, consistency.localQuorum);
    report(TEST, { phase: 'dc2-verify-local-quorum', rows: acked.length, missing: missing.length });
    expect(missing.slice(0, 20)).toEqual([]);
  }, 1_800_000);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
