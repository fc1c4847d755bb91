// Keyspaces, tables, CQL types and their binary codecs, schema versions.
export type { CqlType, NativeTypeName } from './cql-type.ts';
export { NATIVE_TYPE_NAMES, isCollection, isCounter, isMultiCell, nativeType } from './cql-type.ts';
export type {
  ClusteringOrder, ColumnKind, ColumnMetadata, DroppedColumn, FunctionMetadata, IndexMetadata, KeyspaceMetadata,
  ReplicationOptions, SchemaSnapshot, TableMetadata, TableOptions, UserTypeMetadata,
} from './schema-model.ts';
export { DEFAULT_TABLE_OPTIONS } from './schema-model.ts';
export type { ClusteringComparator, ValueComparator } from './comparators.ts';
export { cellPathComparatorFor, clusteringComparator, comparatorFor } from './comparators.ts';
export type { DecimalValue, DurationValue, JsValue } from './codecs/js-value.ts';
export type { FromStringOptions, TypeCodec } from './codecs/type-codec.ts';
export { codecFor, EMPTY_VALUE, hasUnorderedParts } from './codecs/type-codec.ts';
export { JsonNumber, parseJsonExact, quoteJson } from './codecs/json-text.ts';
export { formatInet, parseInet, parseIpAddress } from './codecs/inet.ts';
export { formatCqlIdentifier, formatType, nativeTypeByName, RESERVED_KEYWORDS } from './type-format.ts';
export {
  maxTimeuuid, minTimeuuid, parseUuid, randomUuid, TimeuuidGenerator, timeuuidTicks, timeuuidToUnixMs, UUID_BYTES, uuidToBytes,
  uuidToString, uuidVersion,
} from './timeuuid.ts';
export { keyToString, PARTITION_KEY_BYTES_MAX, serializePartitionKey, splitPartitionKey } from './partition-key.ts';
export type { ClusteringColumnDef, ColumnDef, KeyspaceDefinition, RegularColumnDef, TableDefinition } from './table-builder.ts';
export {
  assertTableInvariants, buildKeyspaceMetadata, buildSchemaSnapshot, buildTableMetadata, compareColumnNames, withColumnAdded,
  withColumnDropped, withColumnRenamed, withIndex, withKeyspace, withoutIndex, withoutKeyspace, withoutTable, withoutType,
  withTable, withTableOptions, withType,
} from './table-builder.ts';
export { parseSchema, SCHEMA_FILE_FORMAT, SCHEMA_FILE_FORMAT_VERSION, SchemaFileError, serializeSchema } from './schema-json.ts';
