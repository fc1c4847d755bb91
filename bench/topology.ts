// Topology benchmark on real node processes (127.0.0.x): bootstrap streaming throughput and the time
// for a node to join a cluster holding BENCH_TOPOLOGY_MB of data (default 1024), then the time of a
// full repair of that data with BENCH_TOPOLOGY_DIVERGENCE (default 0.01) of the rows missing on one
// replica. JSON lines on stdout; the last line is a summary.
// Setup: node 1 alone, keyspace RF 1, BENCH_TOPOLOGY_MB loaded as 8 KiB values; node 2 bootstraps
// (streams about half); then RF 2, a rebuild-free full repair makes both replicas equal; node 2 is
// stopped, 1% of the rows are rewritten at ONE (hints off), node 2 restarts and `repair` is timed.
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import cassandra from 'cassandra-driver';
import { TopologyCluster, until } from '../test/integration/topology/topology-cluster.ts';
import { emitJsonLine, progress } from './lib/index.ts';

const DATA_MB = Number(process.env['BENCH_TOPOLOGY_MB'] ?? 1024);
const DIVERGENCE = Number(process.env['BENCH_TOPOLOGY_DIVERGENCE'] ?? 0.01);
const VALUE_BYTES = 8192;
const CONCURRENCY = 64;
const ROWS = Math.ceil((DATA_MB * 1024 * 1024) / VALUE_BYTES);
const JOB_TIMEOUT_MS = 3 * 3_600_000;
const A = (i: number): string => `127.0.0.${200 + i}`;
/**
 * Cassandra's default. Shorter delays let a peer whose event loop is busy (compaction) evict the
 * joining node as a fat client (see docs/design/topology.md), which breaks the bootstrap.
 */
const RING_DELAY_MS = 30_000;

emitJsonLine({
  type: 'config', bench: 'topology', data_mb: DATA_MB, rows: ROWS, value_bytes: VALUE_BYTES, divergence: DIVERGENCE, cores: cpus().length,
  memory_gib: Math.round(totalmem() / 2 ** 30), node_version: process.version,
});

