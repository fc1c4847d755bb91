// A stable, readable rendering of parsed statements for golden tests and debugging: one line
// per non-default field in AST order, terms and selectors in a compact CQL-like notation where
// every constant carries its kind (int:1, str:"a", uuid:..., ?0 for markers).
import type {
  Assignment, Condition, DeleteTarget, IfClause, Ordering, ParsedStatement, Property, PropertyValue, QualifiedName,
  Relation, SelectClause, Selector, Term, TypeExpr, UsingClause,
} from '../ast.ts';
import { formatName, formatTypeExpr } from './type-parser.ts';

const CONSTANT_TAGS = {
  string: 'str', integer: 'int', float: 'float', boolean: 'bool', uuid: 'uuid', hex: 'hex', duration: 'dur',
  nan: 'nan', infinity: 'inf',
} as const;

export function printTerm(term: Term): string {
  switch (term.kind) {
    case 'constant':
      return `${CONSTANT_TAGS[term.type]}:${term.type === 'string' ? JSON.stringify(term.text) : term.text}`;
    case 'null': return 'null';
    case 'bind': return term.name === null ? `?${term.index}` : `:${formatName(term.name)}?${term.index}`;
    case 'list': return `[${term.elements.map(printTerm).join(', ')}]`;
    case 'set': return `set{${term.elements.map(printTerm).join(', ')}}`;
    case 'map': return `map{${term.entries.map(([k, v]) => `${printTerm(k)}: ${printTerm(v)}`).join(', ')}}`;
    case 'emptyBraces': return '{}';
    case 'udt': return `udt{${term.fields.map(([f, v]) => `${formatName(f)}: ${printTerm(v)}`).join(', ')}}`;
    case 'tuple': return `tuple(${term.elements.map(printTerm).join(', ')})`;
    case 'function': return `${qualified(term.keyspace, term.name)}(${term.args.map(printTerm).join(', ')})`;
    case 'cast': return `cast<${formatTypeExpr(term.type)}>(${printTerm(term.term)})`;
    case 'binary': return `(${printTerm(term.left)} ${term.op} ${printTerm(term.right)})`;
    case 'negate': return `-(${printTerm(term.term)})`;
  }
}

function qualified(keyspace: string | null, name: string): string {
  return keyspace === null ? formatName(name) : `${formatName(keyspace)}.${formatName(name)}`;
}

export function printSelector(s: Selector): string {
  switch (s.kind) {
    case 'column': return formatName(s.name);
    case 'writetime': return `writetime(${formatName(s.column)})`;
    case 'maxwritetime': return `maxwritetime(${formatName(s.column)})`;
    case 'ttl': return `ttl(${formatName(s.column)})`;
    case 'countStar': return 'count(*)';
    case 'function': return `${qualified(s.keyspace, s.name)}(${s.args.map(printSelector).join(', ')})`;
    case 'cast': return `cast(${printSelector(s.selector)} as ${formatTypeExpr(s.type)})`;
    case 'field': return `${printSelector(s.selector)}.${formatName(s.field)}`;
    case 'element': return `${printSelector(s.selector)}[${printTerm(s.key)}]`;
    case 'slice': {
      const from = s.from === null ? '' : printTerm(s.from);
      const to = s.to === null ? '' : printTerm(s.to);
      return `${printSelector(s.selector)}[${from}..${to}]`;
    }
    case 'term': return printTerm(s.term);
  }
}

function printSelectClause(c: SelectClause): string {
  return c.alias === null ? printSelector(c.selector) : `${printSelector(c.selector)} AS ${formatName(c.alias)}`;
}

function printRelation(r: Relation): string {
  switch (r.kind) {
    case 'simple':
      if (r.op === 'IS NOT NULL') return `${formatName(r.column)} IS NOT NULL`;
      return `${formatName(r.column)} ${r.op} ${printTerm(r.value)}`;
    case 'element': return `${formatName(r.column)}[${printTerm(r.key)}] ${r.op} ${printTerm(r.value)}`;
    case 'multi': return `(${r.columns.map(formatName).join(', ')}) ${r.op} ${printTerm(r.value)}`;
    case 'token': return `token(${r.columns.map(formatName).join(', ')}) ${r.op} ${printTerm(r.value)}`;
  }
}

function printCondition(c: Condition): string {
  switch (c.kind) {
    case 'column': return `${formatName(c.column)} ${c.op} ${printTerm(c.value)}`;
    case 'element': return `${formatName(c.column)}[${printTerm(c.key)}] ${c.op} ${printTerm(c.value)}`;
    case 'field': return `${formatName(c.column)}.${formatName(c.field)} ${c.op} ${printTerm(c.value)}`;
  }
}

function printAssignment(a: Assignment): string {
  const col = formatName(a.column);
  switch (a.kind) {
    case 'set': return `${col} = ${printTerm(a.value)}`;
    case 'add': return `${col} += ${printTerm(a.value)}`;
    case 'prepend': return `${col} = ${printTerm(a.value)} + ${col}`;
    case 'subtract': return `${col} -= ${printTerm(a.value)}`;
    case 'setElement': return `${col}[${printTerm(a.key)}] = ${printTerm(a.value)}`;
    case 'setField': return `${col}.${formatName(a.field)} = ${printTerm(a.value)}`;
  }
}

function printDeleteTarget(t: DeleteTarget): string {
  switch (t.kind) {
    case 'column': return formatName(t.column);
    case 'element': return `${formatName(t.column)}[${printTerm(t.key)}]`;
    case 'field': return `${formatName(t.column)}.${formatName(t.field)}`;
  }
}

function printIf(clause: IfClause): string {
  switch (clause.kind) {
    case 'none': return 'none';
    case 'notExists': return 'NOT EXISTS';
    case 'exists': return 'EXISTS';
    case 'conditions': return clause.conditions.map(printCondition).join(' AND ');
  }
}

