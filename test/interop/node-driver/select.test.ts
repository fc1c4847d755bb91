// SELECT through the npm cassandra-driver: IN, clustering slices (single and multi-column),
// ORDER BY, LIMIT, PER PARTITION LIMIT, DISTINCT, ALLOW FILTERING, token() ranges and token()
// equal to the driver's own Murmur3, aggregates, CAST, element/slice selection, JSON, aliases,
// native functions; paging with fetchSize/pageState/eachRow/stored page states.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, InteropNode } from '../interop-node.ts';
import { cassandra, startInteropNode } from '../interop-node.ts';

const { types } = cassandra;
const KS = 'select_ks';

let node: InteropNode;
let client: Client;

beforeAll(async () => {
  node = await startInteropNode();
  const admin = await node.client();
  await node.createKeyspace(admin, KS);
  client = await node.client({ keyspace: KS });
  await client.execute('CREATE TABLE ev (p int, c1 int, c2 text, v int, t text, PRIMARY KEY (p, c1, c2))');
  await client.execute('CREATE TABLE rev (p int, c int, v int, PRIMARY KEY (p, c)) WITH CLUSTERING ORDER BY (c DESC)');
  for (let p = 1; p <= 3; p++) {
    for (let c1 = 1; c1 <= 3; c1++) {
      for (const c2 of ['a', 'b']) {
        await client.execute('INSERT INTO ev (p, c1, c2, v, t) VALUES (?, ?, ?, ?, ?)', [p, c1, c2, p * 100 + c1 * 10 + (c2 === 'a' ? 1 : 2), `${p}${c1}${c2}`], { prepare: true });
      }
    }
  }
  for (let c = 1; c <= 5; c++) await client.execute('INSERT INTO rev (p, c, v) VALUES (1, ?, ?)', [c, c * c], { prepare: true });
});

afterAll(async () => {
  await node?.close();
});

const keys = (rs: cassandra.types.ResultSet): string[] => rs.rows.map((r) => `${r['p']}:${r['c1']}:${r['c2']}`);

