// The cluster coordinator's metrics as /metrics shows them: a three-node in-process cluster does
// writes and reads at several consistency levels, meets Unavailable and a timeout, stores and
// replays hints; the scrape of node 0's registry reports each of them.
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../cluster/index.ts';
import { TestCluster, coordinatorFixtures, evenTokens } from '../../coordinator/index.ts';
import { ConsistencyLevel } from '../../lib/index.ts';
import { Verb } from '../../messaging/index.ts';
import { VirtualTime } from '../../messaging/testing/virtual-time.ts';
import { NodeMetrics } from './node-metrics.ts';

const { kvTable, putKv, readPartition } = coordinatorFixtures;

function sampleOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

describe('coordinator metrics', () => {
  it('latency by operation and consistency, errors by kind, counters and hints', async () => {
    const time = new VirtualTime();
    const c = await TestCluster.start({ nodes: evenTokens(3, 4).map((tokens) => ({ tokens })), time, random: new SeededRandom(3), hints: { replayIntervalMs: 1000 } });
    cluster = c;
    await c.createKeyspace('ks', { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '3' } });
    const kv = await c.createTable(kvTable('ks'));
    const now = Math.floor(time.nowMs() / 1000);
    const metrics = new NodeMetrics({ clock: time, processMetrics: false });
    metrics.attach({
      storage: { tableStats: () => null, commitLogStats: () => ({ segments: 0, totalBytes: 0, appends: 0, syncs: 0 }), memtableBytes: () => 0 },
      tables: () => [], cqlConnections: () => 0, operationMode: () => 'NORMAL', coordinator: c.coordinator(0),
    });
    const coordinator = c.coordinator(0);
    for (let k = 0; k < 4; k++) await c.run(coordinator.write([putKv(kv, k, 'v', 1000 + k)], { consistency: ConsistencyLevel.QUORUM, writeType: 'SIMPLE' }));
    await c.run(coordinator.read(readPartition(kv, 1, now), { consistency: ConsistencyLevel.ONE }));
    await c.run(coordinator.read(readPartition(kv, 1, now), { consistency: ConsistencyLevel.ALL }));
    // Node 2 down: ALL is unavailable, QUORUM writes hint it.
    await c.run(c.node(2).stop());
    await expect(c.run(coordinator.write([putKv(kv, 9, 'v', 2000)], { consistency: ConsistencyLevel.ALL, writeType: 'SIMPLE' }))).rejects.toThrow();
    await c.run(coordinator.write([putKv(kv, 9, 'v', 2000)], { consistency: ConsistencyLevel.QUORUM, writeType: 'SIMPLE' }));
    // Node 1 drops mutations: a QUORUM write times out.
    c.hub.addRule((m) => (m.to === c.node(1).address && m.verb === Verb.Mutation ? 'drop' : 'deliver'));
    await expect(c.run(coordinator.write([putKv(kv, 10, 'v', 3000)], { consistency: ConsistencyLevel.QUORUM, writeType: 'SIMPLE' }))).rejects.toThrow();
    c.hub.clearRules();
    await c.run(c.node(2).restart());
    await c.idle(3000);

    const { body } = await metrics.scrape();
    const count = (labels: Record<string, string>): number | undefined => sampleOf(body, 'cassia_coordinator_request_duration_seconds_count', labels);
    expect(count({ operation: 'write', consistency: 'QUORUM' })).toBe(6);
    expect(count({ operation: 'write', consistency: 'ALL' })).toBe(1);
    expect(count({ operation: 'read', consistency: 'ONE' })).toBe(1);
    expect(count({ operation: 'read', consistency: 'ALL' })).toBe(1);
    // The timed-out write took the write timeout (2 s): it lands in the 2.5 s bucket, not the 1 s one.
    expect(sampleOf(body, 'cassia_coordinator_request_duration_seconds_bucket', { operation: 'write', consistency: 'QUORUM', le: '1' })).toBe(5);
    expect(sampleOf(body, 'cassia_coordinator_request_duration_seconds_bucket', { operation: 'write', consistency: 'QUORUM', le: '2.5' })).toBe(6);
    expect(sampleOf(body, 'cassia_coordinator_request_errors_total', { operation: 'write', kind: 'unavailable' })).toBe(1);
    expect(sampleOf(body, 'cassia_coordinator_request_errors_total', { operation: 'write', kind: 'timeout' })).toBe(1);
    expect(sampleOf(body, 'cassia_coordinator_writes_total', {})).toBe(coordinator.stats.writes);
    expect(sampleOf(body, 'cassia_coordinator_reads_total', {})).toBe(coordinator.stats.reads);
    expect(sampleOf(body, 'cassia_coordinator_read_repair_mutations_total', {})).toBe(coordinator.stats.readRepairMutations);
    expect(sampleOf(body, 'cassia_coordinator_speculative_retries_total', {})).toBe(0);
    // Node 2 missed two writes and node 1 one: three hints, all replayed once the nodes were up.
    expect(sampleOf(body, 'cassia_hints_stored_total', {})).toBe(3);
    expect(sampleOf(body, 'cassia_hints_replayed_total', {})).toBe(3);
    expect(sampleOf(body, 'cassia_hints_pending_bytes', {})).toBe(0);
  });

  it('a node without a cluster coordinator exports no coordinator series', async () => {
    const metrics = new NodeMetrics({ clock: new VirtualTime(), processMetrics: false });
    const { body } = await metrics.scrape();
    expect(body).toContain('# TYPE cassia_coordinator_request_duration_seconds histogram');
    expect(sampleOf(body, 'cassia_hints_stored_total', {})).toBe(undefined);
  });
});
