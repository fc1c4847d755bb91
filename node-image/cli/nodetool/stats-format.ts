// `nodetool tablestats`, `compactionstats` and `netstats` from the management API's statistics,
// with Cassandra's labels; figures the node does not measure yet print as Cassandra prints an
// empty histogram (NaN ms).
import type { Compactions, NodeInfo, Streams, TableStats } from '../../src/management/contract/index.ts';
import { formatBytes } from './size-format.ts';
import { formatColumns } from './text-table.ts';

function latency(ms: number | null): string {
  return ms === null ? 'NaN ms' : `${ms.toFixed(3)} ms`;
}

export function formatTableStats(stats: TableStats): string {
  const byKeyspace = new Map<string, TableStats['tables'][number][]>();
  for (const t of stats.tables) byKeyspace.set(t.keyspace, [...(byKeyspace.get(t.keyspace) ?? []), t]);
  const lines = [`Total number of tables: ${stats.tables.length}`, '----------------'];
  for (const keyspace of [...byKeyspace.keys()].sort()) {
    const tables = byKeyspace.get(keyspace)!.sort((a, b) => a.table.localeCompare(b.table));
    const reads = tables.reduce((n, t) => n + t.readCount, 0);
    const writes = tables.reduce((n, t) => n + t.writeCount, 0);
    lines.push(`Keyspace : ${keyspace}`, `\tRead Count: ${reads}`, '\tRead Latency: NaN ms', `\tWrite Count: ${writes}`, '\tWrite Latency: NaN ms', '\tPending Flushes: 0');
    for (const t of tables) {
      lines.push(
        `\t\tTable: ${t.table}`,
        `\t\tSSTable count: ${t.sstableCount}`,
        `\t\tSpace used (live): ${t.liveBytes}`,
        `\t\tSpace used (total): ${t.totalBytes}`,
        `\t\tMemtable cell count: ${t.memtableCells}`,
        `\t\tMemtable data size: ${t.memtableBytes}`,
        `\t\tNumber of partitions (estimate): ${t.estimatedPartitions}`,
        `\t\tLocal read count: ${t.readCount}`,
        `\t\tLocal read latency: ${latency(t.readLatencyMsP50)}`,
        `\t\tLocal write count: ${t.writeCount}`,
        `\t\tLocal write latency: ${latency(t.writeLatencyMsP50)}`,
        ...(t.sstablesPerLevel === undefined ? [] : [`\t\tSSTables in each level: [${t.sstablesPerLevel.join(', ')}]`]),
        ...(t.compressionRatio === undefined ? [] : [`\t\tSSTable Compression Ratio: ${(1 / Math.max(t.compressionRatio, 1e-9)).toFixed(5)}`]),
        ...(t.pendingCompactions === undefined ? [] : [`\t\tPending compactions: ${t.pendingCompactions}`]),
        ...(t.bloomFilterFalsePositives === undefined ? [] : [`\t\tBloom filter false positives: ${t.bloomFilterFalsePositives}`]),
        ...(t.bloomFilterFalseRatio === undefined ? [] : [`\t\tBloom filter false ratio: ${t.bloomFilterFalseRatio.toFixed(5)}`]),
        ...(t.partitionSizeBytesP50 === undefined ? [] : [
          `\t\tCompacted partition median bytes: ${t.partitionSizeBytesP50 ?? 0}`,
          `\t\tCompacted partition 99th percentile bytes: ${t.partitionSizeBytesP99 ?? 0}`,
          `\t\tCompacted partition maximum bytes: ${t.partitionSizeBytesMax ?? 0}`,
        ]),
        ...(t.tombstonesScannedP50 === undefined ? [] : [
          `\t\tMedian tombstones per read: ${t.tombstonesScannedP50 ?? 'NaN'}`,
          `\t\t99th percentile tombstones per read: ${t.tombstonesScannedP99 ?? 'NaN'}`,
        ]),
        ...(t.droppableTombstoneRatio === undefined ? [] : [`\t\tDroppable tombstone ratio: ${t.droppableTombstoneRatio.toFixed(5)}`]),
        '',
      );
    }
    lines.push('----------------');
  }
  return `${lines.join('\n')}\n`;
}

export function formatCompactionStats(compactions: Compactions): string {
  const lines = [`pending tasks: ${compactions.pendingTasks}`];
  if (compactions.throughputMbPerSecond !== undefined) {
    lines.push(`compaction throughput: ${compactions.throughputMbPerSecond === 0 ? 'unthrottled' : `${compactions.throughputMbPerSecond} MiB/s`}`);
  }
  if (compactions.active.length > 0) {
    const rows = [['id', 'compaction type', 'keyspace', 'table', 'completed', 'total', 'unit', 'progress']];
    for (const a of compactions.active) {
      const progress = a.totalBytes === 0 ? 'n/a' : `${((a.completedBytes / a.totalBytes) * 100).toFixed(2)}%`;
      rows.push([a.id, a.kind, a.keyspace, a.table, String(a.completedBytes), String(a.totalBytes), 'bytes', progress]);
    }
    lines.push(...formatColumns(rows));
  }
  return `${lines.join('\n')}\n`;
}

export function formatNetStats(info: NodeInfo, streams: Streams): string {
  const lines = [`Mode: ${info.operationMode}`];
  if (streams.sessions.length === 0) lines.push('Not sending any streams.');
  const byPlan = new Map<string, Streams['sessions'][number][]>();
  for (const s of streams.sessions) byPlan.set(s.planId, [...(byPlan.get(s.planId) ?? []), s]);
  for (const [planId, sessions] of byPlan) {
    lines.push(`${sessions[0]!.operation} ${planId}`);
    for (const s of sessions) {
      lines.push(`    /${s.peer}`);
      const verb = s.direction === 'SENDING' ? 'Sending' : 'Receiving';
      lines.push(`        ${verb} ${s.filesTotal} files, ${formatBytes(s.bytesTotal)} total. Already ${s.direction === 'SENDING' ? 'sent' : 'received'} ${s.filesDone} files, ${formatBytes(s.bytesDone)} total`);
    }
  }
  return `${lines.join('\n')}\n`;
}
