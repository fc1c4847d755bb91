// What cassandra-driver makes of a target's system_schema tables: keyspace, table and UDT metadata
// as the driver exposes them to applications (and uses for routing), reduced to plain JSON.
import type cassandra from 'cassandra-driver';
import { typeName, type Outcome } from './outcome.ts';

interface ColumnInfo {
  name: string;
  type: { code: number; info?: unknown };
}

export async function metadataOutcome(
  client: cassandra.Client,
  target: { keyspace: string; table?: string | undefined; udt?: string | undefined },
): Promise<Outcome> {
  await client.metadata.refreshKeyspace(target.keyspace);
  if (target.table !== undefined) {
    const table = await client.metadata.getTable(target.keyspace, target.table);
    if (table == null) return { kind: 'metadata', value: null };
    const names = (cols: ColumnInfo[]): string[] => cols.map((c) => c.name);
    return {
      kind: 'metadata',
      value: {
        name: table.name,
        columns: (table.columns as ColumnInfo[]).map((c) => ({ name: c.name, type: typeName(c.type) })),
        partitionKeys: names(table.partitionKeys as ColumnInfo[]),
        clusteringKeys: names(table.clusteringKeys as ColumnInfo[]),
        clusteringOrder: table.clusteringOrder,
        isCompact: table.isCompact,
        comment: table.comment,
        defaultTtl: table.defaultTtl,
        gcGraceSeconds: table.gcGraceSeconds,
        compactionClass: table.compactionClass,
        compactionOptions: table.compactionOptions,
        compression: table.compression,
        bloomFilterFalsePositiveChance: table.bloomFilterFalsePositiveChance,
        caching: table.caching,
        speculativeRetry: table.speculativeRetry,
        memtableFlushPeriod: table.memtableFlushPeriod,
        indexes: table.indexes.length,
        virtual: table.virtual,
      },
    };
  }
  if (target.udt !== undefined) {
    const udt = await client.metadata.getUdt(target.keyspace, target.udt);
    if (udt == null) return { kind: 'metadata', value: null };
    return {
      kind: 'metadata',
      value: { name: udt.name, fields: (udt.fields as ColumnInfo[]).map((f) => ({ name: f.name, type: typeName(f.type) })) },
    };
  }
  const keyspace = client.metadata.keyspaces[target.keyspace] as
    | { name: string; strategy: string; strategyOptions: unknown; durableWrites: boolean; virtual?: boolean }
    | undefined;
  if (keyspace === undefined) return { kind: 'metadata', value: null };
  return {
    kind: 'metadata',
    value: {
      name: keyspace.name,
      strategy: keyspace.strategy,
      strategyOptions: keyspace.strategyOptions,
      durableWrites: keyspace.durableWrites,
      virtual: keyspace.virtual ?? false,
    },
  };
}
