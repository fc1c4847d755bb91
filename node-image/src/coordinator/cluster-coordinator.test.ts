// The cluster coordinator over the in-memory hub and static membership: consistency levels with
// nodes down, write timeouts and hints, hint replay after a restart, read repair, digest mismatches,
// short reads, counters, truncate and schema agreement.
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../cluster/index.ts';
import { ConsistencyLevel, CqlError, ErrorCode } from '../lib/index.ts';
import type { ConsistencyLevel as Level, CqlErrorDetails } from '../lib/index.ts';
import { Verb } from '../messaging/index.ts';
import { VirtualTime } from '../messaging/testing/virtual-time.ts';
import type { TableMetadata } from '../schema/index.ts';
import type { Mutation, ReadCommand } from '../storage/index.ts';
import {
  addCounter, counterTable, counterValue, deleteKv, deleteRow, kvTable, kvValue, liveValues, putKv, putRows, readPartition, rowsTable,
  tokenOf,
} from './testing/kv-fixtures.ts';
import { TestCluster, evenTokens } from './testing/test-cluster.ts';

const SIMPLE = 'org.apache.cassandra.locator.SimpleStrategy';
const NTS = 'org.apache.cassandra.locator.NetworkTopologyStrategy';

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

type ClusterOptions = Parameters<typeof TestCluster.start>[0];

async function threeNodes(options: { rf?: number; seed?: number; hints?: ClusterOptions['hints']; storage?: ClusterOptions['storage'] } = {}): Promise<{ c: TestCluster; time: VirtualTime; kv: TableMetadata; rows: TableMetadata }> {
  const time = new VirtualTime();
  const c = await TestCluster.start({
    nodes: evenTokens(3, 4).map((tokens) => ({ tokens })), time, random: new SeededRandom(options.seed ?? 7),
    ...(options.hints === undefined ? {} : { hints: options.hints }),
    ...(options.storage === undefined ? {} : { storage: options.storage }),
  });
  cluster = c;
  await c.createKeyspace('ks', { class: SIMPLE, options: { replication_factor: String(options.rf ?? 3) } });
  const kv = await c.createTable(kvTable('ks'));
  const rows = await c.createTable(rowsTable('ks'));
  return { c, time, kv, rows };
}

function nowSeconds(time: VirtualTime): number {
  return Math.floor(time.nowMs() / 1000);
}

async function failure(p: Promise<unknown>, c: TestCluster): Promise<CqlError> {
  try {
    await c.run(p);
  } catch (e) {
    expect(e).toBeInstanceOf(CqlError);
    return e as CqlError;
  }
  throw new Error('expected a CqlError');
}

function details(e: CqlError): CqlErrorDetails {
  return e.details;
}

const w = (level: Level): { consistency: Level; writeType: 'SIMPLE' } => ({ consistency: level, writeType: 'SIMPLE' });
const r = (level: Level): { consistency: Level } => ({ consistency: level });

/** What node i holds locally for kv key k (a read of its own storage). */
function localValue(c: TestCluster, i: number, kv: TableMetadata, k: number, now: number): string | null {
  return kvValue(c.node(i).storage.read(readPartition(kv, k, now)), now);
}

