// Side-by-side benchmark of Cassia and Apache Cassandra 5.0 on this machine: cassandra-stress's
// default schema, prepared INSERT / SELECT / 50-50 mix at LOCAL_ONE, 128 in flight, one node at RF 1,
// the same commit-log sync mode for both; targets run one after the other so they never share CPU.
// Output: JSON lines (config, per-target results, ratios); the last line is the summary.
// Env: BENCH_DURATION_MS (60000 per workload), BENCH_WARMUP_MS, BENCH_CONCURRENCY, BENCH_CONNECTIONS,
// BENCH_COUNT_MAX, BENCH_COMMITLOG_SYNC (periodic|batch|group), BENCH_SEED; see bench/lib/bench-env.ts.
// BENCH_TARGETS=cassandra,cassia (default both) runs one side only, e.g. to profile Cassia with
// CASSIA_PEER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". BENCH_WORKLOADS=write,read skips phases.
// Each result carries server_cpu_us_per_op (bench/lib/server-cpu.ts): steadier than ops/s when loaded.
import { cpus, totalmem } from 'node:os';
import {
  connectBenchClient,
  emitJsonLine,
  loadResultFields,
  progress,
  ratio,
  readBenchEnv,
  runLoad,
  STRESS_INSERT_CQL,
  STRESS_SELECT_CQL,
  stressSchemaCql,
  stressWorkload,
  uniformInts,
  type BenchEnv,
  type LoadResult,
} from './lib/index.ts';
import { busiestThread, probeServerCpu } from './lib/server-cpu.ts';
import { CASSANDRA_VERSION, defaultHeapMb, missingPeerTools, startCassandraPeer } from '../test/peer/cassandra/index.ts';
import { skipBanner, startCassiaTarget } from '../test/peer/cassia-target.ts';

/** Addresses of this benchmark's nodes (test:peer uses 127.0.1.1 and 127.0.0.250). */
const CASSANDRA_BENCH_ADDRESS = '127.0.1.2';
const CASSIA_BENCH_ADDRESS = '127.0.0.251';
const WORKLOADS = ['write', 'read', 'mixed'] as const;
type Workload = (typeof WORKLOADS)[number];
type TargetResults = Partial<Record<Workload, LoadResult>>;

const env = readBenchEnv();
/** BENCH_WORKLOADS=write,read (default all three) shortens iteration runs; write always runs (it populates). */
const workloads = new Set((process.env['BENCH_WORKLOADS'] ?? WORKLOADS.join(',')).split(',').map((w) => w.trim()));
for (const w of workloads) if (!(WORKLOADS as readonly string[]).includes(w)) throw new Error(`BENCH_WORKLOADS: unknown workload ${w}`);
const targets = new Set((process.env['BENCH_TARGETS'] ?? 'cassandra,cassia').split(',').map((t) => t.trim()));
for (const t of targets) if (t !== 'cassandra' && t !== 'cassia') throw new Error(`BENCH_TARGETS: unknown target ${t}`);
const heapMb = defaultHeapMb();

emitJsonLine({
  type: 'config',
  bench: 'peer',
  cassandra_version: CASSANDRA_VERSION,
  commitlog_sync: env.commitLogSync,
  duration_ms: env.durationMs,
  warmup_ms: env.warmupMs,
  concurrency: env.concurrency,
  connections: env.connections,
  count_max: env.countMax,
  seed: env.seed,
  replication_factor: 1,
  consistency: 'LOCAL_ONE',
  cassandra_heap_mb: heapMb,
  cores: cpus().length,
  memory_gib: Math.round(totalmem() / 2 ** 30),
  node_version: process.version,
});

