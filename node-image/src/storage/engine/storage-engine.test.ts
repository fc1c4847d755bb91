import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDisk } from '../../io/index.ts';
import { realTimers } from '../../io/real/index.ts';
import { CqlError, ErrorCode, TOKEN_MAX, TOKEN_MIN } from '../../lib/index.ts';
import type { ClusteringFilter, DataLimits, Mutation, PartitionSelector, ReadCommand, ReadPartition, Slice } from '../model.ts';
import { toLivePartition } from '../read/partition-merger.ts';
import { harness } from '../testing/engine-harness.ts';
import type { Harness } from '../testing/engine-harness.ts';
import {
  TABLE_COUNTER, TABLE_DESC, TABLE_MAIN, TABLE_SIMPLE, bigint64, deletion, expiringCell, int, liveCell, makeSchema, marker, mutationOf, pkOf, row,
  text, tombstoneCell, update,
} from '../testing/fixtures.ts';
import { openStorageEngine } from './storage-engine.ts';
import type { StorageEngineWithStats } from './storage-engine.ts';

const NOW = 1_700_000_000;
const NO_LIMITS: DataLimits = { rows: Infinity, perPartitionRows: Infinity, partitions: Infinity };
const ALL_SLICE: Slice = { start: { values: [], inclusive: true }, end: { values: [], inclusive: true } };
const SCHEMA = makeSchema([TABLE_MAIN, TABLE_DESC, TABLE_COUNTER, TABLE_SIMPLE]);

interface ReadOptions {
  tableId?: string;
  pk?: number;
  range?: PartitionSelector;
  slices?: Slice[];
  names?: number[][];
  reversed?: boolean;
  columns?: string[] | 'all';
  limits?: Partial<DataLimits>;
  now?: number;
  resume?: Buffer[] | null;
  includeStatic?: boolean;
}

function cmd(o: ReadOptions): ReadCommand {
  const reversed = o.reversed ?? false;
  const clustering: ClusteringFilter = o.names !== undefined
    ? { kind: 'names', clusterings: o.names.map((c) => c.map(int)), reversed }
    : { kind: 'slices', slices: o.slices ?? [ALL_SLICE], reversed };
  const single = pkOf(o.pk ?? 1);
  return {
    tableId: o.tableId ?? TABLE_MAIN.id,
    partitions: o.range ?? { kind: 'single', key: single.key, token: single.token },
    clustering,
    columns: o.columns ?? 'all',
    limits: { ...NO_LIMITS, ...o.limits },
    nowSeconds: o.now ?? NOW,
    resumeAfterClustering: o.resume ?? null,
    includeStaticRow: o.includeStatic ?? true,
  };
}

const FULL_RANGE: PartitionSelector = { kind: 'range', start: { token: TOKEN_MIN, key: null }, startInclusive: true, end: { token: TOKEN_MAX, key: null }, endInclusive: true };

function cks(p: ReadPartition | undefined): number[] {
  return (p?.rows ?? []).map((r) => r.clustering[0]!.readInt32BE(0));
}

function insert(pk: number, ck: number, v: number, ts = 100): Mutation {
  return mutationOf(update(TABLE_MAIN.id, pk, { rows: [row([int(ck)], { liveness: marker(ts), cells: [liveCell('v', int(v), ts)] })] }));
}

