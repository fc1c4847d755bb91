// npm run bench:storage: the storage engine on its API (no network) against LevelDB
// (classic-level) and, when it is installed, RocksDB (npm rocksdb, optional: it compiles for
// minutes, so it is not a dependency), in the same run on the same machine. Workloads after
// LevelDB's db_bench: fillseq and fillrandom (BENCH_KEYS keys, 100-byte values half compressible),
// overwrite, readrandom (hits) and readmissing, a 100-row range scan, and a time series with TTL.
// Same batching for all stores (BENCH_BATCH writes per batch: one db.batch, one Cassia applyAll;
// BENCH_BATCH reads awaited together) and
// comparable durability (acknowledged once handed to the OS: Cassia commitlog periodic, LevelDB
// and RocksDB without sync). Reported per workload: ops/s, bytes written to files per user byte
// (write amplification, from /proc/self/io wchar, after background flushes and compactions have
// settled), and on-disk bytes. Then a p99-during-compaction run (Cassia; during the compaction
// only writes issued while it runs count, as it may end before the load). JSON lines on stdout;
// the last line is the summary with the Cassia/LevelDB ratios. Cassia's engine API takes each
// key's Murmur3 token from its caller (the coordinator computes it once per request for routing),
// so tokens are computed before the timed loops (the kv keys' and the time series' partition keys');
// their cost is reported on its own line. Cassia's
// kv table uses 4 KiB compression chunks, LevelDB's block size (its default is 16 KiB).
// Besides wall-clock ops/s, ops per CPU-second of the process are reported: the machine may be
// shared, and CPU time is the steadier comparison. The process runs under the node's Node.js
// flags (bench/lib/node-flags.ts), as the engine does in a node, and Cassia's engine keeps its
// background threads off the event loop's core as in a node; a peer's workloads start with every
// thread back on every CPU (bench/lib/thread-affinity.ts).
// Knobs: BENCH_KEYS (1000000), BENCH_BATCH (100), BENCH_READS (200000), BENCH_SCANS (20000),
// BENCH_SERIES (1000), BENCH_POINTS (1000), BENCH_STORES (cassia,leveldb,rocksdb), BENCH_SEED,
// BENCH_SKIP_P99, BENCH_ONLY_P99 (skips the per-store workloads: only the Cassia p99 run),
// BENCH_P99_RATE (5000 writes/s), BENCH_P99_SECONDS (8).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ClassicLevel } from 'classic-level';
import { silentLogger } from '../node-image/src/io/index.ts';
import { realClock, realDisk, realTimers, realWorkers } from '../node-image/src/io/real/index.ts';
import { murmur3Token, TOKEN_MAX } from '../node-image/src/lib/index.ts';
import { DEFAULT_TABLE_OPTIONS, nativeType } from '../node-image/src/schema/index.ts';
import type { ColumnMetadata, SchemaSnapshot, TableMetadata } from '../node-image/src/schema/index.ts';
import { NO_DELETION_TIME, openStorageEngine } from '../node-image/src/storage/index.ts';
import type { Mutation, ReadCommand, StorageEngineWithStats } from '../node-image/src/storage/index.ts';
import { emitJsonLine, progress, ratio } from './lib/json-lines.ts';
import { runUnderNodeRuntimeFlags } from './lib/node-flags.ts';
import { giveEveryThreadEveryCpu } from './lib/thread-affinity.ts';

runUnderNodeRuntimeFlags();

const KEYS = Number(process.env['BENCH_KEYS'] ?? 1_000_000);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 100);
const READS = Number(process.env['BENCH_READS'] ?? 200_000);
const SCANS = Number(process.env['BENCH_SCANS'] ?? 20_000);
const SERIES = Number(process.env['BENCH_SERIES'] ?? 1000);
const POINTS = Number(process.env['BENCH_POINTS'] ?? 1000);
const SEED = Number(process.env['BENCH_SEED'] ?? 1);
const STORES = (process.env['BENCH_STORES'] ?? 'cassia,leveldb,rocksdb').split(',');
/** Cassia compacts in worker threads as a real node does (BENCH_WORKERS=0: in-process slices). */
const BENCH_WORKERS = process.env['BENCH_WORKERS'] !== '0';
const VALUE_BYTES = 100;
const KEY_BYTES = 16;
const SCAN_ROWS = 100;
const TTL_SECONDS = 3600;
/** Background work has settled once no byte was written for this long (bounded by SETTLE_MAX_MS). */
const SETTLE_QUIET_MS = 1000;
const SETTLE_MAX_MS = 120_000;

// ---------------------------------------------------------------------------------------------
// Inputs: keys, values (db_bench style: half random bytes, half repeated, so compression ~0.5)

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