const results: Partial<Record<'cassandra' | 'cassia', TargetResults>> = {};
/** Server CPU microseconds per request, by target and workload (null when not measurable). */
const serverCpuUsPerOp: Record<'cassandra' | 'cassia', Partial<Record<Workload, number | null>>> = { cassandra: {}, cassia: {} };
let cassandraSkipped: string | undefined;
const missing = missingPeerTools();
if (!targets.has('cassandra')) {
  cassandraSkipped = 'not in BENCH_TARGETS';
} else if (missing.length > 0) {
  cassandraSkipped = `missing ${missing.join(' and ')}`;
  progress(`!!! bench:peer: Apache Cassandra side SKIPPED: ${cassandraSkipped}`);
} else {
  const peer = await startCassandraPeer({ commitlogSync: env.commitLogSync, address: CASSANDRA_BENCH_ADDRESS, heapMb });
  emitJsonLine({ type: 'start', target: 'cassandra', start_ms: peer.startMs, heap_mb: peer.heapMb });
  const stopOnSignal = (): void => {
    void peer.stop().then(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    results.cassandra = await benchTarget('cassandra', { contactPoint: peer.contactPoint, localDataCenter: peer.localDataCenter }, env);
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await peer.stop();
  }
}

const cassia = targets.has('cassia')
  ? await startCassiaTarget({ commitLogSync: env.commitLogSync, address: CASSIA_BENCH_ADDRESS })
  : ({ ok: false, reason: 'not in BENCH_TARGETS' } as const);
let cassiaSkipped: string | undefined;
if (!cassia.ok) {
  cassiaSkipped = cassia.reason;
  progress(skipBanner('bench:peer', cassia.reason));
} else {
  try {
    results.cassia = await benchTarget('cassia', cassia.target, env);
  } finally {
    await cassia.target.stop();
  }
}

for (const workload of WORKLOADS) {
  const a = results.cassia?.[workload];
  const b = results.cassandra?.[workload];
  if (a === undefined || b === undefined) continue;
  emitJsonLine({
    type: 'ratio',
    workload,
    ops_ratio: ratio(a.opsPerSec, b.opsPerSec),
    p50_ratio: ratio(a.latency.p50Ms, b.latency.p50Ms),
    p99_ratio: ratio(a.latency.p99Ms, b.latency.p99Ms),
  });
}

const brief = (r: TargetResults | undefined): Record<string, number | null> | null =>
  r === undefined
    ? null
    : Object.fromEntries(
        WORKLOADS.flatMap((w) => [
          [`${w}_ops_per_sec`, r[w]?.opsPerSec ?? null],
          [`${w}_p50_ms`, r[w]?.latency.p50Ms ?? null],
          [`${w}_p99_ms`, r[w]?.latency.p99Ms ?? null],
          [`${w}_server_cpu_us_per_op`, serverCpuUsPerOp[r === results.cassia ? 'cassia' : 'cassandra'][w] ?? null],
        ]),
      );
emitJsonLine({
  type: 'summary',
  bench: 'peer',
  write_ops_ratio: ratio(results.cassia?.write?.opsPerSec, results.cassandra?.write?.opsPerSec),
  write_p99_ratio: ratio(results.cassia?.write?.latency.p99Ms, results.cassandra?.write?.latency.p99Ms),
  read_ops_ratio: ratio(results.cassia?.read?.opsPerSec, results.cassandra?.read?.opsPerSec),
  mixed_ops_ratio: ratio(results.cassia?.mixed?.opsPerSec, results.cassandra?.mixed?.opsPerSec),
  goal: { write_ops_ratio_min: 1.5, write_p99_ratio_max: 0.5 },
  cassandra: brief(results.cassandra),
  cassia: brief(results.cassia),
  ...(cassandraSkipped === undefined ? {} : { cassandra_skipped: cassandraSkipped }),
  ...(cassiaSkipped === undefined ? {} : { cassia_skipped: cassiaSkipped }),
  commitlog_sync: env.commitLogSync,
  duration_ms: env.durationMs,
  concurrency: env.concurrency,
});
if (cassiaSkipped !== undefined) progress(skipBanner('bench:peer', cassiaSkipped));

/** Write, read and mixed phases against one target, each after an unmeasured warm-up. */
async function benchTarget(
  target: 'cassandra' | 'cassia',
  endpoint: { contactPoint: string; localDataCenter: string },
  e: BenchEnv,
): Promise<TargetResults> {
  const client = await connectBenchClient({ ...endpoint, connections: e.connections });
  try {
    for (const cql of stressSchemaCql(1)) await client.execute(cql);
    const workload = stressWorkload(e.seed);
    const pick = uniformInts(e.seed + 1);
    const common = { client, concurrency: e.concurrency, countMax: e.countMax };
    const cpu = probeServerCpu(endpoint.contactPoint);
    if (cpu === null) progress(`[bench:peer] ${target}: server process not found; no server CPU figures`);

    const phase = async (name: Workload, run: (durationMs: number, startIndex: number) => Promise<LoadResult>, startIndex: number): Promise<LoadResult> => {
      let index = startIndex;
      if (e.warmupMs > 0) {
        progress(`[bench:peer] ${target} ${name}: warm-up ${e.warmupMs} ms`);
        index = (await run(e.warmupMs, index)).nextIndex;
      }
      progress(`[bench:peer] ${target} ${name}: ${e.durationMs} ms, ${e.concurrency} in flight`);
      const cpuBeforeMs = cpu?.cpuMs() ?? 0;
      const scheduleBefore = cpu?.threadSchedule() ?? null;
      const result = await run(e.durationMs, index);
      const serverCpuMs = cpu === null ? null : cpu.cpuMs() - cpuBeforeMs;
      // The server's busiest thread: time on a CPU and time runnable but waiting for one (starved).
      const busiest = cpu === null || scheduleBefore === null ? null : busiestThread(scheduleBefore, cpu.threadSchedule());
      const usPerOp = serverCpuMs === null || result.ops === 0 ? null : Math.round((serverCpuMs * 1000) / result.ops);
      serverCpuUsPerOp[target][name] = usPerOp;
      // Server CPU per request: robust where throughput is not (a loaded, shared machine).
      emitJsonLine({
        type: 'result', target, workload: name, ...loadResultFields(result), server_cpu_ms: serverCpuMs, server_cpu_us_per_op: usPerOp,
        server_busiest_thread_run_ms: busiest?.runMs ?? null, server_busiest_thread_runqueue_wait_ms: busiest?.waitMs ?? null,
      });
      return result;
    };

    const write = await phase(
      'write',
      (durationMs, startIndex) => runLoad({ ...common, durationMs, startIndex, statement: STRESS_INSERT_CQL, params: (i) => workload.insertParams(i) }),
      0,
    );
    const population = write.nextIndex;
    progress(`[bench:peer] ${target}: population ${population} rows`);
    if (!workloads.has('read') && !workloads.has('mixed')) return { write };
    const read = !workloads.has('read') ? undefined : await phase(
      'read',
      (durationMs) => runLoad({ ...common, durationMs, statement: STRESS_SELECT_CQL, params: () => workload.selectParams(pick(population)) }),
      0,
    );
    const mixed = !workloads.has('mixed') ? undefined : await phase(
      'mixed',
      (durationMs) =>
        runLoad({
          ...common,
          durationMs,
          operations: [
            { name: 'write', statement: STRESS_INSERT_CQL, params: () => workload.insertParams(pick(population)) },
            { name: 'read', statement: STRESS_SELECT_CQL, params: () => workload.selectParams(pick(population)) },
          ],
          choose: (i) => i & 1,
        }),
      0,
    );
    return { write, read, mixed };
  } finally {
    await client.shutdown();
  }
}