function printPropertyValue(v: PropertyValue): string {
  switch (v.kind) {
    case 'constant': return printTerm({ kind: 'constant', type: v.type, text: v.text });
    case 'identifier': return `ident:${v.name}`;
    case 'map': return `{${v.entries.map(([k, e]) => `${JSON.stringify(k)}: ${printPropertyValue(e)}`).join(', ')}}`;
  }
}

function printProperty(p: Property): string {
  return `${formatName(p.name)} = ${printPropertyValue(p.value)}`;
}

function printOrdering(o: Ordering): string {
  return `${formatName(o.column)} ${o.descending ? 'DESC' : 'ASC'}`;
}

function printQualifiedName(q: QualifiedName): string {
  return qualified(q.keyspace, q.name);
}

function isQualifiedName(v: unknown): v is QualifiedName {
  return typeof v === 'object' && v !== null && 'keyspace' in v && 'name' in v && !('kind' in v);
}

function isDefault(value: unknown): boolean {
  if (value === false || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o['kind'] === 'none') return true;
    if ('ttl' in o && 'timestamp' in o) return o['ttl'] === null && o['timestamp'] === null;
  }
  return false;
}

/** String fields that hold identifiers (printed quoted when not plain lower-case names). */
const NAME_FIELDS: ReadonlySet<string> = new Set(['name', 'keyspace', 'grantee', 'column', 'field']);

/** Renders a field value according to the field's name. */
function printField(key: string, value: unknown, indent: string): string {
  if (value === true) return '';
  if (typeof value === 'string') return NAME_FIELDS.has(key) ? ` ${formatName(value)}` : ` ${value}`;
  if (typeof value === 'number') return ` ${value}`;
  if (isQualifiedName(value)) return ` ${printQualifiedName(value)}`;
  switch (key) {
    case 'selectors': return ` ${(value as readonly SelectClause[]).map(printSelectClause).join(', ')}`;
    case 'where': return ` ${(value as readonly Relation[]).map(printRelation).join(' AND ')}`;
    case 'groupBy': case 'partitionKey': case 'clusteringKey':
      return ` ${(value as readonly string[]).map(formatName).join(', ')}`;
    case 'orderBy': case 'clusteringOrder': return ` ${(value as readonly Ordering[]).map(printOrdering).join(', ')}`;
    case 'limit': case 'perPartitionLimit': case 'json': case 'timestamp': return ` ${printTerm(value as Term)}`;
    case 'values': return ` ${(value as readonly Term[]).map(printTerm).join(', ')}`;
    case 'using': {
      const u = value as UsingClause;
      const parts: string[] = [];
      if (u.ttl !== null) parts.push(`TTL ${printTerm(u.ttl)}`);
      if (u.timestamp !== null) parts.push(`TIMESTAMP ${printTerm(u.timestamp)}`);
      return ` ${parts.join(' AND ')}`;
    }
    case 'assignments': return ` ${(value as readonly Assignment[]).map(printAssignment).join(', ')}`;
    case 'ifClause': return ` ${printIf(value as IfClause)}`;
    case 'targets': return ` ${(value as readonly DeleteTarget[]).map(printDeleteTarget).join(', ')}`;
    case 'properties': case 'options': return ` ${(value as readonly Property[]).map(printProperty).join(' AND ')}`;
    case 'type': return ` ${formatTypeExpr(value as TypeExpr)}`;
    case 'fields': return ` ${(value as ReadonlyArray<{ name: string; type: TypeExpr }>).map((f) => `${formatName(f.name)} ${formatTypeExpr(f.type)}`).join(', ')}`;
    case 'renames': return ` ${(value as ReadonlyArray<readonly [string, string]>).map(([a, b]) => `${formatName(a)} TO ${formatName(b)}`).join(' AND ')}`;
    case 'target': {
      const t = value as { column: string; kind: string };
      return ` ${t.kind}(${formatName(t.column)})`;
    }
    case 'columns': {
      const cols = value as ReadonlyArray<string | { name: string; type: TypeExpr; isStatic: boolean }>;
      return ` ${cols.map((col) => typeof col === 'string' ? formatName(col)
        : `${formatName(col.name)} ${formatTypeExpr(col.type)}${col.isStatic ? ' static' : ''}`).join(', ')}`;
    }
    case 'statements':
      return (value as readonly ParsedStatement['statement'][]).map((s) => `\n${printObject(s, `${indent}    `)}`).join('');
    case 'action': return `\n${printObject(value as Record<string, unknown>, `${indent}    `)}`;
    default: return ` ${JSON.stringify(value)}`;
  }
}

function printObject(o: object, indent: string): string {
  const record = o as Record<string, unknown>;
  const lines = [`${indent}${String(record['kind'])}`];
  for (const [key, value] of Object.entries(record)) {
    if (key === 'kind' || (isDefault(value) && !(key === 'selectors' && value === null))) continue;
    if (key === 'selectors' && value === null) {
      lines.push(`${indent}  selectors: *`);
      continue;
    }
    const rendered = printField(key, value, indent);
    lines.push(`${indent}  ${key}${rendered === '' ? '' : `:${rendered}`}`);
  }
  return lines.join('\n');
}

/** The printed form of a parse result: statement fields, then bind marker names if any. */
export function printParsed(parsed: ParsedStatement): string {
  let out = printObject(parsed.statement, '');
  if (parsed.bindMarkerCount > 0) {
    out += `\n  binds: ${parsed.bindMarkerNames.map((n, i) => (n === null ? `?${i}` : `:${formatName(n)}?${i}`)).join(' ')}`;
  }
  return out;
}
