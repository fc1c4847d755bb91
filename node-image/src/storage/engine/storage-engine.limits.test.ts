// Bounded memory and caches: the key cache and row cache (bounded in bytes, hit rates reported,
// never changing what a read returns), writes slowed then refused when flushes cannot keep up,
// and the tombstone warn/failure thresholds.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDisk } from '../../io/index.ts';
import { realTimers } from '../../io/real/index.ts';
import { ErrorCode } from '../../lib/index.ts';
import { TombstoneOverwhelmingError } from '../errors.ts';
import type { Mutation, ReadCommand, ReadResult } from '../model.ts';
import { harness, recordingLogger } from '../testing/engine-harness.ts';
import type { Harness, LoggedRecord } from '../testing/engine-harness.ts';
import { TABLE_MAIN, int, liveCell, makeSchema, marker, mutationOf, pkOf, row, text, tombstoneCell, update } from '../testing/fixtures.ts';
import { WRITE_SLOWDOWN_FRACTION, openStorageEngine } from './storage-engine.ts';
import type { StorageEngineOptions, StorageEngineWithStats } from './storage-engine.ts';

const NOW = 1_700_000_000;

function insert(pk: number, ck: number, v: number, ts = 100): Mutation {
  return mutationOf(update(TABLE_MAIN.id, pk, { rows: [row([int(ck)], { liveness: marker(ts), cells: [liveCell('v', int(v), ts), liveCell('w', text(`w${v}`), ts)] })] }));
}

function read(pk: number, o: { reversed?: boolean; rows?: number; from?: number } = {}): ReadCommand {
  const { key, token } = pkOf(pk);
  return {
    tableId: TABLE_MAIN.id, partitions: { kind: 'single', key, token },
    clustering: { kind: 'slices', slices: [{ start: o.from === undefined ? { values: [], inclusive: true } : { values: [int(o.from)], inclusive: true }, end: { values: [], inclusive: true } }], reversed: o.reversed ?? false },
    columns: 'all', limits: { rows: o.rows ?? Infinity, perPartitionRows: Infinity, partitions: Infinity }, nowSeconds: NOW, resumeAfterClustering: null, includeStaticRow: true,
  };
}

const engines: StorageEngineWithStats[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close().catch(() => undefined);
});

async function openWith(h: Harness, extra: Partial<StorageEngineOptions> = {}): Promise<StorageEngineWithStats> {
  const e = await openStorageEngine({ disk: h.disk.processView(), clock: h.clock, timers: h.timers, logger: h.logger, config: h.config, schema: h.schema, ...extra });
  engines.push(e);
  return e;
}

function rowsOf(result: ReadResult): string[] {
  return (result.partitions[0]?.rows ?? []).map((r) => `${r.clustering[0]!.readInt32BE(0)}=${r.cells.map((c) => `${c.column}:${c.value.toString('hex')}`).join(',')}`);
}

describe('key cache', () => {
  it('answers repeated lookups without the index, reports its hit rate and stays within its bound', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([TABLE_MAIN]) });
    // A sampled partition index (a budget too small for a dense one): lookups scan Index.db, and
    // the key cache saves the scan.
    const e = await openWith(h, { keyCacheBytes: 20_000, indexSummaryCapacityBytes: 1024 });
    for (let pk = 0; pk < 500; pk++) await e.apply(insert(pk, 1, pk));
    await e.flush();
    expect(e.cacheStats().chunkCache.partitionIndex).toMatchObject({ dense: 0, sampled: 1 });
    for (let round = 0; round < 3; round++) for (let pk = 0; pk < 50; pk++) expect(rowsOf(e.read(read(pk)))).toEqual([`1=v:${int(pk).toString('hex')},w:${text(`w${pk}`).toString('hex')}`]);
    const hot = e.cacheStats().keyCache;
    expect(hot.requests).toBe(150);
    expect(hot.hits).toBe(100);
    for (let pk = 0; pk < 500; pk++) e.read(read(pk));
    const after = e.cacheStats().keyCache;
    expect(after.bytes).toBeLessThanOrEqual(20_000);
    expect(after.entries).toBeLessThan(500);
  });

  it('is not consulted for partitions a dense partition index places by itself', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([TABLE_MAIN]) });
    const e = await openWith(h, { keyCacheBytes: 20_000 });
    for (let pk = 0; pk < 500; pk++) await e.apply(insert(pk, 1, pk));
    await e.flush();
    expect(e.cacheStats().chunkCache.partitionIndex.dense).toBeGreaterThan(0);
    for (let round = 0; round < 3; round++) for (let pk = 0; pk < 50; pk++) expect(rowsOf(e.read(read(pk)))).toEqual([`1=v:${int(pk).toString('hex')},w:${text(`w${pk}`).toString('hex')}`]);
    expect(e.cacheStats().keyCache).toMatchObject({ requests: 0, hits: 0, entries: 0 });
  });
});

