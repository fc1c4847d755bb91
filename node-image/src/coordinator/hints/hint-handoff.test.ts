// Hinted handoff across topology and schema changes on an in-process cluster: hints are handed to
// a peer on decommission (transferHints), dropped for a host that left, lose the updates of tables
// truncated or dropped after they were written, and are re-routed by a receiver that no longer
// owns their data.
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../cluster/index.ts';
import type { Token } from '../../cluster/index.ts';
import { ConsistencyLevel } from '../../lib/index.ts';
import { Verb } from '../../messaging/index.ts';
import { VirtualTime } from '../../messaging/testing/virtual-time.ts';
import { withoutTable } from '../../schema/index.ts';
import type { TableMetadata } from '../../schema/index.ts';
import { kvTable, kvValue, putKv, readPartition, tokenOf } from '../testing/kv-fixtures.ts';
import { TestCluster, evenTokens } from '../testing/test-cluster.ts';

const SIMPLE = 'org.apache.cassandra.locator.SimpleStrategy';

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

async function start(options: { nodes?: number; perNode?: number; rf: number }): Promise<{ c: TestCluster; time: VirtualTime; kv: TableMetadata; now: number }> {
  const time = new VirtualTime();
  const c = await TestCluster.start({
    nodes: evenTokens(options.nodes ?? 3, options.perNode ?? 4).map((tokens) => ({ tokens })), time, random: new SeededRandom(11),
    hints: { replayIntervalMs: 1000 },
  });
  cluster = c;
  await c.createKeyspace('ks', { class: SIMPLE, options: { replication_factor: String(options.rf) } });
  const kv = await c.createTable(kvTable('ks'));
  return { c, time, kv, now: Math.floor(time.nowMs() / 1000) };
}

const one = { consistency: ConsistencyLevel.ONE, writeType: 'SIMPLE' as const };
const any = { consistency: ConsistencyLevel.ANY, writeType: 'SIMPLE' as const };

function localValue(c: TestCluster, i: number, kv: TableMetadata, k: number, now: number): string | null {
  return kvValue(c.node(i).storage.read(readPartition(kv, k, now)), now);
}

describe('hints and topology', () => {
  it('transferHints hands every hint to a live peer, which replays them to their target', async () => {
    const { c, kv, now } = await start({ rf: 3 });
    await c.run(c.node(2).stop());
    for (let k = 0; k < 10; k++) await c.run(c.coordinator(0).write([putKv(kv, k, `v${k}`, 1000 + k)], one));
    expect(c.coordinator(0).hints.store.hostsWithHints()).toEqual([c.node(2).hostId]);
    const result = await c.run(c.coordinator(0).transferHints());
    expect(result).toEqual({ target: c.node(1).address, hosts: 1, hints: 10 });
    expect(c.coordinator(0).hints.store.hostsWithHints()).toEqual([]);
    expect(c.coordinator(1).hints.store.hostsWithHints()).toEqual([c.node(2).hostId]);
    expect(c.coordinator(1).hints.stats.storedForOthers).toBe(10);
    await c.run(c.node(2).restart());
    await c.idle(2000);
    for (let k = 0; k < 10; k++) expect(localValue(c, 2, kv, k, now)).toBe(`v${k}`);
    expect(c.coordinator(1).hints.store.hostsWithHints()).toEqual([]);
    // Nothing left to hand over: no target needed.
    expect(await c.run(c.coordinator(0).transferHints())).toEqual({ target: null, hosts: 0, hints: 0 });
  });

  it('transferHints fails when no peer is alive to take them', async () => {
    const { c, kv } = await start({ rf: 3 });
    await c.run(c.node(2).stop());
    await c.run(c.coordinator(0).write([putKv(kv, 1, 'a', 1000)], one));
    await c.run(c.node(1).stop());
    await expect(c.run(c.coordinator(0).transferHints())).rejects.toThrow(/no live NORMAL peer/);
    expect(c.coordinator(0).hints.store.hostsWithHints()).toEqual([c.node(2).hostId]);
  });

  it('drops the hints of a host that left the ring', async () => {
    const { c, kv } = await start({ rf: 3 });
    await c.run(c.node(2).stop());
    for (let k = 0; k < 5; k++) await c.run(c.coordinator(0).write([putKv(kv, k, 'x', 1000)], one));
    expect(c.coordinator(0).hints.store.bytesFor(c.node(2).hostId)).toBeGreaterThan(0);
    c.board.setStatus(c.node(2).address, 'LEFT');
    await c.idle(1500);
    expect(c.coordinator(0).hints.store.hostsWithHints()).toEqual([]);
    expect(c.coordinator(0).hints.stats.dropped).toBe(5);
  });

  it('a receiver that no longer owns the data re-routes the hint to the current owner', async () => {
    const { c, kv, now } = await start({ nodes: 3, perNode: 1, rf: 1 });
    const ring = c.board.ring();
    // A key node 1 owns now.
    let k = 0;
    while (ring.ownerOf(ring.firstTokenAtOrAfter(tokenOf(k) as Token)) !== c.node(1).address) k++;
    await c.run(c.node(1).stop());
    await c.run(c.coordinator(0).write([putKv(kv, k, 'moved', 1000)], any));
    expect(c.coordinator(0).hints.store.hostsWithHints()).toEqual([c.node(1).hostId]);
    // Node 1 moves next to node 0's token: node 2 now owns the key.
    const t0 = ring.tokensOf(c.node(0).address)[0]!;
    c.board.setRing(ring.withNormalTokens(c.node(1).address, [(t0 + 1n) as Token]));
    const moved = c.board.ring();
    expect(moved.ownerOf(moved.firstTokenAtOrAfter(tokenOf(k) as Token))).toBe(c.node(2).address);
    await c.run(c.node(1).restart());
    await c.idle(3000);
    expect(c.coordinator(1).stats.hintsRerouted).toBe(1);
    expect(localValue(c, 1, kv, k, now)).toBeNull();
    expect(localValue(c, 2, kv, k, now)).toBe('moved');
    const got = await c.run(c.coordinator(0).read(readPartition(kv, k, now), { consistency: ConsistencyLevel.ONE }));
    expect(kvValue(got, now)).toBe('moved');
  });
});

