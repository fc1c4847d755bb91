// Benchmark library: load generator, latency histogram, cassandra-stress workload, JSON lines.
export { connectBenchClient } from './bench-client.ts';
export { readBenchEnv } from './bench-env.ts';
export type { BenchCommitLogSync, BenchEnv } from './bench-env.ts';
export { emitJsonLine, loadResultFields, progress, ratio } from './json-lines.ts';
export { LatencyHistogram, LATENCY_MAX_MICROS } from './latency-histogram.ts';
export type { LatencySummary } from './latency-histogram.ts';
export { LOAD_CONCURRENCY_DEFAULT, runLoad } from './run-load.ts';
export type { LoadOperation, LoadOptions, LoadResult, OperationResult } from './run-load.ts';
export {
  STRESS_INSERT_CQL,
  STRESS_KEYSPACE,
  STRESS_SELECT_CQL,
  STRESS_TABLE,
  stressKey,
  stressSchemaCql,
  stressWorkload,
  uniformInts,
} from './stress-workload.ts';
export type { StressWorkload } from './stress-workload.ts';
