// The schema file (docs/formats/schema.md): a SchemaSnapshot as one JSON document with a CRC-32
// of its content. Types are stored structurally (the CqlType objects themselves). Parsing
// validates the shape with zod, the checksum, and every table's invariants by rebuilding it, and
// refuses anything else with a SchemaFileError: a node must not start on a schema it misreads.
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { assert, CqlError } from '../lib/index.ts';
import type { CqlType } from './cql-type.ts';
import { NATIVE_TYPE_NAMES } from './cql-type.ts';
import type { KeyspaceMetadata, SchemaSnapshot, TableMetadata, TableOptions } from './schema-model.ts';
import { buildKeyspaceMetadata, buildSchemaSnapshot, buildTableMetadata } from './table-builder.ts';

export const SCHEMA_FILE_FORMAT = 'cassia-schema';
export const SCHEMA_FILE_FORMAT_VERSION = 1;
/** Nesting bound of stored types; deeper input is corrupt (CQL types are far shallower). */
const TYPE_DEPTH_MAX = 32;

/** The schema file cannot be read back: malformed JSON, wrong shape, bad checksum or broken invariants. */
export class SchemaFileError extends Error {
  override readonly name = 'SchemaFileError';
  readonly code = 'CASSIA_SCHEMA_CORRUPT';
}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const uuidText = z.string().regex(UUID_TEXT, 'a lowercase UUID');
const name = z.string().min(1);
const stringMap = z.record(z.string(), z.string());

const cqlType: z.ZodType<CqlType> = z.lazy(() => z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('native'), name: z.enum(NATIVE_TYPE_NAMES as [string, ...string[]]) }),
  z.strictObject({ kind: z.literal('list'), element: cqlType, frozen: z.boolean() }),
  z.strictObject({ kind: z.literal('set'), element: cqlType, frozen: z.boolean() }),
  z.strictObject({ kind: z.literal('map'), key: cqlType, value: cqlType, frozen: z.boolean() }),
  z.strictObject({ kind: z.literal('tuple'), elements: z.array(cqlType).min(1) }),
  z.strictObject({
    kind: z.literal('udt'), keyspace: name, name, fieldNames: z.array(name).min(1), fieldTypes: z.array(cqlType).min(1), frozen: z.boolean(),
  }),
  z.strictObject({ kind: z.literal('custom'), className: name }),
]) as unknown as z.ZodType<CqlType>);

const tableOptions = z.strictObject({
  bloomFilterFpChance: z.number(),
  caching: stringMap,
  comment: z.string(),
  compaction: stringMap,
  compression: stringMap,
  crcCheckChance: z.number(),
  defaultTimeToLiveSeconds: z.number().int(),
  gcGraceSeconds: z.number().int(),
  maxIndexInterval: z.number().int(),
  memtableFlushPeriodMs: z.number().int(),
  minIndexInterval: z.number().int(),
  readRepair: z.string(),
  speculativeRetry: z.string(),
  additionalWritePolicy: z.string(),
  cdc: z.boolean(),
  extensions: stringMap,
});

const storedTable = z.strictObject({
  name,
  id: uuidText,
  partitionKey: z.array(z.strictObject({ name, type: cqlType })).min(1),
  clustering: z.array(z.strictObject({ name, type: cqlType, order: z.enum(['asc', 'desc']) })),
  columns: z.array(z.strictObject({ name, type: cqlType, isStatic: z.boolean() })),
  options: tableOptions,
  droppedColumns: z.array(z.strictObject({ name, type: cqlType, droppedAtMicros: z.number().int().refine(Number.isSafeInteger), kind: z.enum(['static', 'regular']) })),
  indexes: z.array(z.strictObject({ name, kind: z.string(), options: stringMap })),
  isView: z.boolean(),
  viewOf: z.strictObject({ baseTableName: name, baseTableId: uuidText, whereClause: z.string(), includeAllColumns: z.boolean() }).optional(),
});

const storedKeyspace = z.strictObject({
  name,
  durableWrites: z.boolean(),
  replication: z.strictObject({ class: name, options: stringMap }),
  types: z.array(z.strictObject({ name, fieldNames: z.array(name).min(1), fieldTypes: z.array(cqlType).min(1) })),
  tables: z.array(storedTable),
  views: z.array(storedTable),
  functions: z.array(z.strictObject({
    name, argumentNames: z.array(z.string()), argumentTypes: z.array(cqlType), returnType: cqlType,
    language: z.string(), body: z.string(), calledOnNullInput: z.boolean(),
  })),
});

const storedSchema = z.strictObject({ version: uuidText, keyspaces: z.array(storedKeyspace) });

const schemaFile = z.strictObject({
  format: z.literal(SCHEMA_FILE_FORMAT),
  formatVersion: z.literal(SCHEMA_FILE_FORMAT_VERSION),
  crc32: z.number().int().nonnegative(),
  schema: z.unknown(),
});

type StoredTable = z.infer<typeof storedTable>;
type StoredKeyspace = z.infer<typeof storedKeyspace>;

function storeTable(table: TableMetadata): StoredTable {
  return {
    name: table.name,
    id: table.id,
    partitionKey: table.partitionKey.map((c) => ({ name: c.name, type: c.type })),
    clustering: table.clustering.map((c) => ({ name: c.name, type: c.type, order: c.clusteringOrder === 'desc' ? 'desc' : 'asc' })),
    columns: table.regularAndStatic.map((c) => ({ name: c.name, type: c.type, isStatic: c.kind === 'static' })),
    options: { ...table.options },
    droppedColumns: table.droppedColumns.map((d) => {
      assert(d.kind === 'static' || d.kind === 'regular', `dropped column ${d.name} of ${table.name} is ${d.kind}`);
      return { ...d, kind: d.kind };
    }),
    indexes: table.indexes.map((i) => ({ ...i })),
    isView: table.isView,
    ...(table.viewOf === undefined ? {} : { viewOf: { ...table.viewOf } }),
  };
}