describe('consistency levels over three replicas', () => {
  it('every level succeeds with all nodes up; Unavailable fields match when replicas are down', async () => {
    const { c, time, kv } = await threeNodes();
    const now = nowSeconds(time);
    const levels: Array<[Level, number]> = [
      [ConsistencyLevel.ONE, 1], [ConsistencyLevel.TWO, 2], [ConsistencyLevel.THREE, 3], [ConsistencyLevel.QUORUM, 2],
      [ConsistencyLevel.ALL, 3], [ConsistencyLevel.LOCAL_ONE, 1], [ConsistencyLevel.LOCAL_QUORUM, 2], [ConsistencyLevel.EACH_QUORUM, 2],
    ];
    let ts = 1000;
    for (const [level] of levels) {
      await c.run(c.coordinator(0).write([putKv(kv, 1, `v${level}`, ts++)], w(level)));
      const got = await c.run(c.coordinator(1).read(readPartition(kv, 1, now), r(level)));
      expect(kvValue(got, now)).toBe(`v${level}`);
    }
    await c.run(c.node(2).stop());
    await c.idle(10);
    for (const [level, blockFor] of levels) {
      if (blockFor <= 2) {
        await c.run(c.coordinator(0).write([putKv(kv, 2, 'x', 2000)], w(level)));
        continue;
      }
      const wErr = await failure(c.coordinator(0).write([putKv(kv, 2, 'x', 2000)], w(level)), c);
      expect(wErr.code).toBe(ErrorCode.Unavailable);
      expect(details(wErr)).toEqual({ kind: 'unavailable', consistency: level, required: 3, alive: 2 });
      const rErr = await failure(c.coordinator(0).read(readPartition(kv, 2, now), r(level)), c);
      expect(details(rErr)).toEqual({ kind: 'unavailable', consistency: level, required: 3, alive: 2 });
    }
    // ANY: succeeds with every replica down (a stored hint counts).
    await c.run(c.node(1).stop());
    await c.run(c.coordinator(0).write([putKv(kv, 3, 'any', 3000)], w(ConsistencyLevel.ANY)));
    expect(c.coordinator(0).stats.hintsWritten).toBeGreaterThan(0);
  });

  it('LOCAL_QUORUM counts local replicas only and EACH_QUORUM needs every DC (NTS dc1:3, dc2:3)', async () => {
    const time = new VirtualTime();
    const tokens = evenTokens(6, 4);
    const c = await TestCluster.start({
      nodes: tokens.map((t, i) => ({ tokens: t, dc: i < 3 ? 'dc1' : 'dc2', rack: `r${i % 3}` })), time, random: new SeededRandom(3),
    });
    cluster = c;
    await c.createKeyspace('ks', { class: NTS, options: { dc1: '3', dc2: '3' } });
    const kv = await c.createTable(kvTable('ks'));
    const now = nowSeconds(time);
    c.hub.resetStats();
    await c.run(c.coordinator(0).write([putKv(kv, 1, 'a', 1000)], w(ConsistencyLevel.LOCAL_QUORUM)));
    await c.run(c.coordinator(0).read(readPartition(kv, 1, now), r(ConsistencyLevel.LOCAL_QUORUM)));
    // Reads touch dc1 only (writes go everywhere, as in Cassandra).
    for (let i = 3; i < 6; i++) {
      expect(c.hub.statsOf(Verb.Read, c.node(0).address, c.node(i).address).sent).toBe(0);
      expect(c.hub.statsOf(Verb.ReadDigest, c.node(0).address, c.node(i).address).sent).toBe(0);
    }
    // Stop dc2: dc1's LOCAL_QUORUM is unaffected; EACH_QUORUM and QUORUM (4 of 6) are not.
    for (let i = 3; i < 6; i++) await c.run(c.node(i).stop());
    await c.run(c.coordinator(1).write([putKv(kv, 2, 'b', 2000)], w(ConsistencyLevel.LOCAL_QUORUM)));
    expect(kvValue(await c.run(c.coordinator(2).read(readPartition(kv, 2, now), r(ConsistencyLevel.LOCAL_QUORUM))), now)).toBe('b');
    const each = await failure(c.coordinator(0).write([putKv(kv, 3, 'c', 3000)], w(ConsistencyLevel.EACH_QUORUM)), c);
    expect(details(each)).toEqual({ kind: 'unavailable', consistency: ConsistencyLevel.EACH_QUORUM, required: 2, alive: 0 });
    const quorum = await failure(c.coordinator(0).read(readPartition(kv, 2, now), r(ConsistencyLevel.QUORUM)), c);
    expect(details(quorum)).toEqual({ kind: 'unavailable', consistency: ConsistencyLevel.QUORUM, required: 4, alive: 3 });
    for (let i = 3; i < 6; i++) await c.run(c.node(i).restart());
    await c.run(c.coordinator(4).write([putKv(kv, 4, 'd', 4000)], w(ConsistencyLevel.EACH_QUORUM)));
    expect(kvValue(await c.run(c.coordinator(0).read(readPartition(kv, 4, now), r(ConsistencyLevel.EACH_QUORUM))), now)).toBe('d');
  });
});

