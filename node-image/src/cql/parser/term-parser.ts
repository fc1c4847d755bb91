// Parser.g terms: constants, NULL, bind markers (`?`, `:name`, numbered in order of appearance),
// collection/UDT/tuple literals, function calls, type hints `(int) ?`, CAST(x AS type) and
// arithmetic with Cassandra's precedence (+ - below * / %, unary minus on a simple term).
import type { ConstantKind, Term } from '../ast.ts';
import type { Cursor } from './cursor.ts';
import { functionName, ident, identValue, isFunctionCallAt, stringValue } from './names.ts';
import { parseType, scanType } from './type-parser.ts';
import { K, T, isConstantToken, isIdentToken, isNativeTypeToken } from './tokens.ts';

const NULL_TERM: Term = { kind: 'null' };
const EMPTY_BRACES: Term = { kind: 'emptyBraces' };

/** Parser.g `term`: termAddition. */
export function parseTerm(c: Cursor): Term {
  let left = termMultiplication(c);
  for (;;) {
    const t = c.peek();
    if ((t !== T.PLUS && t !== T.MINUS) || !startsTermAt(c, c.pos + 1)) return left;
    c.advance();
    left = { kind: 'binary', op: t === T.PLUS ? '+' : '-', left, right: termMultiplication(c) };
  }
}

function termMultiplication(c: Cursor): Term {
  let left = termGroup(c);
  for (;;) {
    const t = c.peek();
    if (t !== T.STAR && t !== T.SLASH && t !== T.PERCENT) return left;
    c.advance();
    left = { kind: 'binary', op: t === T.STAR ? '*' : t === T.SLASH ? '/' : '%', left, right: termGroup(c) };
  }
}

function termGroup(c: Cursor): Term {
  if (c.peek() !== T.MINUS) return simpleTerm(c);
  c.advance();
  return { kind: 'negate', term: simpleTerm(c) };
}

/** True when a term can start at token index `i` (function calls need their `(`). */
export function startsTermAt(c: Cursor, i: number): boolean {
  return c.typeAt(i) === T.MINUS || startsSimpleTermAt(c, i);
}

function startsSimpleTermAt(c: Cursor, i: number): boolean {
  const t = c.typeAt(i);
  if (isConstantToken(t)) return true;
  switch (t) {
    case K.NULL: case T.QMARK: case T.COLON: case T.LBRACKET: case T.LBRACE: case T.LPAREN:
      return true;
    case K.CAST:
      return c.typeAt(i + 1) === T.LPAREN || isFunctionCallAt(c, i);
    default:
      return isFunctionCallAt(c, i);
  }
}

/** Parser.g `simpleTerm`: value | function | (type) simpleTerm | CAST(simpleTerm AS native_type). */
function simpleTerm(c: Cursor): Term {
  c.enter();
  const term = simpleTermInner(c);
  c.leave();
  return term;
}

function simpleTermInner(c: Cursor): Term {
  const t = c.peek();
  if (isConstantToken(t)) return parseConstant(c);
  switch (t) {
    case K.NULL:
      c.advance();
      return NULL_TERM;
    case T.QMARK: case T.COLON:
      return parseMarker(c);
    case T.LBRACKET:
      return listLiteral(c);
    case T.LBRACE:
      return braceLiteral(c);
    case T.LPAREN: {
      const end = scanType(c, c.pos + 1);
      if (end > 0 && c.typeAt(end) === T.RPAREN && startsSimpleTermAt(c, end + 1)) {
        c.advance();
        const type = parseType(c);
        c.expect(T.RPAREN);
        return { kind: 'cast', type, term: simpleTerm(c) };
      }
      return parseTupleLiteral(c);
    }
    case K.CAST:
      if (c.la(2) !== T.LPAREN) break;
      c.advance();
      c.advance();
      {
        const term = simpleTerm(c);
        c.expect(K.AS);
        if (!isNativeTypeToken(c.peek())) c.noViable();
        const name = c.raw(c.pos).toLowerCase();
        c.advance();
        c.expect(T.RPAREN);
        return { kind: 'cast', type: { kind: 'native', name }, term };
      }
    default:
      break;
  }
  if (isFunctionCallAt(c, c.pos)) return functionCall(c);
  return c.noViable();
}