function keyOf(i: number): Buffer {
  return Buffer.from(i.toString().padStart(KEY_BYTES, '0'));
}

/** Tokens of keyOf(0 .. 2 x KEYS) (the second half: keys that were never written), filled before timing. */
let tokens = new BigInt64Array(0);
function tokenOf(i: number): bigint {
  return tokens[i]!;
}

/** The time series' partition keys (series ids as bigint bytes) and their tokens. */
let seriesKeys: Buffer[] = [];
let seriesTokens = new BigInt64Array(0);

function computeTokens(): void {
  const start = performance.now();
  tokens = new BigInt64Array(2 * KEYS);
  for (let i = 0; i < 2 * KEYS; i++) tokens[i] = murmur3Token(keyOf(i));
  seriesKeys = Array.from({ length: SERIES }, (_, s) => bigintBytes(s));
  seriesTokens = BigInt64Array.from(seriesKeys, (key) => murmur3Token(key));
  emitJsonLine({ bench: 'storage_tokens', keys: 2 * KEYS, murmur3_us_per_key: Math.round(((performance.now() - start) * 1000 / (2 * KEYS)) * 100) / 100, note: 'the coordinator\'s cost, outside the engine timings' });
}

const VALUE_POOL = (() => {
  const random = prng(SEED + 7);
  const pool = Buffer.alloc(1 << 20);
  for (let i = 0; i < pool.length; i += 100) {
    for (let j = 0; j < 50 && i + j < pool.length; j++) pool[i + j] = Math.floor(random() * 256);
    for (let j = 50; j < 100 && i + j < pool.length; j++) pool[i + j] = 0x61 + (i % 26);
  }
  return pool;
})();

function valueOf(i: number): Buffer {
  const at = (i * 97) % (VALUE_POOL.length - VALUE_BYTES);
  return VALUE_POOL.subarray(at, at + VALUE_BYTES);
}