describe('restrictions and ordering', () => {
  it('partition key IN, clustering EQ/IN and slices', async () => {
    expect(keys(await client.execute('SELECT p, c1, c2 FROM ev WHERE p IN (3, 1) AND c1 = 2'))).toEqual(['1:2:a', '1:2:b', '3:2:a', '3:2:b']);
    expect(keys(await client.execute('SELECT p, c1, c2 FROM ev WHERE p = 1 AND c1 IN (3, 1) AND c2 = ?', ['b'], { prepare: true }))).toEqual(['1:1:b', '1:3:b']);
    expect(keys(await client.execute('SELECT p, c1, c2 FROM ev WHERE p = 1 AND c1 > 1 AND c1 <= 3'))).toEqual(['1:2:a', '1:2:b', '1:3:a', '1:3:b']);
    expect(keys(await client.execute("SELECT p, c1, c2 FROM ev WHERE p = 1 AND c1 = 2 AND c2 >= 'b'"))).toEqual(['1:2:b']);
    expect(keys(await client.execute('SELECT p, c1, c2 FROM ev WHERE p IN ? AND c1 IN ?', [[2], [1, 3]], { prepare: true }))).toEqual(['2:1:a', '2:1:b', '2:3:a', '2:3:b']);
  });

  it('multi-column slices and IN on clustering columns', async () => {
    expect(keys(await client.execute("SELECT p, c1, c2 FROM ev WHERE p = 1 AND (c1, c2) > (1, 'b') AND (c1, c2) <= (3, 'a')")))
      .toEqual(['1:2:a', '1:2:b', '1:3:a']);
    expect(keys(await client.execute("SELECT p, c1, c2 FROM ev WHERE p = 1 AND (c1, c2) IN ((3, 'b'), (1, 'a'))"))).toEqual(['1:1:a', '1:3:b']);
    expect(keys(await client.execute('SELECT p, c1, c2 FROM ev WHERE p = 1 AND (c1, c2) >= (?, ?)', [3, 'b'], { prepare: true }))).toEqual(['1:3:b']);
  });

  it('ORDER BY DESC, LIMIT, PER PARTITION LIMIT and DESC clustering order', async () => {
    expect(keys(await client.execute('SELECT p, c1, c2 FROM ev WHERE p = 2 ORDER BY c1 DESC, c2 DESC LIMIT 3'))).toEqual(['2:3:b', '2:3:a', '2:2:b']);
    expect(keys(await client.execute('SELECT p, c1, c2 FROM ev PER PARTITION LIMIT 1'))).toHaveLength(3);
    const ppl = await client.execute('SELECT p, c1, c2 FROM ev WHERE p IN (1, 2) PER PARTITION LIMIT 2 LIMIT 3');
    expect(keys(ppl)).toEqual(['1:1:a', '1:1:b', '2:1:a']);
    expect((await client.execute('SELECT c FROM rev WHERE p = 1')).rows.map((r) => r['c'])).toEqual([5, 4, 3, 2, 1]);
    expect((await client.execute('SELECT c FROM rev WHERE p = 1 ORDER BY c ASC LIMIT 2')).rows.map((r) => r['c'])).toEqual([1, 2]);
    expect((await client.execute('SELECT c FROM rev WHERE p = 1 AND c > 2 AND c < 5')).rows.map((r) => r['c'])).toEqual([4, 3]);
    expect((await client.execute('SELECT c FROM rev WHERE p = 1 LIMIT ?', [2], { prepare: true })).rows.map((r) => r['c'])).toEqual([5, 4]);
    // A column ordered twice (cqlengine's order_by chaining) keeps the last direction.
    expect((await client.execute('SELECT c FROM rev WHERE p = 1 ORDER BY c ASC, c DESC LIMIT 2')).rows.map((r) => r['c'])).toEqual([5, 4]);
    // ORDER BY may skip clustering columns restricted by EQ (not by IN).
    expect(keys(await client.execute('SELECT p, c1, c2 FROM ev WHERE p = 1 AND c1 = 2 ORDER BY c2 DESC'))).toEqual(['1:2:b', '1:2:a']);
    await expect(client.execute('SELECT p, c1, c2 FROM ev WHERE p = 1 AND c1 IN (1, 2) ORDER BY c2 DESC')).rejects.toMatchObject({ code: 0x2200 });
    await expect(client.execute('SELECT p FROM ev WHERE p = 1 ORDER BY v')).rejects.toMatchObject({ code: 0x2200, message: 'Order by is currently only supported on the clustered columns of the PRIMARY KEY, got v' });
  });

  it('DISTINCT partition keys and ALLOW FILTERING on regular columns', async () => {
    const distinct = await client.execute('SELECT DISTINCT p FROM ev');
    expect(distinct.rows.map((r) => r['p']).sort()).toEqual([1, 2, 3]);
    await expect(client.execute('SELECT * FROM ev WHERE v = 111')).rejects.toMatchObject({ code: 0x2200, message: expect.stringContaining('ALLOW FILTERING') });
    const filtered = await client.execute('SELECT p, c1, c2 FROM ev WHERE v > 300 AND c2 = ? ALLOW FILTERING', ['a'], { prepare: true });
    expect(keys(filtered).sort()).toEqual(['3:1:a', '3:2:a', '3:3:a']);
    const inPartition = await client.execute("SELECT p, c1, c2 FROM ev WHERE p = 2 AND t = '21b' ALLOW FILTERING");
    expect(keys(inPartition)).toEqual(['2:1:b']);
  });

  it('token() ranges cover every partition exactly once', async () => {
    const all = await client.execute('SELECT DISTINCT p, token(p) FROM ev');
    expect(all.columns.map((c) => c.name)).toEqual(['p', 'system.token(p)']);
    const tokens = all.rows.map((r) => BigInt(String(r['system.token(p)'])));
    const sorted = [...tokens].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(tokens).toEqual(sorted);
    const mid = sorted[1]!.toString();
    const low = await client.execute(`SELECT DISTINCT p FROM ev WHERE token(p) <= ${mid}`);
    const high = await client.execute(`SELECT DISTINCT p FROM ev WHERE token(p) > ${mid}`);
    expect(low.rowLength + high.rowLength).toBe(3);
    expect(low.rowLength).toBe(2);
    const byKey = await client.execute('SELECT p FROM ev WHERE token(p) = token(2) AND c1 = 1 ALLOW FILTERING');
    expect([...new Set(byKey.rows.map((r) => r['p']))]).toEqual([2]);
  });
});

