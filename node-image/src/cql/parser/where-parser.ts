// WHERE clauses (Parser.g whereClause/relation): single-column, map-element, multi-column and
// token relations, IN lists and markers, CONTAINS [KEY], LIKE, IS NOT NULL, parenthesised
// relations. An IN list is a `list` term (a list of tuples for multi-column IN) or one marker.
import type { Relation, RelationOp, Term } from '../ast.ts';
import type { Cursor } from './cursor.ts';
import { cident, isCidentToken } from './names.ts';
import { parseMarker, parseTerm, parseTupleLiteral } from './term-parser.ts';
import { K, T, isRelationTypeToken } from './tokens.ts';

const RELATION_OPS: Readonly<Record<number, RelationOp>> = {
  [T.EQ]: '=', [T.LT]: '<', [T.LTE]: '<=', [T.GT]: '>', [T.GTE]: '>=', [T.NEQ]: '!=',
};

export function parseWhereClause(c: Cursor): Relation[] {
  const relations: Relation[] = [];
  relation(c, relations);
  while (c.accept(K.AND)) relation(c, relations);
  return relations;
}

/** Parser.g `relationType`: = < <= > >= !=. */
export function relationType(c: Cursor): RelationOp {
  const op = RELATION_OPS[c.peek()];
  if (op === undefined) c.noViable();
  c.advance();
  return op;
}

function relation(c: Cursor, out: Relation[]): void {
  c.enter();
  const t = c.peek();
  if (t === K.TOKEN && c.la(2) === T.LPAREN) {
    c.advance();
    const columns = tupleOfIdentifiers(c);
    const op = relationType(c);
    out.push({ kind: 'token', columns, op, value: parseTerm(c) });
  } else if (t === T.LPAREN) {
    const next = c.la(3);
    if (isCidentToken(c.la(2)) && (next === T.COMMA || next === T.RPAREN)) {
      out.push(multiColumnRelation(c));
    } else {
      c.advance();
      relation(c, out);
      c.expect(T.RPAREN);
    }
  } else if (isCidentToken(t)) {
    out.push(singleColumnRelation(c));
  } else {
    c.noViable();
  }
  c.leave();
}

function singleColumnRelation(c: Cursor): Relation {
  const start = c.pos;
  const next = c.la(2);
  if (isRelationTypeToken(next)) {
    const column = cident(c);
    const op = relationType(c);
    return { kind: 'simple', column, op, value: parseTerm(c) };
  }
  switch (next) {
    case K.IN: {
      const column = cident(c);
      c.advance();
      return { kind: 'simple', column, op: 'IN', value: parseInValues(c) };
    }
    case K.CONTAINS: {
      const column = cident(c);
      c.advance();
      const op: RelationOp = c.accept(K.KEY) ? 'CONTAINS KEY' : 'CONTAINS';
      return { kind: 'simple', column, op, value: parseTerm(c) };
    }
    case K.LIKE: {
      const column = cident(c);
      c.advance();
      return { kind: 'simple', column, op: 'LIKE', value: parseTerm(c) };
    }
    case K.IS: {
      const column = cident(c);
      c.advance();
      c.expect(K.NOT);
      c.expect(K.NULL);
      return { kind: 'simple', column, op: 'IS NOT NULL', value: { kind: 'null' } };
    }
    case T.LBRACKET: {
      const column = cident(c);
      c.advance();
      const key = parseTerm(c);
      c.expect(T.RBRACKET);
      const op = relationType(c);
      return { kind: 'element', column, key, op, value: parseTerm(c) };
    }
    default:
      return c.noViable(start + 1, start);
  }
}

/** Parser.g `singleColumnInValues`: `(t, ...)` (possibly empty) or a marker. */
export function parseInValues(c: Cursor): Term {
  const t = c.peek();
  if (t === T.QMARK || t === T.COLON) return parseMarker(c);
  if (t !== T.LPAREN) c.noViable();
  c.advance();
  const elements: Term[] = [];
  if (!c.accept(T.RPAREN)) {
    elements.push(parseTerm(c));
    while (c.accept(T.COMMA)) elements.push(parseTerm(c));
    c.expect(T.RPAREN);
  }
  return { kind: 'list', elements };
}

function tupleOfIdentifiers(c: Cursor): string[] {
  c.expect(T.LPAREN);
  const names = [cident(c)];
  while (c.accept(T.COMMA)) names.push(cident(c));
  c.expect(T.RPAREN);
  return names;
}

function multiColumnRelation(c: Cursor): Relation {
  const columns = tupleOfIdentifiers(c);
  if (c.accept(K.IN)) return { kind: 'multi', columns, op: 'IN', value: multiColumnInValues(c) };
  const op = relationType(c);
  const t = c.peek();
  if (t === T.LPAREN) return { kind: 'multi', columns, op, value: parseTupleLiteral(c) };
  if (t === T.QMARK || t === T.COLON) return { kind: 'multi', columns, op, value: parseMarker(c) };
  return c.noViable();
}

/** `()`, a marker, `((1, 2), (3, 4))` or `(?, ?)`. */
function multiColumnInValues(c: Cursor): Term {
  const t = c.peek();
  if (t === T.QMARK || t === T.COLON) return parseMarker(c);
  if (t !== T.LPAREN) c.noViable();
  c.advance();
  const elements: Term[] = [];
  if (c.accept(T.RPAREN)) return { kind: 'list', elements };
  const first = c.peek();
  if (first === T.LPAREN) {
    elements.push(parseTupleLiteral(c));
    while (c.accept(T.COMMA)) elements.push(parseTupleLiteral(c));
  } else if (first === T.QMARK || first === T.COLON) {
    elements.push(parseMarker(c));
    while (c.accept(T.COMMA)) elements.push(parseMarker(c));
  } else {
    c.noViable();
  }
  c.expect(T.RPAREN);
  return { kind: 'list', elements };
}
