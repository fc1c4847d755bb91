// DESCRIBE output from a fake schema: listings in columns and CREATE statements in Cassandra 4's layout.
import { describe as suite, expect, it } from 'vitest';
import { createTableCql, describe, DescribeError, quoteName, typeToCql } from './describe.ts';
import type { KeyspaceInfo, SchemaSource, TableInfo } from './describe.ts';
import { TYPE_CODE } from './value-format.ts';
import type { UdtInfo } from './value-format.ts';

const int = { code: TYPE_CODE.int };
const text = { code: TYPE_CODE.varchar };

const users: TableInfo = {
  keyspace: 'app',
  name: 'users',
  columns: [
    { name: 'age', type: int },
    { name: 'id', type: { code: TYPE_CODE.uuid } },
    { name: 'name', type: text },
  ],
  partitionKeys: [{ name: 'id' }],
  clusteringKeys: [],
  clusteringOrder: [],
  options: [['comment', "''"], ['gc_grace_seconds', '864000']],
  indexes: [],
};

const events: TableInfo = {
  keyspace: 'app',
  name: 'events',
  columns: [
    { name: 'day', type: { code: TYPE_CODE.date } },
    { name: 'kind', type: text },
    { name: 'payload', type: { code: TYPE_CODE.map, info: [text, int], options: { frozen: true } } },
    { name: 'owner', type: text, isStatic: true },
    { name: 'seq', type: int },
    { name: 'ts', type: { code: TYPE_CODE.timestamp } },
  ],
  partitionKeys: [{ name: 'kind' }, { name: 'day' }],
  clusteringKeys: [{ name: 'ts' }, { name: 'seq' }],
  clusteringOrder: ['DESC', 'ASC'],
  options: [],
  indexes: [{ name: 'events_seq', target: 'seq' }],
};

const address: UdtInfo = { keyspace: 'app', name: 'address', fields: [{ name: 'street', type: text }, { name: 'zip', type: int }] };

const app: KeyspaceInfo = {
  name: 'app', strategy: 'org.apache.cassandra.locator.SimpleStrategy', strategyOptions: { replication_factor: '1' }, durableWrites: true,
};

const source: SchemaSource = {
  keyspaceNames: async () => ['system', 'app', 'system_schema'],
  keyspace: async (name) => (name === 'app' ? app : null),
  tableNames: async (ks) => [
    ...(ks === null ? [{ keyspace: 'system', name: 'local' }, { keyspace: 'system', name: 'peers' }] : []),
    ...(ks === null || ks === 'app' ? [{ keyspace: 'app', name: 'events' }, { keyspace: 'app', name: 'users' }] : []),
  ],
  typeNames: async (ks) => (ks === null || ks === 'app' ? [{ keyspace: 'app', name: 'address' }] : []),
  table: async (ks, name) => (ks !== 'app' ? null : name === 'users' ? users : name === 'events' ? events : null),
  udt: async (ks, name) => (ks === 'app' && name === 'address' ? address : null),
  cluster: async () => ({ clusterName: 'Test', partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner' }),
};

suite('CREATE statements', () => {
  it('prints a single-key table with PRIMARY KEY inline', () => {
    expect(createTableCql(users)).toBe([
      'CREATE TABLE app.users (',
      '    id uuid PRIMARY KEY,',
      '    age int,',
      '    name text',
      ") WITH comment = ''",
      '    AND gc_grace_seconds = 864000;',
    ].join('\n'));
  });

  it('prints compound keys, statics, frozen types and clustering order', () => {
    expect(createTableCql(events)).toBe([
      'CREATE TABLE app.events (',
      '    kind text,',
      '    day date,',
      '    ts timestamp,',
      '    seq int,',
      '    owner text static,',
      '    payload frozen<map<text, int>>,',
      '    PRIMARY KEY ((kind, day), ts, seq)',
      ') WITH CLUSTERING ORDER BY (ts DESC, seq ASC);',
    ].join('\n'));
  });

  it('quotes names that need it', () => {
    expect(quoteName('users')).toBe('users');
    expect(quoteName('Users')).toBe('"Users"');
    expect(quoteName('select')).toBe('"select"');
    expect(quoteName('a"b')).toBe('"a""b"');
    expect(typeToCql({ code: TYPE_CODE.udt, info: { name: 'Addr' }, options: { frozen: true } })).toBe('frozen<"Addr">');
    expect(typeToCql({ code: TYPE_CODE.tuple, info: [int, text] })).toBe('tuple<int, text>');
  });
});

suite('describe', () => {
  it('lists keyspaces sorted in columns between blank lines', async () => {
    expect(await describe(source, { kind: 'keyspaces' }, null)).toEqual(['', 'app  system  system_schema', '']);
  });

  it('lists tables per keyspace without a current keyspace, plainly with one', async () => {
    expect(await describe(source, { kind: 'tables' }, null)).toEqual([
      '', 'Keyspace system', '---------------', 'local  peers', '', 'Keyspace app', '------------', 'events  users', '',
    ]);
    expect(await describe(source, { kind: 'tables' }, 'app')).toEqual(['', 'events  users', '']);
  });

  it('describes a keyspace: keyspace, types, tables and indexes', async () => {
    const lines = await describe(source, { kind: 'keyspace', name: 'app' }, null);
    expect(lines[0]).toBe('');
    expect(lines[1]).toBe("CREATE KEYSPACE app WITH replication = {'class': 'org.apache.cassandra.locator.SimpleStrategy', 'replication_factor': '1'}  AND durable_writes = true;");
    expect(lines[3]).toBe('CREATE TYPE app.address (\n    street text,\n    zip int\n);');
    expect(lines[5]).toMatch(/^CREATE TABLE app\.events/);
    expect(lines[7]).toBe('CREATE INDEX events_seq ON app.events (seq);');
    expect(lines[9]).toMatch(/^CREATE TABLE app\.users/);
    expect(lines).toHaveLength(10);
  });

  it('resolves names against the current keyspace and reports what is missing', async () => {
    expect((await describe(source, { kind: 'table', name: { keyspace: null, name: 'users' } }, 'app'))[1]).toMatch(/^CREATE TABLE app\.users/);
    await expect(describe(source, { kind: 'table', name: { keyspace: null, name: 'users' } }, null)).rejects.toThrow(DescribeError);
    await expect(describe(source, { kind: 'table', name: { keyspace: 'app', name: 'nope' } }, null)).rejects.toThrow("'nope' not found in keyspace 'app'");
    await expect(describe(source, { kind: 'keyspace', name: 'nope' }, null)).rejects.toThrow("'nope' not found in keyspaces");
    expect((await describe(source, { kind: 'object', name: { keyspace: null, name: 'app' } }, null))[1]).toMatch(/^CREATE KEYSPACE app/);
    expect((await describe(source, { kind: 'object', name: { keyspace: null, name: 'users' } }, 'app'))[1]).toMatch(/^CREATE TABLE app\.users/);
  });

  it('describes the schema without system keyspaces unless FULL', async () => {
    const lines = await describe(source, { kind: 'schema', full: false }, null);
    expect(lines.filter((l) => l.startsWith('CREATE KEYSPACE'))).toHaveLength(1);
    expect(await describe(source, { kind: 'cluster' }, null)).toEqual(['', 'Cluster: Test', 'Partitioner: org.apache.cassandra.dht.Murmur3Partitioner', '']);
  });
});
