import { afterEach, describe, expect, it } from 'vitest';
import { FULL_RING, endpointAddress, rangeContains, token, tokenRange } from '../cluster/index.ts';
import { silentLogger } from '../io/index.ts';
import type { Timers } from '../io/index.ts';
import { MessagingError, Verb } from '../messaging/index.ts';
import type { StorageEngineWithStats } from '../storage/index.ts';
import { harness } from '../storage/testing/engine-harness.ts';
import { KEYSPACE, TABLE_MAIN, int, liveCell, makeSchema, marker, mutationOf, pkOf, row, tombstoneCell, update } from '../storage/testing/fixtures.ts';
import { StreamService, rangeRead } from './stream-service.ts';
import { LoopbackHub } from './testing/loopback-messaging.ts';

const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const h = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(h) };
  },
  setInterval: (fn, ms) => {
    const h = setInterval(fn, ms);
    return { cancel: () => clearInterval(h) };
  },
  setImmediate: (fn) => {
    const h = setImmediate(fn);
    return { cancel: () => clearImmediate(h) };
  },
};

const schema = makeSchema([TABLE_MAIN]);
const A = endpointAddress('127.0.0.1:7000');
const B = endpointAddress('127.0.0.2:7000');
const engines: StorageEngineWithStats[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

async function node(hub: LoopbackHub, self: typeof A): Promise<{ storage: StorageEngineWithStats; streams: StreamService }> {
  const h = harness({ timers: realTimers, schema, config: { memtableFlushThresholdBytes: 64 * 1024, commitLogSync: 'periodic' } });
  const storage = await h.open();
  engines.push(storage);
  const streams = new StreamService({
    messaging: hub.node(self), storage, schema: () => schema, clock: h.clock, timers: realTimers, logger: silentLogger,
    throughputBytesPerSecond: 0, limits: { pageBytesMax: 2048, readPartitionsMax: 7, retryDelayInitialMs: 1, retryDelayMaxMs: 2 },
  });
  streams.start();
  return { storage, streams };
}

async function fill(storage: StorageEngineWithStats, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const rows = [row([int(1)], { liveness: marker(10), cells: [liveCell('v', int(i), 10)] }), row([int(2)], { cells: [tombstoneCell('v', 11, 1000)] })];
    await storage.apply(mutationOf(update(TABLE_MAIN.id, i, { rows })));
    if (i === Math.floor(n / 2)) await storage.flush();
  }
}

function tokensIn(storage: StorageEngineWithStats): bigint[] {
  const all = storage.read(rangeRead(TABLE_MAIN.id, FULL_RING, { rangeIndex: 0, token: null, key: null }, Infinity, 0));
  return all.partitions.map((p) => p.token);
}

describe('StreamService', () => {
  it('pulls exactly the partitions of the requested ranges, deletions included', async () => {
    const hub = new LoopbackHub();
    const a = await node(hub, A);
    const b = await node(hub, B);
    await fill(a.storage, 300);
    const ranges = [tokenRange(token(-5_000_000_000_000_000_000n), token(-1n)), tokenRange(token(7_000_000_000_000_000_000n), token(-8_000_000_000_000_000_000n))];
    const result = await b.streams.pull({ planId: 'p1', operation: 'BOOTSTRAP', source: A, keyspace: KEYSPACE, tables: [], ranges });
    const expected = tokensIn(a.storage).filter((t) => ranges.some((r) => rangeContains(r, token(t))));
    expect(tokensIn(b.storage)).toEqual(expected);
    expect(result.partitions).toBe(expected.length);
    expect(hub.requests).toBeGreaterThan(5);
    const one = b.storage.read({ ...rangeRead(TABLE_MAIN.id, FULL_RING, { rangeIndex: 0, token: null, key: null }, 1, 0) });
    const p = one.partitions[0]!;
    expect(p.rows).toHaveLength(2);
    expect(p.rows[1]!.cells[0]!.tombstone).toBe(true);
    const views = b.streams.list();
    expect(views[0]).toMatchObject({ planId: 'p1', direction: 'RECEIVING', peer: A, filesDone: 1, filesTotal: 1, state: 'DONE' });
    expect(a.streams.list()[0]).toMatchObject({ direction: 'SENDING', peer: B });
  });

  it('resumes after broken pages and ends with the same data', async () => {
    const hub = new LoopbackHub();
    const a = await node(hub, A);
    const b = await node(hub, B);
    await fill(a.storage, 200);
    let n = 0;
    hub.fault = (_from, _to, verb) => (verb === Verb.StreamRequest && ++n % 3 === 0 ? new MessagingError('MSG_ERR_CLOSED', 'connection lost') : null);
    await b.streams.pull({ planId: 'p2', operation: 'REPAIR', source: A, keyspace: KEYSPACE, tables: [TABLE_MAIN.name], ranges: [FULL_RING] });
    expect(tokensIn(b.storage)).toEqual(tokensIn(a.storage));
  });

  it('fails after bounded attempts when the source is gone', async () => {
    const hub = new LoopbackHub();
    const a = await node(hub, A);
    const b = await node(hub, B);
    await fill(a.storage, 10);
    hub.nodes.get(A)!.down = true;
    await expect(b.streams.pull({ planId: 'p3', operation: 'REBUILD', source: A, keyspace: KEYSPACE, tables: [], ranges: [FULL_RING] }))
      .rejects.toThrow(/failed after 10 attempt/);
    expect(b.streams.list()[0]?.state).toBe('FAILED');
  });

  it('a sync request makes the target pull from the source', async () => {
    const hub = new LoopbackHub();
    const a = await node(hub, A);
    const b = await node(hub, B);
    await fill(a.storage, 50);
    const r = await a.streams.requestSync(B, { planId: 'p4', operation: 'DECOMMISSION', source: A, keyspace: KEYSPACE, tables: [], ranges: [FULL_RING] });
    expect(r.partitions).toBe(50);
    expect(tokensIn(b.storage)).toEqual(tokensIn(a.storage));
    expect(pkOf(1).token).toBeTypeOf('bigint');
  });
});
