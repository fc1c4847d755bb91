// Side-by-side benchmark of Cassia and Apache Cassandra 5.0 on this machine: cassandra-stress's
// default schema, prepared INSERT / SELECT / 50-50 mix at LOCAL_ONE, 128 in flight, one node at RF 1,
// the same commit-log sync mode for both; targets run one after the other so they never share CPU.
// BENCH_NODES=3 runs each side as a local 3-node cluster instead (RF 3, QUORUM, the driver token-aware
// over all nodes): Cassandra nodes started one after another on 127.0.1.21-23 (2 GiB heap each, seed
// the first), Cassia nodes together on 127.0.0.241-243 as bench/cluster.ts does.
// Output: JSON lines (config, per-target results, ratios); the last line is the summary.
// Env: BENCH_DURATION_MS (60000 per workload), BENCH_WARMUP_MS, BENCH_CONCURRENCY, BENCH_CONNECTIONS,
// BENCH_COUNT_MAX, BENCH_COMMITLOG_SYNC (periodic|batch|group), BENCH_SEED; see bench/lib/bench-env.ts.
// BENCH_TARGETS=cassandra,cassia (default both) runs one side only, e.g. to profile Cassia with
// CASSIA_PEER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". BENCH_WORKLOADS=write,read skips phases.
// Each result carries server_cpu_us_per_op (bench/lib/server-cpu.ts, summed over a cluster's nodes):
// steadier than ops/s when loaded. Every node started here is stopped on success, failure and SIGINT.
import { cpus, totalmem } from 'node:os';
import cassandra from 'cassandra-driver';
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
import { busiestThread, probeServerCpuGroup } from './lib/server-cpu.ts';
import {
  CASSANDRA_VERSION,
  defaultHeapMb,
  missingPeerTools,
  startCassandraCluster,
  startCassandraPeer,
} from '../test/peer/cassandra/index.ts';
import { cassiaUnavailableReason, CASSIA_PEER_DC, skipBanner, startCassiaTarget } from '../test/peer/cassia-target.ts';
import { startCassiaProcess, type CassiaProcess } from '../test/support/cassia-process.ts';

/** Addresses of this benchmark's nodes (test:peer uses 127.0.1.1 and 127.0.0.250). */
const CASSANDRA_BENCH_ADDRESS = '127.0.1.2';
const CASSIA_BENCH_ADDRESS = '127.0.0.251';
/** Cluster mode (BENCH_NODES > 1): Cassandra outside 127.0.0.0/24, Cassia inside it (bench:cluster uses .61-.63). */
const CASSANDRA_CLUSTER_ADDRESSES = ['127.0.1.21', '127.0.1.22', '127.0.1.23'] as const;
const CASSIA_CLUSTER_ADDRESSES = ['127.0.0.241', '127.0.0.242', '127.0.0.243'] as const;
const CLUSTER_NODES_MAX = CASSANDRA_CLUSTER_ADDRESSES.length;
/** Heap of each Cassandra node of a cluster: three fit beside the load generator on a 24 GiB machine. */
const CASSANDRA_CLUSTER_HEAP_MB = 2048;
/** Time for every Cassia node to list the others in system.peers after all serve CQL. */
const CASSIA_CLUSTER_JOIN_TIMEOUT_MS = 120_000;
const CASSIA_CLUSTER_JOIN_POLL_MS = 250;
const CQL_PORT = 9042;
const WORKLOADS = ['write', 'read', 'mixed'] as const;
type Workload = (typeof WORKLOADS)[number];
type TargetResults = Partial<Record<Workload, LoadResult>>;

const env = readBenchEnv();
/** BENCH_WORKLOADS=write,read (default all three) shortens iteration runs; write always runs (it populates). */
const workloads = new Set((process.env['BENCH_WORKLOADS'] ?? WORKLOADS.join(',')).split(',').map((w) => w.trim()));
for (const w of workloads) if (!(WORKLOADS as readonly string[]).includes(w)) throw new Error(`BENCH_WORKLOADS: unknown workload ${w}`);
const targets = new Set((process.env['BENCH_TARGETS'] ?? 'cassandra,cassia').split(',').map((t) => t.trim()));
for (const t of targets) if (t !== 'cassandra' && t !== 'cassia') throw new Error(`BENCH_TARGETS: unknown target ${t}`);
const nodeCount = Number(process.env['BENCH_NODES'] ?? '1');
if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > CLUSTER_NODES_MAX) {
  throw new Error(`BENCH_NODES=${process.env['BENCH_NODES']}: expected 1..${CLUSTER_NODES_MAX}`);
}
const clusterMode = nodeCount > 1;
const replicationFactor = nodeCount;
const consistencyName = clusterMode ? 'QUORUM' : 'LOCAL_ONE';
const consistency = clusterMode ? cassandra.types.consistencies.quorum : cassandra.types.consistencies.localOne;
const heapMb = clusterMode ? CASSANDRA_CLUSTER_HEAP_MB : defaultHeapMb();

