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
