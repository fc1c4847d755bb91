// Turns corpus parameters (plain YAML) into the JS values cassandra-driver binds. Plain numbers,
// strings, booleans, null and arrays pass through; a one-key object `{ $tag: value }` builds a typed
// value (`$blob: hex`, `$bigint: '123'`, `$set: [...]`, `$unset: true`...).
import cassandra from 'cassandra-driver';

const { types } = cassandra;

export function toDriverValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(toDriverValue);
  const entries = Object.entries(value as Record<string, unknown>);
  const first = entries[0];
  if (entries.length !== 1 || first === undefined || !first[0].startsWith('$')) {
    // A plain object binds a UDT by field name.
    return Object.fromEntries(entries.map(([k, v]) => [k, toDriverValue(v)]));
  }
  const [tag, raw] = first;
  const text = String(raw);
  switch (tag) {
    case '$unset':
      return types.unset;
    case '$blob':
      return Buffer.from(text, 'hex');
    case '$bigint':
      return types.Long.fromString(text);
    case '$varint':
      return types.Integer.fromString(text);
    case '$decimal':
      return types.BigDecimal.fromString(text);
    case '$uuid':
      return types.Uuid.fromString(text);
    case '$timeuuid':
      return types.TimeUuid.fromString(text);
    case '$inet':
      return types.InetAddress.fromString(text);
    case '$date':
      return types.LocalDate.fromString(text);
    case '$time':
      return types.LocalTime.fromString(text);
    case '$timestamp':
      return new Date(text);
    case '$duration':
      return types.Duration.fromString(text);
    case '$tuple':
      return types.Tuple.fromArray((raw as unknown[]).map(toDriverValue));
    case '$set':
      return new Set((raw as unknown[]).map(toDriverValue));
    case '$map':
      return new Map((raw as Array<[unknown, unknown]>).map(([k, v]) => [toDriverValue(k), toDriverValue(v)]));
    default:
      throw new Error(`unknown parameter tag ${tag}`);
  }
}
