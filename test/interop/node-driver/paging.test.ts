// Paging consistency: for many query shapes (range scans, DISTINCT, LIMIT, PER PARTITION LIMIT,
// token ranges, filtering, static-only partitions, IN lists, reversed order) every page size
// returns exactly the rows of the unpaged query, in the same order, with no empty or endless pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, InteropNode } from '../interop-node.ts';
import { startInteropNode } from '../interop-node.ts';

const KS = 'paging_ks';
const PAGE_SIZES = [1, 2, 3, 7, 16, 1000];
const PAGES_MAX = 2_000;

let node: InteropNode;
let client: Client;

beforeAll(async () => {
  node = await startInteropNode();
  const admin = await node.client();
  await node.createKeyspace(admin, KS);
  client = await node.client({ keyspace: KS });
  await client.execute('CREATE TABLE w (p int, c int, s text STATIC, v int, PRIMARY KEY (p, c))');
  const queries: Array<{ query: string; params: unknown[] }> = [];
  for (let p = 0; p < 40; p++) {
    const rows = (p * 7) % 13; // 0..12 rows, some partitions empty
    if (p % 5 === 0) queries.push({ query: 'INSERT INTO w (p, s) VALUES (?, ?)', params: [p, `static${p}`] });
    for (let c = 0; c < rows; c++) queries.push({ query: 'INSERT INTO w (p, c, v) VALUES (?, ?, ?)', params: [p, c, (p + c) % 4] });
  }
  for (let i = 0; i < queries.length; i += 40) await client.batch(queries.slice(i, i + 40), { prepare: true, logged: false });
});

afterAll(async () => {
  await node?.close();
});

async function readAll(query: string, fetchSize: number, prepare: boolean): Promise<{ rows: string[]; pages: number[] }> {
  const rows: string[] = [];
  const pages: number[] = [];
  let pageState: string | undefined;
  for (let page = 0; page < PAGES_MAX; page++) {
    const rs = await client.execute(query, [], { prepare, fetchSize, pageState });
    pages.push(rs.rowLength);
    rows.push(...rs.rows.map((r) => JSON.stringify(r.values())));
    if (rs.pageState === null || rs.pageState === undefined) return { rows, pages };
    pageState = rs.pageState;
  }
  throw new Error(`${query}: more than ${PAGES_MAX} pages`);
}

const QUERIES = [
  'SELECT * FROM w',
  'SELECT p, c, v FROM w',
  'SELECT p, s FROM w',
  'SELECT DISTINCT p, s FROM w',
  'SELECT * FROM w LIMIT 37',
  'SELECT * FROM w PER PARTITION LIMIT 3',
  'SELECT * FROM w PER PARTITION LIMIT 2 LIMIT 25',
  'SELECT * FROM w WHERE token(p) > -3000000000000000000 AND token(p) <= 5000000000000000000',
  'SELECT * FROM w WHERE v = 1 ALLOW FILTERING',
  'SELECT * FROM w WHERE c > 3 AND c < 9 ALLOW FILTERING',
  'SELECT * FROM w WHERE p IN (12, 5, 0, 3, 39)',
  'SELECT * FROM w WHERE p IN (12, 5, 0, 3, 39) PER PARTITION LIMIT 2',
  'SELECT * FROM w WHERE p = 12 ORDER BY c DESC',
  'SELECT * FROM w WHERE p = 12 AND c >= 2 ORDER BY c DESC LIMIT 5',
  'SELECT * FROM w WHERE p = 10',
  'SELECT * FROM w WHERE p = 12 AND v = 1 ALLOW FILTERING',
  'SELECT * FROM w WHERE p IN (12, 5, 0, 3, 39) AND v = 2 ALLOW FILTERING',
  'SELECT * FROM w WHERE v = 0 PER PARTITION LIMIT 1 ALLOW FILTERING',
  'SELECT p, count(*) FROM w GROUP BY p',
];

describe('paged results equal unpaged results', () => {
  for (const query of QUERIES) {
    it(query, async () => {
      const full = await readAll(query, 100_000, false);
      expect(full.pages).toHaveLength(1);
      for (const prepare of [false, true]) {
        for (const size of PAGE_SIZES) {
          const paged = await readAll(query, size, prepare);
          expect(paged.rows, `fetchSize ${size}, prepare ${prepare}`).toEqual(full.rows);
          // Every page but the last is full; a trailing empty page is allowed (Cassandra sends one).
          const lastNonEmpty = paged.pages.findLastIndex((n) => n > 0);
          paged.pages.slice(0, lastNonEmpty).forEach((n) => expect(n, `fetchSize ${size}: ${paged.pages.join(',')}`).toBe(size));
        }
      }
    });
  }

  it('static-only partitions appear once, with null clustering columns', async () => {
    const rs = await client.execute('SELECT p, c, s FROM w WHERE p = 0');
    expect(rs.rows.map((r) => r.values())).toEqual([[0, null, 'static0']]);
  });
});
