// Invalid statements through the npm cassandra-driver get Cassandra's error codes and messages
// (messages as Apache Cassandra words them; the peer corpus checks many more against a real node).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, InteropNode } from '../interop-node.ts';
import { CODE, cassandra, failure, startInteropNode } from '../interop-node.ts';

const KS = 'errors_ks';

let node: InteropNode;
let client: Client;

beforeAll(async () => {
  node = await startInteropNode();
  const admin = await node.client();
  await node.createKeyspace(admin, KS);
  client = await node.client({ keyspace: KS });
  await client.execute('CREATE TABLE t (k int, c int, v text, PRIMARY KEY (k, c))');
  await client.execute('CREATE TABLE kv (k int PRIMARY KEY, v text)');
});

afterAll(async () => {
  await node?.close();
});

const CASES: ReadonlyArray<readonly [string, number, string]> = [
  // Unknown objects.
  ['SELECT * FROM nope', CODE.invalid, 'table nope does not exist'],
  ['SELECT * FROM nope_ks.t', CODE.invalid, 'keyspace nope_ks does not exist'],
  ['SELECT nope FROM t', CODE.invalid, 'Undefined column name nope in table errors_ks.t'],
  ['SELECT * FROM t WHERE nope = 1', CODE.invalid, 'Undefined column name nope in table errors_ks.t'],
  ['INSERT INTO kv (k, nope) VALUES (1, 1)', CODE.invalid, 'Undefined column name nope in table errors_ks.kv'],
  ['USE nope_ks', CODE.invalid, "Keyspace 'nope_ks' does not exist"],
  ['DROP TABLE t3', CODE.invalid, "Table 'errors_ks.t3' doesn't exist"],
  // Type mismatches.
  ["SELECT * FROM t WHERE k = 'one'", CODE.invalid, 'Invalid STRING constant (one) for "k" of type int'],
  ['INSERT INTO kv (k, v) VALUES (1, 7)', CODE.invalid, 'Invalid INTEGER constant (7) for "v" of type text'],
  ['INSERT INTO kv (k, v) VALUES (2147483648, 7)', CODE.invalid, "Unable to make int from '2147483648'"],
  // Missing key parts.
  ["INSERT INTO t (k, v) VALUES (1, 'x')", CODE.invalid, 'Some clustering keys are missing: c'],
  ["UPDATE t SET v = 'x' WHERE k = 1", CODE.invalid, 'Some clustering keys are missing: c'],
  ["INSERT INTO kv (v) VALUES ('x')", CODE.invalid, 'Some partition key parts are missing: k'],
  ["INSERT INTO kv (k, v) VALUES (null, 'x')", CODE.invalid, 'Invalid null value in condition for column k'],
  // Restrictions.
  ['SELECT * FROM t WHERE k > 1', CODE.invalid, 'Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING'],
  ["SELECT * FROM t WHERE v = 'x'", CODE.invalid, 'Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING'],
  ['SELECT * FROM t WHERE k = 1 AND k = 2', CODE.invalid, 'k cannot be restricted by more than one relation if it includes an Equal'],
  ["DELETE FROM kv WHERE k = 1 AND v = 'x'", CODE.invalid, 'Non PRIMARY KEY columns found in where clause: v'],
  ['SELECT * FROM t LIMIT 0', CODE.invalid, 'LIMIT must be strictly positive'],
  ['UPDATE kv SET k = 2 WHERE k = 1', CODE.invalid, 'PRIMARY KEY part k found in SET part'],
  ['INSERT INTO kv (k, v) VALUES (1)', CODE.invalid, 'Unmatched column names/values'],
  // Syntax errors (the parser reproduces Cassandra's ANTLR wording).
  ['SELEC * FROM t', CODE.syntaxError, "line 1:0 no viable alternative at input 'SELEC' ([SELEC]...)"],
  ['SELECT * t', CODE.syntaxError, "line 1:9 mismatched input 't' expecting K_FROM (SELECT * [t])"],
  ["SELECT * FROM t WHERE k = 'abc", CODE.syntaxError, "line 1:30 mismatched character '<EOF>' expecting '''"],
  // Schema.
  ['CREATE TABLE kv (k int PRIMARY KEY)', CODE.alreadyExists, 'Cannot add already existing table "kv" to keyspace "errors_ks"'],
  ["CREATE KEYSPACE errors_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", CODE.alreadyExists, 'Cannot add existing keyspace "errors_ks"'],
  ["CREATE KEYSPACE bad WITH replication = {'class': 'NetworkTopologyStrategy', 'nodc': 1}", CODE.configError, 'Unrecognized strategy option {nodc} passed to NetworkTopologyStrategy for keyspace bad'],
  ['CREATE TABLE bad (k int PRIMARY KEY, v list<list<int>>)', CODE.invalid, 'Non-frozen collections are not allowed inside collections: list<list<int>>'],
  ['DROP KEYSPACE system', 0x2100, 'system keyspace is not user-modifiable.'],
  ["INSERT INTO system.local (key) VALUES ('x')", 0x2100, 'system keyspace is not user-modifiable.'],
];

describe('error codes and messages', () => {
  for (const [cql, code, message] of CASES) {
    it(cql, async () => {
      const e = await failure(client.execute(cql));
      expect({ code: e.code, message: e.message }).toEqual({ code, message });
    });
  }

  it('prepared: wrong bound value size and wrong marker count', async () => {
    const e = await failure(client.execute('INSERT INTO kv (k, v) VALUES (?, ?)', [Buffer.from([1, 2, 3, 4, 5]), 'x'], { prepare: true, hints: ['blob'] } as never));
    expect(e.code).toBe(CODE.invalid);
    expect(e.message).toBe('Expected 4 or 0 byte int (5)');
  });

  it('the driver maps codes to its error classes', async () => {
    const e = await client.execute('SELECT * FROM nope').catch((error: unknown) => error);
    expect(e).toBeInstanceOf(cassandra.errors.ResponseError);
    expect((e as cassandra.errors.ResponseError).code).toBe(cassandra.types.responseErrorCodes.invalid);
    const exists = await client.execute('CREATE TABLE kv (k int PRIMARY KEY)').catch((error: unknown) => error) as cassandra.errors.ResponseError & { keyspace?: string; table?: string };
    expect(exists.code).toBe(cassandra.types.responseErrorCodes.alreadyExists);
    expect([exists.keyspace, exists.table]).toEqual([KS, 'kv']);
  });

  it('a failed statement leaves the connection usable', async () => {
    await failure(client.execute('THIS IS NOT CQL'));
    expect((await client.execute('SELECT count(*) FROM kv')).rowLength).toBe(1);
  });
});
