import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../cluster/index.ts';
import { ConsistencyLevel } from '../lib/index.ts';
import { VirtualTime } from '../messaging/testing/virtual-time.ts';
import { kvTable, kvValue, putKv, readPartition } from './testing/kv-fixtures.ts';
import { TestCluster, evenTokens } from './testing/test-cluster.ts';

describe('smoke', () => {
  it('writes at QUORUM and reads everywhere', async () => {
    const time = new VirtualTime();
    const tokens = evenTokens(3, 4);
    const cluster = await TestCluster.start({ nodes: tokens.map((t) => ({ tokens: t })), time, random: new SeededRandom(1) });
    await cluster.createKeyspace('ks', { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '3' } });
    const table = await cluster.createTable(kvTable('ks'));
    for (const n of cluster.nodes) expect(n.schemaStore.current().keyspaces.get('ks')?.tables.has('kv')).toBe(true);
    const now = Math.floor(time.nowMs() / 1000);
    await cluster.run(cluster.coordinator(0).write([putKv(table, 1, 'one', 1000)], { consistency: ConsistencyLevel.QUORUM, writeType: 'SIMPLE' }));
    await cluster.idle(50);
    for (let i = 0; i < 3; i++) {
      const r = await cluster.run(cluster.coordinator(i).read(readPartition(table, 1, now), { consistency: ConsistencyLevel.ONE }));
      expect(kvValue(r, now)).toBe('one');
      const q = await cluster.run(cluster.coordinator(i).read(readPartition(table, 1, now), { consistency: ConsistencyLevel.ALL }));
      expect(kvValue(q, now)).toBe('one');
    }
    await cluster.stop();
  });
});
