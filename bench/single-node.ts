// Single-node benchmark of Cassia through the real cassandra-driver: prepared INSERT and SELECT by
// key (cassandra-stress's default schema), 128 requests in flight, 30 s per phase, under periodic
// and then batch commit-log sync (a fresh node for each mode). JSON lines on stdout; the last line
// is a summary. The comparison with Apache Cassandra is bench/peer.ts.
// Env: BENCH_DURATION_MS (30000), BENCH_WARMUP_MS, BENCH_CONCURRENCY (128), BENCH_CONNECTIONS,
// BENCH_COUNT_MAX, BENCH_SYNC_MODES (periodic,batch), BENCH_SEED; see bench/lib/bench-env.ts.
import { cpus, totalmem } from 'node:os';
import { skipBanner, startCassiaTarget } from '../test/peer/cassia-target.ts';
import {
  connectBenchClient, emitJsonLine, loadResultFields, progress, readBenchEnv, runLoad, STRESS_INSERT_CQL, STRESS_SELECT_CQL,
  stressSchemaCql, stressWorkload, uniformInts,
} from './lib/index.ts';
import type { BenchCommitLogSync, LoadResult } from './lib/index.ts';

const BENCH_ADDRESS = '127.0.0.252';
const env = readBenchEnv({ durationMs: 30_000, warmupMs: 3_000 });
const modes = (process.env['BENCH_SYNC_MODES'] ?? 'periodic,batch').split(',').map((m) => m.trim()) as BenchCommitLogSync[];

emitJsonLine({
  type: 'config', bench: 'single-node', duration_ms: env.durationMs, warmup_ms: env.warmupMs, concurrency: env.concurrency,
  connections: env.connections, sync_modes: modes, cores: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30), node_version: process.version,
});

const summary: Record<string, unknown> = { type: 'summary', bench: 'single-node' };
for (const mode of modes) {
  const started = await startCassiaTarget({ commitLogSync: mode, address: BENCH_ADDRESS });
  if (!started.ok) {
    progress(skipBanner('bench:single-node', started.reason));
    summary[`${mode}_skipped`] = started.reason;
    continue;
  }
  const target = started.target;
  try {
    const client = await connectBenchClient({ contactPoint: target.contactPoint, localDataCenter: target.localDataCenter, connections: env.connections });
    try {
      for (const cql of stressSchemaCql(1)) await client.execute(cql);
      const workload = stressWorkload(env.seed);
      const pick = uniformInts(env.seed + 1);
      const common = { client, concurrency: env.concurrency, countMax: env.countMax };
      const phase = async (name: string, run: (durationMs: number, startIndex: number) => Promise<LoadResult>): Promise<LoadResult> => {
        let index = 0;
        if (env.warmupMs > 0) index = (await run(env.warmupMs, 0)).nextIndex;
        progress(`[bench:single-node] ${mode} ${name}: ${env.durationMs} ms, ${env.concurrency} in flight`);
        const result = await run(env.durationMs, index);
        emitJsonLine({ type: 'result', commitlog_sync: mode, workload: name, ...loadResultFields(result) });
        return result;
      };
      const write = await phase('write', (durationMs, startIndex) =>
        runLoad({ ...common, durationMs, startIndex, statement: STRESS_INSERT_CQL, params: (i) => workload.insertParams(i) }));
      const population = write.nextIndex;
      const read = await phase('read', (durationMs) =>
        runLoad({ ...common, durationMs, statement: STRESS_SELECT_CQL, params: () => workload.selectParams(pick(population)) }));
      Object.assign(summary, {
        [`${mode}_write_ops_per_sec`]: write.opsPerSec,
        [`${mode}_write_p50_ms`]: write.latency.p50Ms,
        [`${mode}_write_p99_ms`]: write.latency.p99Ms,
        [`${mode}_read_ops_per_sec`]: read.opsPerSec,
        [`${mode}_read_p50_ms`]: read.latency.p50Ms,
        [`${mode}_read_p99_ms`]: read.latency.p99Ms,
        [`${mode}_errors`]: write.errors + read.errors,
      });
    } finally {
      await client.shutdown();
    }
  } finally {
    await target.stop();
  }
}
emitJsonLine(summary);
