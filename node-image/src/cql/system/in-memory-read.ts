// Evaluates a ReadCommand over partitions held in memory (virtual tables): partition selection,
// clustering slices and names, reversal, paging resume point and limits, with the same meaning
// as the storage engine gives them.
import type { TableMetadata } from '../../schema/index.ts';
import { clusteringComparator } from '../../schema/index.ts';
import type { ClusteringBound, PartitionPosition, ReadCommand, ReadPartition, ReadResult, Row } from '../../storage/index.ts';

type Compare = (a: readonly Buffer[], b: readonly Buffer[]) => number;

function prefixCompare(compare: Compare, clustering: readonly Buffer[], bound: ClusteringBound): number {
  return compare(clustering.slice(0, bound.values.length), bound.values);
}

function afterStart(compare: Compare, c: readonly Buffer[], b: ClusteringBound): boolean {
  const r = prefixCompare(compare, c, b);
  return r > 0 || (r === 0 && b.inclusive);
}

function beforeEnd(compare: Compare, c: readonly Buffer[], b: ClusteringBound): boolean {
  const r = prefixCompare(compare, c, b);
  return r < 0 || (r === 0 && b.inclusive);
}

/**
 * Whether (token, key) is on the inner side of a range bound. A bound with a null key stands for
 * every key of its token: inclusive takes them all, exclusive none.
 */
function withinBound(token: bigint, key: Buffer, bound: PartitionPosition, inclusive: boolean, isStart: boolean): boolean {
  if (token !== bound.token) return isStart ? token > bound.token : token < bound.token;
  if (bound.key === null) return inclusive;
  const c = Buffer.compare(key, bound.key);
  return c === 0 ? inclusive : isStart ? c > 0 : c < 0;
}

export function readInMemory(table: TableMetadata, partitions: readonly ReadPartition[], command: ReadCommand): ReadResult {
  const compare = clusteringComparator(table);
  const selector = command.partitions;
  let selected: ReadPartition[];
  if (selector.kind === 'single') {
    selected = partitions.filter((p) => p.key.equals(selector.key));
  } else {
    selected = partitions.filter((p) =>
      withinBound(p.token, p.key, selector.start, selector.startInclusive, true) &&
      withinBound(p.token, p.key, selector.end, selector.endInclusive, false));
  }
  const out: ReadPartition[] = [];
  let rowsLeft = command.limits.rows;
  for (const partition of selected) {
    if (out.length >= command.limits.partitions || rowsLeft <= 0) break;
    let rows: Row[] = partition.rows.filter((r) => {
      const filter = command.clustering;
      if (filter.kind === 'names') return filter.clusterings.some((c) => compare(c, r.clustering) === 0);
      return filter.slices.some((s) => afterStart(compare, r.clustering, s.start) && beforeEnd(compare, r.clustering, s.end));
    });
    if (command.clustering.reversed) rows = rows.reverse();
    const resume = command.resumeAfterClustering;
    const isResumePartition = selector.kind === 'single' || (selector.start.key !== null && partition.key.equals(selector.start.key));
    if (resume !== null && isResumePartition) {
      rows = rows.filter((r) => {
        const c = compare(r.clustering, resume);
        return command.clustering.reversed ? c < 0 : c > 0;
      });
    }
    const take = Math.min(rows.length, rowsLeft, command.limits.perPartitionRows);
    rows = rows.slice(0, take);
    rowsLeft -= Math.max(take, rows.length === 0 && partition.staticRow !== null ? 1 : 0);
    if (rows.length === 0 && (partition.staticRow === null || !command.includeStaticRow)) continue;
    out.push({ ...partition, rows, staticRow: command.includeStaticRow ? partition.staticRow : null });
  }
  return { partitions: out };
}
