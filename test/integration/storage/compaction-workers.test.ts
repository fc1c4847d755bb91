// Compactions in worker threads on the real disk: they produce byte-identical SSTables to the
// in-process path (major compaction with tombstone purging, cleanup with other SSTables
// overlapping), a truncate cancels a running one, and a worker that dies or meets a corrupt
// input fails the task cleanly: inputs stay live (or the corrupt one is quarantined), no temp file
// is left, and the data reads the same.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { realClock, realDisk, realTimers, realWorkers } from '../../../node-image/src/io/real/index.ts';
import { V8_PLATFORM_THREAD_NAME, allowedCpuListOf, backgroundCpuList, parseCpuList } from '../../../node-image/src/io/real/cpu-affinity.ts';
import type { WorkerChannel, WorkerSpawner } from '../../../node-image/src/io/index.ts';
import { silentLogger } from '../../../node-image/src/io/index.ts';
import { openStorageEngine } from '../../../node-image/src/storage/index.ts';
import { COMPACTION_NICE_INCREMENT } from '../../../node-image/src/storage/compaction/compaction-worker.ts';
import { FLUSH_NICE_INCREMENT } from '../../../node-image/src/storage/flush/flush-worker.ts';
import type { Mutation, StorageEngineWithStats } from '../../../node-image/src/storage/index.ts';
import { clusteredTable, readCell as readTableCell, rowWrite } from './clustered-table.ts';

const PARTITIONS = 300;
const ROWS = 20;
const FLUSHES = 4;
const { table: TABLE, schema: SCHEMA } = clusteredTable('cw', '6d6e2b35-0d0c-4b9e-9a51-2d1c5f0e0007', {
  gcGraceSeconds: 0, compaction: { class: 'SizeTieredCompactionStrategy', min_threshold: '32', max_threshold: '64' },
});
const NOW_SECONDS = Math.floor(Date.now() / 1000);
const dirs: string[] = [];
const engines: StorageEngineWithStats[] = [];

afterAll(async () => {
  for (const e of engines) await e.close().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function write(k: number, c: number, round: number, del: boolean): Mutation {
  const value = del ? null : Buffer.from(`v-${k}-${c}-${round}`.padEnd(40 + ((k * 7 + c) % 90), '#'));
  return rowWrite(TABLE, { k, c, timestampMicros: 1_000_000 + round * 1000 + c, value, nowSeconds: NOW_SECONDS });
}

function readCell(engine: StorageEngineWithStats, k: number, c: number): string | null {
  return readTableCell(engine, TABLE, { k, c, nowSeconds: NOW_SECONDS });
}

async function open(workers: WorkerSpawner | undefined, throughputBytesPerSecond = 0): Promise<{ engine: StorageEngineWithStats; tableDir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'cassia-cw-'));
  dirs.push(dir);
  const engine = await openStorageEngine({
    disk: realDisk, clock: realClock, timers: realTimers, logger: silentLogger, schema: SCHEMA,
    config: {
      dataDirectory: `${dir}/data`, commitLogDirectory: `${dir}/commitlog`, commitLogSync: 'periodic', commitLogSyncPeriodMs: 10_000,
      commitLogSyncGroupWindowMs: 2, commitLogSegmentSizeBytes: 4 * 1024 * 1024, commitLogTotalSpaceBytes: 64 * 1024 * 1024,
      mutationSizeMaxBytes: 1024 * 1024, memtableFlushThresholdBytes: 64 * 1024 * 1024, memtableSpaceMaxBytes: 128 * 1024 * 1024,
    },
    compaction: { concurrentCompactors: 2, throughputBytesPerSecond },
    ...(workers === undefined ? {} : { workers }),
  });
  engines.push(engine);
  return { engine, tableDir: `${dir}/data/${TABLE.id}` };
}

/** Rounds of writes (some deletes), a flush after each: FLUSHES overlapping SSTables. */
async function fill(engine: StorageEngineWithStats, rounds = FLUSHES): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const pending: Array<Promise<void>> = [];
    for (let k = 0; k < PARTITIONS; k++) {
      for (let c = 0; c < ROWS; c++) pending.push(engine.apply(write(k, c, round, round > 0 && (k + c + round) % 5 === 0)));
    }
    await Promise.all(pending);
    await engine.flush();
  }
}

function files(tableDir: string, suffix: string): string[] {
  return readdirSync(tableDir).filter((n) => n.endsWith(suffix)).sort();
}

/** Hashes of the live SSTables' Data and Index files, sorted (generation-independent). */
function contentHashes(tableDir: string): string[] {
  const out: string[] = [];
  for (const name of [...files(tableDir, '-Data.db'), ...files(tableDir, '-Index.db')]) {
    if (name.startsWith('tmp')) continue;
    out.push(`${name.endsWith('Data.db') ? 'D' : 'I'}:${createHash('sha256').update(readFileSync(join(tableDir, name))).digest('hex')}`);
  }
  return out.sort();
}

