// Modification statements (Parser.g insert/update/delete/batch), USE and TRUNCATE: USING
// TTL/TIMESTAMP, every assignment form (incl. `c = c + 1`, `l = [1] + l`, `c = c -1`, `+=`),
// IF EXISTS / IF NOT EXISTS / IF conditions. Semantic checks the grammar's actions make (same
// column on both sides, incompatible settings of one column) raise Cassandra's messages.
import type {
  Assignment, BatchStatement, Condition, DeleteStatement, DeleteTarget, IfClause, InsertStatement, ModificationStatement,
  Term, TruncateStatement, UpdateStatement, UseStatement, UsingClause,
} from '../ast.ts';
import type { Cursor } from './cursor.ts';
import { cident, ident, ifNotExists, isCidentToken, keyspaceName, stringValue, tableName } from './names.ts';
import { parseIntValue, parseMarker, parseTerm, startsTermAt } from './term-parser.ts';
import { K, T, isRelationTypeToken } from './tokens.ts';
import { parseInValues, parseWhereClause, relationType } from './where-parser.ts';

const NO_USING: UsingClause = { ttl: null, timestamp: null };
const IF_NONE: IfClause = { kind: 'none' };
const IF_EXISTS: IfClause = { kind: 'exists' };
const NO_TARGETS: readonly DeleteTarget[] = [];

/** Parser.g `usingClause`: USING TTL x AND TIMESTAMP y (any order; the last of each kind wins). */
function parseUsing(c: Cursor): UsingClause {
  if (!c.accept(K.USING)) return NO_USING;
  let ttl: Term | null = null;
  let timestamp: Term | null = null;
  do {
    if (c.accept(K.TTL)) ttl = parseIntValue(c);
    else if (c.accept(K.TIMESTAMP)) timestamp = parseIntValue(c);
    else c.noViable();
  } while (c.accept(K.AND));
  return { ttl, timestamp };
}

export function parseInsert(c: Cursor): InsertStatement {
  c.expect(K.INSERT);
  c.expect(K.INTO);
  const table = tableName(c);
  if (c.accept(K.JSON)) {
    let json: Term;
    const t = c.peek();
    if (t === T.STRING_LITERAL) {
      json = { kind: 'constant', type: 'string', text: stringValue(c, c.pos) };
      c.advance();
    } else if (t === T.QMARK || t === T.COLON) {
      json = parseMarker(c);
    } else {
      c.noViable();
    }
    let jsonDefaultUnset = false;
    if (c.accept(K.DEFAULT)) {
      if (c.accept(K.UNSET)) jsonDefaultUnset = true;
      else if (!c.accept(K.NULL)) c.noViable();
    }
    const notExists = ifNotExists(c);
    const using = parseUsing(c);
    return { kind: 'insert', table, columns: null, values: null, json, jsonDefaultUnset, ifNotExists: notExists, using };
  }
  if (c.peek() !== T.LPAREN) c.noViable();
  c.advance();
  const columns = [cident(c)];
  while (c.accept(T.COMMA)) columns.push(cident(c));
  c.expect(T.RPAREN);
  c.expect(K.VALUES);
  c.expect(T.LPAREN);
  const values = [parseTerm(c)];
  while (c.accept(T.COMMA)) values.push(parseTerm(c));
  c.expect(T.RPAREN);
  const notExists = ifNotExists(c);
  const using = parseUsing(c);
  return { kind: 'insert', table, columns, values, json: null, jsonDefaultUnset: false, ifNotExists: notExists, using };
}

export function parseUpdate(c: Cursor): UpdateStatement {
  c.expect(K.UPDATE);
  const table = tableName(c);
  const using = parseUsing(c);
  c.expect(K.SET);
  const assignments: Assignment[] = [];
  addAssignment(c, assignments, columnOperation(c));
  while (c.accept(T.COMMA)) addAssignment(c, assignments, columnOperation(c));
  c.expect(K.WHERE);
  const where = parseWhereClause(c);
  return { kind: 'update', table, using, assignments, where, ifClause: parseIfClause(c) };
}

