import { describe, expect, it } from 'vitest';
import { CqlError } from '../lib/index.ts';
import type { CqlType } from './cql-type.ts';
import { nativeType } from './cql-type.ts';
import { DEFAULT_TABLE_OPTIONS } from './schema-model.ts';
import type { TableMetadata } from './schema-model.ts';
import {
  buildKeyspaceMetadata, buildSchemaSnapshot, buildTableMetadata, compareColumnNames, withColumnAdded, withColumnDropped,
  withColumnRenamed, withIndex, withKeyspace, withoutIndex, withoutKeyspace, withoutTable, withoutType, withTable,
  withTableOptions, withType,
} from './table-builder.ts';

const int = nativeType('int');
const text = nativeType('text');
const counter = nativeType('counter');
const ID = '5a1c395e-b41f-11e5-9f22-ba0be0483c18';
const V1 = '00000000-0000-4000-8000-000000000001';
const V2 = '00000000-0000-4000-8000-000000000002';
const V3 = '00000000-0000-4000-8000-000000000003';
const SIMPLE = { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '1' } };

function users(): TableMetadata {
  return buildTableMetadata({
    keyspace: 'ks', name: 'users', id: ID,
    partitionKey: [{ name: 'org', type: text }, { name: 'team', type: int }],
    clustering: [{ name: 'joined', type: nativeType('timestamp'), order: 'desc' }, { name: 'id', type: nativeType('uuid') }],
    columns: [
      { name: 'zeta', type: text }, { name: 'Alpha', type: int }, { name: 'beta', type: text },
      { name: 'org_name', type: text, isStatic: true }, { name: 'budget', type: int, isStatic: true },
    ],
  });
}

function invalidMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CqlError);
    return (error as Error).message;
  }
  throw new Error('expected an Invalid error');
}

describe('buildTableMetadata', () => {
  it('derives every field in SELECT * order: key, clustering, statics by name, regulars by name', () => {
    const table = users();
    expect(table.columns.map((c) => `${c.name}:${c.kind}:${c.position}:${c.clusteringOrder}`)).toEqual([
      'org:partition_key:0:none', 'team:partition_key:1:none', 'joined:clustering:0:desc', 'id:clustering:1:asc',
      'budget:static:-1:none', 'org_name:static:-1:none', 'Alpha:regular:-1:none', 'beta:regular:-1:none', 'zeta:regular:-1:none',
    ]);
    expect(table.partitionKey.map((c) => c.name)).toEqual(['org', 'team']);
    expect(table.clustering.map((c) => c.name)).toEqual(['joined', 'id']);
    expect(table.regularAndStatic.map((c) => c.name)).toEqual(['budget', 'org_name', 'Alpha', 'beta', 'zeta']);
    expect(table.options).toEqual(DEFAULT_TABLE_OPTIONS);
    expect(table.isCounterTable).toBe(false);
    expect(table.isView).toBe(false);
  });

  it('orders names by UTF-8 bytes compared signed, as Java ByteBuffers do', () => {
    expect(compareColumnNames('a', 'b')).toBeLessThan(0);
    expect(compareColumnNames('Z', 'a')).toBeLessThan(0);
    expect(compareColumnNames('é', 'a')).toBeLessThan(0); // 0xc3 is negative as a signed byte
    expect(compareColumnNames('ab', 'a')).toBeGreaterThan(0);
  });

  it('refuses definitions Cassandra refuses', () => {
    const base = { keyspace: 'ks', name: 't', id: ID, partitionKey: [{ name: 'k', type: int }] };
    expect(invalidMessage(() => buildTableMetadata({ ...base, columns: [{ name: 'k', type: int }] }))).toBe('Multiple definition of identifier k');
    expect(invalidMessage(() => buildTableMetadata({ ...base, columns: [{ name: 'c', type: counter }, { name: 'v', type: int }] })))
      .toBe('Cannot mix counter and non counter columns in the same table');
    expect(invalidMessage(() => buildTableMetadata({ ...base, columns: [{ name: 's', type: int, isStatic: true }] })))
      .toBe('Static columns are only useful (and thus allowed) if the table has at least one clustering column');
    expect(invalidMessage(() => buildTableMetadata({ ...base, partitionKey: [{ name: 'k', type: counter }] })))
      .toBe("counter type is not supported for PRIMARY KEY column 'k'");
    expect(invalidMessage(() => buildTableMetadata({ ...base, clustering: [{ name: 'd', type: nativeType('duration') }] })))
      .toBe("duration type is not supported for PRIMARY KEY column 'd'");
    const list: CqlType = { kind: 'list', element: int, frozen: false };
    expect(invalidMessage(() => buildTableMetadata({ ...base, clustering: [{ name: 'l', type: list }] })))
      .toBe('Invalid non-frozen collection type list<int> for PRIMARY KEY component l');
    expect(invalidMessage(() => buildTableMetadata({ ...base, partitionKey: [] }))).toBe("No PRIMARY KEY specified for table 't' (exactly one required)");
  });

  it('marks counter tables and merges options over the defaults', () => {
    const table = buildTableMetadata({
      keyspace: 'ks', name: 'hits', id: ID, partitionKey: [{ name: 'k', type: int }], columns: [{ name: 'n', type: counter }],
      options: { comment: 'hello', gcGraceSeconds: 10 },
    });
    expect(table.isCounterTable).toBe(true);
    expect(table.options.comment).toBe('hello');
    expect(table.options.gcGraceSeconds).toBe(10);
    expect(table.options.bloomFilterFpChance).toBe(DEFAULT_TABLE_OPTIONS.bloomFilterFpChance);
  });
});

