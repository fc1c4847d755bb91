// Range scans over five nodes (RF 3, vnodes) equal a single-node model: random writes and
// deletions land on subsets of replicas (nodes down, writes at ONE, hints off), then full scans
// at ALL (merging and repairing), paged scans with small row limits, per-partition limits and
// reversed order give exactly the model's live rows; after the repairs, scans at ONE from any node
// agree too.
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../cluster/index.ts';
import { ConsistencyLevel } from '../lib/index.ts';
import type { ConsistencyLevel as Level } from '../lib/index.ts';
import { VirtualTime } from '../messaging/testing/virtual-time.ts';
import type { TableMetadata } from '../schema/index.ts';
import type { Mutation, ReadCommand, ReadResult } from '../storage/index.ts';
import type { ClusterCoordinator } from './cluster-coordinator.ts';
import { deleteKv, deleteRow, liveValues, putRows, readAll, rowsTable } from './testing/kv-fixtures.ts';
import { TestCluster, evenTokens } from './testing/test-cluster.ts';

let clusters: TestCluster[] = [];
afterEach(async () => {
  for (const c of clusters) await c.stop();
  clusters = [];
});

type Live = Array<[string, number, string]>;

function live(result: ReadResult, nowSeconds: number): Live {
  const out: Live = [];
  for (const p of result.partitions) for (const [c, v] of liveValues(p, nowSeconds)) out.push([p.key.toString('hex'), c, v]);
  return out;
}

/** Pages through a range scan the way a client pages: resume inside the last partition after its last row. */
async function pagedScan(c: TestCluster, coordinator: ClusterCoordinator, base: ReadCommand, pageRows: number, level: Level): Promise<Live> {
  const out: Live = [];
  const now = base.nowSeconds;
  let command: ReadCommand = { ...base, limits: { ...base.limits, rows: pageRows } };
  for (let page = 0; page < 10_000; page++) {
    const result = await c.run(coordinator.read(command, { consistency: level }));
    const rows = live(result, now);
    out.push(...rows);
    if (rows.length < pageRows) return out;
    const last = result.partitions[result.partitions.length - 1]!;
    const lastRow = [...last.rows].reverse().find((r) => liveValues({ ...last, rows: [r] }, now).length > 0);
    if (base.partitions.kind !== 'range') throw new Error('range scan expected');
    command = {
      ...command,
      partitions: { ...base.partitions, start: { token: last.token, key: last.key }, startInclusive: lastRow !== undefined },
      resumeAfterClustering: lastRow?.clustering ?? null,
    };
  }
  throw new Error('too many pages');
}

describe('range scans over five nodes equal a single-node model', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}`, async () => {
      const time = new VirtualTime();
      const random = new SeededRandom(seed);
      const c = await TestCluster.start({
        nodes: evenTokens(5, 8).map((tokens, i) => ({ tokens, rack: `r${i % 2}` })), time, random, hints: { enabled: false },
      });
      const model = await TestCluster.start({ nodes: [{ tokens: [0n] }], time, random: new SeededRandom(seed + 100) });
      clusters = [c, model];
      await c.createKeyspace('ks', { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '3' } });
      await model.createKeyspace('ks', { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '1' } });
      const table = await c.createTable(rowsTable('ks'));
      const modelTable: TableMetadata = await model.createTable({ ...rowsTable('ks'), id: table.id });
      const now = Math.floor(time.nowMs() / 1000);
      let ts = 1000;
      const down = new Set<number>();
      for (let step = 0; step < 160; step++) {
        // Now and then a node goes down or comes back (at most two down: every range keeps a replica).
        if (step % 20 === 0) {
          for (const i of [...down]) await c.run(c.node(i).restart());
          down.clear();
          const first = random.nextUint32() % 5;
          down.add(first);
          if (random.nextFloat() < 0.5) down.add((first + 1 + (random.nextUint32() % 4)) % 5);
          for (const i of down) await c.run(c.node(i).stop());
        }
        const k = random.nextUint32() % 12;
        const roll = random.nextFloat();
        let m: Mutation;
        if (roll < 0.5) {
          const entries: Array<[number, string]> = [];
          for (let j = 0; j < 1 + (random.nextUint32() % 4); j++) entries.push([random.nextUint32() % 8, `v${step}-${j}`]);
          const unique = [...new Map(entries).entries()];
          m = putRows(table, k, unique, ts++);
        } else if (roll < 0.95) {
          m = deleteRow(table, k, random.nextUint32() % 8, ts++, now);
        } else {
          m = deleteKv(table, k, ts++, now);
        }
        const up = [0, 1, 2, 3, 4].filter((i) => !down.has(i));
        const via = up[random.nextUint32() % up.length]!;
        try {
          await c.run(c.coordinator(via).write([m], { consistency: ConsistencyLevel.ONE, writeType: 'SIMPLE' }));
        } catch {
          continue; // no live replica for this key (two down nodes holding it): the write did not happen
        }
        await model.run(model.coordinator(0).write([{ ...m, updates: m.updates.map((u) => ({ ...u, tableId: modelTable.id })) }], { consistency: ConsistencyLevel.ONE, writeType: 'SIMPLE' }));
      }
      for (const i of down) await c.run(c.node(i).restart());
      await c.idle(100);

      const full = readAll(table, now);
      const expected = live(await model.run(model.coordinator(0).read(full, { consistency: ConsistencyLevel.ONE })), now);
      expect(expected.length).toBeGreaterThan(20);
      // Paged scans at ALL first: each page merges replicas and repairs them.
      for (const pageRows of [1, 3, 7]) {
        expect(await pagedScan(c, c.coordinator(pageRows % 5), full, pageRows, ConsistencyLevel.ALL)).toEqual(expected);
      }
      expect(live(await c.run(c.coordinator(0).read(full, { consistency: ConsistencyLevel.ALL })), now)).toEqual(expected);
      const perPartition = readAll(table, now, { perPartitionRows: 2 });
      const expectedPerPartition = live(await model.run(model.coordinator(0).read({ ...perPartition, tableId: modelTable.id }, { consistency: ConsistencyLevel.ONE })), now);
      expect(live(await c.run(c.coordinator(2).read(perPartition, { consistency: ConsistencyLevel.QUORUM })), now)).toEqual(expectedPerPartition);
      const reversed = readAll(table, now, {}, true);
      const expectedReversed = live(await model.run(model.coordinator(0).read({ ...reversed, tableId: modelTable.id }, { consistency: ConsistencyLevel.ONE })), now);
      expect(live(await c.run(c.coordinator(3).read(reversed, { consistency: ConsistencyLevel.QUORUM })), now)).toEqual(expectedReversed);
      // Repaired everywhere: any single replica now answers the full scan.
      for (let i = 0; i < 5; i++) expect(live(await c.run(c.coordinator(i).read(full, { consistency: ConsistencyLevel.ONE })), now)).toEqual(expected);
      expect(c.nodes.reduce((n, node) => n + node.coordinator.stats.readRepairMutations, 0)).toBeGreaterThan(0);
    }, 120_000);
  }
});