/** Cassandra's addRawUpdate: a plain `c = v` cannot be combined with any other setting of c. */
function addAssignment(c: Cursor, assignments: Assignment[], next: Assignment): void {
  for (const a of assignments) {
    if (a.column !== next.column) continue;
    const sameField = a.kind === 'setField' && next.kind === 'setField' && a.field === next.field;
    if (a.kind === 'set' || next.kind === 'set' || sameField) {
      c.recognition(`Multiple incompatible setting of column ${next.column}`);
    }
  }
  assignments.push(next);
}

function columnOperation(c: Cursor): Assignment {
  const column = cident(c);
  switch (c.peek()) {
    case T.EQ:
      c.advance();
      return normalColumnOperation(c, column);
    case T.PLUS_EQ:
      c.advance();
      return { kind: 'add', column, value: parseTerm(c) };
    case T.MINUS_EQ:
      c.advance();
      return { kind: 'subtract', column, value: parseTerm(c) };
    case T.LBRACKET: {
      c.advance();
      const key = parseTerm(c);
      c.expect(T.RBRACKET);
      c.expect(T.EQ);
      return { kind: 'setElement', column, key, value: parseTerm(c) };
    }
    case T.DOT: {
      c.advance();
      const field = ident(c);
      c.expect(T.EQ);
      return { kind: 'setField', column, field, value: parseTerm(c) };
    }
    default:
      return c.noViable();
  }
}

/** After `col =`: `v`, `v + col` (prepend), `col + v`, `col - v`, or `col -1` (lexed as an INTEGER). */
function normalColumnOperation(c: Cursor, column: string): Assignment {
  const next = c.la(2);
  if (isCidentToken(c.peek()) && (next === T.PLUS || next === T.MINUS || next === T.INTEGER)) {
    const other = cident(c);
    if (next === T.INTEGER) {
      const text = c.raw(c.pos);
      c.advance();
      if (other !== column) {
        c.recognition(`Only expressions of the form X = X ${text.startsWith('-') ? '-' : '+'} <value> are supported.`);
      }
      return { kind: 'add', column, value: { kind: 'constant', type: 'integer', text } };
    }
    c.advance();
    if (other !== column) c.recognition(`Only expressions of the form X = X ${next === T.PLUS ? '+' : '-'}<value> are supported.`);
    const value = parseTerm(c);
    return next === T.PLUS ? { kind: 'add', column, value } : { kind: 'subtract', column, value };
  }
  if (!startsTermAt(c, c.pos)) c.noViable(isCidentToken(c.peek()) ? c.pos + 1 : c.pos, c.pos);
  const value = parseTerm(c);
  if (c.peek() === T.PLUS && isCidentToken(c.la(2))) {
    c.advance();
    const other = cident(c);
    if (other !== column) c.recognition('Only expressions of the form X = <value> + X are supported.');
    return { kind: 'prepend', column, value };
  }
  return { kind: 'set', column, value };
}

/** `IF EXISTS`, `IF cond AND cond ...` or nothing (UPDATE and DELETE). */
function parseIfClause(c: Cursor): IfClause {
  if (!c.accept(K.IF)) return IF_NONE;
  if (c.peek() === K.EXISTS && !continuesCondition(c.la(2))) {
    c.advance();
    return IF_EXISTS;
  }
  const conditions = [columnCondition(c)];
  while (c.accept(K.AND)) conditions.push(columnCondition(c));
  return { kind: 'conditions', conditions };
}

function continuesCondition(type: number): boolean {
  return isRelationTypeToken(type) || type === K.IN || type === K.CONTAINS || type === T.LBRACKET || type === T.DOT;
}

