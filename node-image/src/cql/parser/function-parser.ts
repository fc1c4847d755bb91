// CREATE [OR REPLACE] FUNCTION/AGGREGATE and DROP FUNCTION/AGGREGATE (Parser.g). The whole
// statement is checked for syntax; the AST keeps the name and flags only, as user-defined
// functions are disabled (the executor refuses them as Cassandra does by default).
import type { FunctionStatement } from '../ast.ts';
import type { Cursor } from './cursor.ts';
import { functionName, ident, ifExists, ifNotExists } from './names.ts';
import { parseTerm } from './term-parser.ts';
import { parseType } from './type-parser.ts';
import { K, T, isFunctionNameToken } from './tokens.ts';

/** CREATE [OR REPLACE] FUNCTION ... or CREATE [OR REPLACE] AGGREGATE ... */
export function parseCreateFunction(c: Cursor): FunctionStatement {
  c.expect(K.CREATE);
  const orReplace = c.accept(K.OR);
  if (orReplace) c.expect(K.REPLACE);
  if (c.accept(K.AGGREGATE)) return createAggregate(c, orReplace);
  c.expect(K.FUNCTION);
  const notExists = ifNotExists(c);
  const name = functionName(c);
  c.expect(T.LPAREN);
  if (!c.accept(T.RPAREN)) {
    do {
      ident(c);
      parseType(c);
    } while (c.accept(T.COMMA));
    c.expect(T.RPAREN);
  }
  if (c.accept(K.RETURNS)) c.expect(K.NULL);
  else if (!c.accept(K.CALLED)) c.noViable();
  c.expect(K.ON);
  c.expect(K.NULL);
  c.expect(K.INPUT);
  c.expect(K.RETURNS);
  parseType(c);
  c.expect(K.LANGUAGE);
  c.expect(T.IDENT);
  c.expect(K.AS);
  c.expect(T.STRING_LITERAL);
  return { kind: 'function', action: 'createFunction', name, ifNotExists: notExists, ifExists: false, orReplace };
}

function createAggregate(c: Cursor, orReplace: boolean): FunctionStatement {
  const notExists = ifNotExists(c);
  const name = functionName(c);
  argumentTypes(c);
  c.expect(K.SFUNC);
  allowedFunctionName(c);
  c.expect(K.STYPE);
  parseType(c);
  if (c.accept(K.FINALFUNC)) allowedFunctionName(c);
  if (c.accept(K.INITCOND)) parseTerm(c);
  return { kind: 'function', action: 'createAggregate', name, ifNotExists: notExists, ifExists: false, orReplace };
}

function allowedFunctionName(c: Cursor): void {
  if (!isFunctionNameToken(c.peek())) c.noViable();
  c.advance();
}

/** `(type, ...)`, possibly empty. */
function argumentTypes(c: Cursor): void {
  c.expect(T.LPAREN);
  if (c.accept(T.RPAREN)) return;
  do parseType(c); while (c.accept(T.COMMA));
  c.expect(T.RPAREN);
}

/** DROP FUNCTION|AGGREGATE [IF EXISTS] name [(types)]. */
export function parseDropFunction(c: Cursor): FunctionStatement {
  c.expect(K.DROP);
  const aggregate = c.accept(K.AGGREGATE);
  if (!aggregate) c.expect(K.FUNCTION);
  const exists = ifExists(c);
  const name = functionName(c);
  if (c.peek() === T.LPAREN) argumentTypes(c);
  return {
    kind: 'function', action: aggregate ? 'dropAggregate' : 'dropFunction', name, ifNotExists: false, ifExists: exists,
    orReplace: false,
  };
}
