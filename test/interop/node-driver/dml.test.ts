// Writes through the npm cassandra-driver: every collection operation, static columns,
// counters, TTL and USING TIMESTAMP with WRITETIME()/TTL(), lightweight transactions
// (wasApplied and the returned columns) and batches (logged, unlogged, counter, conditional,
// mixed query/prepared children, textual BEGIN BATCH).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, InteropNode } from '../interop-node.ts';
import { cassandra, startInteropNode } from '../interop-node.ts';

const { types } = cassandra;
const KS = 'dml_ks';

let node: InteropNode;
let client: Client;

beforeAll(async () => {
  node = await startInteropNode();
  const admin = await node.client();
  await node.createKeyspace(admin, KS);
  client = await node.client({ keyspace: KS });
});

afterAll(async () => {
  await node?.close();
});

async function one(query: string, params: unknown[] = []): Promise<cassandra.types.Row> {
  const rs = await client.execute(query, params, { prepare: params.length > 0 });
  expect(rs.rowLength).toBe(1);
  return rs.first();
}

describe('bind markers', () => {
  it('named markers and named values, prepared and not', async () => {
    await client.execute('CREATE TABLE named (k int, c int, v text, PRIMARY KEY (k, c))');
    await client.execute('INSERT INTO named (k, c, v) VALUES (:key, :col, :val)', { key: 1, col: 2, val: 'x' }, { prepare: true });
    await client.execute('INSERT INTO named (k, c, v) VALUES (:key, :col, :val) USING TTL :ttl', { key: 1, col: 3, val: 'y', ttl: 100 }, { prepare: true });
    const byName = await client.execute('SELECT c, v FROM named WHERE k = :key AND c >= :low LIMIT :n', { key: 1, low: 2, n: 5 }, { prepare: true });
    expect(byName.rows.map((r) => [r['c'], r['v']])).toEqual([[2, 'x'], [3, 'y']]);
    // Unprepared with named values (protocol flag 0x40): types come from the hints.
    const simple = await client.execute('SELECT v FROM named WHERE k = :key AND c = :col', { key: 1, col: 3 }, { hints: { key: 'int', col: 'int' } } as never);
    expect(simple.first()['v']).toBe('y');
    // Positional values for a statement with ? markers whose receivers are the columns.
    const positional = await client.execute('SELECT v FROM named WHERE k = ? AND c = ?', { k: 1, c: 2 }, { prepare: true });
    expect(positional.first()['v']).toBe('x');
  });

  it('unset values leave columns unchanged and are refused in keys', async () => {
    await client.execute('CREATE TABLE unset_t (k int PRIMARY KEY, a int, b int)');
    await client.execute('INSERT INTO unset_t (k, a, b) VALUES (?, ?, ?)', [1, 1, 1], { prepare: true });
    await client.execute('UPDATE unset_t SET a = ?, b = ? WHERE k = ?', [2, types.unset, 1], { prepare: true });
    expect((await one('SELECT a, b FROM unset_t WHERE k = 1')).values()).toEqual([2, 1]);
    await expect(client.execute('SELECT * FROM unset_t WHERE k = ?', [types.unset], { prepare: true })).rejects.toMatchObject({ code: 0x2200 });
  });
});

