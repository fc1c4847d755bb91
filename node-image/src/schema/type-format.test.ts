import { describe, expect, it } from 'vitest';
import type { CqlType } from './cql-type.ts';
import { nativeType } from './cql-type.ts';
import { formatCqlIdentifier, formatType, nativeTypeByName } from './type-format.ts';

describe('formatType', () => {
  const int = nativeType('int');
  const text = nativeType('text');
  const cases: Array<[CqlType, string]> = [
    [int, 'int'],
    [{ kind: 'list', element: int, frozen: false }, 'list<int>'],
    [{ kind: 'list', element: int, frozen: true }, 'frozen<list<int>>'],
    [{ kind: 'set', element: text, frozen: false }, 'set<text>'],
    [{ kind: 'map', key: text, value: int, frozen: false }, 'map<text, int>'],
    [{ kind: 'map', key: text, value: { kind: 'list', element: int, frozen: true }, frozen: true }, 'frozen<map<text, frozen<list<int>>>>'],
    [{ kind: 'tuple', elements: [int, text] }, 'frozen<tuple<int, text>>'],
    [{ kind: 'list', element: { kind: 'tuple', elements: [int] }, frozen: false }, 'list<frozen<tuple<int>>>'],
    [{ kind: 'udt', keyspace: 'ks', name: 'address', fieldNames: ['a'], fieldTypes: [int], frozen: true }, 'frozen<address>'],
    [{ kind: 'udt', keyspace: 'ks', name: 'Address', fieldNames: ['a'], fieldTypes: [int], frozen: false }, '"Address"'],
    [{ kind: 'custom', className: 'org.apache.cassandra.db.marshal.BytesType' }, "'org.apache.cassandra.db.marshal.BytesType'"],
  ];
  it.each(cases)('%j -> %s', (type, expected) => {
    expect(formatType(type)).toBe(expected);
  });
});

describe('identifiers and type names', () => {
  it('quotes identifiers only when needed', () => {
    expect(formatCqlIdentifier('name')).toBe('name');
    expect(formatCqlIdentifier('name_2')).toBe('name_2');
    expect(formatCqlIdentifier('Name')).toBe('"Name"');
    expect(formatCqlIdentifier('2name')).toBe('"2name"');
    expect(formatCqlIdentifier('select')).toBe('"select"');
    expect(formatCqlIdentifier('key')).toBe('key');
    expect(formatCqlIdentifier('a"b')).toBe('"a""b"');
    expect(formatCqlIdentifier('')).toBe('""');
  });

  it('maps CQL type names, aliases included', () => {
    expect(nativeTypeByName('varchar')).toBe('text');
    expect(nativeTypeByName('TEXT')).toBe('text');
    expect(nativeTypeByName('timeuuid')).toBe('timeuuid');
    expect(nativeTypeByName('list')).toBeUndefined();
  });
});
