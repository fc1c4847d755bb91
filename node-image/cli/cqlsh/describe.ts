// DESCRIBE for the shell: keyspace/table/type listings and CREATE statements rebuilt from schema
// metadata (the driver's, behind the SchemaSource interface), printed in the layout of Apache
// cqlsh 4.x (blank line before each element, names listed in columns).
import { columnize } from './result-format.ts';
import type { DescribeTarget, QualifiedName } from './shell-commands.ts';
import { TYPE_CODE } from './value-format.ts';
import type { CqlColumnType, UdtInfo } from './value-format.ts';

export const SYSTEM_KEYSPACES: ReadonlySet<string> = new Set([
  'system', 'system_schema', 'system_auth', 'system_distributed', 'system_traces', 'system_views', 'system_virtual_schema',
]);

/** Cassandra's reserved keywords: such names must be double-quoted. */
const RESERVED: ReadonlySet<string> = new Set([
  'add', 'allow', 'alter', 'and', 'apply', 'asc', 'authorize', 'batch', 'begin', 'by', 'columnfamily', 'create', 'delete',
  'desc', 'describe', 'drop', 'entries', 'execute', 'from', 'full', 'grant', 'if', 'in', 'index', 'infinity', 'insert',
  'into', 'keyspace', 'limit', 'modify', 'nan', 'norecursive', 'not', 'null', 'of', 'on', 'or', 'order', 'primary',
  'rename', 'replace', 'revoke', 'schema', 'select', 'set', 'table', 'to', 'token', 'truncate', 'unlogged', 'update',
  'use', 'using', 'view', 'where', 'with',
]);

export interface KeyspaceInfo {
  readonly name: string;
  readonly strategy: string;
  readonly strategyOptions: Readonly<Record<string, string>>;
  readonly durableWrites: boolean;
}

export interface ColumnInfo {
  readonly name: string;
  readonly type: CqlColumnType;
  readonly isStatic?: boolean;
}

export interface TableInfo {
  readonly keyspace: string;
  readonly name: string;
  readonly columns: readonly ColumnInfo[];
  readonly partitionKeys: ReadonlyArray<{ readonly name: string }>;
  readonly clusteringKeys: ReadonlyArray<{ readonly name: string }>;
  readonly clusteringOrder: readonly string[];
  /** Table options as `name = literal` pairs, already rendered as CQL. */
  readonly options: ReadonlyArray<readonly [string, string]>;
  readonly indexes: ReadonlyArray<{ readonly name: string; readonly target: string }>;
}

/** Where DESCRIBE reads the schema from (the driver's metadata in the shell, fakes in tests). */
export interface SchemaSource {
  keyspaceNames(): Promise<string[]>;
  keyspace(name: string): Promise<KeyspaceInfo | null>;
  /** Table names by keyspace (all keyspaces when `keyspace` is null), in schema order. */
  tableNames(keyspace: string | null): Promise<Array<{ keyspace: string; name: string }>>;
  typeNames(keyspace: string | null): Promise<Array<{ keyspace: string; name: string }>>;
  table(keyspace: string, name: string): Promise<TableInfo | null>;
  udt(keyspace: string, name: string): Promise<UdtInfo | null>;
  cluster(): Promise<{ clusterName: string; partitioner: string }>;
}

/** A DESCRIBE that cannot be answered; cqlsh prints the message alone. */
export class DescribeError extends Error {
  override readonly name = 'DescribeError';
}

export function quoteName(name: string): string {
  if (/^[a-z][a-z0-9_]*$/.test(name) && !RESERVED.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

const SIMPLE_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [TYPE_CODE.ascii, 'ascii'], [TYPE_CODE.bigint, 'bigint'], [TYPE_CODE.blob, 'blob'], [TYPE_CODE.boolean, 'boolean'],
  [TYPE_CODE.counter, 'counter'], [TYPE_CODE.decimal, 'decimal'], [TYPE_CODE.double, 'double'], [TYPE_CODE.float, 'float'],
  [TYPE_CODE.int, 'int'], [TYPE_CODE.text, 'text'], [TYPE_CODE.timestamp, 'timestamp'], [TYPE_CODE.uuid, 'uuid'],
  [TYPE_CODE.varchar, 'text'], [TYPE_CODE.varint, 'varint'], [TYPE_CODE.timeuuid, 'timeuuid'], [TYPE_CODE.inet, 'inet'],
  [TYPE_CODE.date, 'date'], [TYPE_CODE.time, 'time'], [TYPE_CODE.smallint, 'smallint'], [TYPE_CODE.tinyint, 'tinyint'],
  [TYPE_CODE.duration, 'duration'],
]);