describe('collection operations', () => {
  beforeAll(async () => {
    await client.execute('CREATE TABLE c (k int PRIMARY KEY, l list<text>, s set<int>, m map<text, int>)');
  });

  it('list append, prepend, element set, remove and DELETE element', async () => {
    await client.execute("INSERT INTO c (k, l) VALUES (1, ['b'])");
    await client.execute("UPDATE c SET l = l + ['c', 'd'] WHERE k = 1");
    await client.execute("UPDATE c SET l = ['a'] + l WHERE k = 1");
    await client.execute("UPDATE c SET l = ['z', 'y'] + l WHERE k = 1");
    expect((await one('SELECT l FROM c WHERE k = 1'))['l']).toEqual(['z', 'y', 'a', 'b', 'c', 'd']);
    await client.execute("UPDATE c SET l[2] = 'A' WHERE k = 1");
    await client.execute('UPDATE c SET l = l + ? WHERE k = ?', [['e'], 1], { prepare: true });
    await client.execute('UPDATE c SET l = ? + l WHERE k = ?', [['x'], 1], { prepare: true });
    await client.execute("UPDATE c SET l = l - ['y', 'c'] WHERE k = 1");
    expect((await one('SELECT l FROM c WHERE k = 1'))['l']).toEqual(['x', 'z', 'A', 'b', 'd', 'e']);
    await client.execute('DELETE l[0] FROM c WHERE k = 1');
    await client.execute('UPDATE c SET l[?] = ? WHERE k = ?', [0, 'Z', 1], { prepare: true });
    expect((await one('SELECT l FROM c WHERE k = 1'))['l']).toEqual(['Z', 'A', 'b', 'd', 'e']);
    await expect(client.execute("UPDATE c SET l[10] = 'q' WHERE k = 1")).rejects.toMatchObject({ code: 0x2200, message: expect.stringMatching(/out of bound/i) });
  });

  it('set add, remove and DELETE element', async () => {
    await client.execute('INSERT INTO c (k, s) VALUES (2, {3, 1})');
    await client.execute('UPDATE c SET s = s + {2, 3} WHERE k = 2');
    await client.execute('UPDATE c SET s = s - {1} WHERE k = 2');
    await client.execute('UPDATE c SET s = s + ? WHERE k = ?', [[10], 2], { prepare: true });
    await client.execute('DELETE s[3] FROM c WHERE k = 2');
    expect((await one('SELECT s FROM c WHERE k = 2'))['s']).toEqual([2, 10]);
    await client.execute('UPDATE c SET s = s - {2, 10} WHERE k = 2');
    expect((await one('SELECT s FROM c WHERE k = 2'))['s']).toBeNull();
  });

  it('map put, element set, remove keys and DELETE element', async () => {
    await client.execute("INSERT INTO c (k, m) VALUES (3, {'a': 1})");
    await client.execute("UPDATE c SET m = m + {'b': 2, 'c': 3} WHERE k = 3");
    await client.execute("UPDATE c SET m['d'] = 4 WHERE k = 3");
    await client.execute('UPDATE c SET m[?] = ? WHERE k = ?', ['a', 10, 3], { prepare: true });
    await client.execute("UPDATE c SET m = m - {'b'} WHERE k = 3");
    await client.execute("DELETE m['c'] FROM c WHERE k = 3");
    expect((await one('SELECT m FROM c WHERE k = 3'))['m']).toEqual({ a: 10, d: 4 });
    const sel = await one("SELECT m['a'], m['zz'], m['a'..'c'] FROM c WHERE k = 3");
    expect(sel.keys()).toEqual(["m['a']", "m['zz']", "m['a'..'c']"]);
    expect(sel.values()).toEqual([10, null, { a: 10 }]);
    await client.execute("UPDATE c SET m = {'only': 1} WHERE k = 3");
    expect((await one('SELECT m FROM c WHERE k = 3'))['m']).toEqual({ only: 1 });
    await client.execute('DELETE m FROM c WHERE k = 3');
    expect((await one('SELECT m FROM c WHERE k = 3'))['m']).toBeNull();
  });

  it('operations on frozen collections are refused; whole-value set works', async () => {
    await client.execute('CREATE TABLE fc (k int PRIMARY KEY, f frozen<list<int>>)');
    await expect(client.execute('UPDATE fc SET f = f + [1] WHERE k = 1')).rejects.toMatchObject({ code: 0x2200 });
    await client.execute('UPDATE fc SET f = [1, 2] WHERE k = 1');
    expect((await one('SELECT f FROM fc WHERE k = 1'))['f']).toEqual([1, 2]);
  });
});

