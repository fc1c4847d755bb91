// Compaction through the engine: strategies reduce and arrange SSTables without changing what
// reads see, leveled levels stay non-overlapping, time-window drops expired SSTables whole,
// ALTER switches strategy live, the compaction record makes a crash at any point recoverable,
// and the throttle paces the work.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDisk } from '../../io/index.ts';
import { realTimers } from '../../io/real/index.ts';
import { TOKEN_MAX, TOKEN_MIN } from '../../lib/index.ts';
import type { TableMetadata } from '../../schema/index.ts';
import { openStorageEngine } from '../engine/storage-engine.ts';
import type { StorageEngineWithStats } from '../engine/storage-engine.ts';
import type { Mutation, ReadCommand } from '../model.ts';
import { toLivePartition } from '../read/partition-merger.ts';
import { SSTableReader } from '../sstable/sstable-reader.ts';
import { Component, componentFileName, tempFileName } from '../sstable/sstable-format.ts';
import { ManualClock, harness } from '../testing/engine-harness.ts';
import type { Harness } from '../testing/engine-harness.ts';
import { TABLE_MAIN, expiringCell, int, liveCell, makeSchema, marker, mutationOf, row, text, update } from '../testing/fixtures.ts';
import { COMPACTION_RETRY_BASE_MS } from './compaction-manager.ts';
import { overlaps } from './compaction-task.ts';
import { TRANSACTION_FILE_PREFIX, recoverCompactions, transactionFileName, writeCompactionRecord } from './compaction-transaction.ts';
import { ThroughputThrottle } from './throughput-throttle.ts';

const NOW = 1_700_000_000;

function table(compaction: Record<string, string>, gcGraceSeconds = 864_000): TableMetadata {
  return { ...TABLE_MAIN, options: { ...TABLE_MAIN.options, compaction, gcGraceSeconds } };
}

function write(n: number, ts = 1000 + n): Mutation {
  return mutationOf(update(TABLE_MAIN.id, n % 97, {
    rows: [row([int(n)], { liveness: marker(ts), cells: [liveCell('v', int(n * 3), ts), liveCell('w', text(`value-${n}-${'y'.repeat(n % 40)}`), ts)] })],
  }));
}

const SCAN: ReadCommand = {
  tableId: TABLE_MAIN.id,
  partitions: { kind: 'range', start: { token: TOKEN_MIN, key: null }, startInclusive: true, end: { token: TOKEN_MAX, key: null }, endInclusive: true },
  clustering: { kind: 'slices', slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false },
  columns: 'all',
  limits: { rows: Infinity, perPartitionRows: Infinity, partitions: Infinity },
  nowSeconds: NOW,
  resumeAfterClustering: null,
  includeStaticRow: true,
};

