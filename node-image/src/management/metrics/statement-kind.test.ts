import { describe, expect, it } from 'vitest';
import { STATEMENT_KINDS, statementKindIndex } from './statement-kind.ts';

const kind = (text: string): string => STATEMENT_KINDS[statementKindIndex(text)]!;

describe('statementKindIndex', () => {
  it('classifies by the first keyword, in any case, after whitespace and comments', () => {
    expect(kind('SELECT * FROM t')).toBe('select');
    expect(kind('  \n\tinsert INTO t (a) VALUES (1)')).toBe('insert');
    expect(kind('-- a comment\nUpDaTe t SET a = 1')).toBe('update');
    expect(kind('// c\n/* block */ DELETE FROM t')).toBe('delete');
    expect(kind('BEGIN BATCH INSERT ... APPLY BATCH')).toBe('batch');
    expect(kind('CREATE TABLE t (a int PRIMARY KEY)')).toBe('schema');
    expect(kind('alter keyspace ks with durable_writes = false')).toBe('schema');
    expect(kind('DROP TABLE t')).toBe('schema');
    expect(kind('TRUNCATE t')).toBe('truncate');
    expect(kind('USE ks')).toBe('use');
  });

  it('answers other for anything else', () => {
    for (const text of ['', '   ', 'GRANT ALL ON ks TO r', 'selects', 'sel', 'superlongkeyword x', '/* unterminated', '(SELECT 1)', 'sélect']) {
      expect(kind(text)).toBe('other');
    }
  });
});