function tempFiles(tableDir: string): string[] {
  return readdirSync(tableDir).filter((n) => n.includes('tmp'));
}

function expectSameReads(a: StorageEngineWithStats, b: StorageEngineWithStats): void {
  for (let k = 0; k < PARTITIONS; k += 7) for (let c = 0; c < ROWS; c += 3) expect(readCell(a, k, c)).toBe(readCell(b, k, c));
}

/** The nice values of this process's worker threads (Linux: /proc keeps one per thread). */
function workerThreadNiceValues(): number[] {
  const out: number[] = [];
  for (const task of readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    // Fields after the command: state is field 3 of proc(5), nice field 19.
    if (comm === 'WorkerThread') out.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return out;
}

/** Cpus_allowed_list of this process's threads named `name` (/proc/self/task/<tid>/status). */
function threadCpuLists(name: string): string[] {
  const out: string[] = [];
  for (const task of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() !== name) continue;
      out.push(allowedCpuListOf(readFileSync(`/proc/self/task/${task}/status`, 'utf8'))!);
    } catch {
      continue; // the thread ended meanwhile
    }
  }
  return out;
}

const allowedCpus = process.platform === 'linux' ? parseCpuList(allowedCpuListOf(readFileSync('/proc/self/status', 'utf8'))!) ?? [] : [];
const tasksetFound = process.platform === 'linux' && ['/usr/bin/taskset', '/bin/taskset', '/usr/local/bin/taskset'].some((p) => existsSync(p));
const affinityTestable = allowedCpus.length >= 2 && tasksetFound;
if (!affinityTestable) {
  console.warn(`SKIPPING the CPU affinity test: it needs Linux, util-linux's taskset and two allowed CPUs (allowed: ${allowedCpus.join(',') || 'none'}, taskset: ${tasksetFound})`);
}