/** What this run started and has not stopped yet: stopped by the signal handler, in parallel. */
const running = new Set<{ stop(): Promise<void> }>();
/** Cassia cluster nodes' stop handles (declared here: functions below run during top-level code). */
const cassiaHandles = new Map<CassiaProcess, { stop(): Promise<void> }>();
const stopOnSignal = (signal: NodeJS.Signals): void => {
  progress(`[bench:peer] ${signal}: stopping ${running.size} node(s)`);
  void Promise.allSettled([...running].map((r) => r.stop())).then(() => process.exit(130));
};
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);

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
  nodes: nodeCount,
  replication_factor: replicationFactor,
  consistency: consistencyName,
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
} else if (!clusterMode) {
  const peer = await startCassandraPeer({ commitlogSync: env.commitLogSync, address: CASSANDRA_BENCH_ADDRESS, heapMb });
  running.add(peer);
  emitJsonLine({ type: 'start', target: 'cassandra', start_ms: peer.startMs, heap_mb: peer.heapMb });
  try {
    results.cassandra = await benchTarget('cassandra', { contactPoints: [peer.contactPoint], localDataCenter: peer.localDataCenter }, env);
  } finally {
    await peer.stop();
    running.delete(peer);
  }
} else {
  const started: Array<{ stop(): Promise<void> }> = [];
  const cluster = await startCassandraCluster({
    addresses: CASSANDRA_CLUSTER_ADDRESSES.slice(0, nodeCount),
    clusterName: 'cassia-bench-peer',
    commitlogSync: env.commitLogSync,
    heapMb,
    onNodeStarted: (peer) => {
      running.add(peer);
      started.push(peer);
    },
  });
  emitJsonLine({
    type: 'start', target: 'cassandra', nodes: nodeCount, start_ms: cluster.startMs, heap_mb: heapMb,
    node_start_ms: cluster.peers.map((p) => p.startMs),
  });
  try {
    results.cassandra = await benchTarget('cassandra', { contactPoints: cluster.contactPoints, localDataCenter: cluster.localDataCenter }, env);
  } finally {
    await cluster.stop();
    for (const peer of started) running.delete(peer);
  }
}

