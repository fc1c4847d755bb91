// Schema statements (Parser.g): CREATE/ALTER/DROP KEYSPACE, TABLE, TYPE, INDEX, MATERIALIZED
// VIEW, and the `WITH name = value AND ...` properties they share. Property values are constants,
// unreserved keywords or maps of constants, as Cassandra's property rules require.
import type {
  AlterKeyspaceStatement, AlterTableAction, AlterTableStatement, AlterTypeAction, AlterTypeStatement, ColumnDefinition,
  CreateIndexStatement, CreateKeyspaceStatement, CreateMaterializedViewStatement, CreateTableStatement,
  CreateTypeStatement, DropIndexStatement, DropKeyspaceStatement, DropMaterializedViewStatement, DropTableStatement,
  DropTypeStatement, Ordering, Property, PropertyValue, Relation, Term, TypeExpr,
} from '../ast.ts';
import type { Cursor } from './cursor.ts';
import {
  cident, ident, identValue, ifExists, ifNotExists, keyspaceName, qualifiedName, stringValue, tableName, userTypeName,
} from './names.ts';
import { parseSelectors } from './select-parser.ts';
import { parseConstant, parseTerm } from './term-parser.ts';
import { parseType } from './type-parser.ts';
import { K, KEYWORD_CLASS, KW, T, isConstantToken } from './tokens.ts';
import { parseWhereClause } from './where-parser.ts';

const NO_PROPERTIES: readonly Property[] = [];
const NO_RELATIONS: readonly Relation[] = [];

// ---------------------------------------------------------------------------------------------
// Properties

/** Parser.g `properties`: property (AND property)*, with Cassandra's duplicate check. */
export function parseProperties(c: Cursor): Property[] {
  const properties: Property[] = [];
  addProperty(c, properties, parseProperty(c));
  while (c.accept(K.AND)) addProperty(c, properties, parseProperty(c));
  return properties;
}

export function addProperty(c: Cursor, properties: Property[], property: Property): void {
  if (properties.some((p) => p.name === property.name)) c.recognition(`Multiple definition for property ${property.name}`);
  properties.push(property);
}

/** `name = constant | unreserved_keyword | {map}`. */
export function parseProperty(c: Cursor): Property {
  const name = ident(c);
  c.expect(T.EQ);
  return { name, value: parsePropertyValue(c) };
}

function parsePropertyValue(c: Cursor): PropertyValue {
  const t = c.peek();
  if (t === T.LBRACE) return parsePropertyMap(c);
  if (isConstantToken(t)) {
    const constant = parseConstant(c);
    return { kind: 'constant', type: constant.type, text: constant.text };
  }
  if ((KEYWORD_CLASS[t]! & (KW.BASIC | KW.NATIVE | KW.EXTRA)) !== 0) {
    const value = identValue(c, c.pos);
    c.advance();
    return { kind: 'identifier', name: value };
  }
  return c.noViable();
}

/** Parser.g `fullMapLiteral` converted as convertPropertyMap does: constant keys and values only. */
export function parsePropertyMap(c: Cursor): PropertyValue {
  c.expect(T.LBRACE);
  const terms: Array<readonly [Term, Term]> = [];
  if (!c.accept(T.RBRACE)) {
    do {
      const key = parseTerm(c);
      c.expect(T.COLON);
      terms.push([key, parseTerm(c)]);
    } while (c.accept(T.COMMA));
    c.expect(T.RBRACE);
  }
  const entries: Array<readonly [string, PropertyValue]> = [];
  for (const [key, value] of terms) {
    if (key.kind !== 'constant') {
      c.recognition(`Invalid property name: ${termText(key)}${key.kind === 'bind' ? ' (bind variables are not supported in DDL queries)' : ''}`);
    }
    if (value.kind !== 'constant') {
      c.recognition(`Invalid property value: ${termText(value)} for property: ${termText(key)}${value.kind === 'bind' ? ' (bind variables are not supported in DDL queries)' : ''}`);
    }
    if (entries.some((e) => e[0] === key.text)) c.recognition(`Multiple definition for property ${key.text}`);
    entries.push([key.text, { kind: 'constant', type: value.type, text: value.text }]);
  }
  return { kind: 'map', entries };
}

