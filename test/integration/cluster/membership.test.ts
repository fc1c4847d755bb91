// Three real node processes on 127.0.0.1/2/3 form one cluster through gossip: the npm
// cassandra-driver connected to node 1 discovers all three hosts from system.peers, a node killed
// with SIGKILL is convicted by the failure detector and the driver gets the DOWN event, and a
// restart (same host id, higher generation) brings it back UP. Timings are printed as JSON lines.
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startCassiaProcess } from '../../support/cassia-process.ts';
import type { CassiaProcess } from '../../support/cassia-process.ts';

const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
const SEEDS = '127.0.0.1,127.0.0.2';
/**
 * Conviction at phi 8 is a silence of 18.4 mean heartbeat intervals (~1.1-1.3 s learned through
 * gossip, more while a young window still holds the 2 s initial sample): ~20-25 s, up to ~40 s.
 */
const DOWN_WITHIN_MS = 60_000;
/** Let the failure detectors learn the heartbeat rate before killing a node. */
const WARM_UP_MS = 10_000;
const UP_WITHIN_MS = 30_000;
const POLL_MS = 100;

/** system.peers is each node's own view: ask node 1. */
function onNode1(c: cassandra.Client, cqlPort: number): cassandra.QueryOptions {
  return { host: c.hosts.get(`${ADDRESSES[0]}:${cqlPort}`) } as cassandra.QueryOptions;
}