describe('partition index budget', () => {
  it('index_summary_capacity bounds the in-memory partition indexes: dense when they fit, sampled (same answers) when not', async () => {
    const answers: string[][] = [];
    for (const capacity of [64 * 1024 * 1024, 1024]) {
      const h = harness({ timers: realTimers, schema: makeSchema([TABLE_MAIN]) });
      const e = await openWith(h, { indexSummaryCapacityBytes: capacity });
      for (let pk = 0; pk < 2000; pk++) await e.apply(insert(pk, 1, pk));
      await e.flush();
      const index = e.cacheStats().chunkCache.partitionIndex;
      expect(index.capacityBytes).toBe(capacity);
      expect(index.sstables).toBeGreaterThan(0);
      expect(index.bytes).toBeLessThanOrEqual(capacity);
      if (capacity === 1024) expect(index).toMatchObject({ dense: 0, sampled: index.sstables });
      else expect(index).toMatchObject({ dense: index.sstables, sampled: 0 });
      answers.push(Array.from({ length: 2000 }, (_, pk) => rowsOf(e.read(read(pk))).join(';')));
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[0]!.filter((a) => a === '')).toHaveLength(0);
  });
});

describe('row cache', () => {
  const cachedTable = (rowsPerPartition: string) => ({ ...TABLE_MAIN, options: { ...TABLE_MAIN.options, caching: { keys: 'ALL', rows_per_partition: rowsPerPartition } } });

  it('is off by default: no request reaches it', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([cachedTable('ALL')]) });
    const e = await openWith(h);
    await e.apply(insert(1, 1, 1));
    e.read(read(1));
    expect(e.cacheStats().rowCache.requests).toBe(0);
  });

  it('serves repeated reads from the cache and is invalidated by a write to the partition', async () => {
    const h = harness({ timers: realTimers, schema: makeSchema([cachedTable('ALL')]) });
    const e = await openWith(h, { rowCacheBytes: 1 << 20 });
    for (let ck = 0; ck < 5; ck++) await e.apply(insert(1, ck, ck));
    await e.flush();
    const first = rowsOf(e.read(read(1)));
    expect(rowsOf(e.read(read(1)))).toEqual(first);
    expect(e.cacheStats().rowCache).toMatchObject({ requests: 2, hits: 1, entries: 1 });
    await e.apply(insert(1, 2, 99, 200));
    const after = rowsOf(e.read(read(1)));
    expect(after[2]).toContain(int(99).toString('hex'));
    expect(e.cacheStats().rowCache.hits).toBe(1);
  });

  it('gives the same answers as an engine without it, for heads and whole partitions (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('ALL', '1', '3'),
      fc.array(fc.oneof(
        fc.record({ kind: fc.constant('write' as const), pk: fc.nat(2), ck: fc.nat(6), v: fc.nat(9), ts: fc.integer({ min: 1, max: 50 }) }),
        fc.record({ kind: fc.constant('delete' as const), pk: fc.nat(2), ck: fc.nat(6), ts: fc.integer({ min: 1, max: 50 }) }),
        fc.record({ kind: fc.constant('read' as const), pk: fc.nat(2), reversed: fc.boolean(), rows: fc.integer({ min: 1, max: 8 }), from: fc.option(fc.nat(6)) }),
        fc.constant({ kind: 'flush' as const }),
      ), { maxLength: 40 }),
      async (rowsPerPartition, ops) => {
        const schema = makeSchema([cachedTable(rowsPerPartition)]);
        const cached = await openWith(harness({ timers: realTimers, schema }), { rowCacheBytes: 1 << 20 });
        const plain = await openWith(harness({ timers: realTimers, schema }));
        for (const op of ops) {
          if (op.kind === 'write' || op.kind === 'delete') {
            const m = op.kind === 'write' ? insert(op.pk, op.ck, op.v, op.ts)
              : mutationOf(update(TABLE_MAIN.id, op.pk, { rows: [row([int(op.ck)], { cells: [tombstoneCell('v', op.ts, NOW)] })] }));
            await cached.apply(m);
            await plain.apply(m);
          } else if (op.kind === 'flush') {
            await cached.flush();
          } else {
            const command = read(op.pk, { reversed: op.reversed, rows: op.rows, ...(op.from === null ? {} : { from: op.from }) });
            expect(rowsOf(cached.read(command))).toEqual(rowsOf(plain.read(command)));
          }
        }
        await cached.close();
        await plain.close();
      },
    ), { numRuns: 150 });
  });
});