describe('static columns', () => {
  it('a static value is shared by the partition and written alone', async () => {
    await client.execute('CREATE TABLE st (k int, c int, s text STATIC, v int, PRIMARY KEY (k, c))');
    await client.execute("INSERT INTO st (k, s) VALUES (1, 'static only')");
    let rs = await client.execute('SELECT k, c, s, v FROM st WHERE k = 1');
    expect(rs.rows.map((r) => [r['c'], r['s'], r['v']])).toEqual([[null, 'static only', null]]);
    await client.execute("INSERT INTO st (k, c, s, v) VALUES (1, 1, 'shared', 10)");
    await client.execute('INSERT INTO st (k, c, v) VALUES (1, 2, 20)');
    rs = await client.execute('SELECT c, s, v FROM st WHERE k = 1');
    expect(rs.rows.map((r) => [r['c'], r['s'], r['v']])).toEqual([[1, 'shared', 10], [2, 'shared', 20]]);
    await client.execute("UPDATE st SET s = 'updated' WHERE k = 1");
    rs = await client.execute('SELECT DISTINCT k, s FROM st');
    expect(rs.rows.map((r) => [r['k'], r['s']])).toEqual([[1, 'updated']]);
    await expect(client.execute('UPDATE st SET v = 1 WHERE k = 1')).rejects.toMatchObject({ code: 0x2200, message: expect.stringMatching(/clustering/i) });
  });
});

describe('counters', () => {
  it('increment, decrement and refusals', async () => {
    await client.execute('CREATE TABLE ctr (k text PRIMARY KEY, hits counter, misses counter)');
    await client.execute("UPDATE ctr SET hits = hits + 5, misses = misses - 2 WHERE k = 'a'");
    await client.execute('UPDATE ctr SET hits = hits + ? WHERE k = ?', [types.Long.fromNumber(10), 'a'], { prepare: true });
    await client.execute("UPDATE ctr SET hits = hits - 1 WHERE k = 'a'");
    const row = await one("SELECT hits, misses FROM ctr WHERE k = 'a'");
    expect(String(row['hits'])).toBe('14');
    expect(String(row['misses'])).toBe('-2');
    await expect(client.execute("INSERT INTO ctr (k, hits) VALUES ('b', 1)")).rejects.toMatchObject({ code: 0x2200 });
    await expect(client.execute("UPDATE ctr SET hits = 3 WHERE k = 'b'")).rejects.toMatchObject({ code: 0x2200 });
    await expect(client.execute('CREATE TABLE mixed (k int PRIMARY KEY, c counter, v int)')).rejects.toMatchObject({ code: 0x2200 });
  });
});