describe('write timeouts and hints', () => {
  it('a replica that drops MUTATIONs gives WriteTimeout at ALL and a hint that is replayed later', async () => {
    const { c, time, kv } = await threeNodes({ hints: { replayIntervalMs: 1000 } });
    const now = nowSeconds(time);
    const silent = c.node(2).address;
    const removeRule = c.hub.addRule((m) => (m.to === silent && (m.verb === Verb.Mutation || m.verb === Verb.Hint) && m.kind === 'request' ? 'drop' : 'deliver'));
    const startedMs = time.monotonicMs();
    const e = await failure(c.coordinator(0).write([putKv(kv, 5, 'five', 1000)], w(ConsistencyLevel.ALL)), c);
    expect(e.code).toBe(ErrorCode.WriteTimeout);
    expect(details(e)).toEqual({ kind: 'write_timeout', consistency: ConsistencyLevel.ALL, received: 2, blockFor: 3, writeType: 'SIMPLE' });
    expect(time.monotonicMs() - startedMs).toBeGreaterThanOrEqual(2000);
    // QUORUM succeeds without the silent replica; it is hinted once its request times out.
    await c.run(c.coordinator(0).write([putKv(kv, 6, 'six', 1000)], w(ConsistencyLevel.QUORUM)));
    await c.idle(2500);
    expect(c.coordinator(0).hints.stats.stored).toBe(2);
    expect(localValue(c, 2, kv, 5, now)).toBeNull();
    removeRule();
    await c.idle(1500);
    expect(c.coordinator(0).hints.stats.delivered).toBe(2);
    expect(localValue(c, 2, kv, 5, now)).toBe('five');
    expect(localValue(c, 2, kv, 6, now)).toBe('six');
    expect(c.coordinator(0).hints.store.hostsWithHints()).toEqual([]);
  });

  it('hints for a down node survive the coordinator\'s restart and are replayed when the node is back', async () => {
    const { c, time, kv } = await threeNodes({ hints: { replayIntervalMs: 10_000 } });
    const now = nowSeconds(time);
    await c.run(c.node(2).stop());
    for (let k = 0; k < 20; k++) await c.run(c.coordinator(0).write([putKv(kv, k, `v${k}`, 1000 + k)], w(ConsistencyLevel.QUORUM)));
    expect(c.coordinator(0).hints.stats.stored).toBe(20);
    await c.run(c.node(0).crash());
    await c.run(c.node(0).restart());
    expect(c.coordinator(0).hints.store.hostsWithHints()).toEqual([c.node(2).hostId]);
    await c.run(c.node(2).restart());
    await c.idle(11_000);
    for (let k = 0; k < 20; k++) expect(localValue(c, 2, kv, k, now)).toBe(`v${k}`);
    expect(c.coordinator(0).hints.store.hostsWithHints()).toEqual([]);
  });

  it('throttles replay to hinted_handoff_throttle / (nodes - 1) and drops hints past gc_grace', async () => {
    const { c, time, kv } = await threeNodes({ hints: { replayIntervalMs: 1000, throttleBytesPerSecond: 20_000 } });
    const now = nowSeconds(time);
    const shortGrace = await c.createTable({ ...kvTable('ks', 'short_grace'), options: { gcGraceSeconds: 5 } });
    await c.run(c.node(2).stop());
    const big = 'x'.repeat(1000);
    for (let k = 0; k < 40; k++) await c.run(c.coordinator(0).write([putKv(kv, k, big, 1000 + k)], w(ConsistencyLevel.ONE)));
    await c.run(c.coordinator(0).write([putKv(shortGrace, 1, 'gone', 1000)], w(ConsistencyLevel.ONE)));
    const hintBytes = c.coordinator(0).hints.store.bytesFor(c.node(2).hostId);
    expect(hintBytes).toBeGreaterThan(40_000);
    await c.idle(6000);
    await c.run(c.node(2).restart());
    const started = time.monotonicMs();
    await c.run((async () => {
      while (c.coordinator(0).hints.store.hostsWithHints().length > 0) await c.idle(100);
    })(), 60_000);
    const tookMs = time.monotonicMs() - started;
    // 20 000 B/s shared by two peers: 10 000 B/s for this delivery.
    expect(tookMs).toBeGreaterThanOrEqual((hintBytes / 10_000) * 1000 * 0.8);
    expect(localValue(c, 2, kv, 39, now)).toBe(big);
    expect(c.coordinator(0).hints.stats.expired).toBe(1);
    expect(kvValue(c.node(2).storage.read(readPartition(shortGrace, 1, now)), now)).toBeNull();
  });

  it('does not hint beyond max_hint_window or for expired entries', async () => {
    const { c, kv } = await threeNodes({ hints: { maxHintWindowMs: 5000 } });
    await c.run(c.node(2).stop());
    await c.run(c.coordinator(0).write([putKv(kv, 1, 'a', 1000)], w(ConsistencyLevel.ONE)));
    expect(c.coordinator(0).hints.stats.stored).toBe(1);
    await c.idle(6000);
    await c.run(c.coordinator(0).write([putKv(kv, 2, 'b', 1000)], w(ConsistencyLevel.ONE)));
    expect(c.coordinator(0).hints.stats.stored).toBe(1);
  });
});

