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
import { availableParallelism } from 'node:os';

/** V8 background threads for a machine (or container) with `cpus` cores: one per core beyond the first, one to four. */
export function v8PoolSize(cpus: number): number {
  return Math.min(4, Math.max(1, Math.floor(cpus) - 1));
}

/** Flags for `node` before the script of a node process on this machine (or one with `cpus` cores). */
export function nodeRuntimeFlags(cpus: number = availableParallelism()): string[] {
  return [`--v8-pool-size=${v8PoolSize(cpus)}`];
}
