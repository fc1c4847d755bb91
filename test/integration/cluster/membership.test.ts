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
/** A restarted node is UP again in the driver well within this, even on a loaded machine. */
const UP_WITHIN_MS = 60_000;
/**
 * Every node lists both peers once all three serve CQL (gossip settles in a few seconds); the
 * bound is for a starved machine. A node left out of a peer's ring for good (e.g. two nodes with
 * the same tokens) still fails here.
 */
const PEERS_WITHIN_MS = 120_000;
/** Starting three nodes (the third bootstraps: RING_DELAY) on a loaded machine. */
const SETUP_TIMEOUT_MS = 300_000;
const TEST_TIMEOUT_MS = 300_000;
const POLL_MS = 100;

/** system.peers is each node's own view: ask node 1. */
function onNode1(c: cassandra.Client, cqlPort: number): cassandra.QueryOptions {
  return { host: c.hosts.get(`${ADDRESSES[0]}:${cqlPort}`) } as cassandra.QueryOptions;
}

function report(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ test: 'cluster-membership', ...fields })}\n`);
}

/** Polls `condition` (a throw counts as not yet) until it holds; the last error is in the timeout's message. */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let last = '';
  for (;;) {
    try {
      if (await condition()) return Date.now() - started;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === '' ? '' : `; last error: ${last}`}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The peers `address` lists in system.peers (its own view), sorted. */
async function peersOf(address: string, cqlPort: number): Promise<string[]> {
  const c = new cassandra.Client({
    contactPoints: [address], protocolOptions: { port: cqlPort }, localDataCenter: 'dc1',
    policies: { loadBalancing: new cassandra.policies.loadBalancing.AllowListPolicy(new cassandra.policies.loadBalancing.RoundRobinPolicy(), [`${address}:${cqlPort}`]) },
  });
  try {
    return (await c.execute('SELECT peer FROM system.peers')).rows.map((r) => String(r['peer'])).sort();
  } finally {
    await c.shutdown();
  }
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
  }, SETUP_TIMEOUT_MS);

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
    // Gossip may still be settling on a slow machine: wait until every node lists the other two.
    const settled = Date.now();
    const seen = new Map<string, string[]>();
    await until('every node to list its two peers', async () => {
      for (const address of ADDRESSES) seen.set(address, await peersOf(address, cqlPort));
      return ADDRESSES.every((a) => seen.get(a)!.join() === ADDRESSES.filter((b) => b !== a).join());
    }, PEERS_WITHIN_MS).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; peers seen: ${JSON.stringify(Object.fromEntries(seen))}`);
    });
    report({ phase: 'peers settled', afterMs: Date.now() - settled });
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
  }, TEST_TIMEOUT_MS);

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
  }, TEST_TIMEOUT_MS);

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
