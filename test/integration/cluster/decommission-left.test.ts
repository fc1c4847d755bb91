// A decommissioned node stopped (SIGTERM) the moment it announces LEFT still leaves its peers
// with LEFT: it keeps gossiping LEFT until every live peer's gossip shows it (bounded by the ring
// delay) and a SIGTERM in that window waits for it. Before, the node stopped at once and the peers
// kept it LEAVING for ever (the operator's e2e multi-dc run: every later decommission refused).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopologyCluster, report, until } from '../topology/topology-cluster.ts';

const TEST = 'decommission-left';
const A = (i: number): string => `127.0.0.${70 + i}`;
/** Short, but above gossip propagation (a joining node is a fat client for QUARANTINE_DELAY / 2 = ring delay). */
const RING_DELAY_MS = 6000;
/** Polls the leaving node this often, so that the SIGTERM lands inside its LEFT announcement. */
const ANNOUNCE_POLL_MS = 20;

describe('decommission then SIGTERM at LEFT', () => {
  let cluster: TopologyCluster;
  beforeAll(async () => {
    cluster = await TopologyCluster.create(TEST, [1, 2, 3].map(A), {
      ring_delay: RING_DELAY_MS, num_tokens: 8, start_gossip: true, hinted_handoff_enabled: false,
    });
    await cluster.startInOrder([1, 2, 3].map(A), { seeds: A(1) });
  }, 600_000);
  afterAll(async () => {
    await cluster?.stopAll();
  });

  it('peers see the node LEFT even when it is stopped as soon as it announces LEFT', async () => {
    const leaving = cluster.nodes.get(A(3))!;
    // Its own gossip STATUS, which turns LEFT before the job ends (the mode says DECOMMISSIONED after).
    const selfStatus = async (): Promise<string> =>
      (await leaving.client.clusterView()).endpoints.find((e) => e.isSelf)?.applicationStates['STATUS_WITH_PORT'] ?? '';
    const started = Date.now();
    await leaving.client.submit('decommission', {});
    for (let polls = 0; !(await selfStatus()).startsWith('LEFT'); polls++) {
      if (Date.now() - started > 120_000) throw new Error(`${A(3)} did not announce LEFT within 120 s`);
      await new Promise((r) => setTimeout(r, ANNOUNCE_POLL_MS));
    }
    const leftAtMs = Date.now() - started;
    // SIGTERM right away, as an operator deleting the pod would.
    const stopStarted = Date.now();
    await leaving.process.stop();
    const stopMs = Date.now() - stopStarted;
    cluster.nodes.delete(A(3));
    const stateOf3 = async (viewer: string): Promise<string> =>
      (await cluster.clientFor(viewer).clusterView()).endpoints.find((e) => e.address === A(3))?.state ?? 'absent';
    // Nothing more can reach the peers now; give in-flight gossip a moment, then look.
    await new Promise((r) => setTimeout(r, 2000));
    const seen = [await stateOf3(A(1)), await stateOf3(A(2))];
    report(TEST, { leftAtMs, stopMs, peersSee: seen, log: leaving.process.logTail(4000).split('\n').filter((l) => l.includes('LEFT')).slice(-4) });
    expect(seen.map((s) => (s === 'absent' ? 'LEFT' : s))).toEqual(['LEFT', 'LEFT']);
    // Bounded: the stop waited for the announcement, not longer than the ring delay and a drain.
    expect(stopMs).toBeLessThan(RING_DELAY_MS + 15_000);
    await until(`${A(1)} to see a healthy ring`, async () => {
      const view = await cluster.clientFor(A(1)).clusterView();
      return view.endpoints.every((e) => e.state === 'LEFT' || (e.status === 'UP' && e.state === 'NORMAL'));
    }, 10_000);
  }, 300_000);
});
