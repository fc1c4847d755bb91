// SELECT statements and their selectors (Parser.g selectStatement .. selectionFunction).
// Selector arithmetic becomes calls of Cassandra's operator functions (_add, _substract,
// _multiply, _divide, _modulo, _negate); collection, tuple and type-hinted selectors must consist
// of terms, as the AST has no selector form for them.
import type { Ordering, Relation, SelectClause, SelectStatement, Selector, Term } from '../ast.ts';
import type { Cursor } from './cursor.ts';
import { cident, functionName, ident, identValue, isFunctionCallAt, tableName } from './names.ts';
import { parseConstant, parseIntValue, parseMarker, parseTerm, startsTermAt } from './term-parser.ts';
import { parseType, scanType } from './type-parser.ts';
import { K, T, isConstantToken, isIdentToken, isNativeTypeToken } from './tokens.ts';
import { parseWhereClause } from './where-parser.ts';

const OPERATOR_FUNCTIONS = {
  [T.PLUS]: '_add', [T.MINUS]: '_substract', [T.STAR]: '_multiply', [T.SLASH]: '_divide', [T.PERCENT]: '_modulo',
} as Readonly<Record<number, string>>;
const NO_RELATIONS: readonly Relation[] = [];
const NO_NAMES: readonly string[] = [];
const NO_ORDERINGS: readonly Ordering[] = [];

export function parseSelect(c: Cursor): SelectStatement {
  c.expect(K.SELECT);
  let json = false;
  if (c.peek() === K.JSON && startsSelectorsAt(c, c.pos + 1)) {
    c.advance();
    json = true;
  }
  let distinct = false;
  if (c.peek() === K.DISTINCT && startsSelectorsAt(c, c.pos + 1)) {
    c.advance();
    distinct = true;
  }
  const selectors = parseSelectors(c);
  c.expect(K.FROM);
  const table = tableName(c);
  const where = c.accept(K.WHERE) ? parseWhereClause(c) : NO_RELATIONS;
  let groupBy = NO_NAMES;
  if (c.accept(K.GROUP)) {
    c.expect(K.BY);
    const names = [cident(c)];
    while (c.accept(T.COMMA)) names.push(cident(c));
    groupBy = names;
  }
  let orderBy = NO_ORDERINGS;
  if (c.accept(K.ORDER)) {
    c.expect(K.BY);
    const orderings = [ordering(c)];
    while (c.accept(T.COMMA)) orderings.push(ordering(c));
    orderBy = orderings;
  }
  let perPartitionLimit: Term | null = null;
  if (c.accept(K.PER)) {
    c.expect(K.PARTITION);
    c.expect(K.LIMIT);
    perPartitionLimit = parseIntValue(c);
  }
  const limit = c.accept(K.LIMIT) ? parseIntValue(c) : null;
  let allowFiltering = false;
  if (c.accept(K.ALLOW)) {
    c.expect(K.FILTERING);
    allowFiltering = true;
  }
  return {
    kind: 'select', table, json, distinct, selectors, where, groupBy, orderBy, perPartitionLimit, limit, allowFiltering,
  };
}

function ordering(c: Cursor): Ordering {
  const column = cident(c);
  if (c.accept(K.DESC)) return { column, descending: true };
  c.accept(K.ASC);
  return { column, descending: false };
}

/** JSON and DISTINCT are modifiers only when a selector follows (Parser.g's syntactic predicates). */
function startsSelectorsAt(c: Cursor, i: number): boolean {
  const t = c.typeAt(i);
  return t === T.STAR || t === T.MINUS || startsSelectionGroupAt(c, i);
}

/** First tokens of Parser.g `selectionGroupWithoutField`. */
function startsSelectionGroupAt(c: Cursor, i: number): boolean {
  const t = c.typeAt(i);
  if (isConstantToken(t) || isIdentToken(t)) return true;
  switch (t) {
    case K.NULL: case T.QMARK: case T.COLON: case T.LPAREN: case T.LBRACKET: case T.LBRACE:
      return true;
    default:
      return isFunctionCallAt(c, i);
  }
}

