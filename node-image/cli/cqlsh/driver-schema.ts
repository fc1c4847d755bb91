// SchemaSource over a connected cassandra-driver Client: tables (columns, keys, clustering order,
// indexes) and UDTs from the driver's schema metadata; keyspaces, the lists of names and the table
// options, which the driver's metadata does not keep whole, from system_schema rows.
import type cassandra from 'cassandra-driver';
import type { ColumnInfo, KeyspaceInfo, SchemaSource, TableInfo } from './describe.ts';
import { TYPE_CODE } from './value-format.ts';
import type { CqlColumnType, UdtInfo } from './value-format.ts';

/** system_schema.tables columns that are identity, not options. */
const NOT_OPTIONS: ReadonlySet<string> = new Set(['keyspace_name', 'table_name', 'id', 'flags']);

function quoteString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A table option value as a CQL literal (maps as `{'k': 'v'}`, doubles with a decimal point). */
export function optionLiteral(value: unknown, type: CqlColumnType | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    return type?.code === TYPE_CODE.double || type?.code === TYPE_CODE.float
      ? (Number.isInteger(value) ? value.toFixed(1) : String(value))
      : String(value);
  }
  if (value instanceof Map) {
    return `{${[...(value as Map<unknown, unknown>).entries()].map(([k, v]) => `${optionLiteral(k, undefined)}: ${optionLiteral(v, undefined)}`).join(', ')}}`;
  }
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  if (Array.isArray(value)) return `[${value.map((v) => optionLiteral(v, undefined)).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${quoteString(k)}: ${optionLiteral(v, undefined)}`).join(', ')}}`;
  }
  return String(value);
}

export class DriverSchemaSource implements SchemaSource {
  private readonly client: cassandra.Client;

  constructor(client: cassandra.Client) {
    this.client = client;
  }

  async keyspaceNames(): Promise<string[]> {
    const result = await this.client.execute('SELECT keyspace_name FROM system_schema.keyspaces', [], { prepare: false });
    return result.rows.map((r) => String(r.get('keyspace_name')));
  }

  /** Read from system_schema: the driver's keyspace metadata loses the replication class under Map encoding. */
  async keyspace(name: string): Promise<KeyspaceInfo | null> {
    const result = await this.client.execute(
      'SELECT keyspace_name, durable_writes, replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [name], { prepare: false },
    );
    const row = result.rows[0];
    if (row === undefined) return null;
    const replication = row.get('replication') as Map<string, string> | Record<string, string> | null;
    const options: Record<string, string> = replication instanceof Map ? Object.fromEntries(replication) : { ...(replication ?? {}) };
    const strategy = options['class'] ?? '';
    delete options['class'];
    return { name, strategy, strategyOptions: options, durableWrites: row.get('durable_writes') !== false };
  }

  async tableNames(keyspace: string | null): Promise<Array<{ keyspace: string; name: string }>> {
    return this.names('SELECT keyspace_name, table_name FROM system_schema.tables', 'table_name', keyspace);
  }

  async typeNames(keyspace: string | null): Promise<Array<{ keyspace: string; name: string }>> {
    return this.names('SELECT keyspace_name, type_name FROM system_schema.types', 'type_name', keyspace);
  }

  async table(keyspace: string, name: string): Promise<TableInfo | null> {
    const meta = await this.client.metadata.getTable(keyspace, name);
    if (meta === null || meta === undefined) return null;
    const optionsResult = await this.client.execute(
      'SELECT * FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [keyspace, name], { prepare: false },
    );
    const row = optionsResult.rows[0];
    const options: Array<[string, string]> = [];
    if (row !== undefined) {
      for (const column of optionsResult.columns) {
        if (NOT_OPTIONS.has(column.name)) continue;
        options.push([column.name, optionLiteral(row.get(column.name), column.type as CqlColumnType)]);
      }
      options.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    }
    const columns: ColumnInfo[] = meta.columns.map((c) => ({
      name: c.name, type: c.type as CqlColumnType, isStatic: (c as { isStatic?: boolean }).isStatic === true,
    }));
    return {
      keyspace,
      name,
      columns,
      partitionKeys: meta.partitionKeys.map((c) => ({ name: c.name })),
      clusteringKeys: meta.clusteringKeys.map((c) => ({ name: c.name })),
      clusteringOrder: meta.clusteringOrder,
      options,
      indexes: (meta.indexes ?? []).map((i) => ({ name: i.name, target: i.target })),
    };
  }

  async udt(keyspace: string, name: string): Promise<UdtInfo | null> {
    const udt = await this.client.metadata.getUdt(keyspace, name);
    if (udt === null || udt === undefined) return null;
    return { keyspace, name: udt.name, fields: udt.fields.map((f) => ({ name: f.name, type: f.type as CqlColumnType })) };
  }

  async cluster(): Promise<{ clusterName: string; partitioner: string }> {
    const result = await this.client.execute('SELECT cluster_name, partitioner FROM system.local', [], { prepare: false });
    const row = result.rows[0];
    return { clusterName: String(row?.get('cluster_name') ?? ''), partitioner: String(row?.get('partitioner') ?? '') };
  }

  private async names(query: string, column: string, keyspace: string | null): Promise<Array<{ keyspace: string; name: string }>> {
    const result = keyspace === null
      ? await this.client.execute(query, [], { prepare: false })
      : await this.client.execute(`${query} WHERE keyspace_name = ?`, [keyspace], { prepare: false });
    return result.rows.map((r) => ({ keyspace: String(r.get('keyspace_name')), name: String(r.get(column)) }));
  }
}