describe('token() matches the driver Murmur3 tokens', () => {
  const composite = (parts: Buffer[]): Buffer =>
    Buffer.concat(parts.flatMap((p) => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(p.length, 0);
      return [len, p, Buffer.from([0])];
    }));

  it('for text, bigint and composite keys', async () => {
    await client.execute('CREATE TABLE tk_text (k text PRIMARY KEY)');
    await expect(client.execute("INSERT INTO tk_text (k) VALUES ('')")).rejects.toMatchObject({ code: 0x2200, message: 'Key may not be empty' });
    await client.execute('CREATE TABLE tk_big (k bigint PRIMARY KEY)');
    await client.execute('CREATE TABLE tk_comp (a text, b int, PRIMARY KEY ((a, b)))');
    const texts = ['a', 'key1', 'ünïcødé', 'x'.repeat(100)];
    for (const t of texts) await client.execute('INSERT INTO tk_text (k) VALUES (?)', [t], { prepare: true });
    const bigs = ['0', '-1', '9223372036854775807', '-9223372036854775808', '123456789'];
    for (const b of bigs) await client.execute('INSERT INTO tk_big (k) VALUES (?)', [types.Long.fromString(b)], { prepare: true });
    await client.execute("INSERT INTO tk_comp (a, b) VALUES ('one', 1)");
    await client.execute("INSERT INTO tk_comp (a, b) VALUES ('two', -2)");

    const meta = client.metadata;
    for (const row of (await client.execute('SELECT k, token(k) FROM tk_text')).rows) {
      const expected = meta.newToken(Buffer.from(row['k'] as string, 'utf8')).getValue().toString();
      expect(String(row['system.token(k)'])).toBe(expected);
    }
    for (const row of (await client.execute('SELECT k, token(k) FROM tk_big')).rows) {
      const bytes = Buffer.alloc(8);
      bytes.writeBigInt64BE(BigInt(String(row['k'])), 0);
      expect(String(row['system.token(k)'])).toBe(meta.newToken(bytes).getValue().toString());
    }
    for (const row of (await client.execute('SELECT a, b, token(a, b) FROM tk_comp')).rows) {
      const b = Buffer.alloc(4);
      b.writeInt32BE(row['b'] as number, 0);
      const expected = meta.newToken(composite([Buffer.from(row['a'] as string), b])).getValue().toString();
      expect(String(row['system.token(a, b)'])).toBe(expected);
    }
  });
});