function report(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ test: 'cluster-membership', ...fields })}\n`);
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return Date.now() - started;
}

async function freeOnAll(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort(ADDRESSES[0]);
    const others = await Promise.all(ADDRESSES.slice(1).map(async (a) => {
      try {
        const { createServer } = await import('node:net');
        return await new Promise<boolean>((resolve) => {
          const s = createServer();
          s.once('error', () => resolve(false));
          s.listen(port, a, () => s.close(() => resolve(true)));
        });
      } catch {
        return false;
      }
    }));
    if (others.every(Boolean)) return port;
  }
  throw new Error('no port free on all three addresses');
}

describe('a three-node cluster seen by the Node.js driver', () => {
  const nodes: CassiaProcess[] = [];
  let cqlPort = 0;
  let storagePort = 0;
  let client: cassandra.Client | null = null;
  const logs: Array<{ atMs: number; message: string }> = [];
  const hostEvents: Array<{ atMs: number; kind: 'up' | 'down'; address: string }> = [];

  beforeAll(async () => {
    cqlPort = await freeOnAll();
    storagePort = await freeOnAll();
    const started = Date.now();
    nodes.push(...await Promise.all(ADDRESSES.map((address, i) => startCassiaProcess({
      address, port: cqlPort, storagePort, seeds: SEEDS, rack: `rack${i + 1}`, clusterName: 'membership-test',
    }))));
    report({ phase: 'start', nodes: 3, allServingCqlAfterMs: Date.now() - started });
  });

  afterAll(async () => {
    await client?.shutdown();
    if (process.env["KEEP_LOGS"] !== undefined) for (const n of nodes) process.stdout.write(`--- ${n.address}\n${n.logTail(400000)}\n`);
    await Promise.all(nodes.map((n) => n.destroy()));
  });

  it('discovers all three hosts from system.peers with the right columns and types', async () => {
    client = new cassandra.Client({
      contactPoints: [ADDRESSES[0]!],
      protocolOptions: { port: cqlPort },
      localDataCenter: 'dc1',
      pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1 } },
      socketOptions: { readTimeout: 10_000 },
    });
    client.on('log', (level: string, _className: string, message: string) => {
      if (level === 'warning' || level === 'info') logs.push({ atMs: Date.now(), message });
    });
    client.on('hostUp', (host: cassandra.Host) => hostEvents.push({ atMs: Date.now(), kind: 'up', address: host.address }));
    client.on('hostDown', (host: cassandra.Host) => hostEvents.push({ atMs: Date.now(), kind: 'down', address: host.address }));
    // Gossip may still be settling on a slow machine: wait until node 1 lists both peers.
    await until('node 1 to list two peers', async () => {
      const c = new cassandra.Client({ contactPoints: [ADDRESSES[0]!], protocolOptions: { port: cqlPort }, localDataCenter: 'dc1' });
      try {
        return (await c.execute('SELECT peer FROM system.peers')).rowLength === 2;
      } finally {
        await c.shutdown();
      }
    }, 30_000);
    await client.connect();
    const hostAddresses = client.hosts.values().map((h) => h.address).sort();
    expect(hostAddresses).toEqual(ADDRESSES.map((a) => `${a}:${cqlPort}`));
    await until('connections to all three hosts', () => client!.getState().getConnectedHosts().length === 3, 20_000);
    expect(client.getState().getConnectedHosts().map((h) => h.address).sort()).toEqual(hostAddresses);

    const local = (await client.execute('SELECT host_id, tokens FROM system.local', [], onNode1(client, cqlPort))).first();
    const peers = await client.execute('SELECT * FROM system.peers', [], onNode1(client, cqlPort));
    expect(peers.rowLength).toBe(2);
    const hostIds = new Set<string>([local!['host_id'].toString()]);
    for (const row of peers.rows) {
      expect(row['peer']).toBeInstanceOf(cassandra.types.InetAddress);
      expect(row['rpc_address']).toBeInstanceOf(cassandra.types.InetAddress);
      expect(row['host_id']).toBeInstanceOf(cassandra.types.Uuid);
      expect(row['schema_version']).toBeInstanceOf(cassandra.types.Uuid);
      expect(row['data_center']).toBe('dc1');
      expect(row['rack']).toMatch(/^rack[23]$/);
      expect(row['release_version']).toBe('4.0.11');
      expect(row['tokens']).toHaveLength(16);
      expect(row['rpc_address'].toString()).toBe(row['peer'].toString());
      hostIds.add(row['host_id'].toString());
    }
    expect(hostIds.size).toBe(3);
    const v2 = await client.execute('SELECT peer, peer_port, native_address, native_port FROM system.peers_v2', [], onNode1(client, cqlPort));
    expect(v2.rows.map((r) => [r['peer'].toString(), r['peer_port'], r['native_address'].toString(), r['native_port']]).sort()).toEqual([
      ['127.0.0.2', storagePort, '127.0.0.2', cqlPort], ['127.0.0.3', storagePort, '127.0.0.3', cqlPort],
    ]);
    // Every host's tokens as the driver's metadata sees them: 48 distinct tokens on one ring.
    const tokens = new Set(client.hosts.values().flatMap((h) => h.tokens as string[]));
    expect(tokens.size).toBe(48);
  });

  it('gets a DOWN event for a killed node and an UP event when it restarts with the same host id', async () => {
    const c = client!;
    const node3 = `${ADDRESSES[2]}:${cqlPort}`;
    await new Promise((r) => setTimeout(r, WARM_UP_MS));
    const hostIdBefore = (await c.execute("SELECT host_id FROM system.peers WHERE peer = '127.0.0.3'", [], onNode1(c, cqlPort))).first()!['host_id'].toString();
    const killedAt = Date.now();
    await nodes[2]!.kill();
    const downEventMs = await until('the DOWN event for node 3', () => logs.some((l) => l.atMs >= killedAt && l.message.includes(`Received status change to DOWN for host ${node3}`)), DOWN_WITHIN_MS);
    expect(c.hosts.get(node3)!.isUp()).toBe(false);
    const driverDown = hostEvents.find((e) => e.kind === 'down' && e.address === node3 && e.atMs >= killedAt);
    report({ phase: 'kill -9', gossipDownEventAfterMs: downEventMs, driverMarkedDownAfterMs: driverDown === undefined ? null : driverDown.atMs - killedAt });
    // The dead node stays in system.peers (down, not removed).
    expect((await c.execute('SELECT peer FROM system.peers', [], onNode1(c, cqlPort))).rowLength).toBe(2);

    const restartedAt = Date.now();
    await nodes[2]!.restart();
    const servingMs = Date.now() - restartedAt;
    const upMs = await until('node 3 back UP in the driver', () => c.hosts.get(node3)!.isUp() && hostEvents.some((e) => e.kind === 'up' && e.address === node3 && e.atMs >= restartedAt), UP_WITHIN_MS);
    const hostIdAfter = (await c.execute("SELECT host_id FROM system.peers WHERE peer = '127.0.0.3'", [], onNode1(c, cqlPort))).first()!['host_id'].toString();
    expect(hostIdAfter).toBe(hostIdBefore);
    await until('connections to all three hosts again', () => c.getState().getConnectedHosts().length === 3, UP_WITHIN_MS);
    report({ phase: 'restart', servingCqlAfterMs: servingMs, driverUpAfterMs: upMs });
  });

  it('sees a graceful stop at once (gossip SHUTDOWN)', async () => {
    const c = client!;
    const node2 = `${ADDRESSES[1]}:${cqlPort}`;
    const stoppedAt = Date.now();
    await nodes[1]!.stop();
    const downEventMs = await until('the DOWN event for node 2', () => logs.some((l) => l.atMs >= stoppedAt && l.message.includes(`Received status change to DOWN for host ${node2}`)), 10_000);
    report({ phase: 'graceful stop', gossipDownEventAfterMs: downEventMs });
    expect(downEventMs).toBeLessThan(5000);
    await nodes[1]!.restart();
    await until('node 2 back UP in the driver', () => c.hosts.get(node2)!.isUp(), UP_WITHIN_MS);
  });
});
