// Memtable flushes through a flush worker thread on the real disk: every component (Data, Index,
// Filter, Statistics, CompressionInfo, TOC) is byte-identical to the in-process flush of the same
// writes (large partitions with row indexes, a value bigger than a batch, row deletions, enough
// data for several batches in flight, single-row partitions the worker reads from the memtable's
// shared slabs, some sharing a token), and the worker ships the partition index so publishing scans
// no Index.db on the main thread; a worker that dies or fails mid-flush fails the flush: no
// temp file, the memtable stays readable, and a reopen replays every acknowledged write.
import { readdirSync, readFileSync, rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { realClock, realDisk, realTimers, realWorkers } from '../../../node-image/src/io/real/index.ts';
import type { Clock, WorkerChannel, WorkerSpawner } from '../../../node-image/src/io/index.ts';
import { silentLogger } from '../../../node-image/src/io/index.ts';
import { openStorageEngine } from '../../../node-image/src/storage/index.ts';
import { ENTRY_FIELDS, INLINE } from '../../../node-image/src/storage/flush/flush-worker-protocol.ts';
import { PartitionIndexScan } from '../../../node-image/src/storage/sstable/sstable-reader.ts';
import type { Mutation, StorageEngineWithStats } from '../../../node-image/src/storage/index.ts';
import { clusteredTable, readCell as readTableCell, rowWrite } from './clustered-table.ts';

const PARTITIONS = 2000;
const ROWS = 12;
/** Partitions with many rows (row index blocks). */
const WIDE = [7, 700, 1500];
const WIDE_ROWS = 3000;
const BIG_VALUE_BYTES = 1536 * 1024;
/** Partitions of one row after the others: encoded in the memtable, flushed from its shared slabs. */
const SINGLES = 5000;
/**
 * One-row partitions given the token of partition PARTITIONS (an encoded one-row partition too):
 * the writer orders partitions of one token by key, which it reads from their slabs.
 */
const SAME_TOKEN = [900_001, 900_002, 900_003];
const { table: TABLE, schema: SCHEMA } = clusteredTable('fw', '6d6e2b35-0d0c-4b9e-9a51-2d1c5f0e0008');
const NOW_SECONDS = Math.floor(Date.now() / 1000);
/** Both engines stamp the same creation time into Statistics. */
const FIXED_CLOCK: Clock = { nowMs: () => NOW_SECONDS * 1000, monotonicMs: () => realClock.monotonicMs() };
const dirs: string[] = [];
const engines: StorageEngineWithStats[] = [];

afterAll(async () => {
  for (const e of engines) await e.close().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function valueOf(k: number, c: number): Buffer {
  if (k === 3 && c === 1) return Buffer.alloc(BIG_VALUE_BYTES, 'x');
  return Buffer.from(`v-${k}-${c}`.padEnd(30 + ((k * 7 + c) % 120), String.fromCharCode(97 + (k % 26))));
}

function write(k: number, c: number): Mutation {
  return rowWrite(TABLE, { k, c, timestampMicros: 1_000_000 + k * 10 + c, value: (k + c) % 11 === 0 ? null : valueOf(k, c), nowSeconds: NOW_SECONDS });
}

function readCell(engine: StorageEngineWithStats, k: number, c: number): string | null {
  return readTableCell(engine, TABLE, { k, c, nowSeconds: NOW_SECONDS });
}

async function open(workers: WorkerSpawner | undefined, dir?: string): Promise<{ engine: StorageEngineWithStats; dir: string; tableDir: string }> {
  const root = dir ?? mkdtempSync(join(tmpdir(), 'cassia-fw-'));
  if (dir === undefined) dirs.push(root);
  const engine = await openStorageEngine({
    disk: realDisk, clock: FIXED_CLOCK, timers: realTimers, logger: silentLogger, schema: SCHEMA,
    config: {
      dataDirectory: `${root}/data`, commitLogDirectory: `${root}/commitlog`, commitLogSync: 'periodic', commitLogSyncPeriodMs: 10,
      commitLogSyncGroupWindowMs: 2, commitLogSegmentSizeBytes: 8 * 1024 * 1024, commitLogTotalSpaceBytes: 256 * 1024 * 1024,
      mutationSizeMaxBytes: 4 * 1024 * 1024, memtableFlushThresholdBytes: 512 * 1024 * 1024, memtableSpaceMaxBytes: 1024 * 1024 * 1024,
    },
    compaction: { concurrentCompactors: 1, throughputBytesPerSecond: 0 },
    ...(workers === undefined ? {} : { workers }),
  });
  engines.push(engine);
  return { engine, dir: root, tableDir: `${root}/data/${TABLE.id}` };
}

async function fill(engine: StorageEngineWithStats): Promise<void> {
  let pending: Array<Promise<void>> = [];
  const drain = async (): Promise<void> => {
    await Promise.all(pending);
    pending = [];
  };
  for (let k = 0; k < PARTITIONS; k++) {
    const rows = WIDE.includes(k) ? WIDE_ROWS : ROWS;
    for (let c = 0; c < rows; c++) pending.push(engine.apply(write(k, c)));
    if (pending.length >= 5000) await drain();
  }
  for (let k = PARTITIONS; k < PARTITIONS + SINGLES; k++) pending.push(engine.apply(write(k, 0)));
  const shared = write(PARTITIONS, 0).token;
  for (const k of SAME_TOKEN) {
    const m = write(k, 0);
    pending.push(engine.apply({ ...m, token: shared, updates: m.updates.map((u) => ({ ...u, token: shared })) }));
  }
  await drain();
}

/** Every component of the live SSTables: name -> bytes. */
function components(tableDir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(tableDir).sort()) {
    if (name.endsWith('.db') || name.endsWith('.txt')) out.set(name, readFileSync(join(tableDir, name)));
  }
  return out;
}

function tempFiles(tableDir: string): string[] {
  return readdirSync(tableDir).filter((n) => n.includes('tmp'));
}

function expectSameReads(a: StorageEngineWithStats, b: StorageEngineWithStats): void {
  for (let k = 0; k < PARTITIONS; k += 13) for (let c = 0; c < ROWS; c += 5) expect(readCell(a, k, c)).toBe(readCell(b, k, c));
  for (const k of WIDE) for (let c = 0; c < WIDE_ROWS; c += 97) expect(readCell(a, k, c)).toBe(readCell(b, k, c));
  expect(readCell(a, 3, 1)?.length).toBe(BIG_VALUE_BYTES);
  for (let k = PARTITIONS; k < PARTITIONS + SINGLES; k += 7) expect(readCell(a, k, 0)).toBe(readCell(b, k, 0));
  expect(readCell(a, PARTITIONS + 1, 0)).toBe(valueOf(PARTITIONS + 1, 0).toString());
}

/** Real worker threads whose messages to the worker `onPost` sees first. */
function watchingPosts(onPost: (m: unknown) => void): WorkerSpawner {
  return {
    spawn(moduleUrl): WorkerChannel {
      const channel = realWorkers.spawn(moduleUrl);
      return {
        post: (m, t) => {
          onPost(m);
          channel.post(m, t);
        },
        terminate: () => channel.terminate(),
        listen: (h) => channel.listen(h),
      };
    },
  };
}

/** A spawner whose worker is disturbed once: `onMessage` may terminate it or drop a message. */
function disturbed(onMessage: (m: { type: string }, channel: WorkerChannel) => 'pass' | 'drop'): WorkerSpawner {
  return {
    spawn(moduleUrl): WorkerChannel {
      const channel = realWorkers.spawn(moduleUrl);
      return {
        post: (m, t) => channel.post(m, t),
        terminate: () => channel.terminate(),
        listen: (h) => channel.listen({
          message: (m) => {
            if (onMessage(m as { type: string }, channel) === 'pass') h.message(m);
          },
          exit: h.exit,
        }),
      };
    },
  };
}

describe('memtable flushes in a worker thread', () => {
  it('write the same SSTable bytes as the in-process flush', async () => {
    const local = await open(undefined);
    // Data pieces and keys the worker is sent as places in shared slabs.
    let slabPieces = 0;
    let slabKeys = 0;
    const counting = watchingPosts((m) => {
      const batch = m as { type: string; segmentCount: number; segments: Int32Array; entryCount: number; entries: Float64Array };
      if (batch.type === 'batch') {
        for (let i = 0; i < batch.segmentCount; i++) if (batch.segments[i * 3]! !== INLINE) slabPieces++;
        for (let i = 0; i < batch.entryCount; i++) if (batch.entries[i * ENTRY_FIELDS + 6]! !== INLINE) slabKeys++;
      }
    });
    const worker = await open(counting);
    await fill(local.engine);
    await fill(worker.engine);
    // Index.db scans on this (the main) thread: the in-process flush builds its reader's partition
    // index here; the worker flush ships the index it built, so publishing scans nothing here.
    const scans = vi.spyOn(PartitionIndexScan.prototype, 'step');
    try {
      await local.engine.flush();
      expect(scans.mock.calls.length).toBeGreaterThan(0);
      scans.mockClear();
      await worker.engine.flush();
      expect(scans.mock.calls.length).toBe(0);
      // Every single-row partition with a live value went by slab, key and all; so did the encoded
      // rows of the many-row partitions (pieces without a key; adjacent ones in a slab merge).
      const encodable = Array.from({ length: SINGLES }, (_, i) => PARTITIONS + i).filter((k) => k % 11 !== 0).length;
      expect(slabKeys).toBe(encodable + SAME_TOKEN.length);
      expect(slabPieces).toBeGreaterThan(encodable + PARTITIONS);
    } finally {
      scans.mockRestore();
    }
    const a = components(local.tableDir);
    const b = components(worker.tableDir);
    expect([...b.keys()]).toEqual([...a.keys()]);
    expect([...a.keys()].some((n) => n.endsWith('-Data.db'))).toBe(true);
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes), name).toBe(true);
    expect(tempFiles(worker.tableDir)).toEqual([]);
    expect(worker.engine.memtableBytes()).toBe(0);
    expectSameReads(worker.engine, local.engine);
  });

  it('walk a memtable whose partitions are all one encoded row in the worker, writing the same SSTable bytes as the in-process flush', async () => {
    const local = await open(undefined);
    const posted: string[] = [];
    const counting = watchingPosts((m) => posted.push((m as { type: string }).type));
    const worker = await open(counting);
    // One-row partitions only: live values, a few expiring at one second each (their drop times
    // go to the statistics), and some sharing a token (ordered by key, read from their slabs).
    const single = (k: number): Mutation => {
      const m = write(k, k % 5);
      if (k % 9 !== 0) return m;
      const u = m.updates[0]!;
      const r = u.rows[0]!;
      const expiry = NOW_SECONDS + 3600 + (k % 4) * 600;
      const row = {
        ...r, liveness: { ...r.liveness!, ttlSeconds: 3600, localExpirationTimeSeconds: expiry },
        cells: r.cells.map((c) => ({ ...c, ttlSeconds: 3600, localDeletionTimeSeconds: expiry })),
      };
      return { ...m, updates: [{ ...u, rows: [row] }] };
    };
    const writes: Mutation[] = [];
    for (let k = 0; k < 20_000; k++) if ((k + k % 5) % 11 !== 0) writes.push(single(k));
    const shared = writes[0]!.token;
    for (const k of SAME_TOKEN) {
      const m = single(k);
      writes.push({ ...m, token: shared, updates: m.updates.map((u) => ({ ...u, token: shared })) });
    }
    for (const e of [local.engine, worker.engine]) await Promise.all(writes.map((m) => e.apply(m)));
    await local.engine.flush();
    await worker.engine.flush();
    expect(posted.filter((t) => t === 'walk').length).toBe(1);
    expect(posted.filter((t) => t === 'batch').length).toBe(0);
    const a = components(local.tableDir);
    const b = components(worker.tableDir);
    expect([...b.keys()]).toEqual([...a.keys()]);
    expect([...a.keys()].some((n) => n.endsWith('-Statistics.db'))).toBe(true);
    for (const [name, bytes] of a) expect(b.get(name)!.equals(bytes), name).toBe(true);
    expect(tempFiles(worker.tableDir)).toEqual([]);
    for (let i = 0; i < writes.length; i += 37) {
      const k = writes[i]!.key.readInt32BE(0);
      expect(readCell(worker.engine, k, k % 5)).toBe(valueOf(k, k % 5).toString('latin1'));
    }
  });

  for (const mode of ['dies', 'fails'] as const) {
    it(`a worker that ${mode} mid-flush fails the flush: no temp file, memtable readable, writes replayed on reopen`, async () => {
      const local = await open(undefined);
      await fill(local.engine);
      let disturbedOnce = 0;
      const spawner = disturbed((m, channel) => {
        if (m.type !== 'batch-done' || disturbedOnce > 0) return 'pass';
        disturbedOnce++;
        if (mode === 'dies') {
          channel.terminate();
          return 'drop';
        }
        // The worker's file under the table directory vanishes: its next write fails in the worker.
        return 'pass';
      });
      const { engine, dir, tableDir } = await open(spawner);
      await fill(engine);
      if (mode === 'fails') {
        // A directory where the worker will put the Filter component: its open fails at finish.
        const gen = readdirSync(tableDir).find((n) => n.startsWith('tmp-') && n.endsWith('-Data.db'));
        expect(gen).toBeUndefined();
      }
      const flushing = engine.flush();
      if (mode === 'fails') {
        // Block the Filter temp file's path with a directory once the Data temp file exists.
        const deadline = Date.now() + 10_000;
        let blocked = false;
        while (!blocked && Date.now() < deadline) {
          const data = readdirSync(tableDir).find((n) => n.startsWith('tmp-') && n.endsWith('-Data.db'));
          if (data !== undefined) {
            const filter = join(tableDir, data.replace('-Data.db', '-Filter.db'));
            rmSync(filter, { force: true });
            try {
              (await import('node:fs')).mkdirSync(filter);
              writeFileSync(join(filter, 'x'), 'x');
              blocked = true;
            } catch {
              // Raced with the worker: retry.
            }
          }
          await new Promise((r) => setTimeout(r, 1));
        }
        expect(blocked).toBe(true);
      }
      await expect(flushing).rejects.toThrow(mode === 'dies' ? /flush worker died/ : /flush worker/);
      if (mode === 'fails') {
        for (const n of readdirSync(tableDir)) if (n.endsWith('-Filter.db')) rmSync(join(tableDir, n), { recursive: true, force: true });
      }
      expect(tempFiles(tableDir)).toEqual([]);
      expect(readdirSync(tableDir).filter((n) => n.endsWith('-Data.db'))).toEqual([]);
      // The memtable stays readable in `flushing`; writes are refused.
      expectSameReads(engine, local.engine);
      await expect(engine.apply(write(1, 1))).rejects.toThrow();
      await engine.close();
      // Its commit-log segments stayed dirty: a reopen replays everything (and flushes in a healthy worker).
      const reopened = await open(realWorkers, dir);
      expectSameReads(reopened.engine, local.engine);
      await reopened.engine.flush();
      expect(tempFiles(tableDir)).toEqual([]);
      expectSameReads(reopened.engine, local.engine);
    });
  }
});
