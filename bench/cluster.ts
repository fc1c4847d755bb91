// Three-node cluster benchmark: three local Cassia processes (127.0.0.61-63, gossip, RF 3) driven by
// the real cassandra-driver (token-aware) with cassandra-stress's schema: prepared INSERT then
// SELECT by key, at ONE and at QUORUM, 128 requests in flight, BENCH_DURATION_MS per phase (20 s).
// JSON lines on stdout, progress on stderr; the last line is a summary. No peer runs here (a
// three-JVM Cassandra cluster does not fit the CI machine); bench/peer.ts compares one node.
// Env: BENCH_DURATION_MS, BENCH_WARMUP_MS, BENCH_CONCURRENCY, BENCH_CONNECTIONS, BENCH_COUNT_MAX, BENCH_SEED.
import { cpus, totalmem } from 'node:os';
import cassandra from 'cassandra-driver';
import { startCassiaProcess } from '../test/support/cassia-process.ts';
import type { CassiaProcess } from '../test/support/cassia-process.ts';
import {
  connectBenchClient, emitJsonLine, loadResultFields, progress, readBenchEnv, runLoad, STRESS_INSERT_CQL, STRESS_SELECT_CQL,
  stressSchemaCql, stressWorkload, uniformInts,
} from './lib/index.ts';
import type { LoadResult } from './lib/index.ts';

const ADDRESSES = ['127.0.0.61', '127.0.0.62', '127.0.0.63'];
// The bench client connects on the default CQL port; the addresses are the bench's own.
const CQL_PORT = 9042;
const STORAGE_PORT = Number(process.env['BENCH_STORAGE_PORT'] ?? 17000);
const JOIN_TIMEOUT_MS = 120_000;

const env = readBenchEnv({ durationMs: 20_000, warmupMs: 3_000 });
emitJsonLine({
  type: 'config', bench: 'cluster', nodes: ADDRESSES.length, replication_factor: 3, duration_ms: env.durationMs, warmup_ms: env.warmupMs,
  concurrency: env.concurrency, connections_per_host: env.connections, cores: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30),
  node_version: process.version,
});

async function waitForPeers(address: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    const c = new cassandra.Client({ contactPoints: [address], protocolOptions: { port: CQL_PORT }, localDataCenter: 'dc1' });
    try {
      if ((await c.execute('SELECT peer FROM system.peers')).rowLength === ADDRESSES.length - 1) return;
    } catch {
      // not ready yet
    } finally {
      await c.shutdown();
    }
    if (Date.now() - started > JOIN_TIMEOUT_MS) throw new Error(`${address} did not see its peers within ${JOIN_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const nodes: CassiaProcess[] = [];
const summary: Record<string, unknown> = { type: 'summary', bench: 'cluster', nodes: ADDRESSES.length, replication_factor: 3 };
try {
  const started = Date.now();
  const starts = await Promise.allSettled(ADDRESSES.map((address, i) => startCassiaProcess({
    address, port: CQL_PORT, storagePort: STORAGE_PORT, seeds: ADDRESSES.slice(0, 2).join(','), rack: `rack${i + 1}`,
    clusterName: 'bench-cluster', extraConfig: { auto_bootstrap: false },
  })));
  for (const s of starts) if (s.status === 'fulfilled') nodes.push(s.value);
  const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  for (const a of ADDRESSES) await waitForPeers(a);
  emitJsonLine({ type: 'startup', nodes: ADDRESSES.length, all_joined_ms: Date.now() - started });
  const client = await connectBenchClient({ contactPoint: ADDRESSES[0]!, localDataCenter: 'dc1', connections: env.connections });
  try {
    for (const cql of stressSchemaCql(3)) await client.execute(cql);
    const workload = stressWorkload(env.seed);
    const pick = uniformInts(env.seed + 1);
    let population = 0;
    const levels: Array<[string, number]> = [['one', cassandra.types.consistencies.one], ['quorum', cassandra.types.consistencies.quorum]];
    for (const [name, consistency] of levels) {
      const common = { client, concurrency: env.concurrency, countMax: env.countMax, consistency };
      const phase = async (workloadName: string, run: (durationMs: number, startIndex: number) => Promise<LoadResult>, firstIndex: number): Promise<LoadResult> => {
        let index = firstIndex;
        if (env.warmupMs > 0) index = (await run(env.warmupMs, index)).nextIndex;
        progress(`[bench:cluster] ${workloadName} at ${name.toUpperCase()}: ${env.durationMs} ms, ${env.concurrency} in flight`);
        const result = await run(env.durationMs, index);
        emitJsonLine({ type: 'result', consistency: name.toUpperCase(), workload: workloadName, ...loadResultFields(result) });
        return result;
      };
      const write = await phase('write', (durationMs, startIndex) =>
        runLoad({ ...common, durationMs, startIndex, statement: STRESS_INSERT_CQL, params: (i) => workload.insertParams(i) }), population);
      population = write.nextIndex;
      const size = population;
      const read = await phase('read', (durationMs) =>
        runLoad({ ...common, durationMs, statement: STRESS_SELECT_CQL, params: () => workload.selectParams(pick(size)) }), 0);
      Object.assign(summary, {
        [`${name}_write_ops_per_sec`]: write.opsPerSec,
        [`${name}_write_p50_ms`]: write.latency.p50Ms,
        [`${name}_write_p99_ms`]: write.latency.p99Ms,
        [`${name}_read_ops_per_sec`]: read.opsPerSec,
        [`${name}_read_p50_ms`]: read.latency.p50Ms,
        [`${name}_read_p99_ms`]: read.latency.p99Ms,
        [`${name}_errors`]: write.errors + read.errors,
      });
    }
    summary['rows_written'] = population;
  } finally {
    await client.shutdown();
  }
} catch (error) {
  summary['error'] = String((error as Error).message).slice(0, 2000);
  for (const n of nodes) progress(`--- ${n.address}\n${n.logTail(3000)}`);
  process.exitCode = 1;
} finally {
  await Promise.all(nodes.map((n) => n.destroy()));
}
emitJsonLine(summary);