async function load(client: cassandra.Client, keys: Iterable<number>, cl: number, version: number): Promise<number> {
  const it = keys[Symbol.iterator]();
  let written = 0;
  // Random values (a pool, so the client does not generate 1 GB): SSTable compression must not shrink them.
  const pool = Array.from({ length: 256 }, (_, i) => {
    const b = randomBytes(VALUE_BYTES);
    b[0] = version;
    b[1] = i;
    return b;
  });
  const worker = async (): Promise<void> => {
    for (let next = it.next(); !next.done; next = it.next()) {
      await client.execute('INSERT INTO bench.t (k, v) VALUES (?, ?)', [next.value, pool[next.value % pool.length]!], { prepare: true, consistency: cl });
      written++;
      if (written % 20_000 === 0) progress(`[bench:topology] ${written} rows written`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
  return written;
}

function range(n: number): Iterable<number> {
  return { *[Symbol.iterator]() { for (let i = 0; i < n; i++) yield i; } };
}

const cluster = await TopologyCluster.create('topology-bench', [1, 2].map(A), {
  ring_delay: RING_DELAY_MS, stream_throughput_outbound: 0, hinted_handoff_enabled: false, start_gossip: true, memtable_flush_threshold: '64MiB',
});
const summary: Record<string, unknown> = { type: 'summary', bench: 'topology', data_mb: DATA_MB };
try {
  await cluster.start(A(1), { seeds: A(1) });
  const client = new cassandra.Client({
    contactPoints: [A(1)], protocolOptions: { port: cluster.cqlPort }, localDataCenter: 'dc1', socketOptions: { readTimeout: 60_000 },
  });
  await client.connect();
  await client.execute("CREATE KEYSPACE bench WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1}");
  await client.execute('CREATE TABLE bench.t (k int PRIMARY KEY, v blob)');
  let started = Date.now();
  await load(client, range(ROWS), cassandra.types.consistencies.one, 1);
  const loadMs = Date.now() - started;
  await cluster.run(A(1), 'flush', {}, JOB_TIMEOUT_MS);
  const held = (await cluster.clientFor(A(1)).tableStats({ keyspace: 'bench' })).tables[0]!.liveBytes;
  emitJsonLine({ type: 'result', phase: 'load', rows: ROWS, ms: loadMs, mb_per_s: +(DATA_MB / (loadMs / 1000)).toFixed(1), node1_sstable_bytes: held });

  started = Date.now();
  await cluster.start(A(2), { seeds: A(1) });
  const joinMs = Date.now() - started;
  const received = (await cluster.clientFor(A(2)).tableStats({ keyspace: 'bench' })).tables[0]!;
  const streamedBytes = received.liveBytes + received.memtableBytes;
  // The join includes the ring delay (5 s) twice at most; streaming is the rest.
  emitJsonLine({
    type: 'result', phase: 'bootstrap', join_ms: joinMs, received_bytes: streamedBytes,
    mb_per_s_overall: +((streamedBytes / 2 ** 20) / (joinMs / 1000)).toFixed(1),
  });
  summary['bootstrap_join_ms'] = joinMs;
  summary['bootstrap_received_mb'] = +(streamedBytes / 2 ** 20).toFixed(1);
  summary['bootstrap_mb_per_s'] = +((streamedBytes / 2 ** 20) / (joinMs / 1000)).toFixed(1);
  // Streaming alone: the join minus the post-BOOT ring delay (the ring-info wait is short here).
  summary['streaming_mb_per_s'] = +((streamedBytes / 2 ** 20) / (Math.max(1, joinMs - RING_DELAY_MS) / 1000)).toFixed(1);

  await client.execute("ALTER KEYSPACE bench WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2}");
  started = Date.now();
  const first = await cluster.run(A(2), 'repair', { keyspace: 'bench', primaryRange: false }, JOB_TIMEOUT_MS);
  emitJsonLine({ type: 'result', phase: 'repair-after-rf-change', ms: Date.now() - started, state: first.state, result: first.result });

  const node2 = cluster.nodes.get(A(2))!;
  await node2.process.stop();
  await until('node 2 down', async () => (await cluster.clientFor(A(1)).clusterView()).endpoints.some((e) => e.address === A(2) && e.status === 'DOWN'), 60_000);
  const diverged = Math.max(1, Math.round(ROWS * DIVERGENCE));
  await load(client, { *[Symbol.iterator]() { for (let i = 0; i < diverged; i++) yield Math.floor((i * ROWS) / diverged); } }, cassandra.types.consistencies.one, 2);
  await node2.process.restart();
  await until('node 2 up', async () => (await cluster.clientFor(A(1)).clusterView()).endpoints.every((e) => e.status === 'UP'), 60_000);
  started = Date.now();
  const repair = await cluster.run(A(1), 'repair', { keyspace: 'bench', primaryRange: false }, JOB_TIMEOUT_MS);
  const repairMs = Date.now() - started;
  emitJsonLine({ type: 'result', phase: 'repair-1pct', ms: repairMs, diverged_rows: diverged, state: repair.state, result: repair.result });
  summary['repair_ms'] = repairMs;
  summary['repair_streamed_mb'] = +(Number(repair.result['streamedBytes'] ?? 0) / 2 ** 20).toFixed(1);
  summary['repair_state'] = repair.state;
  await client.shutdown();
} catch (error) {
  summary['error'] = (error as Error).message;
  for (const n of cluster.nodes.values()) progress(`--- ${n.address}\n${n.process.logTail(4000)}`);
} finally {
  await cluster.stopAll();
}
emitJsonLine(summary);
// Driver sockets of a failed run may still be open: end the process explicitly.
process.exit(summary['error'] === undefined ? 0 : 1);