function functionCall(c: Cursor): Term {
  const name = functionName(c);
  c.expect(T.LPAREN);
  const args: Term[] = [];
  if (!c.accept(T.RPAREN)) {
    args.push(parseTerm(c));
    while (c.accept(T.COMMA)) args.push(parseTerm(c));
    c.expect(T.RPAREN);
  }
  return { kind: 'function', keyspace: name.keyspace, name: name.name, args };
}

const CONSTANT_KINDS: Readonly<Record<number, ConstantKind>> = {
  [T.STRING_LITERAL]: 'string', [T.INTEGER]: 'integer', [T.FLOAT]: 'float', [T.BOOLEAN]: 'boolean',
  [T.DURATION]: 'duration', [T.UUID]: 'uuid', [T.HEXNUMBER]: 'hex',
};

/** Parser.g `constant`. NaN and -NaN are both `NaN`; the infinities keep their sign. */
export function parseConstant(c: Cursor): Term & { readonly kind: 'constant' } {
  const t = c.peek();
  const i = c.pos;
  c.advance();
  switch (t) {
    case T.STRING_LITERAL: return { kind: 'constant', type: 'string', text: stringValue(c, i) };
    case K.POSITIVE_NAN: case K.NEGATIVE_NAN: return { kind: 'constant', type: 'nan', text: 'NaN' };
    case K.POSITIVE_INFINITY: return { kind: 'constant', type: 'infinity', text: 'Infinity' };
    case K.NEGATIVE_INFINITY: return { kind: 'constant', type: 'infinity', text: '-Infinity' };
    default: return { kind: 'constant', type: CONSTANT_KINDS[t]!, text: c.raw(i) };
  }
}

/** Parser.g `marker`: `?` or `:name`. */
export function parseMarker(c: Cursor): Term {
  if (c.accept(T.QMARK)) return { kind: 'bind', index: c.newBindMarker(null), name: null };
  c.expect(T.COLON);
  const name = ident(c);
  return { kind: 'bind', index: c.newBindMarker(name), name };
}

/** Parser.g `intValue`: an INTEGER or a bind marker (LIMIT, TTL, TIMESTAMP). */
export function parseIntValue(c: Cursor): Term {
  const t = c.peek();
  if (t === T.INTEGER) return parseConstant(c);
  if (t === T.QMARK || t === T.COLON) return parseMarker(c);
  return c.noViable();
}

function listLiteral(c: Cursor): Term {
  c.expect(T.LBRACKET);
  const elements: Term[] = [];
  if (!c.accept(T.RBRACKET)) {
    elements.push(parseTerm(c));
    while (c.accept(T.COMMA)) elements.push(parseTerm(c));
    c.expect(T.RBRACKET);
  }
  return { kind: 'list', elements };
}

/** `{}`, a set `{t, ...}`, a map `{t: t, ...}` or a UDT literal `{field: t, ...}` (identifier keys). */
function braceLiteral(c: Cursor): Term {
  c.expect(T.LBRACE);
  if (c.accept(T.RBRACE)) return EMPTY_BRACES;
  if (isIdentToken(c.peek()) && c.la(2) === T.COLON) {
    const fields: Array<readonly [string, Term]> = [];
    do {
      const field = identValue(c, c.pos);
      c.advance();
      c.expect(T.COLON);
      fields.push([field, parseTerm(c)]);
    } while (c.accept(T.COMMA) && (isIdentToken(c.peek()) || c.noViable()));
    c.expect(T.RBRACE);
    return { kind: 'udt', fields };
  }
  const first = parseTerm(c);
  if (c.accept(T.COLON)) {
    const entries: Array<readonly [Term, Term]> = [[first, parseTerm(c)]];
    while (c.accept(T.COMMA)) {
      const key = parseTerm(c);
      c.expect(T.COLON);
      entries.push([key, parseTerm(c)]);
    }
    c.expect(T.RBRACE);
    return { kind: 'map', entries };
  }
  const elements = [first];
  while (c.accept(T.COMMA)) elements.push(parseTerm(c));
  c.expect(T.RBRACE);
  return { kind: 'set', elements };
}

/** Parser.g `tupleLiteral`: `(t, ...)` with at least one element. */
export function parseTupleLiteral(c: Cursor): Term {
  c.expect(T.LPAREN);
  const elements = [parseTerm(c)];
  while (c.accept(T.COMMA)) elements.push(parseTerm(c));
  c.expect(T.RPAREN);
  return { kind: 'tuple', elements };
}
