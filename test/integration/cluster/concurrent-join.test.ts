// Nodes that join at the same time from the same view of the ring: node 1 first, then three nodes
// started together (auto_bootstrap false, so each chooses its tokens right after its shadow round,
// from a ring holding node 1 only). Every node must end in every ring: all four list the other
// three in system.peers, with 64 distinct tokens between them. Before token allocation jittered its
// split points, joiners that had not yet heard of each other chose identical tokens and the
// collision rule left some of them out of the other nodes' rings for good (this test failed in 1
// of 3 runs, a script doing the same in 3 of 3; e.g. node 1 listing only 127.0.0.3, the joiners
// only node 1).
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCassiaProcess } from '../../support/cassia-process.ts';
import type { CassiaProcess } from '../../support/cassia-process.ts';
import { portFreeOn, report, until } from '../coordinator/cluster-support.ts';

const FIRST = '127.0.0.1';
const JOINERS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const ALL = [FIRST, ...JOINERS];
const NUM_TOKENS = 16;
/** Gossip settles in a second or two once every node serves CQL; the bound is for a starved machine. */
const PEERS_WITHIN_MS = 120_000;
const SETUP_TIMEOUT_MS = 300_000;
const TEST_TIMEOUT_MS = 240_000;

interface View {
  readonly peers: string[];
  readonly tokens: string[];
}

/** What `address` itself says: its peers and every token it places in the ring (its own and its peers'). */
async function viewOf(address: string, cqlPort: number): Promise<View> {
  const c = new cassandra.Client({
    contactPoints: [address], protocolOptions: { port: cqlPort }, localDataCenter: 'dc1',
    policies: { loadBalancing: new cassandra.policies.loadBalancing.AllowListPolicy(new cassandra.policies.loadBalancing.RoundRobinPolicy(), [`${address}:${cqlPort}`]) },
  });
  try {
    const local = (await c.execute('SELECT tokens FROM system.local')).first();
    const peers = (await c.execute('SELECT peer, tokens FROM system.peers')).rows;
    const tokens = [...(local?.['tokens'] as string[] | null ?? []), ...peers.flatMap((r) => (r['tokens'] as string[] | null) ?? [])];
    return { peers: peers.map((r) => String(r['peer'])).sort(), tokens };
  } finally {
    await c.shutdown();
  }
}

describe('nodes joining together from the same view of the ring', () => {
  const nodes: CassiaProcess[] = [];
  let cqlPort = 0;

  beforeAll(async () => {
    cqlPort = await portFreeOn(ALL);
    const storagePort = await portFreeOn(ALL);
    // Gossip on although node 1 is its own only seed, so the others can join it.
    const start = (address: string, i: number): Promise<CassiaProcess> => startCassiaProcess({
      address, port: cqlPort, storagePort, seeds: FIRST, rack: `rack${(i % 3) + 1}`, clusterName: 'concurrent-join',
      extraConfig: { auto_bootstrap: false, start_gossip: true, num_tokens: NUM_TOKENS },
    });
    const started = Date.now();
    nodes.push(await start(FIRST, 0));
    const joined = await Promise.allSettled(JOINERS.map((a, i) => start(a, i + 1)));
    for (const j of joined) if (j.status === 'fulfilled') nodes.push(j.value);
    const failed = joined.find((j): j is PromiseRejectedResult => j.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    report('concurrent-join', { phase: 'all serving CQL', afterMs: Date.now() - started });
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    if (process.env['KEEP_LOGS'] !== undefined) for (const n of nodes) process.stdout.write(`--- ${n.address}\n${n.logTail(200_000)}\n`);
    await Promise.all(nodes.map((n) => n.destroy()));
  });

  it('every node lists the other three, and the ring holds 64 distinct tokens', async () => {
    const views = new Map<string, View>();
    const settledMs = await until('every node to list the other three', async () => {
      for (const address of ALL) views.set(address, await viewOf(address, cqlPort));
      return ALL.every((a) => views.get(a)!.peers.join() === ALL.filter((b) => b !== a).join());
    }, PEERS_WITHIN_MS).catch((error: unknown) => {
      const collisions = nodes.map((n) => `${n.address}: ${n.logTail(400_000).split('\n').filter((l) => l.includes('have the same token')).length}`);
      throw new Error(`${(error as Error).message}; peers seen: ${JSON.stringify(Object.fromEntries([...views].map(([a, v]) => [a, v.peers])))}; `
        + `"same token" warnings per node: ${collisions.join(', ')}`);
    });
    report('concurrent-join', { phase: 'peers settled', afterMs: settledMs });
    for (const address of ALL) {
      const { tokens } = views.get(address)!;
      expect(tokens, `tokens ${address} places in the ring`).toHaveLength(ALL.length * NUM_TOKENS);
      expect(new Set(tokens).size, `distinct tokens ${address} places in the ring`).toBe(ALL.length * NUM_TOKENS);
    }
    for (const n of nodes) expect(n.logTail(400_000)).not.toContain('have the same token');
  }, TEST_TIMEOUT_MS);
});
