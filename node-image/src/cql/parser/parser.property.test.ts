// Property: whatever the input, parseStatement / parseTypeExpr either return or throw a CqlError
// with code 0x2000 (Syntax_error) — never a TypeError, RangeError or AssertionError. Inputs are
// random text, soups of CQL tokens, and valid statements with random edits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CqlError, ErrorCode } from '../../lib/index.ts';
import { parseStatement, parseTypeExpr } from './parser.ts';

function onlySyntaxErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof CqlError)) throw e;
    expect(e.code).toBe(ErrorCode.SyntaxError);
    expect(e.message.length).toBeGreaterThan(0);
  }
}

const VOCABULARY = [
  'SELECT', 'FROM', 'WHERE', 'AND', 'INSERT', 'INTO', 'VALUES', 'UPDATE', 'SET', 'DELETE', 'BEGIN', 'BATCH', 'APPLY',
  'UNLOGGED', 'COUNTER', 'USING', 'TTL', 'TIMESTAMP', 'IF', 'NOT', 'EXISTS', 'IN', 'CONTAINS', 'KEY', 'LIKE', 'IS', 'NULL',
  'CREATE', 'ALTER', 'DROP', 'TABLE', 'KEYSPACE', 'TYPE', 'INDEX', 'CUSTOM', 'ON', 'MATERIALIZED', 'VIEW', 'PRIMARY',
  'WITH', 'CLUSTERING', 'ORDER', 'BY', 'ASC', 'DESC', 'COMPACT', 'STORAGE', 'ADD', 'RENAME', 'TO', 'GRANT', 'REVOKE',
  'LIST', 'ROLE', 'ROLES', 'USER', 'PASSWORD', 'LOGIN', 'SUPERUSER', 'ALL', 'PERMISSIONS', 'FUNCTION', 'AGGREGATE', 'OR',
  'REPLACE', 'JSON', 'DISTINCT', 'COUNT', 'WRITETIME', 'CAST', 'AS', 'TOKEN', 'LIMIT', 'PER', 'PARTITION', 'GROUP',
  'ALLOW', 'FILTERING', 'frozen', 'map', 'list', 'set', 'tuple', 'int', 'text', 'USE', 'TRUNCATE', 'DEFAULT', 'UNSET',
  'a', 'b', 'k', 'ks', 't', '"Q"', '""', "'s'", '$$d$$', '1', '-2', '1.5', '1h', 'P1D', 'NaN', '-Infinity', 'true',
  '0xff', '550e8400-e29b-41d4-a716-446655440000', '?', ':n', '(', ')', '[', ']', '{', '}', '<', '>', '=', '!=', '<=',
  '>=', '+', '-', '*', '/', '%', '+=', '-=', ',', ';', '.', '..', ':', '--c\n', '/*c*/',
];

const VALID = [
  "SELECT a, count(*), m['k'], writetime(b) AS w FROM ks.t WHERE k IN (1, 2) AND (c, d) > (?, ?) LIMIT 10 ALLOW FILTERING",
  "INSERT INTO t (k, v, m) VALUES (?, {'a': [1, 2]}, {x: 1}) IF NOT EXISTS USING TTL 10",
  'UPDATE t SET c = c + 1, l = [1] + l, m[?] = ? WHERE k = 1 IF a = 1',
  'BEGIN BATCH DELETE a FROM t WHERE k = 1; INSERT INTO t (k) VALUES ((int) ?); APPLY BATCH',
  "CREATE TABLE ks.t (k int, c text, v frozen<map<text, list<int>>>, PRIMARY KEY ((k), c)) WITH CLUSTERING ORDER BY (c DESC) AND compaction = {'class': 'X'}",
  "CREATE ROLE r WITH PASSWORD = 'p' AND LOGIN = true",
  'GRANT SELECT ON KEYSPACE ks TO r',
];

describe('parser robustness (fast-check)', () => {
  it('random text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
      onlySyntaxErrors(() => parseStatement(s));
      onlySyntaxErrors(() => parseTypeExpr(s));
    }), { numRuns: 2000 });
  });

  it('soups of CQL tokens', () => {
    const soup = fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 30 }).map((ts) => ts.join(' '));
    fc.assert(fc.property(soup, (s) => {
      onlySyntaxErrors(() => parseStatement(s));
      onlySyntaxErrors(() => parseTypeExpr(s));
    }), { numRuns: 5000 });
  });

  it('valid statements with random edits', () => {
    const edit = fc.record({
      base: fc.constantFrom(...VALID),
      at: fc.nat(),
      remove: fc.nat({ max: 4 }),
      insert: fc.constantFrom('', ...VOCABULARY),
    });
    fc.assert(fc.property(edit, ({ base, at, remove, insert }) => {
      const i = at % (base.length + 1);
      const s = base.slice(0, i) + insert + base.slice(i + remove);
      onlySyntaxErrors(() => parseStatement(s));
    }), { numRuns: 5000 });
  });

  it('deep nesting is refused with a syntax error, not a stack overflow', () => {
    for (const open of ['[', '(', '{', 'frozen<', '-(', '(int)']) {
      onlySyntaxErrors(() => parseStatement(`SELECT * FROM t WHERE k = ${open.repeat(100_000)}`));
      onlySyntaxErrors(() => parseTypeExpr(open.repeat(100_000)));
    }
    onlySyntaxErrors(() => parseStatement(`SELECT ${'-'.repeat(100_000)}a FROM t`));
    onlySyntaxErrors(() => parseStatement(`SELECT * FROM t WHERE ${'('.repeat(100_000)}`));
  });
});