describe('hints and schema changes', () => {
  it('a hint written before a TRUNCATE does not bring the data back', async () => {
    const { c, kv, now } = await start({ rf: 3 });
    // Node 2 stops answering mutations and hints: writes to it become hints on node 0.
    const removeRule = c.hub.addRule((m) => (m.to === c.node(2).address && (m.verb === Verb.Mutation || m.verb === Verb.Hint) ? 'drop' : 'deliver'));
    for (let k = 0; k < 5; k++) await c.run(c.coordinator(0).write([putKv(kv, k, 'old', 1000)], one));
    await c.idle(2500);
    expect(c.coordinator(0).hints.stats.stored).toBe(5);
    await c.idle(1000);
    await c.run(c.coordinator(1).truncate(kv.id));
    removeRule();
    // A round under way may still wait for its lost HINTs (2 s) before the next one runs.
    await c.idle(5000);
    expect(c.coordinator(0).hints.store.hostsWithHints()).toEqual([]);
    expect(c.coordinator(0).hints.stats.dropped).toBe(5);
    for (let k = 0; k < 5; k++) expect(localValue(c, 2, kv, k, now)).toBeNull();
    // Writes after the truncation are hinted and delivered as usual.
    await c.run(c.node(2).stop());
    await c.run(c.coordinator(0).write([putKv(kv, 7, 'new', 5_000_000_000_000)], one));
    await c.run(c.node(2).restart());
    await c.idle(2000);
    expect(localValue(c, 2, kv, 7, now)).toBe('new');
  });

  it('hints of a dropped table are dropped instead of failing delivery forever', async () => {
    const { c, kv } = await start({ rf: 3 });
    const gone = await c.createTable(kvTable('ks', 'gone'));
    const removeRule = c.hub.addRule((m) => (m.to === c.node(2).address && (m.verb === Verb.Mutation || m.verb === Verb.Hint) ? 'drop' : 'deliver'));
    await c.run(c.coordinator(0).write([putKv(gone, 1, 'a', 1000)], one));
    await c.run(c.coordinator(0).write([putKv(kv, 1, 'kept', 1000)], one));
    await c.idle(2500);
    expect(c.coordinator(0).hints.stats.stored).toBe(2);
    await c.run(c.coordinator(1).changeSchema({ apply: (s) => withoutTable(s, { keyspace: 'ks', name: 'gone', version: c.newVersion() }) }));
    removeRule();
    await c.idle(5000);
    expect(c.coordinator(0).hints.store.hostsWithHints()).toEqual([]);
    expect(c.coordinator(0).hints.stats.dropped).toBe(1);
    expect(c.coordinator(0).hints.stats.delivered).toBe(1);
  });
});
