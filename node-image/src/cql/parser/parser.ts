// Entry points of the CQL parser: one statement (optional trailing semicolons) to a
// ParsedStatement, or a type expression to a TypeExpr. Hand-written recursive descent over the
// lexer's token arrays; every failure is a CqlError 0x2000 worded as Cassandra words it.
import type { ParsedStatement, Statement, TypeExpr } from '../ast.ts';
import { parseCreateRole, parseAlterRole, parseDropRole, parseCreateUser, parseAlterUser, parseDropUser, parseGrant, parseRevoke, parseList } from './auth-parser.ts';
import { Cursor } from './cursor.ts';
import {
  parseAlterKeyspace, parseAlterTable, parseAlterType, parseCreateIndex, parseCreateKeyspace,
  parseCreateMaterializedView, parseCreateTable, parseCreateType, parseDropIndex, parseDropKeyspace,
  parseDropMaterializedView, parseDropTable, parseDropType,
} from './ddl-parser.ts';
import { parseBatch, parseDelete, parseInsert, parseTruncate, parseUpdate, parseUse } from './dml-parser.ts';
import { parseCreateFunction, parseDropFunction } from './function-parser.ts';
import { tokenize } from './lexer.ts';
import { parseSelect } from './select-parser.ts';
import { K, T } from './tokens.ts';
import { parseType } from './type-parser.ts';

/** Parses one CQL statement. Throws CqlError (code 0x2000, Syntax_error) on invalid input. */
export function parseStatement(text: string): ParsedStatement {
  const c = new Cursor(tokenize(text));
  const statement = cqlStatement(c);
  while (c.accept(T.SEMI));
  if (c.peek() !== T.EOF) c.mismatch(T.EOF);
  c.finish();
  return { statement, bindMarkerCount: c.bindNames.length, bindMarkerNames: c.bindNames };
}

/** Parses a type as written in CQL, e.g. `frozen<map<text, frozen<list<int>>>>` or `ks.address`. */
export function parseTypeExpr(text: string): TypeExpr {
  const c = new Cursor(tokenize(text));
  const type = parseType(c);
  if (c.peek() !== T.EOF) c.mismatch(T.EOF);
  c.finish();
  return type;
}

function cqlStatement(c: Cursor): Statement {
  switch (c.peek()) {
    case K.SELECT: return parseSelect(c);
    case K.INSERT: return parseInsert(c);
    case K.UPDATE: return parseUpdate(c);
    case K.BEGIN: return parseBatch(c);
    case K.DELETE: return parseDelete(c);
    case K.USE: return parseUse(c);
    case K.TRUNCATE: return parseTruncate(c);
    case K.CREATE: return createStatement(c);
    case K.DROP: return dropStatement(c);
    case K.ALTER: return alterStatement(c);
    case K.GRANT: return parseGrant(c);
    case K.REVOKE: return parseRevoke(c);
    case K.LIST: return parseList(c);
    case K.DESCRIBE: case K.DESC: return c.unsupported('DESCRIBE');
    case K.ADD: if (c.la(2) === K.IDENTITY) c.unsupported('ADD IDENTITY'); break;
    default: break;
  }
  return c.noViable();
}

function createStatement(c: Cursor): Statement {
  switch (c.la(2)) {
    case K.KEYSPACE: return parseCreateKeyspace(c);
    case K.COLUMNFAMILY: return parseCreateTable(c);
    case K.INDEX: case K.CUSTOM: return parseCreateIndex(c);
    case K.TYPE: return parseCreateType(c);
    case K.USER: return parseCreateUser(c);
    case K.ROLE: return parseCreateRole(c);
    case K.FUNCTION: case K.AGGREGATE: return parseCreateFunction(c);
    case K.MATERIALIZED: return parseCreateMaterializedView(c);
    case K.TRIGGER: return c.unsupported('CREATE TRIGGER');
    case K.OR: {
      if (c.la(3) !== K.REPLACE) return c.noViable(c.pos + 2, c.pos);
      const what = c.la(4);
      if (what !== K.FUNCTION && what !== K.AGGREGATE) return c.noViable(c.pos + 3, c.pos);
      return parseCreateFunction(c);
    }
    default: return c.noViable(c.pos + 1, c.pos);
  }
}

function dropStatement(c: Cursor): Statement {
  switch (c.la(2)) {
    case K.KEYSPACE: return parseDropKeyspace(c);
    case K.COLUMNFAMILY: return parseDropTable(c);
    case K.INDEX: return parseDropIndex(c);
    case K.TYPE: return parseDropType(c);
    case K.USER: return parseDropUser(c);
    case K.ROLE: return parseDropRole(c);
    case K.FUNCTION: case K.AGGREGATE: return parseDropFunction(c);
    case K.MATERIALIZED: return parseDropMaterializedView(c);
    case K.TRIGGER: return c.unsupported('DROP TRIGGER');
    case K.IDENTITY: return c.unsupported('DROP IDENTITY');
    default: return c.noViable(c.pos + 1, c.pos);
  }
}

function alterStatement(c: Cursor): Statement {
  switch (c.la(2)) {
    case K.KEYSPACE: return parseAlterKeyspace(c);
    case K.COLUMNFAMILY: return parseAlterTable(c);
    case K.TYPE: return parseAlterType(c);
    case K.USER: return parseAlterUser(c);
    case K.ROLE: return parseAlterRole(c);
    case K.MATERIALIZED: return c.unsupported('ALTER MATERIALIZED VIEW');
    default: return c.noViable(c.pos + 1, c.pos);
  }
}
