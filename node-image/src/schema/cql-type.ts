// CQL data types as plain data. A type is immutable and compared structurally. Values of every
// type travel and rest as their native-protocol serialization (Buffer); codecs (codecs/type-codec.ts) turn
// them into JS values only where a value must be computed on (literals, functions, JSON, display).

export type NativeTypeName =
  | 'ascii' | 'bigint' | 'blob' | 'boolean' | 'counter' | 'date' | 'decimal' | 'double' | 'duration'
  | 'float' | 'inet' | 'int' | 'smallint' | 'text' | 'time' | 'timestamp' | 'timeuuid' | 'tinyint'
  | 'uuid' | 'varint';

export const NATIVE_TYPE_NAMES: readonly NativeTypeName[] = [
  'ascii', 'bigint', 'blob', 'boolean', 'counter', 'date', 'decimal', 'double', 'duration', 'float',
  'inet', 'int', 'smallint', 'text', 'time', 'timestamp', 'timeuuid', 'tinyint', 'uuid', 'varint',
];

export type CqlType =
  | { readonly kind: 'native'; readonly name: NativeTypeName }
  | { readonly kind: 'list'; readonly element: CqlType; readonly frozen: boolean }
  | { readonly kind: 'set'; readonly element: CqlType; readonly frozen: boolean }
  | { readonly kind: 'map'; readonly key: CqlType; readonly value: CqlType; readonly frozen: boolean }
  | { readonly kind: 'tuple'; readonly elements: readonly CqlType[] }
  | {
      readonly kind: 'udt';
      readonly keyspace: string;
      readonly name: string;
      readonly fieldNames: readonly string[];
      readonly fieldTypes: readonly CqlType[];
      readonly frozen: boolean;
    }
  | { readonly kind: 'custom'; readonly className: string };

export const nativeType = (name: NativeTypeName): CqlType => ({ kind: 'native', name });

/** A collection or UDT that is stored as several cells (not frozen). */
export function isMultiCell(type: CqlType): boolean {
  return (type.kind === 'list' || type.kind === 'set' || type.kind === 'map' || type.kind === 'udt') && !type.frozen;
}

export function isCollection(type: CqlType): type is Extract<CqlType, { kind: 'list' | 'set' | 'map' }> {
  return type.kind === 'list' || type.kind === 'set' || type.kind === 'map';
}

export function isCounter(type: CqlType): boolean {
  return type.kind === 'native' && type.name === 'counter';
}
