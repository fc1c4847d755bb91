// Benchmark knobs shared by bench/*.ts, overridable from the environment for shorter runs:
// BENCH_DURATION_MS, BENCH_WARMUP_MS, BENCH_CONCURRENCY, BENCH_COUNT_MAX, BENCH_CONNECTIONS,
// BENCH_COMMITLOG_SYNC, BENCH_SEED.

export type BenchCommitLogSync = 'periodic' | 'batch' | 'group';

export interface BenchEnv {
  /** Measured time of each workload phase. */
  readonly durationMs: number;
  /** Unmeasured time before each phase (JIT, caches, connection warm-up). */
  readonly warmupMs: number;
  readonly concurrency: number;
  readonly countMax: number;
  /** Connections per host in the driver pool. */
  readonly connections: number;
  readonly commitLogSync: BenchCommitLogSync;
  readonly seed: number;
}

export function readBenchEnv(defaults: Partial<BenchEnv> = {}, env: NodeJS.ProcessEnv = process.env): BenchEnv {
  const commitLogSync = env['BENCH_COMMITLOG_SYNC'] ?? defaults.commitLogSync ?? 'periodic';
  if (commitLogSync !== 'periodic' && commitLogSync !== 'batch' && commitLogSync !== 'group') {
    throw new Error(`BENCH_COMMITLOG_SYNC=${commitLogSync}: expected periodic, batch or group`);
  }
  return {
    durationMs: positiveInt(env, 'BENCH_DURATION_MS', defaults.durationMs ?? 60_000),
    warmupMs: nonNegativeInt(env, 'BENCH_WARMUP_MS', defaults.warmupMs ?? 5_000),
    concurrency: positiveInt(env, 'BENCH_CONCURRENCY', defaults.concurrency ?? 128),
    countMax: positiveInt(env, 'BENCH_COUNT_MAX', defaults.countMax ?? 100_000_000),
    connections: positiveInt(env, 'BENCH_CONNECTIONS', defaults.connections ?? 2),
    commitLogSync,
    seed: nonNegativeInt(env, 'BENCH_SEED', defaults.seed ?? 1),
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = nonNegativeInt(env, name, fallback);
  if (value === 0) throw new Error(`${name} must be positive`);
  return value;
}

function nonNegativeInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name}=${raw}: expected a non-negative integer`);
  return value;
}
