// Ack-before-visible ordering: under batch and group commit-log sync a write reaches the memtable
// only once the fsync covering it completes (a read never sees a write a crash can still erase),
// while flushes and truncation stay correct around writes waiting for their sync; counter totals
// too, resolved in log order per partition and handed back by applyCounter. Periodic sync applies
// at once. fsyncs are held by a gate the test opens.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDisk } from '../../io/index.ts';
import { realTimers } from '../../io/real/index.ts';
import type { CommitLogSyncMode } from '../engine.ts';
import type { Mutation, ReadCommand } from '../model.ts';
import { toLivePartition } from '../read/partition-merger.ts';
import { harness } from '../testing/engine-harness.ts';
import type { Harness } from '../testing/engine-harness.ts';
import { TABLE_COUNTER, TABLE_MAIN, bigint64, int, liveCell, makeSchema, marker, mutationOf, pkOf, row, update } from '../testing/fixtures.ts';
import type { StorageEngineWithStats } from './storage-engine.ts';

const NOW = 1_700_000_000;
const SCHEMA = makeSchema([TABLE_MAIN, TABLE_COUNTER]);
/** Turns of the event loop a test waits for something to happen before giving up. */
const TURNS_MAX = 1000;

/** fsyncs complete at once while the gate is open; while closed they wait in `held`. */
class SyncGate {
  open = true;
  readonly held: (() => void)[] = [];
  readonly schedule = (complete: () => void): void => {
    if (this.open) queueMicrotask(complete);
    else this.held.push(complete);
  };

  releaseAll(): void {
    this.open = true;
    for (const complete of this.held.splice(0)) complete();
  }

  /** Completes the fsyncs held now; later ones are held again. */
  releaseHeld(): void {
    for (const complete of this.held.splice(0)) complete();
  }
}

const engines: StorageEngineWithStats[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close().catch(() => undefined);
});

function setup(sync: CommitLogSyncMode): { h: Harness; gate: SyncGate } {
  const gate = new SyncGate();
  const h = harness({ timers: realTimers, schema: SCHEMA, disk: new MemoryDisk({ scheduleSync: gate.schedule }), config: { commitLogSync: sync, commitLogSyncGroupWindowMs: 1 } });
  return { h, gate };
}

async function open(h: Harness): Promise<StorageEngineWithStats> {
  const e = await h.open();
  engines.push(e);
  return e;
}

function turn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < TURNS_MAX && !condition(); i++) await turn();
  expect(condition()).toBe(true);
}

function insert(pk: number, ck: number, ts: number): Mutation {
  return mutationOf(update(TABLE_MAIN.id, pk, { rows: [row([int(ck)], { liveness: marker(ts), cells: [liveCell('v', int(ck), ts)] })] }));
}

function read(tableId: string, pk: number): ReadCommand {
  const { key, token } = pkOf(pk);
  return {
    tableId,
    partitions: { kind: 'single', key, token },
    clustering: { kind: 'slices', slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false },
    columns: 'all',
    limits: { rows: Infinity, perPartitionRows: Infinity, partitions: Infinity },
    nowSeconds: NOW,
    resumeAfterClustering: null,
    includeStaticRow: true,
  };
}

function rowsOf(e: StorageEngineWithStats, pk: number): number[] {
  const p = e.read(read(TABLE_MAIN.id, pk)).partitions[0];
  return p === undefined ? [] : toLivePartition(p, NOW).rows.map((r) => r.clustering[0]!.readInt32BE(0));
}

function counterOf(e: StorageEngineWithStats, pk: number): bigint | null {
  const p = e.read(read(TABLE_COUNTER.id, pk)).partitions[0];
  const c = p === undefined ? undefined : toLivePartition(p, NOW).rows[0]?.cells[0];
  return c === undefined ? null : c.value.readBigInt64BE(0);
}