/** A term as Cassandra's Term.Raw.toString shows it in property errors (approximately). */
function termText(term: Term): string {
  switch (term.kind) {
    case 'constant': return term.type === 'string' ? `'${term.text}'` : term.text;
    case 'null': return 'null';
    case 'bind': return term.name === null ? '?' : `:${term.name}`;
    case 'list': return `[${term.elements.map(termText).join(', ')}]`;
    case 'set': return `{${term.elements.map(termText).join(', ')}}`;
    case 'tuple': return `(${term.elements.map(termText).join(', ')})`;
    case 'map': return `{${term.entries.map(([k, v]) => `${termText(k)}: ${termText(v)}`).join(', ')}}`;
    case 'emptyBraces': return '{}';
    case 'udt': return `{${term.fields.map(([k, v]) => `${k}: ${termText(v)}`).join(', ')}}`;
    case 'function': return `${term.keyspace === null ? '' : `${term.keyspace}.`}${term.name}(${term.args.map(termText).join(', ')})`;
    case 'cast': return `(${term.type.kind === 'native' ? term.type.name : term.type.kind})${termText(term.term)}`;
    case 'binary': return `${termText(term.left)} ${term.op} ${termText(term.right)}`;
    case 'negate': return `-${termText(term.term)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Keyspaces

export function parseCreateKeyspace(c: Cursor): CreateKeyspaceStatement {
  c.expect(K.CREATE);
  c.expect(K.KEYSPACE);
  const notExists = ifNotExists(c);
  const name = keyspaceName(c);
  c.expect(K.WITH);
  return { kind: 'createKeyspace', name, ifNotExists: notExists, properties: parseProperties(c) };
}

export function parseAlterKeyspace(c: Cursor): AlterKeyspaceStatement {
  c.expect(K.ALTER);
  c.expect(K.KEYSPACE);
  const exists = ifExists(c);
  const name = keyspaceName(c);
  c.expect(K.WITH);
  return { kind: 'alterKeyspace', name, ifExists: exists, properties: parseProperties(c) };
}

export function parseDropKeyspace(c: Cursor): DropKeyspaceStatement {
  c.expect(K.DROP);
  c.expect(K.KEYSPACE);
  const exists = ifExists(c);
  return { kind: 'dropKeyspace', name: keyspaceName(c), ifExists: exists };
}

// ---------------------------------------------------------------------------------------------
// Tables

interface PrimaryKey {
  partitionKey: readonly string[];
  clusteringKey: readonly string[];
}

interface TableOptions {
  clusteringOrder: Ordering[];
  compactStorage: boolean;
  properties: Property[];
}

export function parseCreateTable(c: Cursor): CreateTableStatement {
  c.expect(K.CREATE);
  c.expect(K.COLUMNFAMILY);
  const notExists = ifNotExists(c);
  const table = tableName(c);
  c.expect(T.LPAREN);
  const columns: ColumnDefinition[] = [];
  let key: PrimaryKey | null = null;
  let declarations = 0;
  // A second PRIMARY KEY parses; statement validation refuses it as Invalid, as Cassandra does.
  const setKey = (next: PrimaryKey): void => {
    declarations++;
    key ??= next;
  };
  const tableColumns = (): void => {
    if (c.accept(K.PRIMARY)) {
      c.expect(K.KEY);
      setKey(primaryKey(c));
      return;
    }
    const name = ident(c);
    const type = parseType(c);
    const isStatic = c.accept(K.STATIC);
    columns.push({ name, type, isStatic });
    if (c.accept(K.PRIMARY)) {
      c.expect(K.KEY);
      setKey({ partitionKey: [name], clusteringKey: [] });
    }
  };
  tableColumns();
  while (c.accept(T.COMMA)) {
    const t = c.peek();
    if (t !== T.COMMA && t !== T.RPAREN) tableColumns(); // Parser.g allows empty entries: `(a int, , b int,)`
  }
  c.expect(T.RPAREN);
  const options: TableOptions = { clusteringOrder: [], compactStorage: false, properties: [] };
  if (c.accept(K.WITH)) {
    tableOption(c, options, false);
    while (c.accept(K.AND)) tableOption(c, options, false);
  }
  const pk = key as PrimaryKey | null;
  return {
    kind: 'createTable', table, ifNotExists: notExists, columns,
    partitionKey: pk === null ? [] : pk.partitionKey, clusteringKey: pk === null ? [] : pk.clusteringKey,
    clusteringOrder: options.clusteringOrder, compactStorage: options.compactStorage, properties: options.properties,
    ...(declarations > 1 ? { primaryKeyDeclarations: declarations } : {}),
  };
}

/** `(pk, c1, c2)` or `((pk1, pk2), c1)`, after PRIMARY KEY. */
function primaryKey(c: Cursor): PrimaryKey {
  c.expect(T.LPAREN);
  let partitionKey: string[];
  if (c.accept(T.LPAREN)) {
    partitionKey = [ident(c)];
    while (c.accept(T.COMMA)) partitionKey.push(ident(c));
    c.expect(T.RPAREN);
  } else {
    partitionKey = [ident(c)];
  }
  const clusteringKey: string[] = [];
  while (c.accept(T.COMMA)) clusteringKey.push(ident(c));
  c.expect(T.RPAREN);
  return { partitionKey, clusteringKey };
}

/** Parser.g tableProperty / viewProperty: COMPACT STORAGE, CLUSTERING ORDER BY (...), or a property. */
function tableOption(c: Cursor, options: TableOptions, isView: boolean): void {
  const t = c.peek();
  if (t === K.COMPACT && c.la(2) === K.STORAGE) {
    if (isView) c.recognition('COMPACT STORAGE tables are not allowed starting with version 4.0');
    c.advance();
    c.advance();
    options.compactStorage = true;
    return;
  }
  if (t === K.CLUSTERING && c.la(2) === K.ORDER) {
    c.advance();
    c.advance();
    c.expect(K.BY);
    c.expect(T.LPAREN);
    do {
      const column = ident(c);
      if (c.accept(K.DESC)) options.clusteringOrder.push({ column, descending: true });
      else if (c.accept(K.ASC)) options.clusteringOrder.push({ column, descending: false });
      else c.noViable();
    } while (c.accept(T.COMMA));
    c.expect(T.RPAREN);
    return;
  }
  addProperty(c, options.properties, parseProperty(c));
}

export function parseAlterTable(c: Cursor): AlterTableStatement {
  c.expect(K.ALTER);
  c.expect(K.COLUMNFAMILY);
  const exists = ifExists(c);
  const table = tableName(c);
  return { kind: 'alterTable', table, ifExists: exists, action: alterTableAction(c) };
}

function alterTableAction(c: Cursor): AlterTableAction {
  switch (c.peek()) {
    case K.ALTER: {
      c.advance();
      const column = cident(c);
      if (c.peek() !== K.TYPE) c.unsupported('ALTER TABLE ... ALTER other than TYPE');
      c.advance();
      return { kind: 'alterType', column, type: parseType(c) };
    }
    case K.ADD: {
      c.advance();
      const notExists = ifNotExists(c);
      const columns: ColumnDefinition[] = [];
      if (c.accept(T.LPAREN)) {
        do columns.push(columnDefinition(c)); while (c.accept(T.COMMA));
        c.expect(T.RPAREN);
      } else {
        columns.push(columnDefinition(c));
      }
      return { kind: 'add', columns, ifNotExists: notExists };
    }
    case K.DROP: {
      c.advance();
      if (c.peek() === K.COMPACT && c.la(2) === K.STORAGE) c.unsupported('ALTER TABLE ... DROP COMPACT STORAGE');
      const exists = ifExists(c);
      const columns: string[] = [];
      if (c.accept(T.LPAREN)) {
        do columns.push(ident(c)); while (c.accept(T.COMMA));
        c.expect(T.RPAREN);
      } else {
        columns.push(ident(c));
      }
      let timestamp: Term | null = null;
      if (c.accept(K.USING)) {
        c.expect(K.TIMESTAMP);
        if (c.peek() !== T.INTEGER) c.mismatch(T.INTEGER);
        timestamp = parseConstant(c);
      }
      return { kind: 'drop', columns, ifExists: exists, timestamp };
    }
    case K.RENAME: {
      c.advance();
      const exists = ifExists(c);
      return { kind: 'rename', renames: renames(c), ifExists: exists };
    }
    case K.WITH:
      c.advance();
      return { kind: 'with', properties: parseProperties(c) };
    default:
      return c.noViable();
  }
}

function columnDefinition(c: Cursor): ColumnDefinition {
  const name = ident(c);
  const type = parseType(c);
  return { name, type, isStatic: c.accept(K.STATIC) };
}

/** `a TO b AND c TO d`. */
function renames(c: Cursor): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  do {
    const from = ident(c);
    c.expect(K.TO);
    out.push([from, ident(c)]);
  } while (c.accept(K.AND));
  return out;
}

export function parseDropTable(c: Cursor): DropTableStatement {
  c.expect(K.DROP);
  c.expect(K.COLUMNFAMILY);
  const exists = ifExists(c);
  return { kind: 'dropTable', table: tableName(c), ifExists: exists };
}

// ---------------------------------------------------------------------------------------------
// User types

export function parseCreateType(c: Cursor): CreateTypeStatement {
  c.expect(K.CREATE);
  c.expect(K.TYPE);
  const notExists = ifNotExists(c);
  const type = userTypeName(c);
  c.expect(T.LPAREN);
  const fields: Array<{ readonly name: string; readonly type: TypeExpr }> = [];
  fields.push(typeField(c));
  while (c.accept(T.COMMA)) {
    if (c.peek() === T.COMMA || c.peek() === T.RPAREN) continue; // Parser.g allows empty entries
    fields.push(typeField(c));
  }
  c.expect(T.RPAREN);
  return { kind: 'createType', type, ifNotExists: notExists, fields };
}

function typeField(c: Cursor): { readonly name: string; readonly type: TypeExpr } {
  const name = ident(c);
  return { name, type: parseType(c) };
}

export function parseAlterType(c: Cursor): AlterTypeStatement {
  c.expect(K.ALTER);
  c.expect(K.TYPE);
  const exists = ifExists(c);
  const type = userTypeName(c);
  let action: AlterTypeAction;
  switch (c.peek()) {
    case K.ALTER: {
      c.advance();
      const field = ident(c);
      c.expect(K.TYPE);
      action = { kind: 'alterType', field, type: parseType(c) };
      break;
    }
    case K.ADD: {
      c.advance();
      const notExists = ifNotExists(c);
      const field = ident(c);
      action = { kind: 'add', field, type: parseType(c), ifNotExists: notExists };
      break;
    }
    case K.RENAME: {
      c.advance();
      const renameIfExists = ifExists(c);
      action = { kind: 'rename', renames: renames(c), ifExists: renameIfExists };
      break;
    }
    default:
      c.noViable();
  }
  return { kind: 'alterType', type, ifExists: exists, action };
}

export function parseDropType(c: Cursor): DropTypeStatement {
  c.expect(K.DROP);
  c.expect(K.TYPE);
  const exists = ifExists(c);
  return { kind: 'dropType', type: userTypeName(c), ifExists: exists };
}

// ---------------------------------------------------------------------------------------------
// Secondary indexes

const INDEX_TARGET_KINDS: Readonly<Record<number, 'values' | 'keys' | 'entries' | 'full'>> = {
  [K.VALUES]: 'values', [K.KEYS]: 'keys', [K.ENTRIES]: 'entries', [K.FULL]: 'full',
};

export function parseCreateIndex(c: Cursor): CreateIndexStatement {
  c.expect(K.CREATE);
  const custom = c.accept(K.CUSTOM);
  c.expect(K.INDEX);
  const notExists = ifNotExists(c);
  const name = c.peek() === K.ON ? null : indexNameOnly(c);
  c.expect(K.ON);
  const table = tableName(c);
  c.expect(T.LPAREN);
  const targets: Array<{ readonly column: string; readonly kind: 'values' | 'keys' | 'entries' | 'full' }> = [];
  if (!c.accept(T.RPAREN)) {
    do targets.push(indexTarget(c)); while (c.accept(T.COMMA));
    c.expect(T.RPAREN);
  }
  if (targets.length > 1) c.unsupported('An index on several columns');
  let customClass: string | null = null;
  if (c.accept(K.USING)) {
    if (c.peek() !== T.STRING_LITERAL) c.mismatch(T.STRING_LITERAL);
    customClass = stringValue(c, c.pos);
    c.advance();
  }
  const options = c.accept(K.WITH) ? parseProperties(c) : NO_PROPERTIES;
  // IndexAttributes.validate (an Invalid error in Cassandra; here the AST has no CUSTOM flag to defer it).
  if (customClass !== null && !custom) c.recognition('Cannot specify index class for a non-CUSTOM index');
  if (customClass === null && custom) c.recognition('CUSTOM index requires specifiying the index class');
  return { kind: 'createIndex', name, table, ifNotExists: notExists, target: targets[0] ?? null, customClass, options };
}

function indexNameOnly(c: Cursor): string {
  if (c.peek() === T.QMARK) c.recognition('Bind variables cannot be used for index names');
  return ident(c);
}

function indexTarget(c: Cursor): { readonly column: string; readonly kind: 'values' | 'keys' | 'entries' | 'full' } {
  const kind = INDEX_TARGET_KINDS[c.peek()];
  if (kind !== undefined && c.la(2) === T.LPAREN) {
    c.advance();
    c.advance();
    const column = cident(c);
    c.expect(T.RPAREN);
    return { column, kind };
  }
  return { column: cident(c), kind: 'values' };
}

export function parseDropIndex(c: Cursor): DropIndexStatement {
  c.expect(K.DROP);
  c.expect(K.INDEX);
  const exists = ifExists(c);
  return { kind: 'dropIndex', index: qualifiedName(c, 'index'), ifExists: exists };
}

// ---------------------------------------------------------------------------------------------
// Materialized views

export function parseCreateMaterializedView(c: Cursor): CreateMaterializedViewStatement {
  c.expect(K.CREATE);
  c.expect(K.MATERIALIZED);
  c.expect(K.VIEW);
  const notExists = ifNotExists(c);
  const view = tableName(c);
  c.expect(K.AS);
  c.expect(K.SELECT);
  const selectors = parseSelectors(c);
  c.expect(K.FROM);
  const baseTable = tableName(c);
  const where = c.accept(K.WHERE) ? parseWhereClause(c) : NO_RELATIONS;
  c.expect(K.PRIMARY);
  c.expect(K.KEY);
  const key = primaryKey(c);
  const options: TableOptions = { clusteringOrder: [], compactStorage: false, properties: [] };
  if (c.accept(K.WITH)) {
    tableOption(c, options, true);
    while (c.accept(K.AND)) tableOption(c, options, true);
  }
  return {
    kind: 'createMaterializedView', view, ifNotExists: notExists, baseTable, selectors, where,
    partitionKey: key.partitionKey, clusteringKey: key.clusteringKey, clusteringOrder: options.clusteringOrder,
    properties: options.properties,
  };
}

export function parseDropMaterializedView(c: Cursor): DropMaterializedViewStatement {
  c.expect(K.DROP);
  c.expect(K.MATERIALIZED);
  c.expect(K.VIEW);
  const exists = ifExists(c);
  return { kind: 'dropMaterializedView', view: tableName(c), ifExists: exists };
}
