// What would S shards (one event loop each) buy on this machine? An upper bound without writing
// them: S independent single-node Cassia processes, the stress load split evenly between them
// (128/S in flight each, all at once), against one process with all 128. No forwarding between
// shards is paid here, so real shards would do somewhat worse. Rounds alternate 1 and S so both
// see the same background load. JSON lines; the summary gives the throughput ratio per workload.
// Env: BENCH_SHARDS (2), BENCH_ROUNDS (2), BENCH_DURATION_MS (15000), BENCH_WARMUP_MS (3000),
// BENCH_CONCURRENCY (128), BENCH_COMMITLOG_SYNC.
import { startCassiaTarget } from '../test/peer/cassia-target.ts';
import type { RunningTarget } from '../test/peer/cassia-target.ts';
import {
  connectBenchClient, emitJsonLine, progress, readBenchEnv, runLoad, STRESS_INSERT_CQL, STRESS_SELECT_CQL, stressSchemaCql, stressWorkload, uniformInts,
} from './lib/index.ts';
import type { LoadResult } from './lib/index.ts';
import { probeServerCpu } from './lib/server-cpu.ts';

const env = readBenchEnv({ durationMs: 15_000, warmupMs: 3_000 });
const shards = Number(process.env['BENCH_SHARDS'] ?? 2);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 2);
const FIRST_ADDRESS_OCTET = 240;

interface Totals {
  opsPerSec: number;
  p99Ms: number;
  serverCpuMs: number;
}

async function runWith(count: number): Promise<{ write: Totals; read: Totals }> {
  const targets: RunningTarget[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const started = await startCassiaTarget({ commitLogSync: env.commitLogSync, address: `127.0.0.${FIRST_ADDRESS_OCTET + i}` });
      if (!started.ok) throw new Error(`cassia unavailable: ${started.reason}`);
      targets.push(started.target);
    }
    const clients = await Promise.all(targets.map((t) => connectBenchClient({ contactPoint: t.contactPoint, localDataCenter: t.localDataCenter, connections: 1 })));
    try {
      for (const client of clients) for (const cql of stressSchemaCql(1)) await client.execute(cql);
      const probes = targets.map((t) => probeServerCpu(t.contactPoint));
      const concurrency = Math.max(1, Math.floor(env.concurrency / count));
      const workload = stressWorkload(env.seed);
      const phase = async (name: 'write' | 'read', populations: number[]): Promise<{ totals: Totals; next: number[] }> => {
        const once = (durationMs: number, starts: number[]): Promise<LoadResult[]> => Promise.all(clients.map((client, i) => {
          const pick = uniformInts(env.seed + i);
          return name === 'write'
            ? runLoad({ client, concurrency, durationMs, startIndex: starts[i]!, statement: STRESS_INSERT_CQL, params: (n) => workload.insertParams(n) })
            : runLoad({ client, concurrency, durationMs, statement: STRESS_SELECT_CQL, params: () => workload.selectParams(pick(populations[i]!)) });
        }));
        let starts = populations;
        if (env.warmupMs > 0) starts = (await once(env.warmupMs, starts)).map((r) => r.nextIndex);
        const cpuBefore = probes.map((p) => p?.cpuMs() ?? 0);
        const results = await once(env.durationMs, starts);
        const serverCpuMs = probes.reduce((sum, p, i) => sum + (p === null ? 0 : p.cpuMs() - cpuBefore[i]!), 0);
        const totals = {
          opsPerSec: results.reduce((sum, r) => sum + r.opsPerSec, 0),
          p99Ms: Math.max(...results.map((r) => r.latency.p99Ms)),
          serverCpuMs,
        };
        emitJsonLine({ type: 'result', processes: count, workload: name, ops_per_sec: totals.opsPerSec, worst_p99_ms: totals.p99Ms, server_cpu_ms: serverCpuMs,
          server_cpu_us_per_op: Math.round((serverCpuMs * 1000) / Math.max(1, results.reduce((s, r) => s + r.ops, 0))) });
        return { totals, next: results.map((r) => r.nextIndex) };
      };
      const write = await phase('write', clients.map(() => 0));
      const read = await phase('read', write.next);
      return { write: write.totals, read: read.totals };
    } finally {
      await Promise.all(clients.map((c) => c.shutdown()));
    }
  } finally {
    for (const t of targets) await t.stop();
  }
}

const sums = { one: { write: 0, read: 0 }, many: { write: 0, read: 0 } };
for (let round = 0; round < rounds; round++) {
  for (const count of [1, shards]) {
    progress(`[bench:shard-estimate] round ${round + 1}/${rounds}: ${count} process(es)`);
    const r = await runWith(count);
    const into = count === 1 ? sums.one : sums.many;
    into.write += r.write.opsPerSec;
    into.read += r.read.opsPerSec;
  }
}
emitJsonLine({
  type: 'summary', bench: 'shard-estimate', shards, rounds,
  write_ops_ratio: Math.round((sums.many.write / sums.one.write) * 100) / 100,
  read_ops_ratio: Math.round((sums.many.read / sums.one.read) * 100) / 100,
});
