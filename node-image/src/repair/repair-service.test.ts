import { afterEach, describe, expect, it } from 'vitest';
import { FULL_RING, TokenMetadata, endpointAddress, hostId, token } from '../cluster/index.ts';
import type { EndpointAddress, Token } from '../cluster/index.ts';
import { StaticMembershipBoard } from '../coordinator/testing/static-membership.ts';
import { MemoryDisk, silentLogger } from '../io/index.ts';
import type { Timers } from '../io/index.ts';
import type { StorageEngineWithStats } from '../storage/index.ts';
import { harness } from '../storage/testing/engine-harness.ts';
import { KEYSPACE, TABLE_SIMPLE, int, liveCell, makeSchema, marker, mutationOf, row, update } from '../storage/testing/fixtures.ts';
import { StreamService, rangeRead } from '../streaming/index.ts';
import { LoopbackHub } from '../streaming/testing/loopback-messaging.ts';
import { loadRepairHistory } from './repair-history.ts';
import { RepairService } from './repair-service.ts';

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

const base = makeSchema([TABLE_SIMPLE]);
const schema = { ...base, keyspaces: new Map([[KEYSPACE, { ...base.keyspaces.get(KEYSPACE)!, replication: { class: 'SimpleStrategy', options: { replication_factor: '2' } } }]]) };
const engines: StorageEngineWithStats[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

const e = (n: number): EndpointAddress => endpointAddress(`127.0.0.${n}:7000`);

function ring(): TokenMetadata {
  let r = TokenMetadata.empty();
  const tokens: Array<[number, bigint]> = [[1, -3_000_000_000_000_000_000n], [2, 3_000_000_000_000_000_000n]];
  for (const [n, t] of tokens) {
    r = r.withEndpoint({ address: e(n), hostId: hostId(`00000000-0000-4000-8000-00000000000${n}`), dc: 'dc1', rack: 'r1' }).withNormalTokens(e(n), [token(t) as Token]);
  }
  return r;
}

describe('RepairService', () => {
  it('makes a replica that missed writes consistent, streaming only mismatching ranges', async () => {
    const hub = new LoopbackHub();
    const board = new StaticMembershipBoard({ ring: ring(), timers: realTimers });
    const nodes = [];
    for (const n of [1, 2]) {
      const h = harness({ timers: realTimers, schema, config: { commitLogSync: 'periodic' } });
      const storage = await h.open();
      engines.push(storage);
      const messaging = hub.node(e(n));
      const streams = new StreamService({ messaging, storage, schema: () => schema, clock: h.clock, timers: realTimers, logger: silentLogger, throughputBytesPerSecond: 0 });
      streams.start();
      const disk = new MemoryDisk();
      disk.mkdirp('/sys');
      const repair = new RepairService({
        messaging, membership: board.view(e(n)), streams, storage, schema: () => schema, clock: h.clock, timers: realTimers, logger: silentLogger,
        disk, systemDirectory: '/sys',
      });
      repair.start();
      nodes.push({ storage, repair, disk });
    }
    const [a, b] = nodes as [typeof nodes[0], typeof nodes[0]];
    for (let i = 0; i < 400; i++) {
      const m = mutationOf(update(TABLE_SIMPLE.id, i, { rows: [row([], { liveness: marker(10), cells: [liveCell('v', int(i), 10)] })] }));
      await a.storage.apply(m);
      if (i % 50 !== 0) await b.storage.apply(m); // b missed 8 writes
    }
    const all = (s: StorageEngineWithStats): bigint[] => s.read(rangeRead(TABLE_SIMPLE.id, FULL_RING, { rangeIndex: 0, token: null, key: null }, Infinity, 0)).partitions.map((p) => p.token);
    // Subrange first: only the missed partitions with tokens in (0, 2^62] come over.
    const sub = await a.repair.repair({ keyspace: KEYSPACE, tables: undefined, primaryRange: false, datacenters: undefined, startToken: '0', endToken: String(2n ** 62n) }, () => {});
    const inSub = all(a.storage).filter((t) => t > 0n && t <= 2n ** 62n);
    expect(all(b.storage).filter((t) => t > 0n && t <= 2n ** 62n)).toEqual(inSub);
    expect(all(b.storage).length).toBeLessThan(400);
    expect(sub.failedRanges).toBe(0);
    const result = await a.repair.repair({ keyspace: KEYSPACE, tables: undefined, primaryRange: false, datacenters: undefined, startToken: undefined, endToken: undefined }, () => {});
    expect(result.mismatchedRanges).toBeGreaterThan(0);
    expect(result.failedRanges).toBe(0);
    expect(all(b.storage)).toHaveLength(400);
    // Streamed far less than everything: only mismatching leaves.
    expect(result.streamedBytes).toBeLessThan(400 * 40);
    const again = await a.repair.repair({ keyspace: KEYSPACE, tables: [TABLE_SIMPLE.name], primaryRange: true, datacenters: undefined, startToken: undefined, endToken: undefined }, () => {});
    expect(again.mismatchedRanges).toBe(0);
    expect(loadRepairHistory(a.disk, '/sys').map((h) => h.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
  });
});
