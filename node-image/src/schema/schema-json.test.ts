import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbType } from './codecs/test-arbitraries.ts';
import { nativeType } from './cql-type.ts';
import type { CqlType } from './cql-type.ts';
import { parseSchema, SchemaFileError, serializeSchema } from './schema-json.ts';
import type { SchemaSnapshot } from './schema-model.ts';
import { buildKeyspaceMetadata, buildSchemaSnapshot, buildTableMetadata, withColumnDropped } from './table-builder.ts';

const ID = '5a1c395e-b41f-11e5-9f22-ba0be0483c18';
const VERSION = '00000000-0000-4000-8000-000000000001';
const SIMPLE = { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '3' } };

function sample(): SchemaSnapshot {
  const address: CqlType = { kind: 'udt', keyspace: 'shop', name: 'address', fieldNames: ['street', 'zip'], fieldTypes: [nativeType('text'), nativeType('int')], frozen: true };
  const orders = withColumnDropped(buildTableMetadata({
    keyspace: 'shop', name: 'orders', id: ID,
    partitionKey: [{ name: 'customer', type: nativeType('uuid') }],
    clustering: [{ name: 'placed', type: nativeType('timestamp'), order: 'desc' }],
    columns: [
      { name: 'items', type: { kind: 'map', key: nativeType('text'), value: nativeType('int'), frozen: false } },
      { name: 'ship_to', type: address },
      { name: 'note', type: nativeType('text') },
      { name: 'tier', type: nativeType('text'), isStatic: true },
      { name: 'legacy', type: nativeType('blob') },
    ],
    options: { comment: 'orders "by" customer', defaultTimeToLiveSeconds: 86400 },
    indexes: [{ name: 'orders_note', kind: 'COMPOSITES', options: { target: 'note' } }],
  }), { name: 'legacy', droppedAtMicros: 1_700_000_000_000_000 });
  const keyspace = buildKeyspaceMetadata({
    name: 'shop', durableWrites: false, replication: SIMPLE, tables: [orders],
    types: [{ keyspace: 'shop', name: 'address', fieldNames: ['street', 'zip'], fieldTypes: [nativeType('text'), nativeType('int')] }],
    functions: [{
      keyspace: 'shop', name: 'twice', argumentNames: ['x'], argumentTypes: [nativeType('int')], returnType: nativeType('int'),
      language: 'java', body: 'return x * 2;', calledOnNullInput: false,
    }],
  });
  return buildSchemaSnapshot(VERSION, [keyspace, buildKeyspaceMetadata({ name: 'empty', replication: SIMPLE })]);
}

describe('schema file', () => {
  it('round-trips a snapshot exactly and deterministically', () => {
    const snapshot = sample();
    const text = serializeSchema(snapshot);
    const parsed = parseSchema(text);
    expect(parsed).toEqual(snapshot);
    expect(serializeSchema(parsed)).toBe(text);
    expect([...parsed.keyspaces.keys()]).toEqual(['empty', 'shop']);
  });

  it('round-trips tables of random column types', () => {
    fc.assert(fc.property(fc.array(arbType(3), { minLength: 1, maxLength: 4 }), (types) => {
      const table = buildTableMetadata({
        keyspace: 'ks', name: 't', id: ID, partitionKey: [{ name: 'k', type: nativeType('int') }],
        columns: types.map((type, i) => ({ name: `c${i}`, type })),
      });
      const snapshot = buildSchemaSnapshot(VERSION, [buildKeyspaceMetadata({ name: 'ks', replication: SIMPLE, tables: [table] })]);
      expect(parseSchema(serializeSchema(snapshot))).toEqual(snapshot);
    }), { numRuns: 100 });
  });

  const corruptions: Array<[string, (text: string) => string, RegExp]> = [
    ['not JSON', (t) => t.slice(0, 40), /not JSON/],
    ['another format', (t) => t.replace('"cassia-schema"', '"other"'), /not a cassia-schema v1 file/],
    ['an edited value', (t) => t.replace('"orders"', '"orderz"'), /checksum mismatch/],
    ['a flipped digit', (t) => t.replace('86400', '86401'), /checksum mismatch/],
  ];
  it.each(corruptions)('refuses %s', (_what, damage, message) => {
    expect(() => parseSchema(damage(serializeSchema(sample())))).toThrow(SchemaFileError);
    expect(() => parseSchema(damage(serializeSchema(sample())))).toThrow(message);
  });

  it('refuses well-formed files whose content breaks invariants (checksum recomputed)', () => {
    const file = JSON.parse(serializeSchema(sample())) as { crc32: number; schema: { keyspaces: Array<{ tables: Array<{ columns: unknown[] }> }> } };
    const reseal = (): string => {
      file.crc32 = crc32(JSON.stringify(file.schema));
      return JSON.stringify(file);
    };
    const columns = file.schema.keyspaces[1]!.tables[0]!.columns;
    columns.push(columns[0]);
    expect(() => parseSchema(reseal())).toThrow(/Multiple definition of identifier/);
    columns.pop();
    columns.reverse();
    expect(() => parseSchema(reseal())).toThrow(/columns out of order/);
  });

  it('refuses absurdly deep nesting before validating', () => {
    let deep = '{"kind":"native","name":"int"}';
    for (let i = 0; i < 200; i++) deep = `{"kind":"list","element":${deep},"frozen":true}`;
    const text = `{"format":"cassia-schema","formatVersion":1,"crc32":0,"schema":${deep}}`;
    expect(() => parseSchema(text)).toThrow(/nested deeper/);
  });
});