/** Parser.g `columnCondition`. */
function columnCondition(c: Cursor): Condition {
  const column = cident(c);
  const t = c.peek();
  if (isRelationTypeToken(t)) {
    const op = relationType(c);
    return { kind: 'column', column, op, value: parseTerm(c) };
  }
  switch (t) {
    case K.IN:
      c.advance();
      return { kind: 'column', column, op: 'IN', value: parseInValues(c) };
    case K.CONTAINS: {
      c.advance();
      const op = c.accept(K.KEY) ? 'CONTAINS KEY' : 'CONTAINS';
      return { kind: 'column', column, op, value: parseTerm(c) };
    }
    case T.LBRACKET: {
      c.advance();
      const key = parseTerm(c);
      c.expect(T.RBRACKET);
      if (c.accept(K.IN)) return { kind: 'element', column, key, op: 'IN', value: parseInValues(c) };
      const op = relationType(c);
      return { kind: 'element', column, key, op, value: parseTerm(c) };
    }
    case T.DOT: {
      c.advance();
      const field = ident(c);
      if (c.accept(K.IN)) return { kind: 'field', column, field, op: 'IN', value: parseInValues(c) };
      const op = relationType(c);
      return { kind: 'field', column, field, op, value: parseTerm(c) };
    }
    default:
      return c.noViable();
  }
}

export function parseDelete(c: Cursor): DeleteStatement {
  c.expect(K.DELETE);
  let targets = NO_TARGETS;
  if (c.peek() !== K.FROM) {
    const list = [deleteOp(c)];
    while (c.accept(T.COMMA)) list.push(deleteOp(c));
    targets = list;
  }
  c.expect(K.FROM);
  const table = tableName(c);
  let using = NO_USING;
  if (c.accept(K.USING)) {
    c.expect(K.TIMESTAMP);
    using = { ttl: null, timestamp: parseIntValue(c) };
  }
  c.expect(K.WHERE);
  const where = parseWhereClause(c);
  return { kind: 'delete', table, targets, using, where, ifClause: parseIfClause(c) };
}

function deleteOp(c: Cursor): DeleteTarget {
  const column = cident(c);
  if (c.accept(T.LBRACKET)) {
    const key = parseTerm(c);
    c.expect(T.RBRACKET);
    return { kind: 'element', column, key };
  }
  if (c.accept(T.DOT)) return { kind: 'field', column, field: ident(c) };
  return { kind: 'column', column };
}

/** BEGIN [UNLOGGED | COUNTER | LOGGED] BATCH [USING ...] (stmt [;])* APPLY BATCH. */
export function parseBatch(c: Cursor): BatchStatement {
  c.expect(K.BEGIN);
  let batchType: BatchStatement['batchType'] = 'logged';
  if (c.accept(K.UNLOGGED)) batchType = 'unlogged';
  else if (c.accept(K.COUNTER)) batchType = 'counter';
  else if (c.peek() === T.IDENT && c.la(2) === K.BATCH && c.raw(c.pos).toLowerCase() === 'logged') c.advance();
  c.expect(K.BATCH);
  const using = parseUsing(c);
  const statements: ModificationStatement[] = [];
  for (;;) {
    const t = c.peek();
    if (t === K.INSERT) statements.push(parseInsert(c));
    else if (t === K.UPDATE) statements.push(parseUpdate(c));
    else if (t === K.DELETE) statements.push(parseDelete(c));
    else break;
    c.accept(T.SEMI);
  }
  c.expect(K.APPLY);
  c.expect(K.BATCH);
  return { kind: 'batch', batchType, using, statements };
}

export function parseUse(c: Cursor): UseStatement {
  c.expect(K.USE);
  return { kind: 'use', keyspace: keyspaceName(c) };
}

export function parseTruncate(c: Cursor): TruncateStatement {
  c.expect(K.TRUNCATE);
  c.accept(K.COLUMNFAMILY);
  return { kind: 'truncate', table: tableName(c) };
}
