// Lexer: token boundaries and types for tricky inputs, and round-trip properties for string
// literals, $$ strings, quoted identifiers, unquoted identifiers, numbers, uuids and blobs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CqlError } from '../../lib/index.ts';
import type { InsertStatement, SelectStatement, Term } from '../ast.ts';
import { tokenize } from './lexer.ts';
import { parseStatement } from './parser.ts';
import { K, KEYWORD_CLASS, KW, T, TOKEN_NAMES, isIdentToken } from './tokens.ts';

function lex(text: string): string[] {
  const s = tokenize(text);
  const out: string[] = [];
  for (let i = 0; i < s.count - 1; i++) out.push(`${TOKEN_NAMES[s.types[i]!]}:${text.slice(s.starts[i], s.ends[i])}`);
  return out;
}

/** The single value of `INSERT INTO t (a) VALUES (<literal>)`. */
function valueOf(literal: string): Term {
  const stmt = parseStatement(`INSERT INTO t (a) VALUES (${literal})`).statement as InsertStatement;
  return stmt.values![0]!;
}

describe('lexer', () => {
  it('splits numbers, ranges and durations as Cassandra does', () => {
    expect(lex('1..2')).toEqual(['INTEGER:1', 'RANGE:..', 'INTEGER:2']);
    expect(lex('1.5 1. -3 -2.5e-3 2E10')).toEqual(['FLOAT:1.5', 'FLOAT:1.', 'INTEGER:-3', 'FLOAT:-2.5e-3', 'FLOAT:2E10']);
    expect(lex('1h30m 1mo 1ms 1m 2us 3µs 4ns -5d')).toEqual([
      'DURATION:1h30m', 'DURATION:1mo', 'DURATION:1ms', 'DURATION:1m', 'DURATION:2us', 'DURATION:3µs', 'DURATION:4ns', 'DURATION:-5d',
    ]);
    expect(lex('1h30')).toEqual(['DURATION:1h', 'INTEGER:30']);
    expect(lex('P1Y P1Yx PT5M p1y')).toEqual(['DURATION:P1Y', 'IDENT:P1Yx', 'DURATION:PT5M', 'IDENT:p1y']);
    expect(lex('a-1 a - 1')).toEqual(['IDENT:a', 'INTEGER:-1', 'IDENT:a', "'-':-", 'INTEGER:1']);
  });

  it('recognises uuids, blobs, booleans and the signed NaN/Infinity tokens', () => {
    expect(lex('deadbeef-0000-1111-2222-333344445555 0xff 0x TRUE falsey')).toEqual([
      'UUID:deadbeef-0000-1111-2222-333344445555', 'HEXNUMBER:0xff', 'HEXNUMBER:0x', 'BOOLEAN:TRUE', 'IDENT:falsey',
    ]);
    expect(lex('NaN -nan Infinity -INFINITY -Infinityx')).toEqual([
      'K_POSITIVE_NAN:NaN', 'K_NEGATIVE_NAN:-nan', 'K_POSITIVE_INFINITY:Infinity', 'K_NEGATIVE_INFINITY:-INFINITY',
      'K_NEGATIVE_INFINITY:-Infinity', 'IDENT:x',
    ]);
  });

  it('maps keyword spellings to one token', () => {
    expect(lex('TABLE columnfamily SCHEMA keyspace tables COLUMNFAMILIES')).toEqual([
      'K_COLUMNFAMILY:TABLE', 'K_COLUMNFAMILY:columnfamily', 'K_KEYSPACE:SCHEMA', 'K_KEYSPACE:keyspace', 'K_TABLES:tables',
      'K_TABLES:COLUMNFAMILIES',
    ]);
  });

  it('skips comments and whitespace, including a final comment without newline', () => {
    expect(lex('a -- x\n/* y\n*/ b // z')).toEqual(['IDENT:a', 'IDENT:b']);
  });

  it('lexes operators', () => {
    expect(lex('+= -= != <= >= < > = ? : .. . [ ] { } ( ) , ; * / %')).toHaveLength(23);
  });

  it('reports the first lexical error with its position', () => {
    const s = tokenize('a\n  @');
    expect(s.lexError).toEqual({ offset: 4, message: "no viable alternative at character '@'", tokenIndex: 1 });
    expect(s.types[s.count - 1]).toBe(T.EOF);
  });

  it('classifies exactly the reserved keywords of Cassandra as reserved', () => {
    const reserved = [...Array(TOKEN_NAMES.length).keys()]
      .filter((t) => KEYWORD_CLASS[t] === KW.RESERVED && t !== K.NEGATIVE_NAN && t !== K.NEGATIVE_INFINITY)
      .map((t) => TOKEN_NAMES[t]!.slice(2))
      .sort();
    expect(reserved).toEqual([
      'ADD', 'ALLOW', 'ALTER', 'AND', 'APPLY', 'ASC', 'AUTHORIZE', 'BATCH', 'BEGIN', 'BY', 'COLUMNFAMILY', 'CREATE', 'DELETE',
      'DESC', 'DESCRIBE', 'DROP', 'ENTRIES', 'EXECUTE', 'FROM', 'FULL', 'GRANT', 'IF', 'IN', 'INDEX', 'INSERT', 'INTO', 'IS',
      'KEYSPACE', 'LIMIT', 'MATERIALIZED', 'MODIFY', 'NORECURSIVE', 'NOT', 'NULL', 'OF', 'ON', 'OR', 'ORDER',
      'POSITIVE_INFINITY', 'POSITIVE_NAN', 'PRIMARY', 'RENAME', 'REVOKE', 'SELECT', 'SET', 'TO', 'TOKEN', 'TRUNCATE',
      'UNLOGGED', 'UPDATE', 'USE', 'USING', 'VIEW', 'WHERE', 'WITH',
    ]);
  });
});