/** The CQL spelling of a driver type descriptor, `frozen<...>` included. */
export function typeToCql(type: CqlColumnType): string {
  let text: string;
  switch (type.code) {
    case TYPE_CODE.list: text = `list<${typeToCql(type.info as CqlColumnType)}>`; break;
    case TYPE_CODE.set: text = `set<${typeToCql(type.info as CqlColumnType)}>`; break;
    case TYPE_CODE.map: {
      const [k, v] = type.info as readonly [CqlColumnType, CqlColumnType];
      text = `map<${typeToCql(k)}, ${typeToCql(v)}>`;
      break;
    }
    case TYPE_CODE.tuple: text = `tuple<${(type.info as readonly CqlColumnType[]).map(typeToCql).join(', ')}>`; break;
    case TYPE_CODE.udt: text = quoteName((type.info as UdtInfo).name); break;
    case TYPE_CODE.custom: text = quoteString(String(type.info)); break;
    default: text = SIMPLE_TYPE_NAMES.get(type.code) ?? `unknown(${type.code})`;
  }
  return type.options?.frozen === true ? `frozen<${text}>` : text;
}

export function createKeyspaceCql(ks: KeyspaceInfo): string {
  const replication = [['class', ks.strategy] as const, ...Object.entries(ks.strategyOptions).filter(([k]) => k !== 'class')]
    .map(([k, v]) => `${quoteString(k)}: ${quoteString(v)}`).join(', ');
  // Two spaces before AND: Cassandra 4's DESCRIBE prints it so.
  return `CREATE KEYSPACE ${quoteName(ks.name)} WITH replication = {${replication}}  AND durable_writes = ${String(ks.durableWrites)};`;
}

export function createTableCql(table: TableInfo): string {
  const lines: string[] = [];
  const partition = table.partitionKeys.map((c) => c.name);
  const clustering = table.clusteringKeys.map((c) => c.name);
  const keyNames = new Set([...partition, ...clustering]);
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const singleKey = partition.length === 1 && clustering.length === 0;
  const ordered: ColumnInfo[] = [
    ...[...partition, ...clustering].map((n) => byName.get(n)).filter((c): c is ColumnInfo => c !== undefined),
    ...table.columns.filter((c) => !keyNames.has(c.name) && c.isStatic === true).sort((a, b) => (a.name < b.name ? -1 : 1)),
    ...table.columns.filter((c) => !keyNames.has(c.name) && c.isStatic !== true).sort((a, b) => (a.name < b.name ? -1 : 1)),
  ];
  for (const c of ordered) {
    const suffix = singleKey && c.name === partition[0] ? ' PRIMARY KEY' : c.isStatic === true ? ' static' : '';
    lines.push(`    ${quoteName(c.name)} ${typeToCql(c.type)}${suffix}`);
  }
  if (!singleKey) {
    const pk = partition.length === 1 ? quoteName(partition[0]!) : `(${partition.map(quoteName).join(', ')})`;
    lines.push(`    PRIMARY KEY (${[pk, ...clustering.map(quoteName)].join(', ')})`);
  }
  const withParts: string[] = [];
  if (clustering.length > 0) {
    withParts.push(`CLUSTERING ORDER BY (${clustering.map((n, i) => `${quoteName(n)} ${(table.clusteringOrder[i] ?? 'ASC').toUpperCase()}`).join(', ')})`);
  }
  for (const [name, literal] of table.options) withParts.push(`${name} = ${literal}`);
  const head = `CREATE TABLE ${quoteName(table.keyspace)}.${quoteName(table.name)} (\n${lines.join(',\n')}\n)`;
  const statement = withParts.length === 0 ? head : `${head} WITH ${withParts.join('\n    AND ')}`;
  return `${statement};`;
}

export function createIndexCql(table: TableInfo, index: { name: string; target: string }): string {
  return `CREATE INDEX ${quoteName(index.name)} ON ${quoteName(table.keyspace)}.${quoteName(table.name)} (${index.target});`;
}

export function createTypeCql(keyspace: string, udt: UdtInfo): string {
  const fields = udt.fields.map((f) => `    ${quoteName(f.name)} ${typeToCql(f.type)}`).join(',\n');
  return `CREATE TYPE ${quoteName(keyspace)}.${quoteName(udt.name)} (\n${fields}\n);`;
}