describe('table derivations (copy on write)', () => {
  it('adds a column in its sorted place', () => {
    const before = users();
    const after = withColumnAdded(before, { name: 'gamma', type: int });
    expect(after.regularAndStatic.map((c) => c.name)).toEqual(['budget', 'org_name', 'Alpha', 'beta', 'gamma', 'zeta']);
    expect(before.regularAndStatic).toHaveLength(5);
    expect(after.id).toBe(before.id);
    expect(invalidMessage(() => withColumnAdded(before, { name: 'beta', type: int })))
      .toBe('Invalid column name beta because it conflicts with an existing column');
    expect(invalidMessage(() => withColumnAdded(before, { name: 'c', type: counter })))
      .toBe('Cannot add a counter column (c) in a non counter column family');
  });

  it('drops a column and records it; re-adding keeps the record', () => {
    const dropped = withColumnDropped(users(), { name: 'beta', droppedAtMicros: 1000 });
    expect(dropped.regularAndStatic.map((c) => c.name)).toEqual(['budget', 'org_name', 'Alpha', 'zeta']);
    expect(dropped.droppedColumns).toEqual([{ name: 'beta', type: text, droppedAtMicros: 1000, kind: 'regular' }]);
    const readded = withColumnAdded(dropped, { name: 'beta', type: text });
    expect(readded.droppedColumns).toHaveLength(1);
    const droppedAgain = withColumnDropped(readded, { name: 'beta', droppedAtMicros: 2000 });
    expect(droppedAgain.droppedColumns).toEqual([{ name: 'beta', type: text, droppedAtMicros: 2000, kind: 'regular' }]);
    expect(invalidMessage(() => withColumnDropped(users(), { name: 'org', droppedAtMicros: 1 }))).toBe('Cannot drop PRIMARY KEY column org');
    expect(invalidMessage(() => withColumnDropped(users(), { name: 'nope', droppedAtMicros: 1 }))).toBe('Column nope was not found in table users');
  });

  it('renames columns, keeping positions', () => {
    const renamed = withColumnRenamed(users(), { from: 'id', to: 'member' });
    expect(renamed.clustering.map((c) => c.name)).toEqual(['joined', 'member']);
    expect(renamed.clustering[1]!.position).toBe(1);
    expect(invalidMessage(() => withColumnRenamed(users(), { from: 'id', to: 'org' }))).toMatch(/another column with that name already exists/);
  });

  it('replaces options and indexes', () => {
    const table = withTableOptions(users(), { defaultTimeToLiveSeconds: 60 });
    expect(table.options.defaultTimeToLiveSeconds).toBe(60);
    const indexed = withIndex(table, { name: 'by_beta', kind: 'COMPOSITES', options: { target: 'beta' } });
    expect(indexed.indexes.map((i) => i.name)).toEqual(['by_beta']);
    expect(withoutIndex(indexed, 'by_beta').indexes).toEqual([]);
  });
});

describe('keyspaces and snapshots', () => {
  it('adds, replaces and removes keyspaces, tables, views and types under new versions', () => {
    const empty = buildSchemaSnapshot(V1, []);
    const ks = buildKeyspaceMetadata({ name: 'ks', replication: SIMPLE });
    expect(ks.durableWrites).toBe(true);
    const s1 = withKeyspace(empty, ks, V2);
    expect(s1.version).toBe(V2);
    expect(empty.keyspaces.size).toBe(0);
    const s2 = withTable(s1, users(), V3);
    expect(s2.keyspaces.get('ks')!.tables.get('users')!.name).toBe('users');
    expect(s1.keyspaces.get('ks')!.tables.size).toBe(0);
    const view = buildTableMetadata({
      keyspace: 'ks', name: 'users_by_team', id: '6a1c395e-b41f-11e5-9f22-ba0be0483c18', isView: true,
      partitionKey: [{ name: 'team', type: int }], clustering: [{ name: 'org', type: text }],
      viewOf: { baseTableName: 'users', baseTableId: ID, whereClause: 'team IS NOT NULL', includeAllColumns: true },
    });
    const s3 = withTable(s2, view, V1);
    expect(s3.keyspaces.get('ks')!.views.get('users_by_team')!.viewOf!.baseTableName).toBe('users');
    const s4 = withType(s3, { keyspace: 'ks', name: 'address', fieldNames: ['street'], fieldTypes: [text] }, V2);
    expect(s4.keyspaces.get('ks')!.types.get('address')!.fieldNames).toEqual(['street']);
    const s5 = withoutType(s4, { keyspace: 'ks', name: 'address', version: V3 });
    expect(s5.keyspaces.get('ks')!.types.size).toBe(0);
    const s6 = withoutTable(s5, { keyspace: 'ks', name: 'users_by_team', version: V1 });
    expect(s6.keyspaces.get('ks')!.views.size).toBe(0);
    expect(s6.keyspaces.get('ks')!.tables.size).toBe(1);
    const s7 = withoutKeyspace(s6, 'ks', V2);
    expect(s7.keyspaces.size).toBe(0);
  });

  it('iterates keyspaces and tables in name order', () => {
    const a = buildKeyspaceMetadata({ name: 'a', replication: SIMPLE });
    const b = buildKeyspaceMetadata({ name: 'b', replication: SIMPLE });
    const snapshot = withKeyspace(withKeyspace(buildSchemaSnapshot(V1, []), b, V2), a, V3);
    expect([...snapshot.keyspaces.keys()]).toEqual(['a', 'b']);
  });

  it('asserts on a missing keyspace or an unchanged version', () => {
    const empty = buildSchemaSnapshot(V1, []);
    expect(() => withTable(empty, users(), V2)).toThrow(/keyspace ks exists/);
    expect(() => withKeyspace(empty, buildKeyspaceMetadata({ name: 'ks', replication: SIMPLE }), V1)).toThrow(/new version/);
  });
});
