// A case's outcome on one target, as plain JSON: rows with column names and CQL types, a void
// result, or an error with its native-protocol code. Values are canonical strings/arrays so two
// targets (or a target and its golden file) compare with deep equality.
import cassandra from 'cassandra-driver';

const { types, errors } = cassandra;

export interface ColumnOutcome {
  readonly name: string;
  readonly type: string;
}

export type RowsOutcome = {
  readonly kind: 'rows';
  readonly columns: readonly ColumnOutcome[];
  readonly rowCount: number;
  /** Empty when the case compares columns only. */
  readonly rows: readonly (readonly unknown[])[];
  /** Rows per page when the case pages (fetchSize). */
  readonly pages?: readonly number[];
  /** Server warnings: recorded, never compared (see docs/compatibility.md). */
  readonly warnings?: readonly string[];
};

export type Outcome =
  | RowsOutcome
  | { readonly kind: 'void'; readonly warnings?: readonly string[] }
  | { readonly kind: 'metadata'; readonly value: unknown }
  | { readonly kind: 'error'; readonly code: string; readonly codeName: string; readonly message: string }
  | { readonly kind: 'client-error'; readonly errorName: string; readonly message: string };

/** Native-protocol error code -> the driver's name for it (`types.responseErrorCodes`). */
const ERROR_CODE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(types.responseErrorCodes as unknown as Record<string, number>).map(([name, code]) => [code, name]),
);

export function errorCodeName(code: number): string {
  return ERROR_CODE_NAMES.get(code) ?? `unknown(0x${code.toString(16)})`;
}

export function errorOutcome(error: unknown): Outcome {
  if (error instanceof errors.ResponseError) {
    return {
      kind: 'error',
      code: `0x${error.code.toString(16).padStart(4, '0')}`,
      codeName: errorCodeName(error.code),
      message: error.message,
    };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { kind: 'client-error', errorName: e.constructor.name, message: e.message };
}

interface DriverType {
  code: number;
  info?: unknown;
}

const SIMPLE_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  // 0x000a: the driver's schema parser codes text columns as the legacy varchar code.
  [0x0001, 'ascii'], [0x0002, 'bigint'], [0x000a, 'text'], [0x0003, 'blob'], [0x0004, 'boolean'], [0x0005, 'counter'],
  [0x0006, 'decimal'], [0x0007, 'double'], [0x0008, 'float'], [0x0009, 'int'], [0x000b, 'timestamp'],
  [0x000c, 'uuid'], [0x000d, 'text'], [0x000e, 'varint'], [0x000f, 'timeuuid'], [0x0010, 'inet'],
  [0x0011, 'date'], [0x0012, 'time'], [0x0013, 'smallint'], [0x0014, 'tinyint'], [0x0015, 'duration'],
]);

/** The CQL spelling of a result column type as the protocol (v4) describes it. */
export function typeName(type: DriverType): string {
  const simple = SIMPLE_TYPE_NAMES.get(type.code);
  if (simple !== undefined) return simple;
  switch (type.code) {
    case 0x0000:
      return `'${String(type.info)}'`;
    case 0x0020:
      return `list<${typeName(type.info as DriverType)}>`;
    case 0x0022:
      return `set<${typeName(type.info as DriverType)}>`;
    case 0x0021: {
      const [k, v] = type.info as [DriverType, DriverType];
      return `map<${typeName(k)}, ${typeName(v)}>`;
    }
    case 0x0031:
      return `tuple<${(type.info as DriverType[]).map(typeName).join(', ')}>`;
    case 0x0030: {
      const udt = type.info as { keyspace: string; name: string; fields: Array<{ name: string; type: DriverType }> };
      const fields = udt.fields.map((f) => `${f.name} ${typeName(f.type)}`).join(', ');
      return `${udt.keyspace}.${udt.name}{${fields}}`;
    }
    default:
      return `unknown(0x${type.code.toString(16)})`;
  }
}

/** Canonical JSON form of a decoded value; the column type disambiguates (text vs blob hex). */
export function canonicalValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    if (Object.is(value, -0)) return '-0';
    return value;
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'InvalidDate' : value.toISOString();
  if (value instanceof types.Long) return value.toString();
  if (value instanceof types.Tuple) return { tuple: value.values().map(canonicalValue) };
  if (value instanceof Map) return { map: [...value.entries()].map(([k, v]) => [canonicalValue(k), canonicalValue(v)]) };
  if (value instanceof Set) return { set: [...value].map(canonicalValue) };
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (
    value instanceof types.Uuid || value instanceof types.InetAddress || value instanceof types.BigDecimal ||
    value instanceof types.Integer || value instanceof types.LocalDate || value instanceof types.LocalTime ||
    value instanceof types.Duration
  ) {
    return value.toString();
  }
  if (typeof value === 'object') {
    // A UDT value: fields in declaration order.
    return { udt: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canonicalValue(v)])) };
  }
  return String(value);
}