describe('compactions in worker threads', () => {
  it.skipIf(!affinityTestable)('worker threads and V8\'s platform threads run off the first allowed CPU, left to the event loop', async () => {
    const worker = await open(realWorkers);
    await fill(worker.engine, 2);
    await worker.engine.compact();
    const expected = backgroundCpuList(allowedCpus)!;
    const workers = threadCpuLists('WorkerThread');
    expect(workers.length).toBeGreaterThanOrEqual(2); // a flush and a compaction thread
    // parseCpuList: /proc may print a list as a range ("1-3").
    for (const list of workers) expect(parseCpuList(list)!.join(',')).toBe(expected);
    // V8's threads are moved by taskset runs that do not block the event loop: wait for them.
    const deadline = Date.now() + 10_000;
    let v8 = threadCpuLists(V8_PLATFORM_THREAD_NAME);
    while (v8.some((l) => parseCpuList(l)!.join(',') !== expected) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      v8 = threadCpuLists(V8_PLATFORM_THREAD_NAME);
    }
    expect(v8.length).toBeGreaterThan(0);
    for (const list of v8) expect(parseCpuList(list)!.join(',')).toBe(expected);
    // The event loop (the main thread: its id is the process id) is not restricted, nor is libuv's
    // thread pool, which a worker's first asynchronous call would otherwise create with the
    // worker's restriction (a thread inherits its creator's).
    const main = allowedCpuListOf(readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8'))!;
    expect(parseCpuList(main)).toEqual(allowedCpus);
    const pool = threadCpuLists('libuv-worker');
    expect(pool.length).toBeGreaterThan(0);
    for (const list of pool) expect(parseCpuList(list)).toEqual(allowedCpus);
  });


  it.skipIf(process.platform !== 'linux')('flush threads run below the event loop and compaction threads below flushes (Linux thread nice values)', async () => {
    const worker = await open(realWorkers);
    await fill(worker.engine, 2);
    await worker.engine.compact();
    const base = getPriority(0);
    const nice = workerThreadNiceValues();
    expect(nice).toContain(Math.min(19, base + FLUSH_NICE_INCREMENT));
    expect(nice).toContain(Math.min(19, base + COMPACTION_NICE_INCREMENT));
    expect(FLUSH_NICE_INCREMENT).toBeLessThan(COMPACTION_NICE_INCREMENT);
    expect(getPriority(0)).toBe(base);
  });

  it('major compaction and cleanup give the same SSTables as the in-process path', async () => {
    const local = await open(undefined);
    const worker = await open(realWorkers);
    await fill(local.engine);
    await fill(worker.engine);
    expect(contentHashes(worker.tableDir)).toEqual(contentHashes(local.tableDir));

    // Cleanup rewrites each SSTable alone, the others overlapping (purge snapshot) and ranges dropped.
    const keep = [{ left: -(2n ** 62n), right: 2n ** 62n }];
    const a = await local.engine.cleanupTable(TABLE.id, keep);
    const b = await worker.engine.cleanupTable(TABLE.id, keep);
    // Statistics name each output's generation (the worker's are reserved ahead): Data and Index match.
    expect(b.bytesBefore).toBe(a.bytesBefore);
    expect(Math.abs(b.bytesAfter - a.bytesAfter)).toBeLessThan(16);
    expect(contentHashes(worker.tableDir)).toEqual(contentHashes(local.tableDir));

    const [ma] = await local.engine.compact();
    const [mb] = await worker.engine.compact();
    expect({ ...mb, bytesWritten: 0 }).toEqual({ ...ma, bytesWritten: 0 });
    expect(mb!.outputs).toBeGreaterThan(0);
    expect(contentHashes(worker.tableDir)).toEqual(contentHashes(local.tableDir));
    expect(tempFiles(worker.tableDir)).toEqual([]);
    expectSameReads(worker.engine, local.engine);
    expect(worker.engine.compactionStats().completedTasks).toBe(local.engine.compactionStats().completedTasks);
  });

  it('truncate cancels a running worker compaction and leaves no temp output', async () => {
    const { engine, tableDir } = await open(realWorkers, 64 * 1024);
    await fill(engine);
    const compaction = engine.compact();
    const deadline = Date.now() + 10_000;
    while (engine.compactionStats().active.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100));
    const active = engine.compactionStats().active;
    expect(active.length).toBe(1);
    expect(active[0]!.completedBytes).toBeLessThan(active[0]!.totalBytes);
    await engine.truncate(TABLE.id);
    await compaction;
    expect(engine.compactionStats().active).toEqual([]);
    expect(engine.compactionStats().failedTasks).toBe(0);
    expect(files(tableDir, '-Data.db')).toEqual([]);
    expect(tempFiles(tableDir)).toEqual([]);
    expect(readCell(engine, 1, 1)).toBeNull();
  });

  it('setCompactionThroughput reaches a running worker', async () => {
    const { engine } = await open(realWorkers, 16 * 1024);
    await fill(engine);
    const started = Date.now();
    const compaction = engine.compact();
    await new Promise((r) => setTimeout(r, 300));
    expect(engine.compactionStats().active.length).toBe(1);
    engine.setCompactionThroughput(0);
    await compaction;
    // At 16 KiB/s the inputs (hundreds of KiB) would take many seconds.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a worker that dies fails the task: inputs stay live, no temp output, data unchanged', async () => {
    let killed = 0;
    const dying: WorkerSpawner = {
      spawn(moduleUrl): WorkerChannel {
        const channel = realWorkers.spawn(moduleUrl);
        return {
          post: (m, t) => channel.post(m, t),
          terminate: () => channel.terminate(),
          listen: (h) => channel.listen({
            message: (m) => {
              if ((m as { type: string }).type === 'progress' && killed === 0) {
                killed++;
                channel.terminate();
                return;
              }
              h.message(m);
            },
            exit: h.exit,
          }),
        };
      },
    };
    const local = await open(undefined);
    const { engine, tableDir } = await open(dying);
    await fill(local.engine);
    await fill(engine);
    const before = files(tableDir, '-Data.db');
    expect(await engine.compact()).toEqual([]);
    expect(killed).toBe(1);
    expect(engine.compactionStats().failedTasks).toBe(1);
    expect(files(tableDir, '-Data.db')).toEqual(before);
    expect(tempFiles(tableDir)).toEqual([]);
    expectSameReads(engine, local.engine);
    // The next worker (a fresh thread) compacts.
    const [again] = await engine.compact();
    expect(again?.outputs).toBeGreaterThan(0);
    expect(contentHashes(tableDir)).toEqual((await local.engine.compact(), contentHashes(local.tableDir)));
  });

  it('a corrupt input met by a worker is quarantined on the main thread', async () => {
    const { engine, tableDir } = await open(realWorkers);
    await fill(engine);
    const data = files(tableDir, '-Data.db');
    expect(data.length).toBe(FLUSHES);
    const victim = join(tableDir, data[1]!);
    const bytes = readFileSync(victim);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(victim, bytes);
    await engine.compact();
    expect(existsSync(join(tableDir, 'quarantine', data[1]!))).toBe(true);
    expect(tempFiles(tableDir)).toEqual([]);
    // Planned again without it: the other three compact.
    const [outcome] = await engine.compact();
    expect(outcome?.inputs).toBe(FLUSHES - 1);
  });
});