/** Parser.g `selectors`: `*` (null) or a list of selectors with optional aliases. */
export function parseSelectors(c: Cursor): SelectClause[] | null {
  if (c.accept(T.STAR)) return null;
  const clauses = [selectClause(c)];
  while (c.accept(T.COMMA)) clauses.push(selectClause(c));
  return clauses;
}

function selectClause(c: Cursor): SelectClause {
  const selector = unaliasedSelector(c);
  const alias = c.accept(K.AS) ? ident(c) : null;
  return { selector, alias };
}

function operatorCall(name: string, args: Selector[]): Selector {
  return { kind: 'function', keyspace: null, name, args };
}

/** Parser.g `selectionAddition` over `selectionMultiplication`. */
function unaliasedSelector(c: Cursor): Selector {
  let left = selectionMultiplication(c);
  for (let t = c.peek(); t === T.PLUS || t === T.MINUS; t = c.peek()) {
    c.advance();
    left = operatorCall(OPERATOR_FUNCTIONS[t]!, [left, selectionMultiplication(c)]);
  }
  return left;
}

function selectionMultiplication(c: Cursor): Selector {
  let left = selectionGroup(c);
  for (let t = c.peek(); t === T.STAR || t === T.SLASH || t === T.PERCENT; t = c.peek()) {
    c.advance();
    left = operatorCall(OPERATOR_FUNCTIONS[t]!, [left, selectionGroup(c)]);
  }
  return left;
}

function selectionGroup(c: Cursor): Selector {
  c.enter();
  let selector: Selector;
  if (c.accept(T.MINUS)) {
    selector = operatorCall('_negate', [selectionGroup(c)]);
  } else {
    selector = selectionGroupWithoutField(c);
    for (;;) {
      if (c.accept(T.DOT)) {
        selector = { kind: 'field', selector, field: ident(c) };
      } else if (c.accept(T.LBRACKET)) {
        selector = collectionSubSelection(c, selector);
        c.expect(T.RBRACKET);
      } else {
        break;
      }
    }
  }
  c.leave();
  return selector;
}

/** `[key]`, `[from..to]`, `[..to]` or `[from..]` after a selector. */
function collectionSubSelection(c: Cursor, selector: Selector): Selector {
  if (c.accept(T.RANGE)) return { kind: 'slice', selector, from: null, to: parseTerm(c) };
  const key = parseTerm(c);
  if (!c.accept(T.RANGE)) return { kind: 'element', selector, key };
  const to = startsTermAt(c, c.pos) ? parseTerm(c) : null;
  return { kind: 'slice', selector, from: key, to };
}

function termOf(selector: Selector): Term | null {
  return selector.kind === 'term' ? selector.term : null;
}

function termsOf(selectors: readonly Selector[]): Term[] | null {
  const terms: Term[] = [];
  for (const s of selectors) {
    const term = termOf(s);
    if (term === null) return null;
    terms.push(term);
  }
  return terms;
}

function selectionGroupWithoutField(c: Cursor): Selector {
  switch (c.peek()) {
    case T.LPAREN: {
      const end = scanType(c, c.pos + 1);
      if (end > 0 && c.typeAt(end) === T.RPAREN && startsSelectionGroupAt(c, end + 1)) {
        c.advance();
        const type = parseType(c);
        c.expect(T.RPAREN);
        const inner = termOf(selectionGroupWithoutField(c));
        if (inner === null) c.unsupported('A type hint on a selector that is not a term');
        return { kind: 'term', term: { kind: 'cast', type, term: inner } };
      }
      c.advance();
      const elements = [unaliasedSelector(c)];
      while (c.accept(T.COMMA)) elements.push(unaliasedSelector(c));
      c.expect(T.RPAREN);
      if (elements.length === 1) return elements[0]!;
      const terms = termsOf(elements);
      if (terms === null) c.unsupported('A tuple selector over columns');
      return { kind: 'term', term: { kind: 'tuple', elements: terms } };
    }
    case T.LBRACKET: {
      c.advance();
      const elements: Selector[] = [];
      if (!c.accept(T.RBRACKET)) {
        elements.push(unaliasedSelector(c));
        while (c.accept(T.COMMA)) elements.push(unaliasedSelector(c));
        c.expect(T.RBRACKET);
      }
      const terms = termsOf(elements);
      if (terms === null) c.unsupported('A list selector over columns');
      return { kind: 'term', term: { kind: 'list', elements: terms } };
    }
    case T.LBRACE:
      return braceSelector(c);
    default:
      return simpleUnaliasedSelector(c);
  }
}

