// Identifier and qualified-name rules of Cassandra's Parser.g (ident, cident, keyspaceName,
// columnFamilyName, userTypeName, functionName, roleName, username). Unquoted identifiers and
// unreserved keywords are lower-cased; quoted identifiers keep their case with `""` unescaped.
import type { QualifiedName } from '../ast.ts';
import type { Cursor } from './cursor.ts';
import { K, T, isFunctionNameToken, isIdentToken, isNonTypeIdentToken } from './tokens.ts';

/** Parser.g reservedTypeNames: IDENTs refused as user type names (compared as written). */
const RESERVED_TYPE_NAMES: ReadonlySet<string> = new Set(['byte', 'complex', 'enum', 'date', 'interval', 'macaddr', 'bitstring']);

/** Value of an identifier-like token at index `i` (IDENT, keyword, QUOTED_NAME, EMPTY_QUOTED_NAME). */
export function identValue(c: Cursor, i: number): string {
  const type = c.types[i]!;
  if (type === T.QUOTED_NAME) return c.text.slice(c.starts[i]! + 1, c.ends[i]! - 1).replaceAll('""', '"');
  if (type === T.EMPTY_QUOTED_NAME) return '';
  return c.raw(i).toLowerCase();
}

/** Value of the STRING_LITERAL token at index `i`: `'...'` with `''` unescaped, or `$$...$$`. */
export function stringValue(c: Cursor, i: number): string {
  const start = c.starts[i]!;
  const end = c.ends[i]!;
  if (c.text.charCodeAt(start) === 36) return c.text.slice(start + 2, end - 2);
  const inner = c.text.slice(start + 1, end - 1);
  return inner.includes("''") ? inner.replaceAll("''", "'") : inner;
}

/** Parser.g `ident` / `noncol_ident` / `fident` / `sident`: IDENT, QUOTED_NAME or an unreserved keyword. */
export function ident(c: Cursor): string {
  if (!isIdentToken(c.peek())) c.noViable();
  const name = identValue(c, c.pos);
  c.advance();
  return name;
}

/** Parser.g `cident`: an ident or `""` (the legacy empty column name). */
export function cident(c: Cursor): string {
  if (c.peek() === T.EMPTY_QUOTED_NAME) {
    c.advance();
    return '';
  }
  return ident(c);
}

export function isCidentToken(type: number): boolean {
  return type === T.EMPTY_QUOTED_NAME || isIdentToken(type);
}

/** ksName / cfName / idxName: an ident; a bind marker gets Cassandra's dedicated message. */
function schemaObjectName(c: Cursor, what: string): string {
  if (c.peek() === T.QMARK) c.recognition(`Bind variables cannot be used for ${what} names`);
  return ident(c);
}

export function keyspaceName(c: Cursor): string {
  return schemaObjectName(c, 'keyspace');
}

/** `[ks.]name` for tables, views and indexes (`what` names the object in the bind marker message). */
export function qualifiedName(c: Cursor, what: 'table' | 'index'): QualifiedName {
  const first = c.peek();
  if ((isIdentToken(first) || first === T.QMARK) && c.la(2) === T.DOT) {
    const keyspace = keyspaceName(c);
    c.advance();
    return { keyspace, name: schemaObjectName(c, what) };
  }
  return { keyspace: null, name: schemaObjectName(c, what) };
}

export function tableName(c: Cursor): QualifiedName {
  return qualifiedName(c, 'table');
}

/** Parser.g `userTypeName`: `[ks.]name` where the name may not be a native type. */
export function userTypeName(c: Cursor): QualifiedName {
  let keyspace: string | null = null;
  if (isIdentToken(c.peek()) && c.la(2) === T.DOT) {
    keyspace = ident(c);
    c.advance();
  }
  const type = c.peek();
  if (!isNonTypeIdentToken(type)) c.noViable();
  if (type === T.IDENT && RESERVED_TYPE_NAMES.has(c.raw(c.pos))) {
    c.recognition(`Invalid (reserved) user type name ${c.raw(c.pos)}`);
  }
  const name = identValue(c, c.pos);
  c.advance();
  return { keyspace, name };
}

/** True when a function call `name(` or `ks.name(` starts at token index `i`. */
export function isFunctionCallAt(c: Cursor, i: number): boolean {
  const type = c.typeAt(i);
  const next = c.typeAt(i + 1);
  if (next === T.LPAREN) return isFunctionNameToken(type);
  return next === T.DOT && (isIdentToken(type) || type === T.QMARK) && isFunctionNameToken(c.typeAt(i + 2))
    && c.typeAt(i + 3) === T.LPAREN;
}

/** Parser.g `functionName`: `[ks.]name` with TOKEN and COUNT allowed as names. */
export function functionName(c: Cursor): QualifiedName {
  let keyspace: string | null = null;
  if (c.la(2) === T.DOT) {
    keyspace = keyspaceName(c);
    c.advance();
  }
  if (!isFunctionNameToken(c.peek())) c.noViable();
  const name = identValue(c, c.pos);
  c.advance();
  return { keyspace, name };
}

/** Parser.g `roleName`: IDENT and keywords lower-cased; quoted names and string literals kept as written. */
export function roleName(c: Cursor): string {
  const type = c.peek();
  if (type === T.STRING_LITERAL) {
    const name = stringValue(c, c.pos);
    c.advance();
    return name;
  }
  if (type === T.QMARK) c.recognition('Bind variables cannot be used for role names');
  return ident(c);
}

/** Parser.g `username` (CREATE/ALTER/DROP USER): IDENT kept as written, or a string literal. */
export function userName(c: Cursor): string {
  const type = c.peek();
  if (type === T.IDENT) {
    const name = c.raw(c.pos);
    c.advance();
    return name;
  }
  if (type === T.STRING_LITERAL) {
    const name = stringValue(c, c.pos);
    c.advance();
    return name;
  }
  if (type === T.QUOTED_NAME) {
    c.recognition('Quoted strings are are not supported for user names and USER is deprecated, please use ROLE');
  }
  return c.noViable();
}

/** `IF NOT EXISTS` after the IF has been seen: consumes all three tokens. */
export function ifNotExists(c: Cursor): boolean {
  if (c.peek() !== K.IF) return false;
  c.advance();
  c.expect(K.NOT);
  c.expect(K.EXISTS);
  return true;
}

/** `IF EXISTS`. */
export function ifExists(c: Cursor): boolean {
  if (c.peek() !== K.IF) return false;
  c.advance();
  c.expect(K.EXISTS);
  return true;
}