describe('read repair and digests', () => {
  it('a QUORUM read repairs a stale replica (digest mismatch, blocking repair)', async () => {
    const { c, time, kv } = await threeNodes({ hints: { enabled: false } });
    const now = nowSeconds(time);
    const k = 11;
    await c.run(c.coordinator(0).write([putKv(kv, k, 'old', 1000)], w(ConsistencyLevel.ALL)));
    // Node 2 misses the update (it is down, and the hint is never replayed: hints disabled).
    await c.run(c.node(2).stop());
    await c.run(c.coordinator(0).write([putKv(kv, k, 'new', 2000)], w(ConsistencyLevel.QUORUM)));
    await c.run(c.node(2).restart());
    expect(localValue(c, 2, kv, k, now)).toBe('old');
    // Node 2 coordinates: it reads its own data, digests from one other replica -> mismatch.
    const got = await c.run(c.coordinator(2).read(readPartition(kv, k, now), r(ConsistencyLevel.QUORUM)));
    expect(kvValue(got, now)).toBe('new');
    expect(c.coordinator(2).stats.digestMismatches).toBe(1);
    expect(c.coordinator(2).stats.readRepairMutations).toBeGreaterThan(0);
    // Repaired: a read at ONE from node 2 alone shows the new value.
    expect(localValue(c, 2, kv, k, now)).toBe('new');
    expect(kvValue(await c.run(c.coordinator(2).read(readPartition(kv, k, now), r(ConsistencyLevel.ONE))), now)).toBe('new');
  });

  it('repairs deletions too, and matching digests need no data round', async () => {
    const { c, time, kv } = await threeNodes({ hints: { enabled: false } });
    const now = nowSeconds(time);
    await c.run(c.coordinator(0).write([putKv(kv, 1, 'x', 1000)], w(ConsistencyLevel.ALL)));
    const before = c.coordinator(1).stats.digestMismatches;
    await c.run(c.coordinator(1).read(readPartition(kv, 1, now), r(ConsistencyLevel.ALL)));
    expect(c.coordinator(1).stats.digestMismatches).toBe(before);
    await c.run(c.node(0).stop());
    await c.run(c.coordinator(1).write([deleteKv(kv, 1, 2000, now)], w(ConsistencyLevel.QUORUM)));
    await c.run(c.node(0).restart());
    expect(localValue(c, 0, kv, 1, now)).toBe('x');
    const got = await c.run(c.coordinator(0).read(readPartition(kv, 1, now), r(ConsistencyLevel.ALL)));
    expect(kvValue(got, now)).toBeNull();
    expect(localValue(c, 0, kv, 1, now)).toBeNull();
  });

  it('short-read protection: a replica missing a row tombstone cannot hide live rows behind LIMIT', async () => {
    const { c, time, rows } = await threeNodes({ hints: { enabled: false } });
    const now = nowSeconds(time);
    await c.run(c.coordinator(0).write([putRows(rows, 1, [[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']], 1000)], w(ConsistencyLevel.ALL)));
    // Nodes 1 and 2 miss the deletions of rows 1 and 2 (applied at node 0 only).
    await c.run(c.node(1).stop());
    await c.run(c.node(2).stop());
    await c.run(c.coordinator(0).write([deleteRow(rows, 1, 1, 2000, now), deleteRow(rows, 1, 2, 2000, now)], w(ConsistencyLevel.ONE)));
    await c.run(c.node(1).restart());
    await c.run(c.node(2).restart());
    const command: ReadCommand = readPartition(rows, 1, now, { rows: 2, perPartitionRows: 2 });
    const got = await c.run(c.coordinator(1).read(command, r(ConsistencyLevel.ALL)));
    expect(liveValues(got.partitions[0]!, now)).toEqual([[3, 'c'], [4, 'd']]);
    expect(c.coordinator(1).stats.shortReadRetries).toBeGreaterThan(0);
  });

  it('speculative retry: a slow digest replica is bypassed after the fixed delay; ALWAYS asks one more at once', async () => {
    const { c, time } = await threeNodes();
    const now = nowSeconds(time);
    const fixed = await c.createTable({ ...kvTable('ks', 'fixed'), options: { speculativeRetry: '50ms' } });
    const always = await c.createTable({ ...kvTable('ks', 'always'), options: { speculativeRetry: 'ALWAYS' } });
    for (let k = 0; k < 10; k++) {
      await c.run(c.coordinator(0).write([putKv(fixed, k, `f${k}`, 1000), putKv(always, k, `a${k}`, 1000)], w(ConsistencyLevel.ALL)));
    }
    // Node 1 stops answering reads without being marked down.
    c.hub.addRule((m) => (m.to === c.node(1).address && (m.verb === Verb.Read || m.verb === Verb.ReadDigest) ? 'drop' : 'deliver'));
    for (let k = 0; k < 10; k++) {
      const started = time.monotonicMs();
      const got = await c.run(c.coordinator(0).read(readPartition(fixed, k, now), r(ConsistencyLevel.QUORUM)));
      expect(kvValue(got, now)).toBe(`f${k}`);
      expect(time.monotonicMs() - started).toBeLessThan(200);
    }
    // Node 1 comes before node 2 for some keys: those reads speculated.
    const speculated = c.coordinator(0).stats.speculativeRetries;
    expect(speculated).toBeGreaterThan(0);
    for (let k = 0; k < 10; k++) {
      const started = time.monotonicMs();
      expect(kvValue(await c.run(c.coordinator(0).read(readPartition(always, k, now), r(ConsistencyLevel.QUORUM))), now)).toBe(`a${k}`);
      expect(time.monotonicMs() - started).toBeLessThan(20);
    }
    expect(c.coordinator(0).stats.speculativeRetries).toBe(speculated);
  });

  it('speculative retry: the default 99p speculates after read_request_timeout / 2 before latencies are known', async () => {
    const { c, time, kv } = await threeNodes();
    const now = nowSeconds(time);
    await c.run(c.coordinator(0).write([putKv(kv, 1, 'x', 1000)], w(ConsistencyLevel.ALL)));
    // Peers drop reads until this coordinator speculates: without a default threshold a fresh
    // table never speculates and the QUORUM read times out at 5 s.
    c.hub.addRule((m) => (m.to !== c.node(0).address && (m.verb === Verb.Read || m.verb === Verb.ReadDigest) && c.coordinator(0).stats.speculativeRetries === 0
      ? 'drop' : 'deliver'));
    const started = time.monotonicMs();
    const got = await c.run(c.coordinator(0).read(readPartition(kv, 1, now), r(ConsistencyLevel.QUORUM)));
    expect(kvValue(got, now)).toBe('x');
    expect(c.coordinator(0).stats.speculativeRetries).toBe(1);
    const elapsed = time.monotonicMs() - started;
    expect(elapsed).toBeGreaterThanOrEqual(2500);
    expect(elapsed).toBeLessThan(2600);
  });
});

describe('counters', () => {
  it.each([
    ['periodic', {}],
    // Counter totals become readable on the leader only once durable: increments of one partition
    // wait for each other's commit-log sync there, and still all add up.
    ['batch', { commitLogSync: 'batch' }],
    ['group', { commitLogSync: 'group', commitLogSyncGroupWindowMs: 5 }],
  ] as const)('increments from every coordinator add up on every replica (%s commit-log sync)', async (_sync, storage) => {
    const { c, time } = await threeNodes({ storage });
    const now = nowSeconds(time);
    const counters = await c.createTable(counterTable('ks'));
    const writes: Array<Promise<void>> = [];
    for (let i = 0; i < 30; i++) {
      writes.push(c.coordinator(i % 3).write([addCounter(counters, 1, BigInt(i + 1), 1000 + i)], { consistency: ConsistencyLevel.QUORUM, writeType: 'COUNTER' }));
    }
    await c.run(Promise.all(writes));
    await c.idle(50);
    for (let i = 0; i < 3; i++) {
      expect(counterValue(c.node(i).storage.read(readPartition(counters, 1, now)))).toBe(465n);
      expect(counterValue(await c.run(c.coordinator(i).read(readPartition(counters, 1, now), r(ConsistencyLevel.QUORUM))))).toBe(465n);
    }
  });
});

describe('truncate and schema', () => {
  it('truncates on every node and refuses when a node is down', async () => {
    const { c, time, kv } = await threeNodes();
    const now = nowSeconds(time);
    await c.run(c.coordinator(0).write([putKv(kv, 1, 'x', 1000)], w(ConsistencyLevel.ALL)));
    await c.run(c.coordinator(1).truncate(kv.id));
    for (let i = 0; i < 3; i++) expect(localValue(c, i, kv, 1, now)).toBeNull();
    await c.run(c.node(2).stop());
    const e = await failure(c.coordinator(0).truncate(kv.id), c);
    expect(details(e)).toEqual({ kind: 'unavailable', consistency: ConsistencyLevel.ALL, required: 3, alive: 2 });
  });

  it('a node that missed a schema change pulls it when it comes back', async () => {
    const { c } = await threeNodes();
    await c.run(c.node(2).stop());
    const extra = await c.createTable(kvTable('ks', 'later'), 1);
    expect(c.node(0).schemaStore.current().version).toBe(c.node(1).schemaStore.current().version);
    await c.run(c.node(2).restart());
    await c.idle(100);
    expect(c.node(2).schemaStore.current().version).toBe(c.node(0).schemaStore.current().version);
    expect(c.node(2).schemaStore.current().keyspaces.get('ks')!.tables.get('later')!.id).toBe(extra.id);
    const installed: string[] = [];
    c.coordinator(2).onSchemaInstalled((s) => installed.push(s.version));
    await c.createTable(kvTable('ks', 'again'), 0);
    expect(installed).toEqual([c.node(0).schemaStore.current().version]);
  });
});

describe('batches', () => {
  it('writes several partitions at once', async () => {
    const { c, time, kv } = await threeNodes();
    const now = nowSeconds(time);
    const mutations: Mutation[] = [];
    for (let k = 100; k < 110; k++) mutations.push(putKv(kv, k, `b${k}`, 1000));
    await c.run(c.coordinator(1).write(mutations, { consistency: ConsistencyLevel.QUORUM, writeType: 'BATCH' }));
    for (let k = 100; k < 110; k++) {
      expect(kvValue(await c.run(c.coordinator(2).read(readPartition(kv, k, now), r(ConsistencyLevel.QUORUM))), now)).toBe(`b${k}`);
    }
    expect(tokenOf(100)).not.toBe(tokenOf(101));
  });
});