describe('TTL and USING TIMESTAMP', () => {
  beforeAll(async () => {
    await client.execute('CREATE TABLE tt (k int, c int, v text, w int, PRIMARY KEY (k, c))');
  });

  it('WRITETIME() and TTL() see USING TIMESTAMP and USING TTL', async () => {
    await client.execute("INSERT INTO tt (k, c, v, w) VALUES (1, 1, 'a', 1) USING TIMESTAMP 1234567 AND TTL 1000");
    const row = await one('SELECT WRITETIME(v), TTL(v), writetime(w), ttl(w) FROM tt WHERE k = 1 AND c = 1');
    expect(row.keys()).toEqual(['writetime(v)', 'ttl(v)', 'writetime(w)', 'ttl(w)']);
    expect(String(row['writetime(v)'])).toBe('1234567');
    expect(row['ttl(v)']).toBeGreaterThan(990);
    expect(row['ttl(v)']).toBeLessThanOrEqual(1000);
    await client.execute('UPDATE tt USING TTL ? AND TIMESTAMP ? WHERE k = ? AND c = ?'.replace('WHERE', 'SET w = 2 WHERE'),
      [500, types.Long.fromNumber(2_000_000), 1, 1], { prepare: true });
    const row2 = await one('SELECT writetime(w), ttl(w), writetime(v) FROM tt WHERE k = 1 AND c = 1');
    expect(String(row2['writetime(w)'])).toBe('2000000');
    expect(row2['ttl(w)']).toBeLessThanOrEqual(500);
    expect(String(row2['writetime(v)'])).toBe('1234567');
  });

  it('an older timestamp loses; a delete with a newer timestamp wins', async () => {
    await client.execute("INSERT INTO tt (k, c, v) VALUES (2, 1, 'new') USING TIMESTAMP 2000");
    await client.execute("INSERT INTO tt (k, c, v) VALUES (2, 1, 'old') USING TIMESTAMP 1000");
    expect((await one('SELECT v FROM tt WHERE k = 2 AND c = 1'))['v']).toBe('new');
    await client.execute('DELETE v FROM tt USING TIMESTAMP 3000 WHERE k = 2 AND c = 1');
    expect((await one('SELECT v FROM tt WHERE k = 2 AND c = 1'))['v']).toBeNull();
    // The driver's own client timestamp (default timestamp flag) orders writes too.
    await client.execute('INSERT INTO tt (k, c, v) VALUES (?, ?, ?)', [3, 1, 'client ts'], { prepare: true, timestamp: types.Long.fromNumber(5_000) });
    expect(String((await one('SELECT writetime(v) FROM tt WHERE k = 3 AND c = 1'))['writetime(v)'])).toBe('5000');
  });

  it('data written with a 1 s TTL disappears', async () => {
    await client.execute("INSERT INTO tt (k, c, v) VALUES (4, 1, 'short') USING TTL 1");
    expect((await client.execute('SELECT v FROM tt WHERE k = 4')).rowLength).toBe(1);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await client.execute('SELECT v FROM tt WHERE k = 4')).rowLength).toBe(0);
  });

  it('default_time_to_live applies and TTL 0 overrides it', async () => {
    await client.execute('CREATE TABLE dttl (k int PRIMARY KEY, v int) WITH default_time_to_live = 100');
    await client.execute('INSERT INTO dttl (k, v) VALUES (1, 1)');
    await client.execute('INSERT INTO dttl (k, v) VALUES (2, 1) USING TTL 0');
    expect((await one('SELECT ttl(v) FROM dttl WHERE k = 1'))['ttl(v)']).toBeGreaterThan(90);
    expect((await one('SELECT ttl(v) FROM dttl WHERE k = 2'))['ttl(v)']).toBeNull();
  });

  it('invalid TTLs are refused', async () => {
    await expect(client.execute("INSERT INTO tt (k, c, v) VALUES (5, 1, 'x') USING TTL -1")).rejects.toMatchObject({ code: 0x2200 });
    await expect(client.execute("INSERT INTO tt (k, c, v) VALUES (5, 1, 'x') USING TTL 630720001")).rejects.toMatchObject({ code: 0x2200 });
  });
});