/** Lines of a listing grouped by keyspace, as cqlsh's describe_list prints them. */
function listing(entries: ReadonlyArray<{ keyspace: string; name: string }>, currentKeyspace: string | null): string[] {
  const lines: string[] = [];
  let keyspace: string | null = null;
  let names: string[] = [];
  const flush = (): void => {
    if (keyspace === null) return;
    lines.push('');
    if (currentKeyspace === null) {
      lines.push(`Keyspace ${keyspace}`);
      lines.push(`---------${'-'.repeat(keyspace.length)}`);
    }
    lines.push(...columnize(names));
  };
  for (const e of entries) {
    if (e.keyspace !== keyspace) {
      flush();
      keyspace = e.keyspace;
      names = [];
    }
    names.push(quoteName(e.name));
  }
  if (keyspace !== null) {
    flush();
    lines.push('');
  }
  return lines;
}

async function keyspaceElements(source: SchemaSource, keyspace: string): Promise<string[]> {
  const ks = await source.keyspace(keyspace);
  if (ks === null) throw new DescribeError(`'${keyspace}' not found in keyspaces`);
  const statements = [createKeyspaceCql(ks)];
  for (const t of await source.typeNames(keyspace)) {
    const udt = await source.udt(keyspace, t.name);
    if (udt !== null) statements.push(createTypeCql(keyspace, udt));
  }
  for (const t of await source.tableNames(keyspace)) {
    const table = await source.table(keyspace, t.name);
    if (table === null) continue;
    statements.push(createTableCql(table));
    for (const index of table.indexes) statements.push(createIndexCql(table, index));
  }
  return statements;
}

function elementLines(statements: readonly string[]): string[] {
  return statements.flatMap((s) => ['', s]);
}

function resolveKeyspace(name: QualifiedName, currentKeyspace: string | null): string {
  const keyspace = name.keyspace ?? currentKeyspace;
  if (keyspace === null) throw new DescribeError('No keyspace specified and no current keyspace');
  return keyspace;
}

/** The lines DESCRIBE prints for `target` (each line printed with a newline). */
export async function describe(source: SchemaSource, target: DescribeTarget, currentKeyspace: string | null): Promise<string[]> {
  switch (target.kind) {
    case 'keyspaces': {
      const names = (await source.keyspaceNames()).sort().map(quoteName);
      return ['', ...columnize(names), ''];
    }
    case 'tables':
      return listing(await source.tableNames(currentKeyspace), currentKeyspace);
    case 'types':
      return listing(await source.typeNames(currentKeyspace), currentKeyspace);
    case 'cluster': {
      const c = await source.cluster();
      return ['', `Cluster: ${c.clusterName}`, `Partitioner: ${c.partitioner}`, ''];
    }
    case 'schema': {
      const names = (await source.keyspaceNames()).sort().filter((n) => target.full || !SYSTEM_KEYSPACES.has(n));
      const statements: string[] = [];
      for (const n of names) statements.push(...(await keyspaceElements(source, n)));
      return elementLines(statements);
    }
    case 'keyspace': {
      const keyspace = target.name ?? currentKeyspace;
      if (keyspace === null) throw new DescribeError('No keyspace specified and no current keyspace');
      return elementLines(await keyspaceElements(source, keyspace));
    }
    case 'table': {
      const keyspace = resolveKeyspace(target.name, currentKeyspace);
      if ((await source.keyspace(keyspace)) === null) throw new DescribeError(`'${keyspace}' not found in keyspaces`);
      const table = await source.table(keyspace, target.name.name);
      if (table === null) throw new DescribeError(`'${target.name.name}' not found in keyspace '${keyspace}'`);
      return elementLines([createTableCql(table), ...table.indexes.map((i) => createIndexCql(table, i))]);
    }
    case 'type': {
      const keyspace = resolveKeyspace(target.name, currentKeyspace);
      const udt = await source.udt(keyspace, target.name.name);
      if (udt === null) throw new DescribeError(`User defined type '${target.name.name}' not found in '${keyspace}'`);
      return elementLines([createTypeCql(keyspace, udt)]);
    }
    case 'object': {
      if (target.name.keyspace === null && (await source.keyspace(target.name.name)) !== null) {
        return elementLines(await keyspaceElements(source, target.name.name));
      }
      const keyspace = target.name.keyspace ?? currentKeyspace;
      if (keyspace === null) throw new DescribeError(`'${target.name.name}' not found in keyspaces`);
      const table = await source.table(keyspace, target.name.name);
      if (table === null) throw new DescribeError(`'${target.name.name}' not found in keyspace '${keyspace}'`);
      return elementLines([createTableCql(table), ...table.indexes.map((i) => createIndexCql(table, i))]);
    }
  }
}
