// splitStatements: examples, and a property over generated scripts whose statements hide
// semicolons in strings, quoted names, $$ strings, comments and batches.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStatement } from './parser.ts';
import { splitStatements } from './split-statements.ts';

describe('splitStatements', () => {
  it('splits at semicolons outside strings, names and comments', () => {
    const script = [
      "-- setup;",
      "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};",
      'USE ks;',
      "INSERT INTO \"a;b\" (k, v) VALUES (1, 'x;y'); /* ; */ UPDATE t SET v = $$;$$ WHERE k = 1;",
      'SELECT * FROM t // ;',
      ';;',
      'SELECT 1 FROM t',
    ].join('\n');
    expect(splitStatements(script)).toEqual([
      "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
      'USE ks',
      'INSERT INTO "a;b" (k, v) VALUES (1, \'x;y\')',
      'UPDATE t SET v = $$;$$ WHERE k = 1',
      'SELECT * FROM t',
      'SELECT 1 FROM t',
    ]);
  });

  it('keeps a batch whole', () => {
    expect(splitStatements('begin unlogged batch insert into t (k) values (1); insert into t (k) values (2); apply batch; select * from t;'))
      .toEqual(['begin unlogged batch insert into t (k) values (1); insert into t (k) values (2); apply batch', 'select * from t']);
  });

  it('returns nothing for blank scripts and keeps unterminated text', () => {
    expect(splitStatements('  \n-- only a comment\n/* and this */ ; ')).toEqual([]);
    expect(splitStatements("SELECT 'abc; FROM t")).toEqual(["SELECT 'abc; FROM t"]);
  });
});

const stringBody = fc.string({ unit: 'binary', maxLength: 12 });
const safeDollarBody = stringBody.filter((s) => !s.includes('$$') && !s.endsWith('$'));
const name = fc.string({ unit: 'binary', minLength: 1, maxLength: 8 });

const statement: fc.Arbitrary<string> = fc.oneof(
  stringBody.map((s) => `INSERT INTO t (k, v) VALUES (1, '${s.replaceAll("'", "''")}')`),
  name.map((n) => `SELECT "${n.replaceAll('"', '""')}" FROM t`),
  safeDollarBody.map((s) => `UPDATE t SET v = $$${s}$$ WHERE k = 1`),
  stringBody.filter((s) => !s.includes('*/')).map((s) => `DELETE FROM t /* ${s} */ WHERE k = 1`),
  fc.tuple(stringBody, stringBody).map(([a, b]) =>
    `BEGIN BATCH INSERT INTO t (k, v) VALUES (1, '${a.replaceAll("'", "''")}'); UPDATE t SET v = '${b.replaceAll("'", "''")}' WHERE k = 2; APPLY BATCH`),
  fc.constantFrom('USE ks', 'TRUNCATE t', "SELECT * FROM t WHERE k IN (1, 2) AND c = ';'"),
);

const gap: fc.Arbitrary<string> = fc.array(
  fc.oneof(
    fc.constantFrom(' ', '\n', '\t', '\r\n'),
    stringBody.filter((s) => !/[\n\r]/.test(s)).map((s) => `-- ${s}\n`),
    stringBody.filter((s) => !s.includes('*/')).map((s) => `/* ${s} */`),
  ),
  { maxLength: 3 },
).map((parts) => parts.join(''));

describe('splitStatements (fast-check)', () => {
  it('recovers the statements of a generated script', () => {
    fc.assert(fc.property(fc.array(fc.tuple(gap, statement, gap)), fc.boolean(), (parts, finalSemicolon) => {
      const statements = parts.map((p) => p[1]);
      let script = parts.map(([before, s, after]) => `${before}${s}${after}`).join(';');
      if (finalSemicolon && parts.length > 0) script += ';';
      expect(splitStatements(script)).toEqual(statements);
      for (const s of splitStatements(script)) parseStatement(s);
    }), { numRuns: 300 });
  });
});