describe('lexer round trips (fast-check)', () => {
  it("string literals with '' escaping", () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
      expect(valueOf(`'${s.replaceAll("'", "''")}'`)).toEqual({ kind: 'constant', type: 'string', text: s });
    }), { numRuns: 500 });
  });

  it('$$ strings', () => {
    const body = fc.string({ unit: 'binary' }).filter((s) => !s.includes('$$') && !s.endsWith('$'));
    fc.assert(fc.property(body, (s) => {
      expect(valueOf(`$$${s}$$`)).toEqual({ kind: 'constant', type: 'string', text: s });
    }), { numRuns: 500 });
  });

  it('quoted identifiers with "" escaping keep their case', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', minLength: 1 }), (s) => {
      const stmt = parseStatement(`SELECT "${s.replaceAll('"', '""')}" FROM t`).statement as SelectStatement;
      expect(stmt.selectors).toEqual([{ selector: { kind: 'column', name: s }, alias: null }]);
    }), { numRuns: 500 });
  });

  it('unquoted identifiers are lower-cased; reserved keywords are refused', () => {
    fc.assert(fc.property(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,14}$/), (w) => {
      const tokens = tokenize(w);
      const type = tokens.types[0]!;
      let result: SelectStatement | CqlError;
      try {
        result = parseStatement(`SELECT ${w} FROM t`).statement as SelectStatement;
      } catch (e) {
        if (!(e instanceof CqlError)) throw e;
        result = e;
      }
      if (tokens.count === 2 && isIdentToken(type)) {
        expect(result).toMatchObject({ selectors: [{ selector: { kind: 'column', name: w.toLowerCase() } }] });
      } else if (tokens.count === 2 && KEYWORD_CLASS[type] === KW.RESERVED) {
        expect(result).toBeInstanceOf(CqlError);
      }
    }), { numRuns: 1000 });
  });

  it('integers and floats keep their text', () => {
    fc.assert(fc.property(fc.bigInt(), (n) => {
      expect(valueOf(String(n))).toEqual({ kind: 'constant', type: 'integer', text: String(n) });
    }));
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
      const text = String(d);
      const value = valueOf(text);
      expect(value.kind === 'constant' && value.text).toBe(text);
      expect(value.kind === 'constant' && Number(value.text)).toBe(d === 0 ? 0 : d);
    }));
  });

  it('uuids and blobs', () => {
    fc.assert(fc.property(fc.uuid(), (u) => {
      expect(valueOf(u)).toEqual({ kind: 'constant', type: 'uuid', text: u });
    }));
    fc.assert(fc.property(fc.uint8Array(), (bytes) => {
      const text = `0x${Buffer.from(bytes).toString('hex')}`;
      expect(valueOf(text)).toEqual({ kind: 'constant', type: 'hex', text });
    }));
  });
});