function shuffled(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  const random = prng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Stores

interface Store {
  readonly name: string;
  readonly directory: string;
  /** `indexes` name the keys (keyOf(index)), for stores that need their tokens. */
  putBatch(keys: readonly Buffer[], values: readonly Buffer[], indexes: readonly number[]): Promise<void>;
  /** Time series point: series id and time; TTL where the store has it. */
  putPoints(series: readonly number[], times: readonly number[], values: readonly Buffer[]): Promise<void>;
  getBatch(keys: readonly Buffer[], indexes: readonly number[]): Promise<number>;
  /** Reads SCAN_ROWS rows from `key` in the store's order; returns rows read. */
  scan(key: Buffer, index: number): Promise<number>;
  /** The newest SCAN_ROWS points of a series; returns points read. */
  latestPoints(series: number): Promise<number>;
  /** Waits for background flushes/compactions the writes triggered. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const KV_ID = '5e1f0000-0000-4000-8000-000000000001';
const TS_ID = '5e1f0000-0000-4000-8000-000000000002';

function column(name: string, type: string, kind: ColumnMetadata['kind'], position: number, order: ColumnMetadata['clusteringOrder'] = 'none'): ColumnMetadata {
  return { name, type: nativeType(type as 'blob'), kind, position, clusteringOrder: order };
}

function benchSchema(): SchemaSnapshot {
  const k = column('k', 'blob', 'partition_key', 0);
  const v = column('v', 'blob', 'regular', -1);
  const kv: TableMetadata = {
    keyspace: 'bench', name: 'kv', id: KV_ID, columns: [k, v], partitionKey: [k], clustering: [], regularAndStatic: [v],
    // 4 KiB chunks: LevelDB's block size, so point reads decompress as much on both sides.
    options: { ...DEFAULT_TABLE_OPTIONS, compression: { class: 'LZ4Compressor', chunk_length_in_kb: '4' } },
    droppedColumns: [], indexes: [], isView: false, isCounterTable: false,
  };
  const sid = column('series', 'bigint', 'partition_key', 0);
  const t = column('t', 'bigint', 'clustering', 0, 'desc');
  const ts: TableMetadata = {
    keyspace: 'bench', name: 'ts', id: TS_ID, columns: [sid, t, v], partitionKey: [sid], clustering: [t], regularAndStatic: [v],
    options: {
      ...DEFAULT_TABLE_OPTIONS, defaultTimeToLiveSeconds: TTL_SECONDS,
      compaction: { class: 'TimeWindowCompactionStrategy', compaction_window_unit: 'MINUTES', compaction_window_size: '10' },
    },
    droppedColumns: [], indexes: [], isView: false, isCounterTable: false,
  };
  return {
    version: '5e1f0000-0000-1000-8000-000000000000',
    keyspaces: new Map([['bench', {
      name: 'bench', durableWrites: true, replication: { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '1' } },
      tables: new Map([['kv', kv], ['ts', ts]]), views: new Map(), types: new Map(), functions: [],
    }]]),
  };
}

/** A non-negative safe integer as 8 big-endian bytes (a CQL bigint), without a BigInt on the way. */
function bigintBytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  writeU64(b, n, 0);
  return b;
}

function writeU64(b: Buffer, n: number, at: number): void {
  const high = Math.floor(n / 4294967296);
  b.writeUInt32BE(high, at);
  b.writeUInt32BE(n - high * 4294967296, at + 4);
}

class CassiaStore implements Store {
  readonly name = 'cassia';
  readonly directory: string;
  private readonly engine: StorageEngineWithStats;
  private timestampMicros: number;

  private constructor(directory: string, engine: StorageEngineWithStats) {
    this.directory = directory;
    this.engine = engine;
    this.timestampMicros = Date.now() * 1000;
  }

  static async open(directory: string): Promise<CassiaStore> {
    const engine = await openStorageEngine({
      disk: realDisk, clock: realClock, timers: realTimers, logger: silentLogger, schema: benchSchema(), ...(BENCH_WORKERS ? { workers: realWorkers } : {}),
      config: {
        dataDirectory: `${directory}/data`, commitLogDirectory: `${directory}/commitlog`, commitLogSync: 'periodic', commitLogSyncPeriodMs: 10_000,
        commitLogSyncGroupWindowMs: 2, commitLogSegmentSizeBytes: 32 * 1024 * 1024, commitLogTotalSpaceBytes: 1024 * 1024 * 1024,
        mutationSizeMaxBytes: 16 * 1024 * 1024, memtableFlushThresholdBytes: 64 * 1024 * 1024, memtableSpaceMaxBytes: 256 * 1024 * 1024,
      },
    });
    return new CassiaStore(directory, engine);
  }

  // A batch is one applyAll (the engine's call for an unlogged batch), as it is one db.batch for LevelDB.
  putBatch(keys: readonly Buffer[], values: readonly Buffer[], indexes: readonly number[]): Promise<void> {
    const mutations: Mutation[] = [];
    for (let i = 0; i < keys.length; i++) mutations.push(this.kvMutation(keys[i]!, tokenOf(indexes[i]!), values[i]!));
    return this.engine.applyAll(mutations);
  }

  putPoints(series: readonly number[], times: readonly number[], values: readonly Buffer[]): Promise<void> {
    const mutations: Mutation[] = [];
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (let i = 0; i < series.length; i++) {
      const key = seriesKeys[series[i]!]!;
      const token = seriesTokens[series[i]!]!;
      const ts = this.timestampMicros++;
      mutations.push({
        keyspace: 'bench', key, token,
        updates: [{
          tableId: TS_ID, key, token, partitionDeletion: null, staticRow: null, rangeTombstones: [],
          rows: [{
            clustering: [bigintBytes(times[i]!)], deletion: null, complexDeletions: [],
            liveness: { timestampMicros: ts, ttlSeconds: TTL_SECONDS, localExpirationTimeSeconds: nowSeconds + TTL_SECONDS },
            cells: [{ column: 'v', path: null, value: values[i]!, timestampMicros: ts, ttlSeconds: TTL_SECONDS, localDeletionTimeSeconds: nowSeconds + TTL_SECONDS, tombstone: false }],
          }],
        }],
      });
    }
    return this.engine.applyAll(mutations);
  }

  getBatch(keys: readonly Buffer[], indexes: readonly number[]): Promise<number> {
    let found = 0;
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const result = this.engine.read({
        tableId: KV_ID, partitions: { kind: 'single', key, token: tokenOf(indexes[i]!) }, clustering: ALL_ROWS, columns: 'all',
        limits: ONE_ROW, nowSeconds, resumeAfterClustering: null, includeStaticRow: false,
      });
      if (result.partitions.length > 0 && result.partitions[0]!.rows.length > 0) found++;
    }
    return Promise.resolve(found);
  }

  scan(key: Buffer, index: number): Promise<number> {
    const command: ReadCommand = {
      tableId: KV_ID,
      partitions: { kind: 'range', start: { token: tokenOf(index), key }, startInclusive: true, end: { token: TOKEN_MAX, key: null }, endInclusive: true },
      clustering: ALL_ROWS, columns: 'all', limits: { rows: SCAN_ROWS, perPartitionRows: Infinity, partitions: Infinity },
      nowSeconds: Math.floor(Date.now() / 1000), resumeAfterClustering: null, includeStaticRow: false,
    };
    return Promise.resolve(this.engine.read(command).partitions.length);
  }

  latestPoints(series: number): Promise<number> {
    const key = seriesKeys[series]!;
    const result = this.engine.read({
      tableId: TS_ID, partitions: { kind: 'single', key, token: seriesTokens[series]! }, clustering: ALL_ROWS, columns: 'all',
      limits: { rows: SCAN_ROWS, perPartitionRows: Infinity, partitions: 1 }, nowSeconds: Math.floor(Date.now() / 1000), resumeAfterClustering: null, includeStaticRow: false,
    });
    return Promise.resolve(result.partitions[0]?.rows.length ?? 0);
  }

  async settle(): Promise<void> {
    await this.engine.flush();
    await this.engine.settleCompactions();
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  get stats(): StorageEngineWithStats {
    return this.engine;
  }

  private kvMutation(key: Buffer, token: bigint, value: Buffer): Mutation {
    const ts = this.timestampMicros++;
    return {
      keyspace: 'bench', key, token,
      updates: [{
        tableId: KV_ID, key, token, partitionDeletion: null, staticRow: null, rangeTombstones: [],
        rows: [{
          clustering: [], liveness: { timestampMicros: ts, ttlSeconds: 0, localExpirationTimeSeconds: NO_DELETION_TIME }, deletion: null, complexDeletions: [],
          cells: [{ column: 'v', path: null, value, timestampMicros: ts, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false }],
        }],
      }],
    };
  }
}

const ALL_ROWS = { kind: 'slices' as const, slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false };
const ONE_ROW = { rows: 1, perPartitionRows: 1, partitions: 1 };

/** The key of a time-series point in an ordered KV store: series then time, newest first. */
function pointKey(series: number, time: number): Buffer {
  const b = Buffer.allocUnsafe(16);
  writeU64(b, series, 0);
  writeU64(b, Number.MAX_SAFE_INTEGER - time, 8);
  return b;
}

class LevelStore implements Store {
  readonly name = 'leveldb';
  readonly directory: string;
  private readonly db: ClassicLevel<Buffer, Buffer>;

  private constructor(directory: string, db: ClassicLevel<Buffer, Buffer>) {
    this.directory = directory;
    this.db = db;
  }

  static async open(directory: string): Promise<LevelStore> {
    const db = new ClassicLevel<Buffer, Buffer>(directory, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    return new LevelStore(directory, db);
  }

  putBatch(keys: readonly Buffer[], values: readonly Buffer[]): Promise<void> {
    return this.db.batch(keys.map((key, i) => ({ type: 'put' as const, key, value: values[i]! })));
  }

  putPoints(series: readonly number[], times: readonly number[], values: readonly Buffer[]): Promise<void> {
    return this.db.batch(series.map((s, i) => ({ type: 'put' as const, key: pointKey(s, times[i]!), value: values[i]! })));
  }

  async getBatch(keys: readonly Buffer[]): Promise<number> {
    const values = await this.db.getMany(keys as Buffer[]);
    let found = 0;
    for (const v of values) if (v !== undefined) found++;
    return found;
  }

  async scan(key: Buffer): Promise<number> {
    return (await this.db.iterator({ gte: key, limit: SCAN_ROWS }).all()).length;
  }

  async latestPoints(series: number): Promise<number> {
    return (await this.db.iterator({ gte: pointKey(series, Number.MAX_SAFE_INTEGER), lt: pointKey(series + 1, Number.MAX_SAFE_INTEGER), limit: SCAN_ROWS }).all()).length;
  }

  settle(): Promise<void> {
    return settleByWrites();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** The npm rocksdb binding (abstract-leveldown, callbacks), when installed. */
interface RocksDbHandle {
  open(options: object, cb: (error: Error | null) => void): void;
  close(cb: (error: Error | null) => void): void;
  batch(ops: Array<{ type: 'put'; key: Buffer; value: Buffer }>, options: object, cb: (error: Error | null) => void): void;
  get(key: Buffer, options: object, cb: (error: Error | null, value?: Buffer) => void): void;
  iterator(options: object): { next(cb: (error: Error | null, key?: Buffer, value?: Buffer) => void): void; end(cb: (error: Error | null) => void): void };
}

function rocksFactory(): ((location: string) => RocksDbHandle) | null {
  try {
    return createRequire(import.meta.url)('rocksdb') as (location: string) => RocksDbHandle;
  } catch {
    return null;
  }
}

function callback<T = void>(fn: (cb: (error: Error | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value as T))));
}

class RocksStore implements Store {
  readonly name = 'rocksdb';
  readonly directory: string;
  private readonly db: RocksDbHandle;

  private constructor(directory: string, db: RocksDbHandle) {
    this.directory = directory;
    this.db = db;
  }

  static async open(directory: string, factory: (location: string) => RocksDbHandle): Promise<RocksStore> {
    const db = factory(directory);
    await callback((cb) => db.open({ createIfMissing: true }, cb));
    return new RocksStore(directory, db);
  }

  putBatch(keys: readonly Buffer[], values: readonly Buffer[]): Promise<void> {
    return callback((cb) => this.db.batch(keys.map((key, i) => ({ type: 'put' as const, key, value: values[i]! })), { sync: false }, cb));
  }

  putPoints(series: readonly number[], times: readonly number[], values: readonly Buffer[]): Promise<void> {
    return callback((cb) => this.db.batch(series.map((s, i) => ({ type: 'put' as const, key: pointKey(s, times[i]!), value: values[i]! })), { sync: false }, cb));
  }

  async getBatch(keys: readonly Buffer[]): Promise<number> {
    const values = await Promise.all(keys.map((key) => new Promise<Buffer | undefined>((resolve) => this.db.get(key, { asBuffer: true }, (error, value) => resolve(error ? undefined : value)))));
    return values.filter((v) => v !== undefined).length;
  }

  scan(key: Buffer): Promise<number> {
    return this.iterate({ gte: key, limit: SCAN_ROWS });
  }

  latestPoints(series: number): Promise<number> {
    return this.iterate({ gte: pointKey(series, Number.MAX_SAFE_INTEGER), lt: pointKey(series + 1, Number.MAX_SAFE_INTEGER), limit: SCAN_ROWS });
  }

  settle(): Promise<void> {
    return settleByWrites();
  }

  close(): Promise<void> {
    return callback((cb) => this.db.close(cb));
  }

  private async iterate(options: object): Promise<number> {
    const it = this.db.iterator({ ...options, keyAsBuffer: true, valueAsBuffer: true });
    let n = 0;
    for (;;) {
      const key = await new Promise<Buffer | undefined>((resolve, reject) => it.next((error, k) => (error ? reject(error) : resolve(k))));
      if (key === undefined) break;
      n++;
    }
    await callback((cb) => it.end(cb));
    return n;
  }
}

// ---------------------------------------------------------------------------------------------
// Measurement

/** Bytes this process handed to write(2) so far (Linux /proc/self/io wchar); null elsewhere. */
function writtenBytes(): number | null {
  try {
    const m = /wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}

/** Waits until the process wrote nothing for SETTLE_QUIET_MS (background compactions of native stores). */
async function settleByWrites(): Promise<void> {
  const start = performance.now();
  let last = writtenBytes();
  let quietSince = performance.now();
  while (performance.now() - start < SETTLE_MAX_MS) {
    await new Promise((r) => setTimeout(r, 100));
    const now = writtenBytes();
    if (now !== last) {
      last = now;
      quietSince = performance.now();
    } else if (performance.now() - quietSince >= SETTLE_QUIET_MS) {
      return;
    }
  }
}

function diskBytes(directory: string): number {
  try {
    return Number(execFileSync('du', ['-sb', directory], { encoding: 'utf8' }).split('\t')[0]);
  } catch {
    return 0;
  }
}

interface Outcome {
  readonly store: string;
  readonly workload: string;
  readonly ops: number;
  readonly opsPerSec: number;
  readonly opsPerCpuSec: number;
  readonly writeAmplification: number | null;
  readonly diskBytes: number | null;
}

const outcomes: Outcome[] = [];

async function measure(options: {
  store: Store; workload: string; ops: number; userBytes: number; settle: boolean; run: () => Promise<number | void>;
}): Promise<Outcome> {
  const { store, workload } = options;
  progress(`${store.name}: ${workload} (${options.ops} ops)`);
  const writtenBefore = writtenBytes();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const found = await options.run();
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (options.settle) await store.settle();
  const written = writtenBefore === null ? null : writtenBytes()! - writtenBefore;
  const disk = options.settle ? diskBytes(store.directory) : null;
  const outcome: Outcome = {
    store: store.name, workload, ops: options.ops, opsPerSec: Math.round(options.ops / (elapsedMs / 1000)), opsPerCpuSec: Math.round(options.ops / cpuSeconds),
    writeAmplification: options.userBytes > 0 && written !== null ? Math.round((written / options.userBytes) * 100) / 100 : null,
    diskBytes: disk,
  };
  outcomes.push(outcome);
  emitJsonLine({
    bench: 'storage', store: store.name, workload, ops: options.ops, batch: BATCH, ops_per_sec: outcome.opsPerSec, ops_per_cpu_sec: outcome.opsPerCpuSec,
    elapsed_ms: Math.round(elapsedMs), cpu_ms: Math.round(cpuSeconds * 1000),
    ...(typeof found === 'number' ? { found } : {}),
    ...(options.userBytes > 0 ? { user_bytes: options.userBytes, bytes_written: written, write_amplification: outcome.writeAmplification } : {}),
    ...(disk !== null ? { disk_bytes: disk, disk_bytes_per_user_byte: options.userBytes > 0 ? Math.round((disk / options.userBytes) * 100) / 100 : null } : {}),
    rss_mb: Math.round(process.memoryUsage().rss / 1048576),
  });
  return outcome;
}

async function fill(store: Store, order: Uint32Array | null): Promise<void> {
  const keys: Buffer[] = [];
  const values: Buffer[] = [];
  const indexes: number[] = [];
  for (let i = 0; i < KEYS; i += BATCH) {
    keys.length = 0;
    values.length = 0;
    indexes.length = 0;
    for (let j = i; j < Math.min(KEYS, i + BATCH); j++) {
      const k = order === null ? j : order[j]!;
      keys.push(keyOf(k));
      values.push(valueOf(k + j));
      indexes.push(k);
    }
    await store.putBatch(keys, values, indexes);
  }
}

async function readRandom(store: Store, count: number, miss: boolean): Promise<number> {
  const random = prng(SEED + (miss ? 3 : 2));
  let found = 0;
  const keys: Buffer[] = [];
  const indexes: number[] = [];
  for (let i = 0; i < count; i += BATCH) {
    keys.length = 0;
    indexes.length = 0;
    for (let j = i; j < Math.min(count, i + BATCH); j++) {
      const k = Math.floor(random() * KEYS) + (miss ? KEYS : 0);
      keys.push(keyOf(k));
      indexes.push(k);
    }
    found += await store.getBatch(keys, indexes);
  }
  return found;
}

async function scans(store: Store, count: number): Promise<number> {
  const random = prng(SEED + 4);
  let rows = 0;
  for (let i = 0; i < count; i++) {
    const k = Math.floor(random() * KEYS);
    rows += await store.scan(keyOf(k), k);
  }
  return rows;
}

async function timeSeries(store: Store): Promise<void> {
  const series: number[] = [];
  const times: number[] = [];
  const values: Buffer[] = [];
  const start = Date.now();
  let n = 0;
  for (let p = 0; p < POINTS; p++) {
    for (let s = 0; s < SERIES; s++) {
      series.push(s);
      times.push(start + p);
      values.push(valueOf(n++));
      if (series.length === BATCH) {
        await store.putPoints(series, times, values);
        series.length = 0;
        times.length = 0;
        values.length = 0;
      }
    }
  }
  if (series.length > 0) await store.putPoints(series, times, values);
}

async function openStore(name: string, directory: string): Promise<Store | null> {
  if (name === 'cassia') return CassiaStore.open(directory);
  if (name === 'leveldb') return LevelStore.open(directory);
  if (name === 'rocksdb') {
    const factory = rocksFactory();
    if (factory === null) {
      emitJsonLine({ bench: 'storage', store: 'rocksdb', skipped: 'the npm rocksdb package is not installed (it compiles RocksDB for minutes; install it to include it)' });
      return null;
    }
    return RocksStore.open(directory, factory);
  }
  throw new Error(`unknown store ${name}`);
}

const root = mkdtempSync(join(tmpdir(), 'cassia-bench-storage-'));
const kvUserBytes = KEYS * (KEY_BYTES + VALUE_BYTES);
try {
  emitJsonLine({ bench: 'storage_config', keys: KEYS, key_bytes: KEY_BYTES, value_bytes: VALUE_BYTES, batch: BATCH, reads: READS, scans: SCANS, scan_rows: SCAN_ROWS, series: SERIES, points: POINTS, seed: SEED, node: process.version, node_flags: process.execArgv });
  if (STORES.includes('cassia')) computeTokens();
  const randomOrder = process.env['BENCH_ONLY_P99'] === undefined ? shuffled(KEYS, SEED) : new Uint32Array(0);
  for (const name of process.env['BENCH_ONLY_P99'] === undefined ? STORES : []) {
    if (name !== 'cassia') giveEveryThreadEveryCpu();
    // fillseq in a fresh store.
    const seqDir = join(root, `${name}-seq`);
    const seqStore = await openStore(name, seqDir);
    if (seqStore === null) continue;
    await measure({ store: seqStore, workload: 'fillseq', ops: KEYS, userBytes: kvUserBytes, settle: true, run: () => fill(seqStore, null) });
    await seqStore.close();
    rmSync(seqDir, { recursive: true, force: true });

    // fillrandom, then overwrite, reads and scans on the same store.
    const dir = join(root, `${name}-random`);
    const store = (await openStore(name, dir))!;
    await measure({ store, workload: 'fillrandom', ops: KEYS, userBytes: kvUserBytes, settle: true, run: () => fill(store, randomOrder) });
    await measure({ store, workload: 'overwrite', ops: KEYS, userBytes: kvUserBytes, settle: true, run: () => fill(store, shuffled(KEYS, SEED + 1)) });
    await measure({ store, workload: 'readrandom', ops: READS, userBytes: 0, settle: false, run: () => readRandom(store, READS, false) });
    await measure({ store, workload: 'readmissing', ops: READS, userBytes: 0, settle: false, run: () => readRandom(store, READS, true) });
    await measure({ store, workload: 'scan100', ops: SCANS, userBytes: 0, settle: false, run: () => scans(store, SCANS) });
    if (store instanceof CassiaStore) {
      const stats = store.stats.tableStats(KV_ID)!;
      emitJsonLine({ bench: 'storage_cassia_state', sstables: stats.sstableCount, sstable_bytes: stats.sstableBytes, compression_ratio: stats.compressionRatio, caches: store.stats.cacheStats(), compactions: store.stats.compactionStats().completedTasks });
    }
    await measure({ store, workload: 'timeseries_ttl', ops: SERIES * POINTS, userBytes: SERIES * POINTS * (16 + VALUE_BYTES), settle: true, run: () => timeSeries(store) });
    await measure({
      store, workload: 'timeseries_latest100', ops: Math.min(SCANS, SERIES * 10), userBytes: 0, settle: false,
      run: async () => {
        let rows = 0;
        for (let i = 0; i < Math.min(SCANS, SERIES * 10); i++) rows += await store.latestPoints(i % SERIES);
        return rows;
      },
    });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (process.env['BENCH_SKIP_P99'] === undefined && STORES.includes('cassia')) await p99DuringCompaction();
  summary();
} finally {
  rmSync(root, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// p99 write latency with and without a heavy compaction running (target: within 2x)

async function p99DuringCompaction(): Promise<void> {
  const dir = join(root, 'cassia-p99');
  const store = await CassiaStore.open(dir);
  const engine = store.stats;
  const rate = Number(process.env['BENCH_P99_RATE'] ?? 5000);
  const seconds = Number(process.env['BENCH_P99_SECONDS'] ?? 8);
  progress(`p99 during compaction: prefill ${KEYS} keys in many SSTables`);
  // Many SSTables, compaction held back: flush every KEYS/8 writes with min_threshold 32.
  const keys: Buffer[] = [];
  const values: Buffer[] = [];
  const indexes: number[] = [];
  for (let i = 0; i < KEYS; i += BATCH) {
    keys.length = 0;
    values.length = 0;
    indexes.length = 0;
    for (let j = i; j < Math.min(KEYS, i + BATCH); j++) {
      keys.push(keyOf(j));
      values.push(valueOf(j));
      indexes.push(j);
    }
    await store.putBatch(keys, values, indexes);
    if ((i / BATCH) % Math.max(1, Math.floor(KEYS / BATCH / 8)) === 0) await engine.flush();
  }
  await engine.flush();
  // `counted`: whether a write issued now counts (during the compaction: only while it runs).
  const load = async (label: string, counted: () => boolean = () => true): Promise<Record<string, number>> => {
    const latencies: number[] = [];
    const total = rate * seconds;
    const start = performance.now();
    // Writes in flight are counted, not kept: holding every write's promise to the end would give
    // the young GC generation survivors of the harness's own.
    let inFlight = 0;
    let drained: (() => void) | null = null;
    let failure: unknown = null;
    const landed = (intended: number, counts: boolean): void => {
      if (counts) latencies.push(performance.now() - intended);
      if (--inFlight === 0 && drained !== null) drained();
    };
    let issued = 0;
    const random = prng(SEED + 9);
    while (issued < total) {
      // Open loop: each write's latency counts from when it was due, not when the loop got to it.
      const due = start + (issued / rate) * 1000;
      const now = performance.now();
      if (now < due) {
        await new Promise((r) => setTimeout(r, Math.max(0, due - now)));
        continue;
      }
      while (issued < total && start + (issued / rate) * 1000 <= performance.now()) {
        const intended = start + (issued / rate) * 1000;
        const k = Math.floor(random() * KEYS);
        inFlight++;
        const counts = counted();
        store.putBatch([keyOf(k)], [valueOf(k + issued)], [k]).then(() => landed(intended, counts), (error: unknown) => {
          failure ??= error;
          landed(intended, counts);
        });
        issued++;
      }
    }
    if (inFlight > 0) await new Promise<void>((resolve) => { drained = resolve; });
    if (failure !== null) throw failure;
    latencies.sort((a, b) => a - b);
    const q = (f: number): number => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(f * latencies.length))]! * 1000) / 1000;
    const out = { writes: latencies.length, target_rate_per_sec: rate, p50_ms: q(0.5), p99_ms: q(0.99), p999_ms: q(0.999), max_ms: q(1) };
    emitJsonLine({ bench: 'storage_write_latency', phase: label, ...out, compactions_active: engine.compactionStats().active.length });
    return out;
  };
  const idle = await load('no compaction');
  progress('p99 during compaction: major compaction running');
  const compactionStart = performance.now();
  let compactionMs: number | null = null;
  const compaction = engine.compact().then(() => {
    compactionMs = performance.now() - compactionStart;
  });
  // Only writes issued while the compaction runs count: it may end before the load does.
  const busy = await load('during a major compaction', () => compactionMs === null);
  const stillRunning = engine.compactionStats().active.length > 0;
  await compaction;
  emitJsonLine({ bench: 'storage_major_compaction', keys: KEYS, ms: Math.round(compactionMs ?? 0) });
  emitJsonLine({ bench: 'storage_p99_during_compaction', p99_idle_ms: idle['p99_ms'], p99_compacting_ms: busy['p99_ms'], ratio: ratio(busy['p99_ms'], idle['p99_ms']), compaction_outlived_load: stillRunning, target_ratio_max: 2 });
  outcomes.push({ store: 'cassia', workload: 'p99_ratio', ops: 0, opsPerSec: 0, opsPerCpuSec: 0, writeAmplification: ratio(busy['p99_ms'], idle['p99_ms']), diskBytes: null });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

function summary(): void {
  const get = (store: string, workload: string): Outcome | undefined => outcomes.find((o) => o.store === store && o.workload === workload);
  const workloads = ['fillseq', 'fillrandom', 'overwrite', 'readrandom', 'readmissing', 'scan100', 'timeseries_ttl', 'timeseries_latest100'];
  const opsRatio: Record<string, number | null> = {};
  const cpuRatio: Record<string, number | null> = {};
  const rocksRatio: Record<string, number | null> = {};
  const writeAmp: Record<string, Record<string, number | null>> = {};
  const disk: Record<string, Record<string, number | null>> = {};
  for (const w of workloads) {
    opsRatio[w] = ratio(get('cassia', w)?.opsPerSec, get('leveldb', w)?.opsPerSec);
    cpuRatio[w] = ratio(get('cassia', w)?.opsPerCpuSec, get('leveldb', w)?.opsPerCpuSec);
    rocksRatio[w] = ratio(get('cassia', w)?.opsPerSec, get('rocksdb', w)?.opsPerSec);
    if (get('cassia', w)?.writeAmplification !== null && get('cassia', w)?.writeAmplification !== undefined) {
      writeAmp[w] = Object.fromEntries(STORES.map((s) => [s, get(s, w)?.writeAmplification ?? null]));
      disk[w] = Object.fromEntries(STORES.map((s) => [s, get(s, w)?.diskBytes ?? null]));
    }
  }
  const writes = ['fillseq', 'fillrandom', 'overwrite', 'timeseries_ttl'].map((w) => opsRatio[w]).filter((r): r is number => r !== null);
  const reads = ['readrandom', 'readmissing', 'scan100', 'timeseries_latest100'].map((w) => opsRatio[w]).filter((r): r is number => r !== null);
  const p99 = get('cassia', 'p99_ratio')?.writeAmplification ?? null;
  emitJsonLine({
    bench: 'storage_summary',
    ops_per_sec: Object.fromEntries(workloads.map((w) => [w, Object.fromEntries(STORES.map((s) => [s, get(s, w)?.opsPerSec ?? null]))])),
    ops_per_cpu_sec: Object.fromEntries(workloads.map((w) => [w, Object.fromEntries(STORES.map((s) => [s, get(s, w)?.opsPerCpuSec ?? null]))])),
    cassia_vs_leveldb_ops_ratio: opsRatio,
    cassia_vs_leveldb_ops_per_cpu_ratio: cpuRatio,
    cassia_vs_rocksdb_ops_ratio: rocksRatio,
    write_amplification: writeAmp,
    disk_bytes: disk,
    target_writes_at_least_leveldb: writes.length > 0 ? writes.every((r) => r >= 1) : null,
    target_reads_at_least_0_8_of_leveldb: reads.length > 0 ? reads.every((r) => r >= 0.8) : null,
    p99_write_latency_ratio_during_compaction: p99,
    target_p99_within_2x: p99 === null ? null : p99 <= 2,
  });
}
