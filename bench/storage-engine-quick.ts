// Quick storage-engine benchmark (no network): apply throughput per sync mode on the memory disk
// and on a real temp directory, and single-partition read latency from memtables and SSTables.
// Prints JSON lines with units in field names. Knobs: BENCH_COUNT (mutations, default 200000),
// BENCH_SEED. Run: npx node bench/storage-engine-quick.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MemoryDisk, silentLogger } from '../node-image/src/io/index.ts';
import type { Disk } from '../node-image/src/io/index.ts';
import { realClock, realDisk, realTimers } from '../node-image/src/io/real/index.ts';
import type { CommitLogSyncMode, Mutation, ReadCommand, StorageConfig, StorageEngineWithStats } from '../node-image/src/storage/index.ts';
import { openStorageEngine } from '../node-image/src/storage/index.ts';
import { TABLE_MAIN, int, liveCell, makeSchema, marker, mutationOf, pkOf, row, update } from '../node-image/src/storage/testing/fixtures.ts';
import { emitJsonLine, progress } from './lib/json-lines.ts';

const COUNT = Number(process.env['BENCH_COUNT'] ?? 200_000);
const SEED = Number(process.env['BENCH_SEED'] ?? 1);
const PARTITIONS = 10_000;
const IN_FLIGHT = 256;
const READS = 20_000;
const SCHEMA = makeSchema([TABLE_MAIN]);
const VALUE = Buffer.alloc(100, 0x61);

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pre-built mutations: the benchmark measures the engine, not building its input. */
function buildMutations(count: number): Mutation[] {
  const out: Mutation[] = [];
  for (let n = 0; n < count; n++) {
    out.push(mutationOf(update(TABLE_MAIN.id, n % PARTITIONS, {
      rows: [row([int(Math.floor(n / PARTITIONS))], { liveness: marker(1_000_000 + n), cells: [liveCell('v', int(n), 1_000_000 + n), liveCell('w', VALUE, 1_000_000 + n)] })],
    })));
  }
  return out;
}

function config(dir: string, sync: CommitLogSyncMode): StorageConfig {
  return {
    dataDirectory: `${dir}/data`,
    commitLogDirectory: `${dir}/commitlog`,
    commitLogSync: sync,
    commitLogSyncPeriodMs: 10_000,
    commitLogSyncGroupWindowMs: 2,
    commitLogSegmentSizeBytes: 32 * 1024 * 1024,
    commitLogTotalSpaceBytes: 1024 * 1024 * 1024,
    mutationSizeMaxBytes: 16 * 1024 * 1024,
    memtableFlushThresholdBytes: 64 * 1024 * 1024,
    memtableSpaceMaxBytes: 256 * 1024 * 1024,
  };
}

async function open(disk: Disk, dir: string, sync: CommitLogSyncMode): Promise<StorageEngineWithStats> {
  return openStorageEngine({ disk, clock: realClock, timers: realTimers, logger: silentLogger, config: config(dir, sync), schema: SCHEMA });
}

async function applyAll(engine: StorageEngineWithStats, mutations: readonly Mutation[], inFlight: number): Promise<number> {
  const start = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < mutations.length) await engine.apply(mutations[next++]!);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return performance.now() - start;
}

function readCommand(pk: number): ReadCommand {
  const { key, token } = pkOf(pk);
  return {
    tableId: TABLE_MAIN.id,
    partitions: { kind: 'single', key, token },
    clustering: { kind: 'names', clusterings: [[int(3)]], reversed: false },
    columns: 'all',
    limits: { rows: Infinity, perPartitionRows: Infinity, partitions: 1 },
    nowSeconds: Math.floor(Date.now() / 1000),
    resumeAfterClustering: null,
    includeStaticRow: false,
  };
}

function readLatency(engine: StorageEngineWithStats, label: string): void {
  const random = prng(SEED);
  const samples = new Float64Array(READS);
  let found = 0;
  for (let i = 0; i < 2000; i++) engine.read(readCommand(Math.floor(random() * PARTITIONS)));
  const start = performance.now();
  for (let i = 0; i < READS; i++) {
    const t0 = performance.now();
    const result = engine.read(readCommand(Math.floor(random() * PARTITIONS)));
    samples[i] = performance.now() - t0;
    if (result.partitions.length > 0) found++;
  }
  const elapsedMs = performance.now() - start;
  samples.sort();
  const q = (p: number): number => Math.round(samples[Math.min(READS - 1, Math.floor(p * READS))]! * 1000) / 1000;
  emitJsonLine({
    bench: 'storage_read_single_partition', source: label, reads: READS, found,
    reads_per_sec: Math.round(READS / (elapsedMs / 1000)), p50_ms: q(0.5), p99_ms: q(0.99), max_ms: q(1),
    sstables: engine.tableStats(TABLE_MAIN.id)!.sstableCount,
  });
}

async function writeBench(label: string, disk: Disk, dir: string, sync: CommitLogSyncMode, mutations: readonly Mutation[], inFlight: number): Promise<StorageEngineWithStats> {
  progress(`apply: ${label} ${sync}, ${mutations.length} mutations, ${inFlight} in flight`);
  const engine = await open(disk, dir, sync);
  const elapsedMs = await applyAll(engine, mutations, inFlight);
  const log = engine.commitLogStats();
  emitJsonLine({
    bench: 'storage_apply', disk: label, commit_log_sync: sync, mutations: mutations.length, in_flight: inFlight,
    ops_per_sec: Math.round(mutations.length / (elapsedMs / 1000)), elapsed_ms: Math.round(elapsedMs),
    commit_log_bytes: log.totalBytes, fsyncs: log.syncs, memtable_bytes: engine.memtableBytes(),
    rss_mb: Math.round(process.memoryUsage().rss / 1048576),
  });
  return engine;
}

const mutations = buildMutations(COUNT);

// 1. Memory disk, periodic: the CPU cost of the write path (serialize, checksum, memtable insert).
{
  const disk = new MemoryDisk();
  const engine = await writeBench('memory', disk, '/bench', 'periodic', mutations, IN_FLIGHT);
  readLatency(engine, 'memtable');
  const flushStart = performance.now();
  await engine.flush();
  emitJsonLine({ bench: 'storage_flush', disk: 'memory', mutations: COUNT, elapsed_ms: Math.round(performance.now() - flushStart), sstable_bytes: engine.tableStats(TABLE_MAIN.id)!.sstableBytes });
  readLatency(engine, 'sstable');
  await engine.close();
  const reopenStart = performance.now();
  const reopened = await open(disk, '/bench', 'periodic');
  emitJsonLine({ bench: 'storage_open', disk: 'memory', elapsed_ms: Math.round(performance.now() - reopenStart) });
  await reopened.close();
}

// 2. Real disk: periodic (page cache), group and batch (fsync-bound; fewer mutations).
for (const [sync, count, inFlight] of [['periodic', COUNT, IN_FLIGHT], ['group', Math.min(COUNT, 50_000), IN_FLIGHT], ['batch', Math.min(COUNT, 20_000), 64]] as const) {
  const dir = mkdtempSync(join(tmpdir(), 'cassia-bench-storage-'));
  try {
    const engine = await writeBench('real', realDisk, dir, sync, mutations.slice(0, count), inFlight);
    if (sync === 'periodic') {
      await engine.close();
      const replayStart = performance.now();
      const reopened = await open(realDisk, dir, sync);
      emitJsonLine({ bench: 'storage_replay', disk: 'real', mutations: count, elapsed_ms: Math.round(performance.now() - replayStart) });
      await reopened.close();
    } else {
      await engine.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