function braceSelector(c: Cursor): Selector {
  c.expect(T.LBRACE);
  if (c.accept(T.RBRACE)) return { kind: 'term', term: { kind: 'emptyBraces' } };
  const first = unaliasedSelector(c);
  if (!c.accept(T.COLON)) {
    const elements = [first];
    while (c.accept(T.COMMA)) elements.push(unaliasedSelector(c));
    c.expect(T.RBRACE);
    const terms = termsOf(elements);
    if (terms === null) c.unsupported('A set selector over columns');
    return { kind: 'term', term: { kind: 'set', elements: terms } };
  }
  const entries: Array<readonly [Selector, Selector]> = [[first, unaliasedSelector(c)]];
  while (c.accept(T.COMMA)) {
    const key = unaliasedSelector(c);
    c.expect(T.COLON);
    entries.push([key, unaliasedSelector(c)]);
  }
  c.expect(T.RBRACE);
  const values = termsOf(entries.map((e) => e[1]));
  const keys = termsOf(entries.map((e) => e[0]));
  if (values !== null && keys !== null) {
    return { kind: 'term', term: { kind: 'map', entries: keys.map((k, i) => [k, values[i]!] as const) } };
  }
  if (values !== null && entries.every((e) => e[0].kind === 'column')) {
    const fields = entries.map((e, i) => [(e[0] as { readonly name: string }).name, values[i]!] as const);
    return { kind: 'term', term: { kind: 'udt', fields } };
  }
  return c.unsupported('A map selector over columns');
}

/** Parser.g `simpleUnaliasedSelector`: column, literal, marker or selection function. */
function simpleUnaliasedSelector(c: Cursor): Selector {
  const t = c.peek();
  if (c.la(2) === T.LPAREN) {
    switch (t) {
      case K.COUNT:
        if (c.la(3) !== T.STAR) break;
        c.advance();
        c.advance();
        c.advance();
        c.expect(T.RPAREN);
        return { kind: 'countStar' };
      case K.WRITETIME: case K.MAXWRITETIME: case K.TTL: {
        c.advance();
        c.advance();
        const column = cident(c);
        c.expect(T.RPAREN);
        return t === K.TTL ? { kind: 'ttl', column } : t === K.WRITETIME ? { kind: 'writetime', column } : { kind: 'maxwritetime', column };
      }
      case K.CAST: {
        c.advance();
        c.advance();
        const selector = unaliasedSelector(c);
        c.expect(K.AS);
        if (!isNativeTypeToken(c.peek())) c.noViable();
        const name = c.raw(c.pos).toLowerCase();
        c.advance();
        c.expect(T.RPAREN);
        return { kind: 'cast', selector, type: { kind: 'native', name } };
      }
      default:
        break;
    }
  }
  if (isFunctionCallAt(c, c.pos)) return selectionFunction(c);
  if (isIdentToken(t)) {
    const name = identValue(c, c.pos);
    c.advance();
    return { kind: 'column', name };
  }
  if (isConstantToken(t)) return { kind: 'term', term: parseConstant(c) };
  if (t === K.NULL) {
    c.advance();
    return { kind: 'term', term: { kind: 'null' } };
  }
  if (t === T.QMARK || t === T.COLON) return { kind: 'term', term: parseMarker(c) };
  return c.noViable();
}

function selectionFunction(c: Cursor): Selector {
  const name = functionName(c);
  c.expect(T.LPAREN);
  const args: Selector[] = [];
  if (!c.accept(T.RPAREN)) {
    args.push(unaliasedSelector(c));
    while (c.accept(T.COMMA)) args.push(unaliasedSelector(c));
    c.expect(T.RPAREN);
  }
  if (name.keyspace === null && name.name === 'count' && args.length === 1) {
    const arg = args[0]!;
    if (arg.kind === 'term' && arg.term.kind === 'constant' && arg.term.type === 'integer' && arg.term.text === '1') {
      return { kind: 'countStar' };
    }
  }
  return { kind: 'function', keyspace: name.keyspace, name: name.name, args };
}