describe('lightweight transactions', () => {
  beforeAll(async () => {
    await client.execute('CREATE TABLE lwt (k int, c int, v text, n int, PRIMARY KEY (k, c))');
  });

  it('IF NOT EXISTS applies once, then returns the existing row', async () => {
    const first = await client.execute("INSERT INTO lwt (k, c, v, n) VALUES (1, 1, 'a', 1) IF NOT EXISTS");
    expect(first.wasApplied()).toBe(true);
    expect(first.columns.map((c) => c.name)).toEqual(['[applied]']);
    const second = await client.execute('INSERT INTO lwt (k, c, v, n) VALUES (?, ?, ?, ?) IF NOT EXISTS', [1, 1, 'b', 2], { prepare: true });
    expect(second.wasApplied()).toBe(false);
    expect(second.columns.map((c) => c.name)).toEqual(['[applied]', 'k', 'c', 'n', 'v']);
    const r = second.first();
    expect([r['k'], r['c'], r['v'], r['n']]).toEqual([1, 1, 'a', 1]);
  });

  it('IF EXISTS and IF conditions return the condition columns when not applied', async () => {
    const missing = await client.execute("UPDATE lwt SET v = 'x' WHERE k = 9 AND c = 9 IF EXISTS");
    expect(missing.wasApplied()).toBe(false);
    expect(missing.columns.map((c) => c.name)).toEqual(['[applied]']);
    const ok = await client.execute("UPDATE lwt SET v = 'b' WHERE k = 1 AND c = 1 IF v = 'a'");
    expect(ok.wasApplied()).toBe(true);
    const no = await client.execute("UPDATE lwt SET v = 'c' WHERE k = 1 AND c = 1 IF v = 'a' AND n = 1");
    expect(no.wasApplied()).toBe(false);
    expect(no.columns.map((c) => c.name)).toEqual(['[applied]', 'v', 'n']);
    expect([no.first()['v'], no.first()['n']]).toEqual(['b', 1]);
    const cmp = await client.execute('UPDATE lwt SET n = 5 WHERE k = 1 AND c = 1 IF n < ? AND v IN (?, ?)', [3, 'b', 'z'], { prepare: true });
    expect(cmp.wasApplied()).toBe(true);
    const del = await client.execute('DELETE FROM lwt WHERE k = 1 AND c = 1 IF EXISTS');
    expect(del.wasApplied()).toBe(true);
    expect((await client.execute('SELECT * FROM lwt WHERE k = 1')).rowLength).toBe(0);
    const nullCond = await client.execute("INSERT INTO lwt (k, c, v) VALUES (2, 1, 'q') IF NOT EXISTS");
    expect(nullCond.wasApplied()).toBe(true);
    const isNull = await client.execute("UPDATE lwt SET v = 'r' WHERE k = 2 AND c = 1 IF n = null");
    expect(isNull.wasApplied()).toBe(true);
  });

  it('serial consistency is accepted and a custom timestamp is refused', async () => {
    const rs = await client.execute("INSERT INTO lwt (k, c, v) VALUES (3, 1, 's') IF NOT EXISTS", [], {
      serialConsistency: types.consistencies.localSerial,
    });
    expect(rs.wasApplied()).toBe(true);
    await expect(client.execute("UPDATE lwt USING TIMESTAMP 5 SET v = 'x' WHERE k = 3 AND c = 1 IF EXISTS")).rejects.toMatchObject({ code: 0x2200 });
  });
});