function scan(engine: StorageEngineWithStats, now = NOW): Map<number, number> {
  const found = new Map<number, number>();
  for (const p of engine.read({ ...SCAN, nowSeconds: now }).partitions) {
    for (const r of toLivePartition(p, now).rows) found.set(r.clustering[0]!.readInt32BE(0), r.cells.find((c) => c.column === 'v')!.value.readInt32BE(0));
  }
  return found;
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

async function fill(e: StorageEngineWithStats, from: number, count: number, flushEvery: number): Promise<void> {
  for (let n = from; n < from + count; n++) {
    await e.apply(write(n));
    if ((n - from + 1) % flushEvery === 0) await e.flush();
  }
  await e.flush();
}

/** Releases held disk work, a round every `pauseMs`, until `done()`. */
async function releaseUntil(held: Array<() => void>, done: () => boolean, pauseMs: number): Promise<void> {
  while (!done()) {
    for (const release of held.splice(0)) release();
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

function tableDirectory(h: Harness): string {
  return `${h.config.dataDirectory}/${TABLE_MAIN.id}`;
}

describe('compaction through the engine', () => {
  it('size-tiered: four flushes become one SSTable and reads are unchanged', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([TABLE_MAIN]) });
    const e = await open(h);
    await fill(e, 0, 400, 100);
    await e.settleCompactions();
    expect(e.tableStats(TABLE_MAIN.id)!.sstableCount).toBe(1);
    const stats = e.compactionStats();
    expect(stats.completedTasks).toBeGreaterThanOrEqual(1);
    expect(stats.active).toEqual([]);
    const found = scan(e);
    expect(found.size).toBe(400);
    for (let n = 0; n < 400; n++) expect(found.get(n)).toBe(n * 3);
    expect(h.disk.list(tableDirectory(h)).filter((f) => f.startsWith('tmp-') || f.startsWith('txn-'))).toEqual([]);
  });

  it('leveled: levels above L0 never overlap and a read consults at most one SSTable per level', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([table({ class: 'LeveledCompactionStrategy', sstable_size_in_mb: '0.004' })]) });
    const e = await open(h);
    await fill(e, 0, 3000, 150);
    await e.settleCompactions();
    const stats = e.tableStats(TABLE_MAIN.id)!;
    expect(stats.sstablesPerLevel!.length).toBeGreaterThan(2);
    // Check from the files themselves.
    const readers = h.disk.list(tableDirectory(h)).filter((f) => f.endsWith('TOC.txt')).map((f) => SSTableReader.open(h.disk, tableDirectory(h), Number(f.split('-')[1])));
    const byLevel = new Map<number, SSTableReader[]>();
    for (const r of readers) byLevel.set(r.level, [...(byLevel.get(r.level) ?? []), r]);
    for (const [level, list] of byLevel) {
      if (level === 0) continue;
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) expect(overlaps(list[i]!.statistics, list[j]!.statistics)).toBe(false);
      }
    }
    for (const r of readers) r.close();
    const found = scan(e);
    expect(found.size).toBe(3000);
    // Point reads: SSTables consulted <= L0 count + number of levels above L0.
    for (let n = 0; n < 3000; n += 7) {
      const read = e.read({ ...SCAN, partitions: { kind: 'single', key: write(n).key, token: write(n).token } });
      expect(read.partitions.length).toBe(1);
    }
    const after = e.tableStats(TABLE_MAIN.id)!;
    const levelsAbove0 = after.sstablesPerLevel!.slice(1).filter((n) => n > 0).length;
    expect(after.sstablesPerReadP99!).toBeLessThanOrEqual(after.sstablesPerLevel![0]! + levelsAbove0);
  });

  it('time-window: fully expired SSTables are dropped whole once past gc_grace, and replay does not bring them back', async () => {
    const twcs = table({ class: 'TimeWindowCompactionStrategy', compaction_window_unit: 'MINUTES', compaction_window_size: '1', expired_sstable_check_frequency_seconds: '0' }, 10);
    const h = harness({ timers: realTimers, schema: makeSchema([twcs]) });
    const e = await open(h);
    for (let batch = 0; batch < 3; batch++) {
      for (let i = 0; i < 50; i++) {
        const n = batch * 50 + i;
        const ts = (NOW - 3600 + batch * 60) * 1_000_000 + i;
        await e.apply(mutationOf(update(TABLE_MAIN.id, n % 7, { rows: [row([int(n)], { cells: [expiringCell('v', int(n), ts, 30, NOW + 30)] })] })));
      }
      await e.flush();
    }
    const dataBefore = h.disk.stats().appendedBytes;
    expect(scan(e).size).toBe(150);
    h.clock.advance(45_000);
    expect(scan(e, NOW + 45).size).toBe(0);
    await e.settleCompactions();
    expect(e.tableStats(TABLE_MAIN.id)!.sstableCount).toBe(0);
    // Dropped, not rewritten: no SSTable bytes were written by compaction (only the record and state files).
    expect(h.disk.stats().appendedBytes - dataBefore).toBeLessThan(4096);
    await e.close();
    const reopened = await open(h);
    expect(scan(reopened, NOW + 45).size).toBe(0);
    expect(reopened.tableStats(TABLE_MAIN.id)!.sstableCount).toBe(0);
  });

  it('ALTER TABLE switches the strategy of a live table', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([table({ class: 'SizeTieredCompactionStrategy', min_threshold: '32' })]) });
    const e = await open(h);
    await fill(e, 0, 600, 100);
    await e.settleCompactions();
    expect(e.tableStats(TABLE_MAIN.id)!.sstableCount).toBe(6);
    e.setSchema(makeSchema([table({ class: 'LeveledCompactionStrategy', sstable_size_in_mb: '0.01' })]));
    await e.settleCompactions();
    const leveled = e.tableStats(TABLE_MAIN.id)!;
    expect(leveled.sstablesPerLevel![0]).toBe(0);
    expect(leveled.sstablesPerLevel!.slice(1).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    e.setSchema(makeSchema([table({ class: 'SizeTieredCompactionStrategy', min_threshold: '2' })]));
    await fill(e, 600, 100, 50);
    await e.settleCompactions();
    expect(scan(e).size).toBe(700);
  });

  it('a failed background compaction is retried after a backoff, not at once', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([table({ class: 'SizeTieredCompactionStrategy', min_threshold: '32' })]) });
    const e = await open(h);
    await fill(e, 0, 400, 100);
    await e.settleCompactions();
    expect(e.tableStats(TABLE_MAIN.id)!.sstableCount).toBe(4);
    // No write from here on: the next fsync is the compaction's, and it fails.
    h.disk.injectSyncFailure(new Error('injected: device gone'));
    const twoWay = makeSchema([table({ class: 'SizeTieredCompactionStrategy', min_threshold: '2' })]);
    e.setSchema(twoWay);
    await e.settleCompactions();
    expect(e.compactionStats().failedTasks).toBe(1);
    // Asked again within COMPACTION_RETRY_BASE_MS: nothing starts.
    h.clock.advance(COMPACTION_RETRY_BASE_MS / 2);
    e.setSchema(twoWay);
    await new Promise((r) => setImmediate(r));
    await e.settleCompactions();
    expect(e.compactionStats()).toMatchObject({ failedTasks: 1, completedTasks: 0 });
    expect(e.tableStats(TABLE_MAIN.id)!.sstableCount).toBe(4);
    // Past the backoff, the next planning pass compacts; reads never changed.
    h.clock.advance(COMPACTION_RETRY_BASE_MS);
    e.setSchema(twoWay);
    await new Promise((r) => setImmediate(r));
    await e.settleCompactions();
    expect(e.compactionStats().completedTasks).toBeGreaterThan(0);
    expect(e.tableStats(TABLE_MAIN.id)!.sstableCount).toBeLessThan(4);
    expect(scan(e).size).toBe(400);
  });

  it('major compaction and garbagecollect leave one SSTable per table and purge what gc_grace allows', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([table({ class: 'SizeTieredCompactionStrategy', min_threshold: '32' }, 0)]) });
    const e = await open(h);
    await fill(e, 0, 300, 100);
    for (let n = 0; n < 150; n++) {
      await e.apply(mutationOf(update(TABLE_MAIN.id, n % 97, { rows: [row([int(n)], { deletion: { markedForDeleteAtMicros: 5000, localDeletionTimeSeconds: NOW - 10 } })] })));
    }
    await e.flush();
    const outcomes = await e.compact();
    expect(outcomes[0]!.inputs).toBe(4);
    const stats = e.tableStats(TABLE_MAIN.id)!;
    expect(stats.sstableCount).toBe(1);
    expect(scan(e).size).toBe(150);
    // Everything deleted was purged with its tombstones (gc_grace 0, nothing outside the compaction).
    const reader = SSTableReader.open(h.disk, tableDirectory(h), Number(h.disk.list(tableDirectory(h)).find((f) => f.endsWith('TOC.txt'))!.split('-')[1]));
    expect(reader.statistics.tombstoneCount).toBe(0);
    expect(reader.statistics.rowCount).toBe(150);
    reader.close();
    const gc = await e.garbageCollect();
    expect(gc[0]!.inputs).toBe(1);
    expect(scan(e).size).toBe(150);
  });

  it('unlinks the inputs\' data files off the event loop where the disk can, and keeps the record until they are gone', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([table({ class: 'SizeTieredCompactionStrategy', min_threshold: '32' })]) });
    const view = h.disk.processView();
    const held: Array<() => void> = [];
    const removedInBackground: string[] = [];
    const disk = {
      ...view,
      removeInBackground: (path: string) => new Promise<void>((resolve) => held.push(() => {
        removedInBackground.push(path);
        view.remove(path);
        resolve();
      })),
    };
    const e = await openStorageEngine({ disk, clock: h.clock, timers: h.timers, logger: h.logger, config: h.config, schema: h.schema });
    engines.push(e);
    await fill(e, 0, 200, 100);
    const dir = tableDirectory(h);
    const generations = h.disk.list(dir).filter((f) => f.endsWith('TOC.txt')).map((f) => Number(f.split('-')[1]));
    expect(generations.length).toBe(2);
    let finished = false;
    const done = e.compact().then((outcomes) => {
      finished = true;
      return outcomes;
    });
    for (let i = 0; i < 1000 && held.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(held.length).toBeGreaterThan(0);
    // While an input's data files are being unlinked: its TOC is gone, the record is still there.
    const pending = h.disk.list(dir);
    expect(pending.some((f) => f.startsWith(TRANSACTION_FILE_PREFIX))).toBe(true);
    expect(generations.some((g) => !pending.includes(componentFileName(g, Component.TOC)))).toBe(true);
    await releaseUntil(held, () => finished, 5);
    expect((await done)[0]!.inputs).toBe(2);
    const after = h.disk.list(dir);
    expect(after.some((f) => f.startsWith(TRANSACTION_FILE_PREFIX))).toBe(false);
    for (const g of generations) expect(after.filter((f) => f.includes(`-${g}-`))).toEqual([]);
    expect(removedInBackground.some((p) => p.endsWith(componentFileName(generations[0]!, Component.Data)))).toBe(true);
    expect(scan(e).size).toBe(200);
  });

  it('waits for the commit\'s fsyncs off the event loop where the disk can: the inputs serve reads and writes go on meanwhile', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([table({ class: 'SizeTieredCompactionStrategy', min_threshold: '32' })]) });
    const view = h.disk.processView();
    const held: Array<() => void> = [];
    // What was held, in the order asked for (each step awaits the one before).
    const requested: string[] = [];
    const hold = (what: string, work: () => void): Promise<void> => new Promise<void>((resolve) => {
      requested.push(what);
      held.push(() => {
        work();
        resolve();
      });
    });
    const disk = {
      ...view,
      syncDirectoryInBackground: (path: string) => hold(`sync ${path}`, () => view.syncDirectory(path)),
      writeFileAtomicInBackground: (path: string, bytes: Uint8Array) => hold(`record ${path}`, () => view.writeFileAtomic(path, bytes)),
    };
    const e = await openStorageEngine({ disk, clock: h.clock, timers: h.timers, logger: h.logger, config: h.config, schema: h.schema });
    engines.push(e);
    // The flushes publish through the same background syncs.
    let filled = false;
    void fill(e, 0, 200, 100).then(() => {
      filled = true;
    });
    await releaseUntil(held, () => filled, 1);
    expect(requested.filter((w) => w.startsWith('sync')).length).toBe(4);
    const dir = tableDirectory(h);
    expect(e.tableStats(TABLE_MAIN.id)!.sstableCount).toBe(2);
    let finished = false;
    const done = e.compact().then((outcomes) => {
      finished = true;
      return outcomes;
    });
    for (let i = 0; i < 1000 && held.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    // Held at the record's write: nothing decided yet; the two inputs still serve, writes go on.
    expect(held.length).toBe(1);
    expect(requested.length).toBe(5);
    const record = requested[4]!;
    expect(record.startsWith(`record ${dir}/${TRANSACTION_FILE_PREFIX}`)).toBe(true);
    expect(e.tableStats(TABLE_MAIN.id)!.sstableCount).toBe(2);
    expect(scan(e).size).toBe(200);
    await e.apply(write(500));
    expect(scan(e).size).toBe(201);
    await releaseUntil(held, () => finished, 1);
    expect((await done)[0]!.inputs).toBe(2);
    // Record, publication (two syncs), the inputs' deletion and the record's removal (one each).
    expect(requested.slice(4)).toEqual([record, `sync ${dir}`, `sync ${dir}`, `sync ${dir}`, `sync ${dir}`]);
    expect(h.disk.list(dir).some((f) => f.startsWith(TRANSACTION_FILE_PREFIX))).toBe(false);
    expect(e.tableStats(TABLE_MAIN.id)!.sstableCount).toBe(1);
    expect(scan(e).size).toBe(201);
  });

  it('never purges a tombstone while an SSTable outside the compaction may hold older data it shadows', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([table({ class: 'SizeTieredCompactionStrategy', min_threshold: '32' }, 0)]) });
    const e = await open(h);
    await e.apply(write(1, 100));
    await e.flush();
    for (let i = 0; i < 3; i++) {
      await e.apply(mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(1)], { deletion: { markedForDeleteAtMicros: 200 + i, localDeletionTimeSeconds: NOW - 10 } })] })));
      await e.flush();
    }
    // garbagecollect compacts one SSTable at a time: the tombstones must survive while generation 1 holds the row.
    await e.garbageCollect();
    expect(scan(e).has(1)).toBe(false);
    await e.compact();
    expect(scan(e).has(1)).toBe(false);
    expect(e.tableStats(TABLE_MAIN.id)!.sstableCount).toBe(0);
  });

  it('cleanup drops the partitions outside the kept ranges and leaves SSTables inside them alone', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([table({ class: 'SizeTieredCompactionStrategy', min_threshold: '32' })]) });
    const e = await open(h);
    await fill(e, 0, 400, 200);
    const tokens = [...Array(97).keys()].map((pk) => write(pk).token).sort((a, b) => (a < b ? -1 : 1));
    const split = tokens[48]!;
    // Keep (min, split]: the partitions with a token above it go.
    const result = await e.cleanupTable(TABLE_MAIN.id, [{ left: -(2n ** 63n), right: split }]);
    expect(result.bytesAfter).toBeLessThan(result.bytesBefore);
    const found = scan(e);
    for (let n = 0; n < 400; n++) expect(found.has(n)).toBe(write(n).token <= split);
    // Everything already inside the kept range: nothing to rewrite.
    const again = await e.cleanupTable(TABLE_MAIN.id, [{ left: -(2n ** 63n), right: split }]);
    expect(again.bytesAfter).toBe(again.bytesBefore);
    // A wrapping range (left >= right) keeps both ends of the ring.
    await fill(e, 0, 400, 400);
    await e.cleanupTable(TABLE_MAIN.id, [{ left: tokens[80]!, right: tokens[10]! }]);
    const wrapped = scan(e);
    for (let n = 0; n < 400; n++) expect(wrapped.has(n)).toBe(write(n).token > tokens[80]! || write(n).token <= tokens[10]!);
  });

  it('honours concurrent_compactors and reports active compactions with progress', async () => {
    const tables = [1, 2, 3].map((i) => ({ ...table({ class: 'SizeTieredCompactionStrategy' }), id: `00000000-0000-4000-8000-00000000010${i}`, name: `t${i}` }));
    const h = harness({ timers: realTimers, schema: makeSchema(tables) });
    const e = await openEngineWith(h, { compaction: { concurrentCompactors: 1, throughputBytesPerSecond: 0 } });
    let maxActive = 0;
    const poll = setInterval(() => {
      maxActive = Math.max(maxActive, e.compactionStats().active.length);
    }, 1);
    for (const t of tables) {
      for (let f = 0; f < 4; f++) {
        for (let n = 0; n < 200; n++) await e.apply(mutationOf({ ...update(t.id, n, { rows: [row([int(f)], { liveness: marker(10 + f), cells: [liveCell('w', text('z'.repeat(200)), 10 + f)] })] }) }));
        await e.flush([t.id]);
      }
    }
    await e.settleCompactions();
    clearInterval(poll);
    expect(maxActive).toBeLessThanOrEqual(1);
    for (const t of tables) expect(e.tableStats(t.id)!.sstableCount).toBe(1);
    expect(e.compactionStats().completedTasks).toBeGreaterThanOrEqual(3);
  });
});