let cassiaSkipped: string | undefined;
if (!targets.has('cassia')) {
  cassiaSkipped = 'not in BENCH_TARGETS';
} else if (!clusterMode) {
  const cassia = await startCassiaTarget({ commitLogSync: env.commitLogSync, address: CASSIA_BENCH_ADDRESS });
  if (!cassia.ok) {
    cassiaSkipped = cassia.reason;
    progress(skipBanner('bench:peer', cassia.reason));
  } else {
    running.add(cassia.target);
    try {
      results.cassia = await benchTarget('cassia', { contactPoints: [cassia.target.contactPoint], localDataCenter: cassia.target.localDataCenter }, env);
    } finally {
      await cassia.target.stop();
      running.delete(cassia.target);
    }
  }
} else {
  cassiaSkipped = await cassiaUnavailableReason();
  if (cassiaSkipped !== undefined) {
    progress(skipBanner('bench:peer', cassiaSkipped));
  } else {
    const nodes = await startCassiaCluster(CASSIA_CLUSTER_ADDRESSES.slice(0, nodeCount));
    try {
      results.cassia = await benchTarget('cassia', { contactPoints: nodes.map((n) => n.contactPoint), localDataCenter: CASSIA_PEER_DC }, env);
    } catch (error) {
      for (const n of nodes) progress(`--- cassia ${n.address} log tail\n${n.logTail(3000)}`);
      throw error;
    } finally {
      await stopCassiaNodes(nodes);
    }
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
  nodes: nodeCount,
  replication_factor: replicationFactor,
  consistency: consistencyName,
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
process.off('SIGINT', stopOnSignal);
process.off('SIGTERM', stopOnSignal);

/**
 * Cassia nodes started together as bench/cluster.ts does (seeds: the first two, auto_bootstrap off on
 * an empty cluster), same commit-log sync mode as Cassandra; resolves once each lists all the others.
 */
async function startCassiaCluster(addresses: readonly string[]): Promise<CassiaProcess[]> {
  const nodes: CassiaProcess[] = [];
  const startedAtMs = Date.now();
  const starts = await Promise.allSettled(
    addresses.map(async (address) => {
      const node = await startCassiaProcess({
        address, port: CQL_PORT, seeds: addresses.slice(0, 2).join(','), clusterName: 'cassia-bench-peer',
        dc: CASSIA_PEER_DC, rack: 'rack1', commitLogSync: env.commitLogSync, extraConfig: { auto_bootstrap: false },
      });
      nodes.push(node);
      running.add(cassiaHandle(node));
    }),
  );
  const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  try {
    if (failed !== undefined) throw failed.reason;
    for (const node of nodes) await waitForCassiaPeers(node, addresses.length - 1);
  } catch (error) {
    for (const n of nodes) progress(`--- cassia ${n.address} log tail\n${n.logTail(3000)}`);
    await stopCassiaNodes(nodes);
    throw error;
  }
  emitJsonLine({ type: 'start', target: 'cassia', nodes: addresses.length, start_ms: Date.now() - startedAtMs });
  return nodes;
}

/** One stop handle per Cassia node (destroy: stop, then remove its temporary folder). */
function cassiaHandle(node: CassiaProcess): { stop(): Promise<void> } {
  let handle = cassiaHandles.get(node);
  if (handle === undefined) {
    let stopped: Promise<void> | undefined;
    handle = { stop: () => (stopped ??= node.destroy()) };
    cassiaHandles.set(node, handle);
  }
  return handle;
}

async function stopCassiaNodes(nodes: readonly CassiaProcess[]): Promise<void> {
  await Promise.allSettled(nodes.map((n) => cassiaHandle(n).stop()));
  for (const n of nodes) running.delete(cassiaHandle(n));
}

/** Polls one node (only that node answers) until system.peers lists `expected` rows; bounded in time. */
async function waitForCassiaPeers(node: CassiaProcess, expected: number): Promise<void> {
  const deadlineMs = Date.now() + CASSIA_CLUSTER_JOIN_TIMEOUT_MS;
  let seen = -1;
  while (Date.now() < deadlineMs) {
    const client = new cassandra.Client({
      contactPoints: [node.contactPoint],
      localDataCenter: CASSIA_PEER_DC,
      policies: { loadBalancing: new cassandra.policies.loadBalancing.AllowListPolicy(new cassandra.policies.loadBalancing.RoundRobinPolicy(), [node.contactPoint]) },
    });
    try {
      seen = (await client.execute('SELECT peer FROM system.peers')).rowLength;
      if (seen === expected) return;
    } catch {
      // not ready yet
    } finally {
      await client.shutdown();
    }
    await new Promise((resolve) => setTimeout(resolve, CASSIA_CLUSTER_JOIN_POLL_MS));
  }
  throw new Error(`cassia ${node.address} lists ${seen} of ${expected} peers after ${CASSIA_CLUSTER_JOIN_TIMEOUT_MS} ms`);
}

/** Write, read and mixed phases against one target, each after an unmeasured warm-up. */
async function benchTarget(
  target: 'cassandra' | 'cassia',
  endpoint: { contactPoints: readonly string[]; localDataCenter: string },
  e: BenchEnv,
): Promise<TargetResults> {
  const client = await connectBenchClient({ contactPoint: endpoint.contactPoints, localDataCenter: endpoint.localDataCenter, connections: e.connections });
  try {
    for (const cql of stressSchemaCql(replicationFactor)) await client.execute(cql);
    const workload = stressWorkload(e.seed);
    const pick = uniformInts(e.seed + 1);
    const common = { client, concurrency: e.concurrency, countMax: e.countMax, consistency };
    const cpu = probeServerCpuGroup(endpoint.contactPoints);
    if (cpu === null) progress(`[bench:peer] ${target}: server process not found; no server CPU figures`);

    const phase = async (name: Workload, run: (durationMs: number, startIndex: number) => Promise<LoadResult>, startIndex: number): Promise<LoadResult> => {
      let index = startIndex;
      if (e.warmupMs > 0) {
        progress(`[bench:peer] ${target} ${name}: warm-up ${e.warmupMs} ms`);
        index = (await run(e.warmupMs, index)).nextIndex;
      }
      progress(`[bench:peer] ${target} ${name}: ${e.durationMs} ms, ${e.concurrency} in flight, ${nodeCount} node(s) at ${consistencyName}`);
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
        type: 'result', target, workload: name, nodes: nodeCount, consistency: consistencyName, ...loadResultFields(result), server_cpu_ms: serverCpuMs, server_cpu_us_per_op: usPerOp,
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