describe('batches', () => {
  beforeAll(async () => {
    await client.execute('CREATE TABLE b (k int, c int, v text, PRIMARY KEY (k, c))');
    await client.execute('CREATE TABLE bc (k int PRIMARY KEY, n counter)');
  });

  it('logged batch with mixed query and prepared children', async () => {
    await client.batch([
      { query: "INSERT INTO b (k, c, v) VALUES (1, 1, 'q')" },
      { query: 'INSERT INTO b (k, c, v) VALUES (?, ?, ?)', params: [1, 2, 'p'] },
      { query: 'UPDATE b SET v = ? WHERE k = ? AND c = ?', params: ['u', 2, 1] },
      { query: 'DELETE FROM b WHERE k = ? AND c = ?', params: [9, 9] },
    ], { prepare: true, logged: true });
    await client.batch([
      { query: "INSERT INTO b (k, c, v) VALUES (3, 1, 'simple')" },
      { query: 'INSERT INTO b (k, c, v) VALUES (?, ?, ?)', params: [3, 2, 'hinted'] },
    ], { prepare: false, logged: false, hints: [[], ['int', 'int', 'text']] } as never);
    const rs = await client.execute('SELECT k, c, v FROM b');
    const rows = rs.rows.map((r) => `${r['k']}/${r['c']}/${r['v']}`).sort();
    expect(rows).toEqual(['1/1/q', '1/2/p', '2/1/u', '3/1/simple', '3/2/hinted']);
  });

  it('counter batch and the counter/non-counter refusals', async () => {
    await client.batch([
      { query: 'UPDATE bc SET n = n + 1 WHERE k = ?', params: [1] },
      { query: 'UPDATE bc SET n = n + 2 WHERE k = ?', params: [1] },
    ], { prepare: true, counter: true });
    expect(String((await one('SELECT n FROM bc WHERE k = 1'))['n'])).toBe('3');
    await expect(client.batch([{ query: 'UPDATE bc SET n = n + 1 WHERE k = 1' }], { logged: true })).rejects.toMatchObject({ code: 0x2200 });
    await expect(client.batch([{ query: "INSERT INTO b (k, c, v) VALUES (1, 1, 'x')" }], { counter: true })).rejects.toMatchObject({ code: 0x2200 });
  });

  it('textual BEGIN BATCH with USING TIMESTAMP', async () => {
    await client.execute(`BEGIN UNLOGGED BATCH USING TIMESTAMP 777
      INSERT INTO b (k, c, v) VALUES (4, 1, 'one');
      INSERT INTO b (k, c, v) VALUES (4, 2, 'two');
    APPLY BATCH`);
    const rs = await client.execute('SELECT c, v, writetime(v) FROM b WHERE k = 4');
    expect(rs.rows.map((r) => [r['c'], r['v'], String(r['writetime(v)'])])).toEqual([[1, 'one', '777'], [2, 'two', '777']]);
    await client.execute("BEGIN COUNTER BATCH UPDATE bc SET n = n + 10 WHERE k = 2; APPLY BATCH");
    expect(String((await one('SELECT n FROM bc WHERE k = 2'))['n'])).toBe('10');
  });

  it('conditional batch: applied, then not applied with the current values', async () => {
    const ok = await client.batch([
      { query: "INSERT INTO b (k, c, v) VALUES (5, 1, 'a') IF NOT EXISTS" },
      { query: "INSERT INTO b (k, c, v) VALUES (5, 2, 'b')" },
    ], { prepare: false });
    expect(ok.wasApplied()).toBe(true);
    const no = await client.batch([
      { query: "UPDATE b SET v = 'x' WHERE k = 5 AND c = 1 IF v = 'zzz'" },
      { query: "INSERT INTO b (k, c, v) VALUES (5, 3, 'c')" },
    ], { prepare: false });
    expect(no.wasApplied()).toBe(false);
    expect(no.columns.map((c) => c.name)).toEqual(['[applied]', 'k', 'c', 'v']);
    expect([no.first()['k'], no.first()['c'], no.first()['v']]).toEqual([5, 1, 'a']);
    expect((await client.execute('SELECT c FROM b WHERE k = 5')).rows.map((r) => r['c'])).toEqual([1, 2]);
    await expect(client.batch([
      { query: "INSERT INTO b (k, c, v) VALUES (6, 1, 'a') IF NOT EXISTS" },
      { query: "INSERT INTO b (k, c, v) VALUES (7, 1, 'b')" },
    ], { prepare: false })).rejects.toMatchObject({ code: 0x2200 });
  });

  it('textual BEGIN BATCH with markers in several children, prepared, named markers reused', async () => {
    const text = 'BEGIN UNLOGGED BATCH INSERT INTO b (k, c, v) VALUES (:k, :c1, :v)\nINSERT INTO b (k, c, v) VALUES (:k, :c2, :v) APPLY BATCH';
    await client.execute(text, { k: 8, c1: 1, c2: 2, v: 'same' }, { prepare: true });
    await client.execute('BEGIN BATCH INSERT INTO b (k, c, v) VALUES (?, ?, ?); UPDATE b SET v = ? WHERE k = ? AND c = ?; APPLY BATCH', [9, 1, 'a', 'b', 9, 2], { prepare: true });
    const rows = (await client.execute('SELECT k, c, v FROM b WHERE k IN (8, 9)')).rows.map((r) => `${r['k']}/${r['c']}/${r['v']}`);
    expect(rows).toEqual(['8/1/same', '8/2/same', '9/1/a', '9/2/b']);
  });

  it('a batch of SELECT is refused', async () => {
    await expect(client.batch([{ query: 'SELECT * FROM b' }], { prepare: false })).rejects.toMatchObject({ code: 0x2200 });
  });
});
