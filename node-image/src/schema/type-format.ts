// CQL type names as Cassandra writes them in system_schema.columns.type and DESCRIBE output
// (`map<text, int>`, `frozen<list<int>>`, `frozen<tuple<int, text>>`, `frozen<address>`), identifier
// quoting, and native type lookup by CQL name (aliases included: varchar is text).
import { assertNever } from '../lib/index.ts';
import type { CqlType, NativeTypeName } from './cql-type.ts';
import { NATIVE_TYPE_NAMES } from './cql-type.ts';

/** Cassandra 4.x reserved keywords: identifiers spelled like these must be double-quoted. */
export const RESERVED_KEYWORDS: ReadonlySet<string> = new Set([
  'ADD', 'ALLOW', 'ALTER', 'AND', 'APPLY', 'ASC', 'AUTHORIZE', 'BATCH', 'BEGIN', 'BY', 'COLUMNFAMILY', 'CREATE',
  'DEFAULT', 'DELETE', 'DESC', 'DESCRIBE', 'DROP', 'ENTRIES', 'EXECUTE', 'FROM', 'FULL', 'GRANT', 'IF', 'IN',
  'INDEX', 'INFINITY', 'INSERT', 'INTO', 'IS', 'KEYSPACE', 'LIMIT', 'MATERIALIZED', 'MBEAN', 'MBEANS', 'MODIFY',
  'NAN', 'NORECURSIVE', 'NOT', 'NULL', 'OF', 'ON', 'OR', 'ORDER', 'PRIMARY', 'RENAME', 'REPLACE', 'REVOKE',
  'SCHEMA', 'SELECT', 'SET', 'TABLE', 'TO', 'TOKEN', 'TRUNCATE', 'UNLOGGED', 'UNSET', 'UPDATE', 'USE', 'USING',
  'VIEW', 'WHERE', 'WITH',
]);

const UNQUOTED_IDENTIFIER = /^[a-z][a-z0-9_]*$/;

/** `name` as it must be written in CQL: bare when a lowercase unreserved identifier, else `"..."` with `"` doubled. */
export function formatCqlIdentifier(name: string): string {
  if (UNQUOTED_IDENTIFIER.test(name) && !RESERVED_KEYWORDS.has(name.toUpperCase())) return name;
  return `"${name.replaceAll('"', '""')}"`;
}

const NATIVE_ALIASES: Readonly<Record<string, NativeTypeName>> = { varchar: 'text' };
const NATIVE_NAME_SET: ReadonlySet<string> = new Set(NATIVE_TYPE_NAMES);

/** The native type a CQL type name denotes (case-insensitive, `varchar` is `text`); undefined if none. */
export function nativeTypeByName(name: string): NativeTypeName | undefined {
  const lower = name.toLowerCase();
  if (NATIVE_NAME_SET.has(lower)) return lower as NativeTypeName;
  return NATIVE_ALIASES[lower];
}

const frozen = (inner: string, isFrozen: boolean): string => (isFrozen ? `frozen<${inner}>` : inner);

/** The CQL text of a type, as in system_schema.columns.type. Tuples are always frozen. */
export function formatType(type: CqlType): string {
  switch (type.kind) {
    case 'native':
      return type.name;
    case 'list':
      return frozen(`list<${formatType(type.element)}>`, type.frozen);
    case 'set':
      return frozen(`set<${formatType(type.element)}>`, type.frozen);
    case 'map':
      return frozen(`map<${formatType(type.key)}, ${formatType(type.value)}>`, type.frozen);
    case 'tuple':
      return `frozen<tuple<${type.elements.map(formatType).join(', ')}>>`;
    case 'udt':
      return frozen(formatCqlIdentifier(type.name), type.frozen);
    case 'custom':
      return `'${type.className.replaceAll("'", "''")}'`;
    default:
      return assertNever(type, 'type');
  }
}