describe('selectors', () => {
  it('aggregates with names and types', async () => {
    const rs = await client.execute('SELECT COUNT(*), count(v), min(v), max(v), sum(v), avg(v) FROM ev WHERE p = 1');
    expect(rs.columns.map((c) => c.name)).toEqual(['count', 'system.count(v)', 'system.min(v)', 'system.max(v)', 'system.sum(v)', 'system.avg(v)']);
    const r = rs.first();
    expect(String(r['count'])).toBe('6');
    expect(r['system.min(v)']).toBe(111);
    expect(r['system.max(v)']).toBe(132);
    expect(r['system.sum(v)']).toBe(111 + 112 + 121 + 122 + 131 + 132);
    expect(r['system.avg(v)']).toBe(Math.trunc((111 + 112 + 121 + 122 + 131 + 132) / 6));
    const all = await client.execute('SELECT count(*) FROM ev');
    expect(String(all.first()['count'])).toBe('18');
    const grouped = await client.execute('SELECT p, count(*), max(v) FROM ev GROUP BY p');
    expect(grouped.rows.map((x) => [x['p'], String(x['count']), x['system.max(v)']]).sort()).toEqual([[1, '6', 132], [2, '6', 232], [3, '6', 332]]);
  });

  it('CAST, aliases, WRITETIME, arithmetic and literals', async () => {
    const rs = await client.execute("SELECT CAST(v AS text) AS vt, CAST(v AS double), v + 1, v * 2, -v, 'lit', c2 AS \"Quoted\" FROM ev WHERE p = 1 AND c1 = 1 AND c2 = 'a'");
    expect(rs.columns.map((c) => c.name)).toEqual(['vt', 'cast(v as double)', 'v + 1', 'v * 2', '-v', "'lit'", 'Quoted']);
    expect(rs.first().values()).toEqual(['111', 111, 112, 222, -111, 'lit', 'a']);
  });

  it('token() of other values of the key type, and literals of another numeric type', async () => {
    const rs = await client.execute("SELECT token(c1), token(p), token(2), v * 2.5 FROM ev WHERE p = 2 AND c1 = 1 AND c2 = 'a'");
    expect(rs.columns.map((c) => c.name)).toEqual(['system.token(c1)', 'system.token(p)', 'system.token(2)', 'v * 2.5']);
    const [ofC1, ofP, ofTwo, scaled] = rs.first().values() as [unknown, unknown, unknown, number];
    expect(String(ofC1)).toBe(String((await client.execute('SELECT token(p) FROM ev WHERE p = 1 LIMIT 1')).first()['system.token(p)']));
    expect(String(ofP)).toBe(String(ofTwo));
    expect(scaled).toBe(211 * 2.5);
    await expect(client.execute("SELECT token(c2) FROM ev")).rejects.toMatchObject({ code: 0x2200 });
  });

  it('native functions: uuid(), now(), toTimestamp, minTimeuuid, blobAs*, toDate', async () => {
    await client.execute('CREATE TABLE fn (k int, t timeuuid, u uuid, b blob, ts timestamp, PRIMARY KEY (k, t))');
    await client.execute('INSERT INTO fn (k, t, u, b, ts) VALUES (1, now(), uuid(), intAsBlob(42), toTimestamp(now()))');
    await client.execute("INSERT INTO fn (k, t, u, b, ts) VALUES (1, minTimeuuid('2020-01-01 00:00:00+0000'), uuid(), intAsBlob(7), '2020-01-01')");
    const rs = await client.execute('SELECT t, u, blobAsInt(b), toTimestamp(t), toDate(ts), toUnixTimestamp(ts), dateOf(t) FROM fn WHERE k = 1');
    expect(rs.columns.map((c) => c.name)).toEqual(['t', 'u', 'system.blobasint(b)', 'system.totimestamp(t)', 'system.todate(ts)', 'system.tounixtimestamp(ts)', 'system.dateof(t)']);
    const [older, newer] = rs.rows;
    expect((older!['system.totimestamp(t)'] as Date).toISOString()).toBe('2020-01-01T00:00:00.000Z');
    expect(String(older!['system.todate(ts)'])).toBe('2020-01-01');
    expect(older!['system.blobasint(b)']).toBe(7);
    expect(newer!['system.blobasint(b)']).toBe(42);
    expect(Math.abs((newer!['system.totimestamp(t)'] as Date).getTime() - Date.now())).toBeLessThan(60_000);
    expect(newer!['u']).toBeInstanceOf(types.Uuid);
    const range = await client.execute("SELECT t FROM fn WHERE k = 1 AND t > maxTimeuuid('2020-01-01 00:00:00+0000')");
    expect(range.rowLength).toBe(1);
    await expect(client.execute('SELECT blobAsBigint(b) FROM fn WHERE k = 1')).rejects.toMatchObject({ code: 0x2200 });
    await expect(client.execute("INSERT INTO fn (k, t) VALUES (2, '')")).rejects.toMatchObject({ code: 0x2200 });
  });

  it('SELECT JSON, toJson, INSERT JSON and fromJson', async () => {
    await client.execute('CREATE TABLE js (k int PRIMARY KEY, "Quoted" text, big bigint, vi varint, d decimal, l list<int>, m map<text, int>, ts timestamp, u uuid, f float)');
    await client.execute(`INSERT INTO js JSON '{"k": 1, "\\"Quoted\\"": "q", "big": 9223372036854775807, "vi": 123456789012345678901234567890, "d": -1.50, "l": [1, 2], "m": {"a": 1}, "ts": "2020-01-01 00:00:00.000Z", "u": "f47ac10b-58cc-4372-a567-0e02b2c3d479", "f": 1.5}'`);
    const row = (await client.execute('SELECT * FROM js WHERE k = 1')).first();
    expect(String(row['big'])).toBe('9223372036854775807');
    expect(String(row['vi'])).toBe('123456789012345678901234567890');
    expect(String(row['d'])).toBe('-1.50');
    expect(row['Quoted']).toBe('q');
    const json = await client.execute('SELECT JSON k, big, vi, d, l, m, "Quoted", ts, f FROM js WHERE k = 1');
    expect(json.columns.map((c) => c.name)).toEqual(['[json]']);
    expect(JSON.parse(json.first()['[json]'] as string)).toMatchObject({ k: 1, l: [1, 2], m: { a: 1 }, '"Quoted"': 'q', ts: '2020-01-01 00:00:00.000Z', f: 1.5 });
    expect(json.first()['[json]']).toContain('"big": 9223372036854775807');
    expect(json.first()['[json]']).toContain('"vi": 123456789012345678901234567890');
    const tj = await client.execute('SELECT toJson(l), toJson(m) FROM js WHERE k = 1');
    expect(tj.columns.map((c) => c.name)).toEqual(['system.tojson(l)', 'system.tojson(m)']);
    expect(tj.first().values()).toEqual(['[1, 2]', '{"a": 1}']);
    await client.execute('INSERT INTO js JSON ? DEFAULT UNSET', ['{"k": 1, "f": 2.5}'], { prepare: true });
    expect((await client.execute('SELECT f, l FROM js WHERE k = 1')).first().values()).toEqual([2.5, [1, 2]]);
    await client.execute('INSERT INTO js JSON ?', ['{"k": 1, "f": 3.5}'], { prepare: true });
    expect((await client.execute('SELECT f, l FROM js WHERE k = 1')).first().values()).toEqual([3.5, null]);
    await client.execute(`INSERT INTO js (k, big, l) VALUES (2, fromJson('18446744073'), fromJson('[3, 4]'))`);
    expect((await client.execute('SELECT big, l FROM js WHERE k = 2')).first().values().map(String)).toEqual(['18446744073', '3,4']);
    await expect(client.execute(`INSERT INTO js JSON '{"k": 3, "nope": 1}'`)).rejects.toMatchObject({ code: 0x2200 });
  });
});

