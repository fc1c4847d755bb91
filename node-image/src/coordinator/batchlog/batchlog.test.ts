// Logged batches on an in-process cluster: the batch reaches its batchlog replicas before any
// mutation, is removed once applied, survives a batchlog replica's power loss, and is replayed by
// the batchlog replicas when its coordinator dies after storing it (every partition appears, not
// only some). Batchlog write timeouts are WriteTimeout(BATCH_LOG). Plus the store's durability and
// the batchlog endpoint choice.
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../cluster/index.ts';
import type { EndpointAddress, Token } from '../../cluster/index.ts';
import { MemoryDisk, silentLogger } from '../../io/index.ts';
import { ConsistencyLevel, CqlError, ErrorCode } from '../../lib/index.ts';
import { Verb } from '../../messaging/index.ts';
import { VirtualTime } from '../../messaging/testing/virtual-time.ts';
import type { TableMetadata } from '../../schema/index.ts';
import { kvTable, kvValue, putKv, readPartition, tokenOf } from '../testing/kv-fixtures.ts';
import type { MessageEnvelope } from '../testing/memory-messaging.ts';
import { TestCluster, evenTokens } from '../testing/test-cluster.ts';
import { chooseBatchlogEndpoints } from './batchlog-endpoints.ts';
import { BATCHLOG_TABLE_ID, decodeBatch, encodeBatch } from './batchlog-messages.ts';
import { BatchlogStore } from './batchlog-store.ts';

const SIMPLE = 'org.apache.cassandra.locator.SimpleStrategy';
const BATCHLOG_ID_BYTES = Buffer.from(BATCHLOG_TABLE_ID, 'utf8');

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

function isBatchlogWrite(m: MessageEnvelope): boolean {
  return m.verb === Verb.Mutation && m.kind === 'request' && m.payload.includes(BATCHLOG_ID_BYTES);
}

function isDataWrite(m: MessageEnvelope): boolean {
  return m.verb === Verb.Mutation && m.kind === 'request' && !m.payload.includes(BATCHLOG_ID_BYTES);
}

/** Three nodes, one token each, RF 1: every key lives on exactly one node. */
async function start(): Promise<{ c: TestCluster; time: VirtualTime; kv: TableMetadata; now: number; keyOn: (node: number, skip?: number) => number }> {
  const time = new VirtualTime();
  const c = await TestCluster.start({
    nodes: evenTokens(3, 1).map((tokens) => ({ tokens })), time, random: new SeededRandom(5), batchlog: { replayIntervalMs: 1000 },
  });
  cluster = c;
  await c.createKeyspace('ks', { class: SIMPLE, options: { replication_factor: '1' } });
  const kv = await c.createTable(kvTable('ks'));
  const ring = c.board.ring();
  const keyOn = (node: number, skip = 0): number => {
    let found = 0;
    for (let k = 0; k < 10_000; k++) {
      if (ring.ownerOf(ring.firstTokenAtOrAfter(tokenOf(k) as Token)) === c.node(node).address && found++ === skip) return k;
    }
    throw new Error('no key');
  };
  return { c, time, kv, now: Math.floor(time.nowMs() / 1000), keyOn };
}

const batchAt = (consistency: ConsistencyLevel): { consistency: ConsistencyLevel; writeType: 'BATCH' } => ({ consistency, writeType: 'BATCH' });

function localValue(c: TestCluster, i: number, kv: TableMetadata, k: number, now: number): string | null {
  return kvValue(c.node(i).storage.read(readPartition(kv, k, now)), now);
}

