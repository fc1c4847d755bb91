// Cutting scripts and interactive input into statements, shell commands ending at newlines.
import { describe, expect, it } from 'vitest';
import { firstWord, splitScript, StatementBuffer } from './script-statements.ts';

describe('splitScript', () => {
  it('splits at semicolons and reports the line each statement ends on', () => {
    const script = '-- header\nCREATE TABLE t (k int PRIMARY KEY);\nINSERT INTO t (k)\n  VALUES (1);\nSELECT * FROM t;\n';
    expect(splitScript(script)).toEqual([
      { text: 'CREATE TABLE t (k int PRIMARY KEY)', line: 2 },
      { text: 'INSERT INTO t (k)\n  VALUES (1)', line: 4 },
      { text: 'SELECT * FROM t', line: 5 },
    ]);
  });

  it('ends shell commands at their newline', () => {
    const script = 'CONSISTENCY QUORUM\nEXPAND ON\nSELECT * FROM t;\nDESCRIBE TABLES\n';
    expect(splitScript(script)).toEqual([
      { text: 'CONSISTENCY QUORUM', line: 1 },
      { text: 'EXPAND ON', line: 2 },
      { text: 'SELECT * FROM t', line: 3 },
      { text: 'DESCRIBE TABLES', line: 4 },
    ]);
  });

  it('keeps a batch whole and semicolons inside strings', () => {
    const script = "BEGIN BATCH\n INSERT INTO t (k, v) VALUES (1, 'a;b');\n INSERT INTO t (k) VALUES (2);\nAPPLY BATCH;\n";
    expect(splitScript(script).map((s) => s.text)).toEqual([
      "BEGIN BATCH\n INSERT INTO t (k, v) VALUES (1, 'a;b');\n INSERT INTO t (k) VALUES (2);\nAPPLY BATCH",
    ]);
  });

  it('splits a batch that follows a shell command by the batch rules', () => {
    const script = "USE shop;\nCONSISTENCY QUORUM\nBEGIN BATCH\n  INSERT INTO t (k, v) VALUES (3, 'a;b');\nAPPLY BATCH;\nPAGING OFF; SELECT 1 FROM t;\nSOURCE 'x;y.cql'\n";
    expect(splitScript(script)).toEqual([
      { text: 'USE shop', line: 1 },
      { text: 'CONSISTENCY QUORUM', line: 2 },
      { text: "BEGIN BATCH\n  INSERT INTO t (k, v) VALUES (3, 'a;b');\nAPPLY BATCH", line: 5 },
      { text: 'PAGING OFF', line: 6 },
      { text: 'SELECT 1 FROM t', line: 6 },
      { text: "SOURCE 'x;y.cql'", line: 7 },
    ]);
  });

  it('returns nothing for comments only', () => {
    expect(splitScript('-- nothing\n/* at all */\n')).toEqual([]);
  });
});

describe('StatementBuffer', () => {
  it('waits for the semicolon across lines', () => {
    const b = new StatementBuffer();
    expect(b.add('SELECT *')).toBeNull();
    expect(b.pending).toBe(true);
    expect(b.add('FROM t')).toBeNull();
    expect(b.add('WHERE k = 1;')).toEqual(['SELECT *\nFROM t\nWHERE k = 1']);
    expect(b.pending).toBe(false);
  });

  it('returns every statement of one line', () => {
    expect(new StatementBuffer().add('USE ks; SELECT 1 FROM t;')).toEqual(['USE ks', 'SELECT 1 FROM t']);
  });

  it('runs shell commands at the end of their line, with or without a semicolon', () => {
    const b = new StatementBuffer();
    expect(b.add('expand on')).toEqual(['expand on']);
    expect(b.add('CONSISTENCY QUORUM;')).toEqual(['CONSISTENCY QUORUM']);
    expect(b.add('exit')).toEqual(['exit']);
  });

  it('treats blank and comment-only lines as nothing to run', () => {
    const b = new StatementBuffer();
    expect(b.add('')).toEqual([]);
    expect(b.add('-- a comment')).toEqual([]);
    expect(b.pending).toBe(false);
  });

  it('does not end inside a string, a block comment or a batch', () => {
    const b = new StatementBuffer();
    expect(b.add("INSERT INTO t (k, v) VALUES (1, 'a;")).toBeNull();
    expect(b.add("b');")).toEqual(["INSERT INTO t (k, v) VALUES (1, 'a;\nb')"]);
    expect(b.add('/* open;')).toBeNull();
    expect(b.add('still */ SELECT 1 FROM t;')).toEqual(['SELECT 1 FROM t']);
    expect(b.add('BEGIN BATCH INSERT INTO t (k) VALUES (1);')).toBeNull();
    expect(b.add('APPLY BATCH;')).toEqual(['BEGIN BATCH INSERT INTO t (k) VALUES (1);\nAPPLY BATCH']);
  });

  it('flushes what is left at end of input', () => {
    const b = new StatementBuffer();
    expect(b.add('SELECT 1')).toBeNull();
    expect(b.flush()).toEqual({ statements: ['SELECT 1'], complete: false });
    expect(new StatementBuffer().flush()).toEqual({ statements: [], complete: true });
  });
});

describe('firstWord', () => {
  it('skips blanks and comments', () => {
    expect(firstWord('  -- c\n/* d */ Describe tables')).toBe('describe');
    expect(firstWord('? ')).toBe('?');
    expect(firstWord('123')).toBe('');
  });
});
