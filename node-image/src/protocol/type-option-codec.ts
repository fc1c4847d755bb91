// CQL types as native-protocol [option]s: [short] id + type-specific fields. v4 has no duration
// id, so duration goes out as Custom DurationType (both drivers map it back). Frozenness is not
// on the wire: decoding yields non-frozen collections and UDTs.
import { assertNever } from '../lib/index.ts';
import type { CqlType, NativeTypeName } from '../schema/index.ts';
import type { BodyReader } from './body-reader.ts';
import { MalformedBodyError } from './body-reader.ts';
import type { BodyWriter } from './body-writer.ts';

export const TypeOptionId = {
  Custom: 0x0000,
  Ascii: 0x0001,
  Bigint: 0x0002,
  Blob: 0x0003,
  Boolean: 0x0004,
  Counter: 0x0005,
  Decimal: 0x0006,
  Double: 0x0007,
  Float: 0x0008,
  Int: 0x0009,
  /** v1/v2 text; read as text, never written. */
  LegacyText: 0x000a,
  Timestamp: 0x000b,
  Uuid: 0x000c,
  Varchar: 0x000d,
  Varint: 0x000e,
  Timeuuid: 0x000f,
  Inet: 0x0010,
  Date: 0x0011,
  Time: 0x0012,
  Smallint: 0x0013,
  Tinyint: 0x0014,
  /** v5 only. */
  Duration: 0x0015,
  List: 0x0020,
  Map: 0x0021,
  Set: 0x0022,
  Udt: 0x0030,
  Tuple: 0x0031,
} as const;

export const DURATION_CUSTOM_CLASS = 'org.apache.cassandra.db.marshal.DurationType';

/** Nesting bound when decoding (a hostile body could nest options without end). */
export const TYPE_OPTION_DEPTH_MAX = 64;

const NATIVE_IDS: Readonly<Record<Exclude<NativeTypeName, 'duration'>, number>> = {
  ascii: TypeOptionId.Ascii,
  bigint: TypeOptionId.Bigint,
  blob: TypeOptionId.Blob,
  boolean: TypeOptionId.Boolean,
  counter: TypeOptionId.Counter,
  decimal: TypeOptionId.Decimal,
  double: TypeOptionId.Double,
  float: TypeOptionId.Float,
  int: TypeOptionId.Int,
  timestamp: TypeOptionId.Timestamp,
  uuid: TypeOptionId.Uuid,
  text: TypeOptionId.Varchar,
  varint: TypeOptionId.Varint,
  timeuuid: TypeOptionId.Timeuuid,
  inet: TypeOptionId.Inet,
  date: TypeOptionId.Date,
  time: TypeOptionId.Time,
  smallint: TypeOptionId.Smallint,
  tinyint: TypeOptionId.Tinyint,
};

const NATIVE_BY_ID = new Map<number, NativeTypeName>(
  Object.entries(NATIVE_IDS).map(([name, id]) => [id, name as NativeTypeName]),
);
NATIVE_BY_ID.set(TypeOptionId.LegacyText, 'text');
NATIVE_BY_ID.set(TypeOptionId.Duration, 'duration');

export function writeTypeOption(writer: BodyWriter, type: CqlType): void {
  switch (type.kind) {
    case 'native':
      if (type.name === 'duration') {
        writer.writeShort(TypeOptionId.Custom);
        writer.writeString(DURATION_CUSTOM_CLASS);
      } else {
        writer.writeShort(NATIVE_IDS[type.name]);
      }
      return;
    case 'list':
      writer.writeShort(TypeOptionId.List);
      writeTypeOption(writer, type.element);
      return;
    case 'set':
      writer.writeShort(TypeOptionId.Set);
      writeTypeOption(writer, type.element);
      return;
    case 'map':
      writer.writeShort(TypeOptionId.Map);
      writeTypeOption(writer, type.key);
      writeTypeOption(writer, type.value);
      return;
    case 'tuple':
      writer.writeShort(TypeOptionId.Tuple);
      writer.writeShort(type.elements.length);
      for (const element of type.elements) writeTypeOption(writer, element);
      return;
    case 'udt':
      writer.writeShort(TypeOptionId.Udt);
      writer.writeString(type.keyspace);
      writer.writeString(type.name);
      writer.writeShort(type.fieldNames.length);
      for (let i = 0; i < type.fieldNames.length; i++) {
        writer.writeString(type.fieldNames[i]!);
        writeTypeOption(writer, type.fieldTypes[i]!);
      }
      return;
    case 'custom':
      writer.writeShort(TypeOptionId.Custom);
      writer.writeString(type.className);
      return;
    default:
      assertNever(type, 'CQL type');
  }
}

/** Reads an [option]; used by tests and tooling that read our responses. */
export function readTypeOption(reader: BodyReader, depth = 0): CqlType {
  if (depth > TYPE_OPTION_DEPTH_MAX) throw new MalformedBodyError('Type option nested too deeply');
  const id = reader.readShort();
  const native = NATIVE_BY_ID.get(id);
  if (native !== undefined) return { kind: 'native', name: native };
  switch (id) {
    case TypeOptionId.Custom: {
      const className = reader.readString();
      return className === DURATION_CUSTOM_CLASS ? { kind: 'native', name: 'duration' } : { kind: 'custom', className };
    }
    case TypeOptionId.List:
      return { kind: 'list', element: readTypeOption(reader, depth + 1), frozen: false };
    case TypeOptionId.Set:
      return { kind: 'set', element: readTypeOption(reader, depth + 1), frozen: false };
    case TypeOptionId.Map: {
      const key = readTypeOption(reader, depth + 1);
      return { kind: 'map', key, value: readTypeOption(reader, depth + 1), frozen: false };
    }
    case TypeOptionId.Tuple: {
      const count = reader.readShort();
      const elements: CqlType[] = [];
      for (let i = 0; i < count; i++) elements.push(readTypeOption(reader, depth + 1));
      return { kind: 'tuple', elements };
    }
    case TypeOptionId.Udt: {
      const keyspace = reader.readString();
      const name = reader.readString();
      const count = reader.readShort();
      const fieldNames: string[] = [];
      const fieldTypes: CqlType[] = [];
      for (let i = 0; i < count; i++) {
        fieldNames.push(reader.readString());
        fieldTypes.push(readTypeOption(reader, depth + 1));
      }
      return { kind: 'udt', keyspace, name, fieldNames, fieldTypes, frozen: false };
    }
    default:
      throw new MalformedBodyError(`Unknown type option id 0x${id.toString(16)}`);
  }
}