describe('logged batches', () => {
  it('store the batch on two batchlog replicas first, then write, then remove the entry', async () => {
    const { c, kv, now, keyOn } = await start();
    const order: string[] = [];
    c.hub.addRule((m) => {
      if (isBatchlogWrite(m)) order.push('batchlog');
      else if (isDataWrite(m)) order.push('data');
      return 'deliver';
    });
    const k1 = keyOn(1);
    const k2 = keyOn(2);
    await c.run(c.coordinator(0).write([putKv(kv, k1, 'a', 1000), putKv(kv, k2, 'b', 1000)], batchAt(ConsistencyLevel.ONE)));
    await c.idle(100);
    expect(localValue(c, 1, kv, k1, now)).toBe('a');
    expect(localValue(c, 2, kv, k2, now)).toBe('b');
    // Nodes 1 and 2 (the local DC's other nodes) got the batch before either data write, then its removal.
    expect(order.slice(0, 2)).toEqual(['batchlog', 'batchlog']);
    expect(order.filter((o) => o === 'data')).toHaveLength(2);
    expect(order.filter((o) => o === 'batchlog')).toHaveLength(4);
    for (const i of [1, 2]) {
      expect(c.coordinator(i).batchlog.stats.stored).toBe(1);
      expect(c.coordinator(i).batchlog.stats.removed).toBe(1);
      expect(c.coordinator(i).batchlog.store.size).toBe(0);
    }
    // A single-partition batch needs no batchlog.
    await c.run(c.coordinator(0).write([putKv(kv, k1, 'c', 2000)], batchAt(ConsistencyLevel.ONE)));
    expect(c.coordinator(1).batchlog.stats.stored).toBe(1);
  });

  it('a batch whose coordinator dies after storing it is replayed by its batchlog replicas: all of it', async () => {
    const { c, kv, now, keyOn } = await start();
    const k0 = keyOn(0);
    const k1 = keyOn(1);
    const k2 = keyOn(2);
    // The coordinator's data writes to other nodes are lost; its own partition is written locally.
    const removeRule = c.hub.addRule((m) => (m.from === c.node(0).address && isDataWrite(m) ? 'drop' : 'deliver'));
    const write = c.coordinator(0).write([putKv(kv, k0, 'zero', 1000), putKv(kv, k1, 'one', 1000), putKv(kv, k2, 'two', 1000)], batchAt(ConsistencyLevel.ALL));
    write.catch(() => undefined);
    await c.idle(50);
    expect(c.coordinator(1).batchlog.store.size).toBe(1);
    expect(c.coordinator(2).batchlog.store.size).toBe(1);
    // The coordinator dies mid-batch: only its own partition was written.
    await c.run(c.node(0).crash());
    removeRule();
    expect(localValue(c, 1, kv, k1, now)).toBeNull();
    expect(localValue(c, 2, kv, k2, now)).toBeNull();
    // After 2 x write_request_timeout the batchlog replicas replay the whole batch; node 0's part is hinted.
    await c.idle(6000);
    expect(localValue(c, 1, kv, k1, now)).toBe('one');
    expect(localValue(c, 2, kv, k2, now)).toBe('two');
    expect(c.coordinator(1).batchlog.stats.replayed + c.coordinator(2).batchlog.stats.replayed).toBe(2);
    expect(c.coordinator(1).batchlog.store.size + c.coordinator(2).batchlog.store.size).toBe(0);
    await c.run(c.node(0).restart());
    await c.idle(12_000);
    const got = await c.run(c.coordinator(1).read(readPartition(kv, k0, now), { consistency: ConsistencyLevel.ONE }));
    expect(kvValue(got, now)).toBe('zero');
  });

  it('a batch whose writes time out stays in the batchlog and is replayed', async () => {
    const { c, kv, now, keyOn } = await start();
    const k1 = keyOn(1);
    const k2 = keyOn(2);
    const removeRule = c.hub.addRule((m) => (m.to === c.node(2).address && isDataWrite(m) ? 'drop' : 'deliver'));
    let error: unknown = null;
    try {
      await c.run(c.coordinator(0).write([putKv(kv, k1, 'one', 1000), putKv(kv, k2, 'two', 1000)], batchAt(ConsistencyLevel.ONE)));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CqlError);
    expect((error as CqlError).details).toMatchObject({ kind: 'write_timeout', writeType: 'BATCH' });
    removeRule();
    // The hint for node 2 and the replay both bring "two" there; the batch is gone afterwards.
    await c.idle(6000);
    expect(localValue(c, 2, kv, k2, now)).toBe('two');
    expect(c.coordinator(1).batchlog.store.size + c.coordinator(2).batchlog.store.size).toBe(0);
  });

  it('batchlog writes that time out are WriteTimeout(BATCH_LOG) and nothing is written', async () => {
    const { c, kv, now, keyOn } = await start();
    const k1 = keyOn(1);
    const k2 = keyOn(2);
    c.hub.addRule((m) => (m.to === c.node(2).address && isBatchlogWrite(m) ? 'drop' : 'deliver'));
    let error: unknown = null;
    try {
      await c.run(c.coordinator(0).write([putKv(kv, k1, 'one', 1000), putKv(kv, k2, 'two', 1000)], batchAt(ConsistencyLevel.QUORUM)));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CqlError);
    expect((error as CqlError).code).toBe(ErrorCode.WriteTimeout);
    expect((error as CqlError).details).toEqual({ kind: 'write_timeout', consistency: ConsistencyLevel.TWO, received: 1, blockFor: 2, writeType: 'BATCH_LOG' });
    expect(localValue(c, 1, kv, k1, now)).toBeNull();
  });

  it('with no other live node in the DC a batch is Unavailable(ONE), except at ANY (stored locally)', async () => {
    const { c, kv, now, keyOn } = await start();
    const k0 = keyOn(0);
    const k0b = keyOn(0, 1);
    await c.run(c.node(1).stop());
    await c.run(c.node(2).stop());
    let error: unknown = null;
    try {
      await c.run(c.coordinator(0).write([putKv(kv, k0, 'a', 1000), putKv(kv, k0b, 'b', 1000)], batchAt(ConsistencyLevel.ONE)));
    } catch (e) {
      error = e;
    }
    expect((error as CqlError).details).toEqual({ kind: 'unavailable', consistency: ConsistencyLevel.ONE, required: 1, alive: 0 });
    await c.run(c.coordinator(0).write([putKv(kv, k0, 'a', 1000), putKv(kv, k0b, 'b', 1000)], batchAt(ConsistencyLevel.ANY)));
    expect(c.coordinator(0).batchlog.stats.stored).toBe(1);
    expect(c.coordinator(0).batchlog.stats.removed).toBe(1);
    expect(localValue(c, 0, kv, k0b, now)).toBe('b');
  });

  it('a stored batch survives a batchlog replica\'s power loss', async () => {
    const { c, kv, keyOn } = await start();
    c.hub.addRule((m) => (m.from === c.node(0).address && (isDataWrite(m) || (isBatchlogWrite(m) && c.coordinator(1).batchlog.store.size > 0)) ? 'drop' : 'deliver'));
    const write = c.coordinator(0).write([putKv(kv, keyOn(1), 'one', 1000), putKv(kv, keyOn(2), 'two', 1000)], batchAt(ConsistencyLevel.ONE));
    write.catch(() => undefined);
    await c.idle(50);
    expect(c.coordinator(1).batchlog.store.size).toBe(1);
    await c.run(c.node(1).crash({ powerLoss: true }));
    await c.run(c.node(1).restart());
    expect(c.coordinator(1).batchlog.store.size).toBe(1);
  });
});