function storeKeyspace(keyspace: KeyspaceMetadata): StoredKeyspace {
  return {
    name: keyspace.name,
    durableWrites: keyspace.durableWrites,
    replication: { class: keyspace.replication.class, options: { ...keyspace.replication.options } },
    types: [...keyspace.types.values()].map((t) => ({ name: t.name, fieldNames: [...t.fieldNames], fieldTypes: [...t.fieldTypes] })),
    tables: [...keyspace.tables.values()].map(storeTable),
    views: [...keyspace.views.values()].map(storeTable),
    functions: keyspace.functions.map((f) => ({
      name: f.name, argumentNames: [...f.argumentNames], argumentTypes: [...f.argumentTypes], returnType: f.returnType,
      language: f.language, body: f.body, calledOnNullInput: f.calledOnNullInput,
    })),
  };
}

const checksumOf = (schema: unknown): number => crc32(JSON.stringify(schema));

/** The schema file text of `snapshot` (deterministic: keyspaces, tables and types in name order). */
export function serializeSchema(snapshot: SchemaSnapshot): string {
  const schema = { version: snapshot.version, keyspaces: [...snapshot.keyspaces.values()].map(storeKeyspace) };
  const file = { format: SCHEMA_FILE_FORMAT, formatVersion: SCHEMA_FILE_FORMAT_VERSION, crc32: checksumOf(schema), schema };
  return `${JSON.stringify(file, null, 2)}\n`;
}

function typeDepth(type: CqlType): number {
  switch (type.kind) {
    case 'native': case 'custom': return 1;
    case 'list': case 'set': return 1 + typeDepth(type.element);
    case 'map': return 1 + Math.max(typeDepth(type.key), typeDepth(type.value));
    case 'tuple': return 1 + Math.max(...type.elements.map(typeDepth));
    case 'udt': return 1 + Math.max(...type.fieldTypes.map(typeDepth));
  }
}

/** Rejects JSON nested deeper than the schema ever is, before zod recursion sees it. */
function jsonDepth(value: unknown, limit: number): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (limit <= 0) return Infinity;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, jsonDepth(child, limit - 1));
  return deepest + 1;
}

const JSON_DEPTH_MAX = 2 * TYPE_DEPTH_MAX + 16;

function corrupt(detail: string): never {
  throw new SchemaFileError(`schema file is corrupt: ${detail}`);
}

function restoreTable(keyspace: string, stored: StoredTable): TableMetadata {
  for (const t of [...stored.partitionKey, ...stored.clustering, ...stored.columns].map((c) => c.type)) {
    if (typeDepth(t) > TYPE_DEPTH_MAX) corrupt(`table ${keyspace}.${stored.name}: type nested deeper than ${TYPE_DEPTH_MAX}`);
  }
  const table = buildTableMetadata({
    keyspace,
    name: stored.name,
    id: stored.id,
    partitionKey: stored.partitionKey,
    clustering: stored.clustering,
    columns: stored.columns,
    options: stored.options as TableOptions,
    droppedColumns: stored.droppedColumns,
    indexes: stored.indexes,
    isView: stored.isView,
    ...(stored.viewOf === undefined ? {} : { viewOf: stored.viewOf }),
  });
  const storedOrder = stored.columns.map((c) => c.name).join(',');
  const derivedOrder = table.regularAndStatic.map((c) => c.name).join(',');
  if (storedOrder !== derivedOrder) corrupt(`table ${keyspace}.${stored.name}: columns out of order`);
  return table;
}

/** The snapshot stored in schema file `text`; throws SchemaFileError on anything unexpected. */
export function parseSchema(text: string): SchemaSnapshot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return corrupt(`not JSON (${(error as Error).message})`);
  }
  if (jsonDepth(json, JSON_DEPTH_MAX) > JSON_DEPTH_MAX) corrupt(`nested deeper than ${JSON_DEPTH_MAX}`);
  const file = schemaFile.safeParse(json);
  if (!file.success) return corrupt(`not a ${SCHEMA_FILE_FORMAT} v${SCHEMA_FILE_FORMAT_VERSION} file: ${z.prettifyError(file.error)}`);
  if (checksumOf(file.data.schema) !== file.data.crc32) corrupt('checksum mismatch');
  const parsed = storedSchema.safeParse(file.data.schema);
  if (!parsed.success) return corrupt(z.prettifyError(parsed.error));
  try {
    const keyspaces = parsed.data.keyspaces.map((k) => buildKeyspaceMetadata({
      name: k.name,
      durableWrites: k.durableWrites,
      replication: k.replication,
      types: k.types.map((t) => {
        if (t.fieldNames.length !== t.fieldTypes.length) corrupt(`type ${k.name}.${t.name}: ${t.fieldNames.length} names for ${t.fieldTypes.length} types`);
        return { keyspace: k.name, name: t.name, fieldNames: t.fieldNames, fieldTypes: t.fieldTypes };
      }),
      tables: k.tables.map((t) => restoreTable(k.name, t)),
      views: k.views.map((t) => restoreTable(k.name, t)),
      functions: k.functions.map((f) => ({ keyspace: k.name, ...f })),
    }));
    return buildSchemaSnapshot(parsed.data.version, keyspaces);
  } catch (error) {
    if (error instanceof SchemaFileError) throw error;
    // Broken invariants of stored metadata (asserts or Invalid from the builders) mean a corrupt file.
    if (error instanceof CqlError || (error as Error).name === 'AssertionError') return corrupt((error as Error).message);
    throw error;
  }
}