describe('memory bound', () => {
  it('slows writes down while flushes are stuck, then refuses them with Overloaded; never grows past the limit', async () => {
    // Syncs complete only when released: flushes cannot finish meanwhile.
    const held: Array<() => void> = [];
    let holding = false;
    const disk = new MemoryDisk({ scheduleSync: (done) => (holding ? held.push(done) : queueMicrotask(done)) });
    const h = harness({ timers: realTimers, schema: makeSchema([TABLE_MAIN]), disk, config: { commitLogSync: 'periodic', memtableFlushThresholdBytes: 64 * 1024, memtableSpaceMaxBytes: 256 * 1024 } });
    const e = await openWith(h, { writeWaitMaxMs: 200 });
    holding = true;
    const outcomes: Array<'ok' | 'overloaded' | 'waited'> = [];
    const pending: Array<Promise<void>> = [];
    let n = 0;
    while (e.memtableBytes() < 256 * 1024 * WRITE_SLOWDOWN_FRACTION && n < 100_000) {
      await e.apply(insert(n % 50, n, n));
      n++;
    }
    // Beyond the slowdown limit writes wait (not applied yet) instead of growing the memtables.
    const before = e.memtableBytes();
    for (let i = 0; i < 20; i++) {
      pending.push(e.apply(insert(1, 1_000_000 + i, i)).then(() => void outcomes.push('waited'), (error: { code?: number }) => void outcomes.push(error.code === ErrorCode.Overloaded ? 'overloaded' : 'ok')));
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(e.memtableBytes()).toBe(before);
    expect(outcomes).toEqual([]);
    // Nothing frees memory within writeWaitMaxMs: they are refused.
    await Promise.all(pending);
    expect(outcomes.every((o) => o === 'overloaded')).toBe(true);
    // Released: flushes complete and waiting writes go through.
    holding = false;
    for (const done of held.splice(0)) done();
    const later = e.apply(insert(2, 2_000_000, 1));
    for (let i = 0; i < 100 && e.memtableBytes() >= 256 * 1024 * WRITE_SLOWDOWN_FRACTION; i++) {
      for (const done of held.splice(0)) done();
      await new Promise((r) => setTimeout(r, 5));
    }
    await later;
    expect(e.memtableBytes()).toBeLessThan(256 * 1024);
  });
});

describe('tombstone thresholds', () => {
  it('warns past tombstone_warn_threshold and fails past tombstone_failure_threshold', async () => {
    const records: LoggedRecord[] = [];
    const h = harness({ timers: realTimers, schema: makeSchema([TABLE_MAIN]), logger: recordingLogger(records) });
    const e = await openWith(h, { tombstoneWarnThreshold: 10, tombstoneFailureThreshold: 50 });
    for (let ck = 0; ck < 30; ck++) await e.apply(mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(ck)], { cells: [tombstoneCell('v', 10, NOW)] })] })));
    e.read(read(1));
    expect(records.some((r) => r.level === 'warn' && r.message.includes('tombstone_warn_threshold') && (r.fields as { tombstones: number }).tombstones === 30)).toBe(true);
    for (let ck = 30; ck < 60; ck++) await e.apply(mutationOf(update(TABLE_MAIN.id, 1, { rows: [row([int(ck)], { cells: [tombstoneCell('v', 10, NOW)] })] })));
    let error: unknown = null;
    try {
      e.read(read(1));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TombstoneOverwhelmingError);
    expect((error as TombstoneOverwhelmingError).code).toBe(ErrorCode.ReadFailure);
    expect(e.tableStats(TABLE_MAIN.id)!.tombstonesPerReadP99).toBeGreaterThanOrEqual(30);
  });
});