describe('paging', () => {
  beforeAll(async () => {
    await client.execute('CREATE TABLE pg (p int, c int, v text, PRIMARY KEY (p, c))');
    const queries = [];
    for (let p = 0; p < 10; p++) {
      for (let c = 0; c < 25; c++) queries.push({ query: 'INSERT INTO pg (p, c, v) VALUES (?, ?, ?)', params: [p, c, `${p}-${c}`] });
    }
    for (let i = 0; i < queries.length; i += 50) await client.batch(queries.slice(i, i + 50), { prepare: true, logged: false });
  });

  const all = new Set<string>();
  for (let p = 0; p < 10; p++) for (let c = 0; c < 25; c++) all.add(`${p}-${c}`);

  it('fetchSize and pageState walk every row once (range scan, simple and prepared)', async () => {
    for (const prepare of [false, true]) {
      const seen: string[] = [];
      let pageState: string | undefined;
      let pages = 0;
      do {
        const rs = await client.execute('SELECT v FROM pg', [], { prepare, fetchSize: 17, pageState });
        seen.push(...rs.rows.map((r) => r['v'] as string));
        pageState = rs.pageState ?? undefined;
        pages++;
        expect(pages).toBeLessThan(100);
      } while (pageState !== undefined);
      expect(seen).toHaveLength(250);
      expect(new Set(seen)).toEqual(all);
      expect(pages).toBe(Math.ceil(250 / 17));
    }
  });

  it('eachRow with autoPage, within a partition and across IN partitions, page size changed on resume', async () => {
    const rows: string[] = [];
    await new Promise<void>((resolve, reject) => {
      client.eachRow('SELECT v FROM pg WHERE p IN (3, 1, 2)', [], { prepare: true, fetchSize: 7, autoPage: true }, (_n, row) => rows.push(row['v'] as string), (err) => (err ? reject(err) : resolve()));
    });
    expect(rows).toHaveLength(75);
    expect(rows[0]).toBe('1-0');
    expect(rows[74]).toBe('3-24');
    const first = await client.execute('SELECT c FROM pg WHERE p = 5', [], { prepare: true, fetchSize: 10 });
    expect(first.rows.map((r) => r['c'])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const second = await client.execute('SELECT c FROM pg WHERE p = 5', [], { prepare: true, fetchSize: 4, pageState: first.pageState });
    expect(second.rows.map((r) => r['c'])).toEqual([10, 11, 12, 13]);
  });

  it('a stored page state resumes later, with LIMIT honoured across pages', async () => {
    const rs = await client.execute('SELECT c FROM pg WHERE p = 7 LIMIT 12', [], { prepare: true, fetchSize: 5 });
    const stored = rs.pageState;
    expect(typeof stored).toBe('string');
    await client.execute('SELECT * FROM pg WHERE p = 1');
    const next = await client.execute('SELECT c FROM pg WHERE p = 7 LIMIT 12', [], { prepare: true, fetchSize: 5, pageState: stored });
    expect(next.rows.map((r) => r['c'])).toEqual([5, 6, 7, 8, 9]);
    const last = await client.execute('SELECT c FROM pg WHERE p = 7 LIMIT 12', [], { prepare: true, fetchSize: 5, pageState: next.pageState });
    expect(last.rows.map((r) => r['c'])).toEqual([10, 11]);
    expect(last.pageState).toBeNull();
  });

  it('stream() pages through a filtering query', async () => {
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = client.stream('SELECT v FROM pg WHERE c = 3 ALLOW FILTERING', [], { prepare: true, fetchSize: 3 }) as unknown as {
        read(): cassandra.types.Row | null;
        on(event: string, listener: (error?: Error) => void): void;
      };
      stream.on('readable', () => {
        for (let row = stream.read(); row !== null; row = stream.read()) got.push(row.get('v') as string);
      });
      stream.on('end', () => resolve());
      stream.on('error', (error) => reject(error));
    });
    expect(got.sort()).toEqual([...Array(10).keys()].map((p) => `${p}-3`).sort());
  });
});
