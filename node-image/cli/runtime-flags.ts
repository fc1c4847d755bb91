// The Node.js flags a Cassia node process starts with: `cassia local`, the tests' node processes
// and the storage benchmark use nodeRuntimeFlags(); the operator renders the same rule into its
// StatefulSets from the pod's CPU limit (operator/specs/statefulset.ts). They cannot be set once
// the process runs (V8 reads them at startup), so each launcher passes them.
//
// --v8-pool-size: V8's background threads (concurrent marking and sweeping, parallel scavenges)
// serve every isolate of the process (the event loop's and each flush and compaction worker's)
// from one pool of four threads by default, whatever the machine. On 2 cores those threads
// competed with the event loop while a compaction ran: write p99 at 5,000 writes/s was 5-7 ms
// idle and 9-10 ms during a major compaction of 1M keys; with one pool thread 2.6-3.4 and
// 3.7-4.2 ms, fill throughput unchanged and the compaction 5% faster. docs/design/performance.md.
//
// --heap-growing-percent: after a full collection V8 lets the old generation grow to live size x
// (1 + percent/100) before the next; unset, it picks the factor itself, and in a worker isolate
// (512 MiB old-generation cap, real-workers.ts) that left the limit at live size + 16 MiB, no more
// than the young generation: incremental marking started again right after each full collection.
// A major compaction of 1M partitions ran about 38 full collections in its isolate; at 300 (x4,
// V8's own largest factor) 8, and the compaction took 2.2 CPU-seconds instead of 2.8 (its thread
// 1.84 s instead of 2.11-2.20, V8's background thread 0.29 s instead of 0.61-0.66). The event loop
// collects less often too: 1M writes 3-8% faster with 3-7% less CPU (scratch alternation), for
// 50-60 MB more resident memory at 1M partitions. docs/design/compaction.md.
import { availableParallelism } from 'node:os';

/** V8 background threads for a machine (or container) with `cpus` cores: one per core beyond the first, one to four. */
export function v8PoolSize(cpus: number): number {
  return Math.min(4, Math.max(1, Math.floor(cpus) - 1));
}

/** Old generation growth allowed after a full collection, in percent of the live size (x4). */
export const V8_HEAP_GROWING_PERCENT = 300;

/** Flags for `node` before the script of a node process on this machine (or one with `cpus` cores). */
export function nodeRuntimeFlags(cpus: number = availableParallelism()): string[] {
  return [`--v8-pool-size=${v8PoolSize(cpus)}`, `--heap-growing-percent=${V8_HEAP_GROWING_PERCENT}`];
}