const engines: StorageEngineWithStats[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

async function open(h: Harness): Promise<StorageEngineWithStats> {
  const e = await h.open();
  engines.push(e);
  return e;
}

type Variant = 'memtable' | 'flush each write' | 'reopen';
const VARIANTS: Variant[] = ['memtable', 'flush each write', 'reopen'];

/** Applies mutations, then (per variant) leaves them in memtables, flushes after each, or reopens. */
async function load(variant: Variant, mutations: Mutation[], config = {}): Promise<StorageEngineWithStats> {
  const h = harness({ timers: realTimers, schema: SCHEMA, config });
  let e = await open(h);
  for (const m of mutations) {
    await e.apply(m);
    if (variant === 'flush each write') await e.flush();
  }
  if (variant === 'reopen') {
    await e.close();
    e = await open(h);
  }
  return e;
}

describe.each(VARIANTS)('reads (%s)', (variant) => {
  it('applies slices, names and reversed order', async () => {
    const e = await load(variant, [...Array(10).keys()].map((ck) => insert(1, ck, ck * 10)));
    const incl = (n: number, inclusive = true) => ({ values: [int(n)], inclusive });
    expect(cks(e.read(cmd({})).partitions[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(cks(e.read(cmd({ slices: [{ start: incl(2), end: incl(4) }, { start: incl(5, false), end: incl(7, false) }] })).partitions[0])).toEqual([2, 3, 4, 6]);
    expect(cks(e.read(cmd({ slices: [{ start: incl(2), end: incl(4) }, { start: incl(7), end: { values: [], inclusive: true } }], reversed: true })).partitions[0])).toEqual([9, 8, 7, 4, 3, 2]);
    expect(cks(e.read(cmd({ names: [[1], [3], [9], [11]] })).partitions[0])).toEqual([1, 3, 9]);
    expect(cks(e.read(cmd({ names: [[1], [3], [9]], reversed: true })).partitions[0])).toEqual([9, 3, 1]);
    expect(e.read(cmd({ pk: 2 })).partitions).toEqual([]);
  });

  it('orders DESC clustering columns and matches prefixes', async () => {
    const muts: Mutation[] = [];
    for (const c1 of [1, 5, 3]) {
      for (const c2 of ['b', 'a']) {
        muts.push(mutationOf(update(TABLE_DESC.id, 1, { rows: [row([int(c1), text(c2)], { liveness: marker(10), cells: [liveCell('v', int(c1), 10)] })] })));
      }
    }
    const e = await load(variant, muts);
    const names = (p: ReadPartition | undefined) => (p?.rows ?? []).map((r) => `${r.clustering[0]!.readInt32BE(0)}${r.clustering[1]!.toString()}`);
    expect(names(e.read(cmd({ tableId: TABLE_DESC.id })).partitions[0])).toEqual(['5a', '5b', '3a', '3b', '1a', '1b']);
    expect(names(e.read(cmd({ tableId: TABLE_DESC.id, slices: [{ start: { values: [int(3)], inclusive: true }, end: { values: [int(3)], inclusive: true } }] })).partitions[0])).toEqual(['3a', '3b']);
    // c1 > 1 in DESC order is a slice from the top down to (1) exclusive.
    expect(names(e.read(cmd({ tableId: TABLE_DESC.id, slices: [{ start: { values: [], inclusive: true }, end: { values: [int(1)], inclusive: false } }], reversed: true })).partitions[0])).toEqual(['3b', '3a', '5b', '5a']);
  });

  it('counts live rows only against row, per-partition and partition limits', async () => {
    const muts: Mutation[] = [];
    for (let pk = 0; pk < 5; pk++) for (let ck = 0; ck < 4; ck++) muts.push(insert(pk, ck, 1));
    muts.push(mutationOf(update(TABLE_MAIN.id, 0, { rows: [row([int(0)], { deletion: deletion(200) })] })));
    const e = await load(variant, muts);
    const p0 = e.read(cmd({ pk: 0, limits: { rows: 2 } })).partitions[0]!;
    // The deleted row is kept as a deletion and does not count.
    expect(p0.rows.map((r) => [r.clustering[0]!.readInt32BE(0), r.deletion !== null])).toEqual([[0, true], [1, false], [2, false]]);
    const range = e.read(cmd({ range: FULL_RANGE, limits: { rows: 6, perPartitionRows: 2 } }));
    const live = range.partitions.map((p) => toLivePartition(p, NOW).rows.length);
    expect(live.reduce((a, b) => a + b, 0)).toBe(6);
    expect(live.every((n) => n <= 2)).toBe(true);
    expect(e.read(cmd({ range: FULL_RANGE, limits: { partitions: 2 } })).partitions.length).toBe(2);
    const tokens = e.read(cmd({ range: FULL_RANGE })).partitions.map((p) => p.token);
    expect([...tokens].sort((a, b) => (a < b ? -1 : 1))).toEqual(tokens);
  });

  it('resumes paging after a clustering in the start partition only', async () => {
    const muts: Mutation[] = [];
    for (let pk = 0; pk < 3; pk++) for (let ck = 0; ck < 5; ck++) muts.push(insert(pk, ck, 1));
    const e = await load(variant, muts);
    expect(cks(e.read(cmd({ pk: 1, resume: [int(2)] })).partitions[0])).toEqual([3, 4]);
    expect(cks(e.read(cmd({ pk: 1, resume: [int(2)], reversed: true })).partitions[0])).toEqual([1, 0]);
    const all = e.read(cmd({ range: FULL_RANGE })).partitions;
    const first = all[0]!;
    const page = e.read(cmd({ range: { ...FULL_RANGE, start: { token: first.token, key: first.key }, startInclusive: true } as PartitionSelector, resume: [int(3)] })).partitions;
    expect(cks(page[0])).toEqual([4]);
    expect(cks(page[1])).toEqual([0, 1, 2, 3, 4]);
  });

  it('returns the static row with rows, or alone when asked, counting a static-only partition once', async () => {
    const e = await load(variant, [
      mutationOf(update(TABLE_MAIN.id, 1, { staticRow: row([], { cells: [liveCell('s', int(7), 10)] }) })),
      mutationOf(update(TABLE_MAIN.id, 2, { staticRow: row([], { cells: [liveCell('s', int(8), 10)] }) })),
      insert(2, 1, 1),
    ]);
    const alone = e.read(cmd({ pk: 1 })).partitions[0]!;
    expect(alone.staticRow!.cells[0]!.value).toEqual(int(7));
    expect(alone.rows).toEqual([]);
    expect(e.read(cmd({ pk: 1, includeStatic: false })).partitions).toEqual([]);
    expect(e.read(cmd({ pk: 2, includeStatic: false, names: [[1]] })).partitions[0]!.staticRow!.cells[0]!.value).toEqual(int(8));
    const limited = e.read(cmd({ range: FULL_RANGE, limits: { rows: 1 } })).partitions;
    expect(limited.length).toBe(1);
  });

  it('projects columns but keeps the cells that make a row live', async () => {
    const e = await load(variant, [
      mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(1)], { liveness: marker(10), cells: [liveCell('v', int(1), 10), liveCell('w', text('a'), 10)] })] })),
      mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(2)], { cells: [liveCell('w', text('b'), 10)] })] })),
    ]);
    const p = e.read(cmd({ columns: ['v'] })).partitions[0]!;
    expect(p.rows[0]!.cells.map((c) => c.column)).toEqual(['v']);
    // Row 2 lives through w only: it keeps w so its liveness survives merges.
    expect(p.rows[1]!.cells.map((c) => c.column)).toEqual(['w']);
    expect(toLivePartition(p, NOW).rows.length).toBe(2);
  });

  it('expires TTL cells and row markers at nowSeconds', async () => {
    const e = await load(variant, [
      mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(1)], { liveness: marker(10, 100, NOW + 50), cells: [expiringCell('v', int(1), 10, 100, NOW + 50), liveCell('w', text('keep'), 10)] })] })),
      mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(2)], { liveness: marker(10, 100, NOW + 50), cells: [expiringCell('v', int(2), 10, 100, NOW + 50)] })] })),
    ]);
    const before = toLivePartition(e.read(cmd({ now: NOW + 49 })).partitions[0]!, NOW + 49);
    expect(cks(before)).toEqual([1, 2]);
    const afterRead = e.read(cmd({ now: NOW + 50 })).partitions[0]!;
    const after = toLivePartition(afterRead, NOW + 50);
    expect(cks(after)).toEqual([1]);
    expect(after.rows[0]!.cells.map((c) => c.column)).toEqual(['w']);
    expect(e.read(cmd({ now: NOW + 50, limits: { rows: 1 } })).partitions[0]!.rows.length).toBe(1);
  });

  it('applies partition, range, row and collection deletions and keeps them in the result', async () => {
    const muts: Mutation[] = [];
    for (let ck = 0; ck < 10; ck++) muts.push(insert(1, ck, ck, 100));
    muts.push(mutationOf(update(TABLE_MAIN.id, 1, { rangeTombstones: [{ start: { values: [int(2)], inclusive: true }, end: { values: [int(4)], inclusive: false }, deletion: deletion(100) }] })));
    muts.push(mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(6)], { deletion: deletion(99) })] })));
    muts.push(mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(7)], { deletion: deletion(150) })] })));
    muts.push(mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(8)], { cells: [tombstoneCell('v', 120, NOW)] })] })));
    muts.push(mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(9)], { cells: [liveCell('tags', Buffer.alloc(0), 90, int(1)), liveCell('tags', Buffer.alloc(0), 110, int(2))], complexDeletions: [{ column: 'tags', deletion: deletion(100) }] })] })));
    const e = await load(variant, muts);
    const p = e.read(cmd({})).partitions[0]!;
    expect(p.rangeTombstones.length).toBe(1);
    const live = toLivePartition(p, NOW);
    expect(cks(live)).toEqual([0, 1, 4, 5, 6, 8, 9]);
    expect(live.rows.find((r) => r.clustering[0]!.readInt32BE(0) === 8)!.cells).toEqual([]);
    const tags = live.rows.find((r) => r.clustering[0]!.readInt32BE(0) === 9)!.cells.filter((c) => c.column === 'tags');
    expect(tags.map((c) => c.path!.readInt32BE(0))).toEqual([2]);
    expect(p.rows.find((r) => r.clustering[0]!.readInt32BE(0) === 7)!.deletion).toEqual(deletion(150));

    await e.apply(mutationOf(update(TABLE_MAIN.id, 1, { partitionDeletion: deletion(105) })));
    await e.apply(insert(1, 3, 33, 106));
    const after = e.read(cmd({})).partitions[0]!;
    expect(after.partitionDeletion).toEqual(deletion(105));
    expect(after.rangeTombstones).toEqual([]);
    expect(cks(toLivePartition(after, NOW))).toEqual([3, 9]);
  });

  it('scans token ranges with inclusive and exclusive bounds', async () => {
    const muts: Mutation[] = [];
    for (let pk = 0; pk < 20; pk++) muts.push(insert(pk, 0, pk));
    const e = await load(variant, muts);
    const all = e.read(cmd({ range: FULL_RANGE })).partitions;
    expect(all.length).toBe(20);
    const t5 = all[5]!.token;
    const t10 = all[10]!.token;
    const slice = (startInclusive: boolean, endInclusive: boolean) => e.read(cmd({ range: { kind: 'range', start: { token: t5, key: null }, startInclusive, end: { token: t10, key: null }, endInclusive } })).partitions.length;
    expect(slice(false, true)).toBe(5);
    expect(slice(true, true)).toBe(6);
    expect(slice(true, false)).toBe(5);
    const byKey = e.read(cmd({ range: { kind: 'range', start: { token: t5, key: all[5]!.key }, startInclusive: false, end: { token: TOKEN_MAX, key: null }, endInclusive: true } })).partitions;
    expect(byKey.length).toBe(14);
  });
});