describe('batchlog store', () => {
  it('keeps stored batches across restarts, forgets removed ones, stops at a torn tail', async () => {
    const disk = new MemoryDisk();
    const open = (): BatchlogStore => BatchlogStore.open({ disk: disk.processView(), directory: '/b', logger: silentLogger });
    let store = open();
    const id = (n: number): Buffer => Buffer.alloc(16, n);
    for (let n = 1; n <= 5; n++) store.store({ id: id(n), storedAtMs: n * 1000, batch: encodeBatch([Buffer.from(`m${n}`)]) });
    store.remove(id(2));
    await store.durable();
    store.store({ id: id(6), storedAtMs: 6000, batch: encodeBatch([Buffer.from('m6')]) });
    // Power loss before the last record was synced: it is lost, the others are not.
    disk.crash({ seed: 3, unsyncedBytes: 'none' });
    store = open();
    expect(store.batches().map((b) => b.id[0])).toEqual([1, 3, 4, 5]);
    expect(decodeBatch(store.batches()[0]!.batch)).toEqual([Buffer.from('m1')]);
    expect(store.batches()[1]!.storedAtMs).toBe(3000);
    await store.close();
  });

  it('refuses a malformed batch blob', () => {
    expect(() => decodeBatch(Buffer.from([0]))).toThrow(/batch of 0/);
    expect(() => decodeBatch(Buffer.from([1, 5, 1]))).toThrow(/malformed batch/);
  });
});

describe('batchlog endpoints', () => {
  const random = new SeededRandom(1);
  const a = (n: number): EndpointAddress => `127.0.0.${n}:7000` as EndpointAddress;
  const self = a(1);
  const member = (n: number, rack: string, alive = true): { address: EndpointAddress; rack: string; alive: boolean } => ({ address: a(n), rack, alive });

  it('picks two live others, from racks other than the local one when it can, never itself', () => {
    for (let i = 0; i < 50; i++) {
      const chosen = chooseBatchlogEndpoints({
        self, localRack: 'r1', isAny: false, random,
        datacenterMembers: [member(1, 'r1'), member(2, 'r1'), member(3, 'r2'), member(4, 'r3'), member(5, 'r3', false)],
      });
      expect(chosen).toHaveLength(2);
      expect(chosen).not.toContain(self);
      expect(chosen).not.toContain(a(5));
      expect(chosen).not.toContain(a(2));
      expect(new Set(chosen).size).toBe(2);
    }
    // Other racks cannot give two: the local rack's other nodes count.
    const chosen = chooseBatchlogEndpoints({ self, localRack: 'r1', isAny: false, random, datacenterMembers: [member(1, 'r1'), member(2, 'r1'), member(3, 'r1'), member(4, 'r2')] });
    expect(chosen).toHaveLength(2);
    expect(chosen).toContain(a(4));
    // One rack with many nodes: two distinct ones.
    const same = chooseBatchlogEndpoints({ self, localRack: 'r1', isAny: false, random, datacenterMembers: [1, 2, 3, 4, 5].map((n) => member(n, 'r1')) });
    expect(new Set(same).size).toBe(2);
  });

  it('uses the only other node, itself in a one-node DC, itself at ANY, else Unavailable(ONE)', () => {
    expect(chooseBatchlogEndpoints({ self, localRack: 'r1', isAny: false, random, datacenterMembers: [member(1, 'r1'), member(2, 'r1')] })).toEqual([a(2)]);
    expect(chooseBatchlogEndpoints({ self, localRack: 'r1', isAny: false, random, datacenterMembers: [member(1, 'r1')] })).toEqual([self]);
    expect(chooseBatchlogEndpoints({ self, localRack: 'r1', isAny: true, random, datacenterMembers: [member(1, 'r1'), member(2, 'r1', false)] })).toEqual([self]);
    expect(() => chooseBatchlogEndpoints({ self, localRack: 'r1', isAny: false, random, datacenterMembers: [member(1, 'r1'), member(2, 'r1', false)] }))
      .toThrow(CqlError);
  });
});