function increment(pk: number, delta: bigint, ts: number): Mutation {
  return mutationOf(update(TABLE_COUNTER.id, pk, { rows: [row([int(1)], { cells: [{ ...liveCell('c', bigint64(delta), ts), counterDelta: true }] })] }));
}

/** The total a logged counter mutation carries (no delta flag left). */
function totalOf(m: Mutation): bigint {
  const cell = m.updates[0]!.rows[0]!.cells[0]!;
  expect(cell.counterDelta).not.toBe(true);
  return cell.value.readBigInt64BE(0);
}

/** Records when a promise settles. */
function track<T>(p: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  const promise = p.finally(() => {
    done = true;
  });
  return { settled: () => done, promise };
}

describe.each(['batch', 'group'] as const)('write visibility under %s sync', (sync) => {
  it('a write is not readable before the fsync that acknowledges it, and is once acknowledged', async () => {
    const { h, gate } = setup(sync);
    const e = await open(h);
    gate.open = false;
    let acked = false;
    const write = e.apply(insert(1, 1, 10)).then(() => {
      acked = true;
      // Read-your-writes: visible the moment the writer learns it is durable.
      expect(rowsOf(e, 1)).toEqual([1]);
    });
    await until(() => gate.held.length > 0);
    expect(acked).toBe(false);
    expect(rowsOf(e, 1)).toEqual([]);
    expect(e.memtableBytes()).toBe(0);
    gate.releaseAll();
    await write;
    expect(acked).toBe(true);
  });

  it('loses nothing acknowledged when a flush switches the memtable while a write waits for its sync', async () => {
    const { h, gate } = setup(sync);
    let e = await open(h);
    await e.apply(insert(1, 1, 10));
    gate.open = false;
    const waiting = e.apply(insert(1, 2, 20));
    await until(() => gate.held.length > 0);
    const commitLogSync = gate.held.shift()!;
    // The flush writes the memtable holding row 1; its own fsyncs go through.
    gate.open = true;
    await e.flush();
    expect(e.tableStats(TABLE_MAIN.id)!.sstableCount).toBe(1);
    commitLogSync();
    await waiting;
    expect(rowsOf(e, 1)).toEqual([1, 2]);
    // Row 2 is only in the commit log and the new memtable: the flush must not have covered it.
    h.disk.crash({ seed: 1, unsyncedBytes: 'none' });
    for (const dead of engines.splice(0)) await dead.close().catch(() => undefined);
    e = await open(h);
    expect(rowsOf(e, 1)).toEqual([1, 2]);
  });

  it('resolves counter totals in log order per partition, readable only once durable; applyCounter hands them back', async () => {
    const { h, gate } = setup(sync);
    let e = await open(h);
    gate.open = false;
    const w1 = track(e.applyCounter(increment(1, 5n, 10)));
    const w2 = track(e.applyCounter(increment(1, 3n, 11)));
    const other = track(e.apply(increment(2, 7n, 12)));
    const w3 = track(e.applyCounter(increment(1, -1n, 13)));
    await until(() => gate.held.length > 0);
    expect(counterOf(e, 1)).toBeNull();
    expect(counterOf(e, 2)).toBeNull();
    expect(e.memtableBytes()).toBe(0);
    // One sync covers the first increment of each partition; the next increments of partition 1
    // wait for it (their totals are computed from it), so they are not appended yet.
    gate.releaseHeld();
    expect(totalOf(await w1.promise)).toBe(5n);
    await other.promise;
    expect(counterOf(e, 1)).toBe(5n);
    expect(counterOf(e, 2)).toBe(7n);
    expect(w2.settled() || w3.settled()).toBe(false);
    await until(() => gate.held.length > 0);
    expect(counterOf(e, 1)).toBe(5n);
    gate.releaseHeld();
    expect(totalOf(await w2.promise)).toBe(8n);
    expect(counterOf(e, 1)).toBe(8n);
    expect(w3.settled()).toBe(false);
    await until(() => gate.held.length > 0);
    expect(counterOf(e, 1)).toBe(8n);
    gate.releaseAll();
    expect(totalOf(await w3.promise)).toBe(7n);
    expect(counterOf(e, 1)).toBe(7n);
    await e.close();
    e = await open(h);
    expect(counterOf(e, 1)).toBe(7n);
    expect(counterOf(e, 2)).toBe(7n);
  });

  it('adds up many increments in flight to one partition, and loses none acknowledged in a crash', async () => {
    const { h, gate } = setup(sync);
    let e = await open(h);
    gate.open = false;
    const writes: Promise<Mutation>[] = [];
    for (let i = 1; i <= 20; i++) writes.push(e.applyCounter(increment(1, BigInt(i), 100 + i)));
    await until(() => gate.held.length > 0);
    expect(counterOf(e, 1)).toBeNull();
    gate.releaseAll();
    const totals = (await Promise.all(writes)).map(totalOf);
    // Each write's total is the sum of the increments up to it, in submission order.
    expect(totals).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(((i + 1) * (i + 2)) / 2)));
    expect(counterOf(e, 1)).toBe(210n);
    h.disk.crash({ seed: 2, unsyncedBytes: 'none' });
    for (const dead of engines.splice(0)) await dead.close().catch(() => undefined);
    e = await open(h);
    expect(counterOf(e, 1)).toBe(210n);
  });

  it('refuses the counter writes waiting for their partition when the engine closes', async () => {
    const { h, gate } = setup(sync);
    const e = await open(h);
    gate.open = false;
    const first = e.applyCounter(increment(1, 5n, 10));
    const waiting = e.applyCounter(increment(1, 3n, 11));
    await until(() => gate.held.length > 0);
    const closed = e.close();
    await expect(waiting).rejects.toThrow(/closed/);
    gate.releaseAll();
    expect(totalOf(await first)).toBe(5n);
    await closed;
  });

  it('does not resurrect a write appended before a truncation and synced after it', async () => {
    const { h, gate } = setup(sync);
    let e = await open(h);
    await e.apply(insert(1, 1, 10));
    gate.open = false;
    const waiting = e.apply(insert(1, 2, 20));
    await until(() => gate.held.length > 0);
    const commitLogSync = gate.held.shift()!;
    gate.open = true;
    await e.truncate(TABLE_MAIN.id);
    commitLogSync();
    await waiting;
    await e.apply(insert(1, 3, 30));
    expect(rowsOf(e, 1)).toEqual([3]);
    await e.close();
    e = await open(h);
    expect(rowsOf(e, 1)).toEqual([3]);
  });

  it('never applies a write whose sync failed', async () => {
    const { h, gate } = setup(sync);
    const e = await open(h);
    gate.open = false;
    const failing = e.apply(insert(1, 1, 10));
    await until(() => gate.held.length > 0);
    h.disk.kill();
    gate.releaseAll();
    await expect(failing).rejects.toThrow();
    expect(rowsOf(e, 1)).toEqual([]);
  });
});

describe('write visibility under periodic sync', () => {
  it('applies a write to the memtable at once, before any fsync', async () => {
    const { h, gate } = setup('periodic');
    const e = await open(h);
    gate.open = false;
    const write = e.apply(insert(1, 1, 10));
    expect(rowsOf(e, 1)).toEqual([1]);
    await write;
    gate.releaseAll();
  });

  it('applies counter writes at once and hands their totals back', async () => {
    const { h, gate } = setup('periodic');
    const e = await open(h);
    gate.open = false;
    const first = e.applyCounter(increment(1, 5n, 10));
    const second = e.applyCounter(increment(1, 3n, 11));
    expect(counterOf(e, 1)).toBe(8n);
    gate.releaseAll();
    expect([totalOf(await first), totalOf(await second)]).toEqual([5n, 8n]);
  });
});