describe('storage engine writes', () => {
  it('resolves counter deltas into totals across flushes and restarts; a counter tombstone wins', async () => {
    const h = harness({ timers: realTimers, schema: SCHEMA });
    let e = await open(h);
    const inc = (pk: number, delta: bigint, ts: number): Mutation => mutationOf(update(TABLE_COUNTER.id, pk, {
      rows: [row([int(1)], { cells: [{ ...liveCell('c', bigint64(delta), ts), counterDelta: true }] })],
    }));
    const total = (pk: number): bigint | null => {
      const p = e.read(cmd({ tableId: TABLE_COUNTER.id, pk })).partitions[0];
      const c = p === undefined ? undefined : toLivePartition(p, NOW).rows[0]?.cells[0];
      return c === undefined ? null : c.value.readBigInt64BE(0);
    };
    await e.apply(inc(1, 5n, 10));
    await e.apply(inc(1, 3n, 10));
    expect(total(1)).toBe(8n);
    await e.flush();
    await Promise.all([e.apply(inc(1, -2n, 5)), e.apply(inc(1, 10n, 5))]);
    expect(total(1)).toBe(16n);
    await e.close();
    e = await open(h);
    expect(total(1)).toBe(16n);
    await e.apply(mutationOf(update(TABLE_COUNTER.id, 1, { rows: [row([int(1)], { cells: [tombstoneCell('c', 20, NOW)] })] })));
    await e.apply(inc(1, 1n, 30));
    expect(total(1)).toBeNull();
  });

  it('resolves static counter deltas too', async () => {
    const h = harness({ timers: realTimers, schema: SCHEMA });
    const e = await open(h);
    const inc = (delta: bigint, ts: number): Mutation => mutationOf(update(TABLE_COUNTER.id, 1, {
      staticRow: row([], { cells: [{ ...liveCell('sc', bigint64(delta), ts), counterDelta: true }] }),
    }));
    await e.apply(inc(2n, 1));
    await e.flush();
    await e.apply(inc(40n, 1));
    const p = e.read(cmd({ tableId: TABLE_COUNTER.id, pk: 1 })).partitions[0]!;
    expect(p.staticRow!.cells[0]!.value.readBigInt64BE(0)).toBe(42n);
  });

  it('refuses a mutation above mutationSizeMaxBytes with Invalid', async () => {
    const h = harness({ timers: realTimers, schema: SCHEMA, config: { mutationSizeMaxBytes: 1024 } });
    const e = await open(h);
    const big = mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(1)], { cells: [liveCell('w', Buffer.alloc(2000), 1)] })] }));
    await expect(e.apply(big)).rejects.toMatchObject({ code: ErrorCode.Invalid });
    expect(e.read(cmd({})).partitions).toEqual([]);
  });

  it('rejects a malformed update before it reaches the commit log', async () => {
    const h = harness({ timers: realTimers, schema: SCHEMA });
    let e = await open(h);
    const unsorted = mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(2)], { liveness: marker(1) }), row([int(1)], { liveness: marker(1) })] }));
    await expect(e.apply(unsorted)).rejects.toThrow(/sorted/);
    await e.apply(insert(1, 5, 5));
    await e.close();
    e = await open(h);
    expect(cks(e.read(cmd({})).partitions[0])).toEqual([5]);
  });

  it('refuses writes with Overloaded when memtables are full and flushes cannot keep up', async () => {
    const releases: Array<() => void> = [];
    let stall = false;
    const disk = new MemoryDisk({ scheduleSync: (done) => (stall ? releases.push(done) : queueMicrotask(done)) });
    const h = harness({ timers: realTimers, schema: SCHEMA, disk, config: { commitLogSync: 'periodic', memtableFlushThresholdBytes: 20_000, memtableSpaceMaxBytes: 60_000 } });
    const e = await open(h);
    stall = true;
    let error: unknown = null;
    for (let i = 0; i < 2000 && error === null; i++) {
      try {
        await e.apply(mutationOf(update(TABLE_MAIN.id, i, { rows: [row([int(1)], { cells: [liveCell('w', Buffer.alloc(100), 1)] })] })));
      } catch (err) {
        error = err;
      }
    }
    expect(error).toBeInstanceOf(CqlError);
    expect((error as CqlError).code).toBe(ErrorCode.Overloaded);
    expect(e.memtableBytes()).toBeLessThan(60_000 + 2000);
    stall = false;
    while (releases.length > 0) releases.shift()!();
    await e.flush();
    await e.apply(insert(1, 1, 1));
  });

  it('applies a list of mutations with one promise: all readable when it resolves, all durable across a reopen', async () => {
    for (const sync of ['periodic', 'batch'] as const) {
      const h = harness({ timers: realTimers, schema: SCHEMA, config: { commitLogSync: sync } });
      let e = await open(h);
      const simple = mutationOf(update(TABLE_SIMPLE.id, 9, { rows: [row([], { liveness: marker(7), cells: [liveCell('v', int(9), 7)] })] }));
      const writes = [insert(1, 1, 10), insert(2, 1, 20), insert(1, 2, 11), simple, insert(3, 1, 30)];
      await e.applyAll(writes);
      const read = () => [1, 2, 3].map((pk) => cks(e.read(cmd({ pk })).partitions[0]));
      expect(read()).toEqual([[1, 2], [1], [1]]);
      expect(e.read(cmd({ tableId: TABLE_SIMPLE.id, pk: 9 })).partitions.length).toBe(1);
      await e.close();
      e = await open(h);
      expect(read(), sync).toEqual([[1, 2], [1], [1]]);
      expect(e.read(cmd({ tableId: TABLE_SIMPLE.id, pk: 9 })).partitions.length).toBe(1);
      await e.close();
    }
  });

  it('validates every mutation of a list before any is written: one invalid rejects them all', async () => {
    const h = harness({ timers: realTimers, schema: SCHEMA });
    let e = await open(h);
    const unsorted = mutationOf(update(TABLE_MAIN.id, 2, { rows: [row([int(2)], { liveness: marker(1) }), row([int(1)], { liveness: marker(1) })] }));
    await expect(e.applyAll([insert(1, 1, 1), unsorted, insert(3, 1, 1)])).rejects.toThrow(/sorted/);
    const unknown = mutationOf(update('00000000-0000-4000-8000-00000000dead', 4, { rows: [row([int(1)], { liveness: marker(1) })] }));
    await expect(e.applyAll([insert(1, 1, 1), unknown])).rejects.toMatchObject({ code: ErrorCode.Invalid });
    expect(e.read(cmd({ range: FULL_RANGE })).partitions).toEqual([]);
    await e.close();
    e = await open(h);
    expect(e.read(cmd({ range: FULL_RANGE })).partitions).toEqual([]);
  });

  it('applies a list holding counter deltas in order, each resolved into totals', async () => {
    const h = harness({ timers: realTimers, schema: SCHEMA });
    const e = await open(h);
    const inc = (delta: bigint): Mutation => mutationOf(update(TABLE_COUNTER.id, 1, {
      rows: [row([int(1)], { cells: [{ ...liveCell('c', bigint64(delta), 10), counterDelta: true }] })],
    }));
    await e.applyAll([inc(5n), insert(1, 1, 1), inc(3n)]);
    const p = e.read(cmd({ tableId: TABLE_COUNTER.id, pk: 1 })).partitions[0]!;
    expect(toLivePartition(p, NOW).rows[0]!.cells[0]!.value.readBigInt64BE(0)).toBe(8n);
    expect(cks(e.read(cmd({})).partitions[0])).toEqual([1]);
  });

  it('truncates durably: neither SSTables nor replay bring the data back', async () => {
    const h = harness({ timers: realTimers, schema: SCHEMA });
    let e = await open(h);
    await e.apply(insert(1, 1, 1));
    await e.flush();
    await e.apply(insert(1, 2, 2));
    await e.truncate(TABLE_MAIN.id);
    expect(e.read(cmd({})).partitions).toEqual([]);
    await e.apply(insert(1, 3, 3));
    expect(e.tableStats(TABLE_MAIN.id)!.sstableCount).toBe(0);
    h.disk.kill();
    for (const dead of engines.splice(0)) await dead.close().catch(() => undefined);
    e = await open(h);
    expect(cks(e.read(cmd({})).partitions[0])).toEqual([3]);
  });

  it('does not bring back SSTables a truncation covered when their deletion did not reach the disk', async () => {
    const disk = new MemoryDisk();
    // A process whose SSTable removals are lost, as after a crash before the directory sync.
    const view = disk.processView();
    const lossy = { ...view, remove: (path: string) => (path.includes('/cb-') ? undefined : view.remove(path)) };
    const h = harness({ timers: realTimers, schema: SCHEMA, disk });
    const e = await openStorageEngine({ disk: lossy, clock: h.clock, timers: realTimers, logger: h.logger, config: h.config, schema: SCHEMA });
    await e.apply(insert(1, 1, 1));
    await e.flush();
    await e.truncate(TABLE_MAIN.id);
    await e.apply(insert(1, 2, 2));
    await e.flush();
    expect(h.disk.list(`${h.config.dataDirectory}/${TABLE_MAIN.id}`).filter((n) => n.endsWith('TOC.txt')).length).toBe(2);
    disk.kill();
    await e.close().catch(() => undefined);
    const reopened = await open(h);
    expect(cks(reopened.read(cmd({})).partitions[0])).toEqual([2]);
    expect(reopened.tableStats(TABLE_MAIN.id)!.sstableCount).toBe(1);
  });

  it('drops a table: data and directory gone, later writes refused', async () => {
    const h = harness({ timers: realTimers, schema: SCHEMA });
    const e = await open(h);
    await e.apply(insert(1, 1, 1));
    await e.flush();
    await e.apply(insert(1, 2, 2));
    await e.dropTable(TABLE_MAIN.id);
    expect(e.tableStats(TABLE_MAIN.id)).toBeNull();
    expect(h.disk.stat(`${h.config.dataDirectory}/${TABLE_MAIN.id}`)).toBeNull();
    await expect(e.apply(insert(1, 3, 3))).rejects.toMatchObject({ code: ErrorCode.Invalid });
    e.setSchema(SCHEMA);
    expect(e.tableStats(TABLE_MAIN.id)).toBeNull();
  });

  it('deletes commit-log segments once their tables are flushed, and reports stats', async () => {
    const h = harness({ timers: realTimers, schema: SCHEMA, config: { commitLogSegmentSizeBytes: 32 * 1024, mutationSizeMaxBytes: 8 * 1024, memtableFlushThresholdBytes: 4 << 20, memtableSpaceMaxBytes: 16 << 20 } });
    const e = await open(h);
    for (let i = 0; i < 1000; i++) await e.apply(mutationOf(update(TABLE_SIMPLE.id, i, { rows: [row([], { cells: [liveCell('v', int(i), 1)] })] })));
    expect(e.commitLogStats().segments).toBeGreaterThan(1);
    const stats = e.tableStats(TABLE_SIMPLE.id)!;
    expect(stats.memtablePartitions).toBe(1000);
    expect(stats.memtableBytes).toBeGreaterThan(0);
    await e.flush();
    expect(e.commitLogStats().segments).toBe(1);
    expect(e.tableStats(TABLE_SIMPLE.id)).toMatchObject({ memtableBytes: 0, memtablePartitions: 0, sstableCount: 1 });
    expect(h.disk.list(h.config.commitLogDirectory).length).toBe(1);
  });

  it('flushes on its own past the memtable threshold and keeps every row readable', async () => {
    // Compaction off, so the flushed SSTables stay countable.
    const noCompaction = { ...TABLE_MAIN, options: { ...TABLE_MAIN.options, compaction: { class: 'SizeTieredCompactionStrategy', enabled: 'false' } } };
    const h = harness({ timers: realTimers, schema: makeSchema([noCompaction]), config: { memtableFlushThresholdBytes: 30_000 } });
    const e = await open(h);
    for (let i = 0; i < 1000; i++) await e.apply(insert(i % 50, i, i));
    await new Promise((r) => setTimeout(r, 20));
    expect(e.tableStats(TABLE_MAIN.id)!.sstableCount).toBeGreaterThan(1);
    const all = e.read(cmd({ range: FULL_RANGE }));
    expect(all.partitions.reduce((n, p) => n + p.rows.length, 0)).toBe(1000);
  });

  it('flushes a memtable older than memtable_flush_period_in_ms', async () => {
    const periodic = { ...TABLE_SIMPLE, options: { ...TABLE_SIMPLE.options, memtableFlushPeriodMs: 5000 } };
    const h = harness({ timers: realTimers, schema: makeSchema([periodic]) });
    const e = await open(h);
    await e.apply(mutationOf(update(TABLE_SIMPLE.id, 1, { rows: [row([], { cells: [liveCell('v', int(1), 1)] })] })));
    h.clock.advance(5000);
    for (let i = 0; i < 60 && e.tableStats(TABLE_SIMPLE.id)!.sstableCount === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(e.tableStats(TABLE_SIMPLE.id)!.sstableCount).toBe(1);
  });

  it('closes idempotently and refuses work afterwards', async () => {
    const h = harness({ timers: realTimers, schema: SCHEMA });
    const e = await h.open();
    await e.apply(insert(1, 1, 1));
    await Promise.all([e.close(), e.close()]);
    await e.close();
    await expect(e.apply(insert(1, 2, 2))).rejects.toBeInstanceOf(CqlError);
    expect(() => e.read(cmd({}))).toThrow(/closed/);
  });
});
