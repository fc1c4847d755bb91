// Parser.g `comparatorType`: native types, collections, tuples, frozen<>, user types
// (`[ks.]name`) and custom types written as a class-name string. `scanType` recognises the same
// language without building anything, for the lookahead that tells `(type) term` from `(term)`.
import type { TypeExpr } from '../ast.ts';
import { NESTING_DEPTH_MAX } from './cursor.ts';
import type { Cursor } from './cursor.ts';
import { stringValue, userTypeName } from './names.ts';
import { K, T, isIdentToken, isNativeTypeToken, isNonTypeIdentToken } from './tokens.ts';

export function parseType(c: Cursor): TypeExpr {
  c.enter();
  const type = parseTypeInner(c);
  c.leave();
  return type;
}

function parseTypeInner(c: Cursor): TypeExpr {
  const t = c.peek();
  if (isNativeTypeToken(t) && c.la(2) !== T.DOT) {
    const name = c.raw(c.pos).toLowerCase();
    c.advance();
    return { kind: 'native', name };
  }
  const opensAngle = c.la(2) === T.LT;
  switch (t) {
    case K.SET:
      c.advance();
      c.expect(T.LT);
      return { kind: 'set', element: closeAngle(c, parseType(c)) };
    case K.LIST:
      if (!opensAngle) break;
      c.advance();
      c.advance();
      return { kind: 'list', element: closeAngle(c, parseType(c)) };
    case K.MAP: {
      if (!opensAngle) break;
      c.advance();
      c.advance();
      const key = parseType(c);
      c.expect(T.COMMA);
      return { kind: 'map', key, value: closeAngle(c, parseType(c)) };
    }
    case K.TUPLE: {
      if (!opensAngle) break;
      c.advance();
      c.advance();
      const elements = [parseType(c)];
      while (c.accept(T.COMMA)) elements.push(parseType(c));
      return { kind: 'tuple', elements: closeAngle(c, elements) };
    }
    case K.FROZEN:
      if (!opensAngle) break;
      c.advance();
      c.advance();
      return { kind: 'frozen', inner: closeAngle(c, parseType(c)) };
    case K.VECTOR:
      if (opensAngle) c.unsupported('The vector type');
      break;
    case T.STRING_LITERAL: {
      const className = stringValue(c, c.pos);
      c.advance();
      return { kind: 'custom', className };
    }
    default:
      break;
  }
  if (isIdentToken(t)) {
    const name = userTypeName(c);
    return { kind: 'udt', keyspace: name.keyspace, name: name.name };
  }
  return c.noViable();
}

function closeAngle<X>(c: Cursor, value: X): X {
  c.expect(T.GT);
  return value;
}

/** Index just past a type starting at token index `i`, or -1 if none starts there. */
export function scanType(c: Cursor, i: number, depth = 0): number {
  if (depth > NESTING_DEPTH_MAX) return -1;
  const t = c.typeAt(i);
  const angle = c.typeAt(i + 1) === T.LT;
  if (angle && (t === K.SET || t === K.LIST || t === K.FROZEN || t === K.MAP || t === K.TUPLE)) {
    let j = scanType(c, i + 2, depth + 1);
    if (j < 0) return -1;
    if (t === K.MAP) {
      if (c.typeAt(j) !== T.COMMA) return -1;
      j = scanType(c, j + 1, depth + 1);
      if (j < 0) return -1;
    } else if (t === K.TUPLE) {
      while (c.typeAt(j) === T.COMMA) {
        j = scanType(c, j + 1, depth + 1);
        if (j < 0) return -1;
      }
    }
    return c.typeAt(j) === T.GT ? j + 1 : -1;
  }
  if (t === T.STRING_LITERAL) return i + 1;
  const dotted = c.typeAt(i + 1) === T.DOT;
  if (isNativeTypeToken(t) && !dotted) return i + 1;
  if (isIdentToken(t) && dotted) return isNonTypeIdentToken(c.typeAt(i + 2)) ? i + 3 : -1;
  return isNonTypeIdentToken(t) ? i + 1 : -1;
}

/** A type expression written back as CQL (`frozen<map<text, int>>`, `ks.address`, `'org.Foo'`). */
export function formatTypeExpr(type: TypeExpr): string {
  switch (type.kind) {
    case 'native': return type.name;
    case 'list': return `list<${formatTypeExpr(type.element)}>`;
    case 'set': return `set<${formatTypeExpr(type.element)}>`;
    case 'map': return `map<${formatTypeExpr(type.key)}, ${formatTypeExpr(type.value)}>`;
    case 'tuple': return `tuple<${type.elements.map(formatTypeExpr).join(', ')}>`;
    case 'frozen': return `frozen<${formatTypeExpr(type.inner)}>`;
    case 'udt': return type.keyspace === null ? formatName(type.name) : `${formatName(type.keyspace)}.${formatName(type.name)}`;
    case 'custom': return `'${type.className.replaceAll("'", "''")}'`;
  }
}

/** An identifier as CQL: bare when it is a plain lower-case name, else double-quoted. */
export function formatName(name: string): string {
  return /^[a-z][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}
