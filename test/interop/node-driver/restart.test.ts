// Data survives a graceful restart of the node process: schema (keyspaces, tables, UDTs, indexes),
// rows of every shape, counters, TTLs and deletions read back the same, prepared statements are
// re-prepared transparently by the driver (Unprepared after the restart), and writes continue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, InteropNode } from '../interop-node.ts';
import { cassandra, startInteropNode } from '../interop-node.ts';

const { types } = cassandra;
const KS = 'restart_ks';
const ROWS = 300;

let node: InteropNode;

beforeAll(async () => {
  node = await startInteropNode();
});

afterAll(async () => {
  await node?.close();
});

/** Everything the test reads back, as comparable JSON. */
async function snapshot(client: Client): Promise<string> {
  const parts: unknown[] = [];
  const wide = await client.execute(`SELECT p, c, v, l, m, s, home, writetime(v) FROM ${KS}.wide`, [], { fetchSize: 1000 });
  parts.push(wide.rows.map((r) => [r['p'], r['c'], r['v'], r['l'], r['m'], r['s'], r['home'], String(r['writetime(v)'])]));
  parts.push((await client.execute(`SELECT k, n FROM ${KS}.ctr`)).rows.map((r) => [r['k'], String(r['n'])]).sort());
  parts.push((await client.execute(`SELECT k, v FROM ${KS}.blobs`)).rows.map((r) => [r['k'], (r['v'] as Buffer).toString('hex')]).sort());
  parts.push((await client.execute(`SELECT k FROM ${KS}.wide_idx WHERE tag = 'even'`)).rows.map((r) => r['k']).sort());
  return JSON.stringify(parts);
}

describe('restart', () => {
  it('keeps schema and every acknowledged write', async () => {
    const client = await node.client();
    await node.createKeyspace(client, KS);
    await client.execute(`CREATE TYPE ${KS}.addr (street text, zip int)`);
    await client.execute(`CREATE TABLE ${KS}.wide (p int, c int, v text, l list<int>, m map<text, int>, s set<text>, home frozen<addr>, PRIMARY KEY (p, c)) WITH CLUSTERING ORDER BY (c DESC)`);
    await client.execute(`CREATE TABLE ${KS}.ctr (k text PRIMARY KEY, n counter)`);
    await client.execute(`CREATE TABLE ${KS}.blobs (k int PRIMARY KEY, v blob)`);
    await client.execute(`CREATE TABLE ${KS}.wide_idx (k int PRIMARY KEY, tag text)`);
    await client.execute(`CREATE INDEX ON ${KS}.wide_idx (tag)`);
    const insert = `INSERT INTO ${KS}.wide (p, c, v, l, m, s, home) VALUES (?, ?, ?, ?, ?, ?, ?)`;
    for (let i = 0; i < ROWS; i++) {
      await client.execute(insert, [i % 10, i, `v${i}`, [i, i + 1], { a: i }, [`s${i}`], { street: `st${i}`, zip: i }], { prepare: true });
    }
    await client.execute(`UPDATE ${KS}.wide SET l = l + [99], m['b'] = 2, s = s - {'s5'} WHERE p = 5 AND c = 5`);
    await client.execute(`DELETE FROM ${KS}.wide WHERE p = 3 AND c > 100`);
    await client.execute(`DELETE v FROM ${KS}.wide WHERE p = 1 AND c = 1`);
    await client.execute(`INSERT INTO ${KS}.wide (p, c, v) VALUES (2, 2, 'ttl') USING TTL 100000`);
    for (let i = 0; i < 20; i++) await client.execute(`UPDATE ${KS}.ctr SET n = n + ? WHERE k = ?`, [types.Long.fromNumber(i), `k${i % 3}`], { prepare: true });
    await client.execute(`INSERT INTO ${KS}.blobs (k, v) VALUES (1, ?)`, [Buffer.alloc(200_000, 7)], { prepare: true });
    for (let i = 0; i < 10; i++) await client.execute(`INSERT INTO ${KS}.wide_idx (k, tag) VALUES (?, ?)`, [i, i % 2 === 0 ? 'even' : 'odd'], { prepare: true });
    const before = await snapshot(client);
    expect(JSON.parse(before)[0]).toHaveLength(ROWS - 1 - 19);

    await node.process.restart();

    // The same client reconnects; its prepared statements are re-prepared on Unprepared.
    let after = '';
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        after = await snapshot(client);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    expect(after).toBe(before);
    await client.execute(insert, [0, 10_000, 'after restart', null, null, null, null], { prepare: true });
    expect((await client.execute(`SELECT v FROM ${KS}.wide WHERE p = 0 AND c = 10000`)).first()['v']).toBe('after restart');

    const fresh = await node.client();
    expect(await snapshot(fresh)).not.toBe('');
    const t = await fresh.metadata.getTable(KS, 'wide');
    expect(t?.clusteringOrder).toEqual(['DESC']);
    expect((await fresh.metadata.getUdt(KS, 'addr'))?.fields.map((f) => f.name)).toEqual(['street', 'zip']);
    const ttl = (await fresh.execute(`SELECT ttl(v) FROM ${KS}.wide WHERE p = 2 AND c = 2`)).first()['ttl(v)'] as number;
    expect(ttl).toBeGreaterThan(99_000);
  });
});
