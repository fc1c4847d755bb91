// Recognising cqlsh's own commands; everything else is CQL for the server.
import { describe, expect, it } from 'vitest';
import { parseQualifiedName, parseShellCommand } from './shell-commands.ts';

describe('parseShellCommand', () => {
  it('leaves CQL (USE included) to the server', () => {
    expect(parseShellCommand('SELECT * FROM t')).toBeNull();
    expect(parseShellCommand('use ks')).toBeNull();
    expect(parseShellCommand('INSERT INTO t (k) VALUES (1)')).toBeNull();
  });

  it('parses CONSISTENCY and SERIAL CONSISTENCY', () => {
    expect(parseShellCommand('consistency')).toEqual({ kind: 'consistency', level: null });
    expect(parseShellCommand('CONSISTENCY local_quorum;')).toEqual({ kind: 'consistency', level: 'LOCAL_QUORUM' });
    expect(parseShellCommand('CONSISTENCY sometimes')).toEqual({ kind: 'improper', message: "Improper CONSISTENCY command (problem at 'sometimes')." });
    expect(parseShellCommand('SERIAL CONSISTENCY LOCAL_SERIAL')).toEqual({ kind: 'serial-consistency', level: 'LOCAL_SERIAL' });
    expect(parseShellCommand('serial consistency')).toEqual({ kind: 'serial-consistency', level: null });
    expect(parseShellCommand('SERIAL CONSISTENCY ONE')?.kind).toBe('improper');
  });

  it('parses EXPAND and PAGING', () => {
    expect(parseShellCommand('EXPAND ON')).toEqual({ kind: 'expand', on: true });
    expect(parseShellCommand('expand off')).toEqual({ kind: 'expand', on: false });
    expect(parseShellCommand('EXPAND')).toEqual({ kind: 'expand', on: null });
    expect(parseShellCommand('PAGING 50')).toEqual({ kind: 'paging', on: true, pageSize: 50 });
    expect(parseShellCommand('PAGING OFF')).toEqual({ kind: 'paging', on: false, pageSize: null });
    expect(parseShellCommand('PAGING 0')?.kind).toBe('improper');
  });

  it('parses DESCRIBE forms', () => {
    expect(parseShellCommand('DESCRIBE KEYSPACES')).toEqual({ kind: 'describe', target: { kind: 'keyspaces' } });
    expect(parseShellCommand('desc tables;')).toEqual({ kind: 'describe', target: { kind: 'tables' } });
    expect(parseShellCommand('DESCRIBE KEYSPACE')).toEqual({ kind: 'describe', target: { kind: 'keyspace', name: null } });
    expect(parseShellCommand('DESCRIBE KEYSPACE "MyKs"')).toEqual({ kind: 'describe', target: { kind: 'keyspace', name: 'MyKs' } });
    expect(parseShellCommand('DESCRIBE TABLE Ks.T')).toEqual({ kind: 'describe', target: { kind: 'table', name: { keyspace: 'ks', name: 't' } } });
    expect(parseShellCommand('DESC TYPE address')).toEqual({ kind: 'describe', target: { kind: 'type', name: { keyspace: null, name: 'address' } } });
    expect(parseShellCommand('DESCRIBE FULL SCHEMA')).toEqual({ kind: 'describe', target: { kind: 'schema', full: true } });
    expect(parseShellCommand('DESCRIBE ks.users')).toEqual({ kind: 'describe', target: { kind: 'object', name: { keyspace: 'ks', name: 'users' } } });
    expect(parseShellCommand('DESCRIBE')?.kind).toBe('improper');
    expect(parseShellCommand('DESCRIBE TABLES extra')?.kind).toBe('improper');
  });

  it('parses SOURCE, EXIT, HELP, SHOW', () => {
    expect(parseShellCommand("SOURCE 'my file.cql'")).toEqual({ kind: 'source', file: 'my file.cql' });
    expect(parseShellCommand("source 'it''s.cql';")).toEqual({ kind: 'source', file: "it's.cql" });
    expect(parseShellCommand('SOURCE file.cql')?.kind).toBe('improper');
    expect(parseShellCommand('exit')).toEqual({ kind: 'exit' });
    expect(parseShellCommand('QUIT;')).toEqual({ kind: 'exit' });
    expect(parseShellCommand('help consistency')).toEqual({ kind: 'help', topics: ['consistency'] });
    expect(parseShellCommand('?')).toEqual({ kind: 'help', topics: [] });
    expect(parseShellCommand('SHOW VERSION')).toEqual({ kind: 'show', what: 'version' });
    expect(parseShellCommand('TRACING ON')?.kind).toBe('unsupported');
  });
});

describe('parseQualifiedName', () => {
  it('lower-cases unquoted parts and keeps quoted ones', () => {
    expect(parseQualifiedName('Users')).toEqual({ keyspace: null, name: 'users' });
    expect(parseQualifiedName('"My""Ks" . "T"')).toEqual({ keyspace: 'My"Ks', name: 'T' });
    expect(parseQualifiedName('a.b.c')).toBeNull();
    expect(parseQualifiedName('a b')).toBeNull();
  });
});
