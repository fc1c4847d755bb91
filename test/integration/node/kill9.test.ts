// A node killed with SIGKILL while clients write under batch commit-log sync loses no
// acknowledged write: for several rounds, write concurrently, kill -9 at a random instant,
// restart on the same data, and read every acknowledged row back.
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCassiaProcess } from '../../support/cassia-process.ts';
import type { CassiaProcess } from '../../support/cassia-process.ts';

const ROUNDS = 5;
const IN_FLIGHT = 32;
const ROUND_WRITE_MS_MIN = 300;
const ROUND_WRITE_MS_MAX = 1500;

function client(node: CassiaProcess): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [node.contactPoint],
    localDataCenter: node.dc,
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1 } },
    socketOptions: { readTimeout: 10_000 },
  });
}

describe('kill -9 under write load (batch commit-log sync)', () => {
  let node: CassiaProcess;
  beforeAll(async () => {
    node = await startCassiaProcess({ commitLogSync: 'batch' });
  });
  afterAll(async () => {
    await node?.destroy();
  });

  it(`keeps every acknowledged write over ${ROUNDS} crash/restart rounds`, async () => {
    const acked = new Set<number>();
    let next = 0;
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    {
      const c = client(node);
      await c.connect();
      await c.execute("CREATE KEYSPACE crash WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      await c.execute('CREATE TABLE crash.t (id int PRIMARY KEY, payload text, n bigint)');
      await c.shutdown();
    }
    for (let round = 0; round < ROUNDS; round++) {
      const c = client(node);
      await c.connect();
      const insert = 'INSERT INTO crash.t (id, payload, n) VALUES (?, ?, ?)';
      let stop = false;
      const writer = async (): Promise<void> => {
        while (!stop) {
          const id = next++;
          try {
            await c.execute(insert, [id, `row-${id}-${'x'.repeat(id % 200)}`, cassandra.types.Long.fromNumber(id * 7)], { prepare: true });
            acked.add(id);
          } catch {
            return; // the node died: this write was never acknowledged
          }
        }
      };
      const writers = Array.from({ length: IN_FLIGHT }, writer);
      const writeMs = ROUND_WRITE_MS_MIN + Math.floor(random() * (ROUND_WRITE_MS_MAX - ROUND_WRITE_MS_MIN));
      await new Promise((r) => setTimeout(r, writeMs));
      await node.kill();
      stop = true;
      await Promise.all(writers);
      await c.shutdown();

      await node.restart();
      const r = client(node);
      await r.connect();
      const missing: number[] = [];
      const ids = [...acked];
      for (let i = 0; i < ids.length; i += 64) {
        const chunk = ids.slice(i, i + 64);
        const result = await r.execute('SELECT id, payload, n FROM crash.t WHERE id IN ?', [chunk], { prepare: true });
        const found = new Map(result.rows.map((row) => [row['id'] as number, row]));
        for (const id of chunk) {
          const row = found.get(id);
          if (row === undefined) missing.push(id);
          else {
            expect(row['payload']).toBe(`row-${id}-${'x'.repeat(id % 200)}`);
            expect((row['n'] as cassandra.types.Long).toNumber()).toBe(id * 7);
          }
        }
      }
      await r.shutdown();
      expect(missing, `round ${round}: ${missing.length} acknowledged rows missing after kill -9\n${node.logTail(3000)}`).toEqual([]);
      expect(acked.size).toBeGreaterThan(round * 10);
    }
    console.log(`kill -9 test: ${ROUNDS} rounds, ${acked.size} acknowledged rows, all present after each restart`);
  }, 300_000);
});