async function openEngineWith(h: Harness, extra: { compaction: { concurrentCompactors: number; throughputBytesPerSecond: number } }): Promise<StorageEngineWithStats> {
  const e = await openStorageEngine({ disk: h.disk.processView(), clock: h.clock, timers: h.timers, logger: h.logger, config: h.config, schema: h.schema, ...extra });
  engines.push(e);
  return e;
}

describe('compaction records', () => {
  const DIR = '/data/t';

  function touch(disk: MemoryDisk, name: string): void {
    disk.mkdirp(DIR);
    const f = disk.openWrite(`${DIR}/${name}`, { truncate: true });
    f.append(Buffer.from('x'));
    f.close();
  }

  it('completes a compaction whose outputs are all visible: the remaining inputs go', () => {
    const disk = new MemoryDisk();
    for (const c of [Component.Data, Component.TOC]) touch(disk, componentFileName(1, c));
    touch(disk, componentFileName(3, Component.TOC));
    touch(disk, componentFileName(4, Component.TOC));
    writeCompactionRecord(disk, DIR, { id: 9, inputs: [1, 2], outputs: [3, 4] });
    const outcomes = recoverCompactions(disk, DIR);
    expect(outcomes).toEqual([{ record: { id: 9, inputs: [1, 2], outputs: [3, 4] }, completed: true }]);
    expect(disk.list(DIR)).toEqual([componentFileName(3, Component.TOC), componentFileName(4, Component.TOC)]);
  });

  it('rolls back a compaction interrupted before every output was visible: the inputs stay', () => {
    const disk = new MemoryDisk();
    touch(disk, componentFileName(1, Component.TOC));
    touch(disk, componentFileName(3, Component.TOC));
    touch(disk, componentFileName(4, Component.Data));
    touch(disk, tempFileName(4, Component.TOC));
    writeCompactionRecord(disk, DIR, { id: 9, inputs: [1], outputs: [3, 4] });
    expect(recoverCompactions(disk, DIR)[0]!.completed).toBe(false);
    expect(disk.list(DIR)).toEqual([componentFileName(1, Component.TOC)]);
  });

  it('refuses a malformed record rather than guess', () => {
    const disk = new MemoryDisk();
    touch(disk, transactionFileName(1));
    expect(() => recoverCompactions(disk, DIR)).toThrow(/compaction record/);
  });
});

describe('throughput throttle', () => {
  it('makes a caller wait so bytes over time stay within the rate, with a small burst', () => {
    const clock = new ManualClock();
    const throttle = new ThroughputThrottle({ clock, timers: realTimers, bytesPerSecond: 1_000_000 });
    expect(throttle.charge(50_000)).toBe(0);
    expect(throttle.charge(100_000)).toBeCloseTo(50, 0);
    clock.advance(200);
    expect(throttle.charge(100_000)).toBe(0);
    throttle.setRate(0);
    expect(throttle.charge(1e12)).toBe(0);
  });

  it('paces a compaction: a low rate makes it take time', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([TABLE_MAIN]) });
    const e = await openEngineWith(h, { compaction: { concurrentCompactors: 2, throughputBytesPerSecond: 200_000 } });
    await fill(e, 0, 800, 200);
    const start = performance.now();
    await e.settleCompactions();
    const elapsedMs = performance.now() - start;
    const bytes = e.compactionStats().bytesCompacted;
    expect(bytes).toBeGreaterThan(50_000);
    // bytes / rate, less the burst allowance.
    expect(elapsedMs).toBeGreaterThan((bytes / 200_000) * 1000 - 150);
  });
});
